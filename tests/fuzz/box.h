/* box.h — the daemon in a box for fuzz targets that go past the parsers: a store in a
 * private temporary directory, the engine with no runbooks (nothing a fuzz input approves
 * can run a command) and the default policy, and the event loop driven by the target. */
#ifndef HEALER_FUZZ_BOX_H
#define HEALER_FUZZ_BOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sets everything up once (later calls do nothing): quiet logs, HEALER_INGEST_TOKEN
 * "fuzz-ingest-token", the tests' SNS topics and certificate host, the
 * store, the engine, the loop and its workers. Aborts when any of
 * it fails: a target that cannot start has nothing to say about its input. */
void box_init(void);
/* Services the loop `rounds` times without blocking: results posted by workers and timers
 * already due are handled before the next input. */
void box_drain(int rounds);
/* An owned, NUL-terminated copy of an input (libFuzzer's buffer is not terminated). */
char *box_strndup(const uint8_t *data, size_t size);
/* The contents of a file under tests/data (FUZZ_DATA, set by the Makefile); aborts when it
 * cannot be read. Owned; *len may be NULL. */
char *box_data_file(const char *name, size_t *len);
/* True when s is well-formed UTF-8 (what Slack, Teams and every JSON reader expect). */
bool box_utf8_ok(const char *s);
/* Aborts with "<what>: <detail>" on stderr: libFuzzer then keeps the input as a crash. */
void box_fail(const char *what, const char *detail) __attribute__((noreturn));

#endif
