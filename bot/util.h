/* util.h — allocation that aborts on OOM, capped byte buffers, time and duration helpers. */
#ifndef HEALER_UTIL_H
#define HEALER_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdarg.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation: never return NULL; abort with a message on OOM. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t sz);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s); /* NULL in, NULL out */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer with a hard cap. Always NUL-terminated (data may be NULL while len 0).
 * buf_append returns 0, or -1 when the cap would be exceeded (then nothing is appended and
 * `overflow` is set); buf_append_trunc appends what fits and sets `overflow`. */
struct buf {
	char *data;
	size_t len;
	size_t cap_limit; /* 0 = unlimited */
	size_t alloc;
	bool overflow;
};
void buf_init(struct buf *b, size_t cap_limit);
int buf_append(struct buf *b, const void *p, size_t n);
void buf_append_trunc(struct buf *b, const void *p, size_t n);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *buf_steal(struct buf *b); /* returns data ("" if empty), buffer reset; caller frees */
void buf_free(struct buf *b);

/* Time. Wall clock in milliseconds since the epoch; monotonic for intervals. */
int64_t now_ms(void);
int64_t mono_ms(void);

/* RFC 3339 / ISO 8601 ("2024-05-01T10:00:00Z", "...+0000", "...+00:00", fractional seconds)
 * to epoch ms. Returns 0 on success, -1 if unparsable. "0001-01-01T00:00:00Z" parses to a
 * negative value; callers treat <= 0 as "unset". */
int time_parse_iso(const char *s, int64_t *out_ms);
/* Formats epoch ms as "2024-05-01T10:00:00.123Z" into out (>= 32 bytes). */
void time_format_iso(int64_t ms, char *out, size_t outlen);

/* Durations: "250ms", "10s", "5m", "2h", "1d", or a bare number of seconds; combinations
 * like "1h30m". Returns 0 and ms, or -1 on anything else (negative, empty, junk, overflow). */
int duration_parse(const char *s, int64_t *out_ms);
/* "41 s", "3 min 5 s", "2 h 4 min" into out. */
void duration_format(int64_t ms, char *out, size_t outlen);

/* Constant-time comparison of two byte strings (length leaks, contents do not). */
bool ct_equal(const void *a, size_t alen, const void *b, size_t blen);

/* Copies at most max bytes of s, cutting on a UTF-8 boundary and appending "…" when cut.
 * max counts bytes of the result including the ellipsis. Caller frees. */
char *utf8_truncate(const char *s, size_t max);

/* Length of the well-formed UTF-8 sequence at p (1–4), or 0: overlong forms, surrogates and
 * code points past U+10FFFF are not well formed. p is NUL-terminated. */
size_t utf8_seq_len(const unsigned char *p);
/* Replaces every byte that is not part of a well-formed UTF-8 sequence with '?', in place,
 * so text echoed from a peer can go into JSON and headers. Returns s. */
char *utf8_scrub(char *s);

/* Reads a whole file (cap bytes at most). Returns 0, -1 with errno on error or if larger. */
int file_read_all(const char *path, size_t cap, char **out, size_t *outlen);

#endif
