/* loop.h — the one event loop (an lws context on one service thread), its timers, the
 * thread-safe post queue back into it, and the worker pools for blocking work. */
#ifndef HEALER_LOOP_H
#define HEALER_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct lws_context;
struct lws_vhost;
struct lws_protocols;

/* Creates the lws context (no listener). Returns 0 or -1. Starts `nworkers` worker threads
 * for each pool. */
int loop_init(void);
struct lws_context *loop_context(void);
/* Runs until loop_stop(); then returns. May be called again after it returned (tests do): a
 * new run starts un-stopped, but a stop requested before the first run is kept. */
void loop_run(void);
/* Thread-safe; also async-signal-safe enough for SIGINT/SIGTERM handlers (sets a flag and
 * calls lws_cancel_service). */
void loop_stop(void);
bool loop_stopping(void);
/* Joins workers and destroys the context. */
void loop_shutdown(void);
bool loop_on_loop_thread(void);

/* Adds a protocol (copied; its name and callback must stay valid) to the shared client vhost,
 * for websocket clients. Call before loop_init. Returns 0, or -1 when too late or full. */
int loop_client_protocol_add(const struct lws_protocols *p);
/* The client vhost: no listener, TLS client context initialised, trusts the system CAs and
 * HEALER_CA_FILE when set. Connect with .vhost = this and .local_protocol_name = the name
 * given to loop_client_protocol_add. NULL before loop_init. */
struct lws_vhost *loop_client_vhost(void);

/* Runs fn(arg) on the loop thread soon. Thread-safe: the way results come back. */
typedef void (*loop_fn)(void *arg);
void loop_post(loop_fn fn, void *arg);

/* One-shot timer on the loop thread. Returns an id > 0; cancel with loop_timer_cancel (a
 * cancelled or fired id is ignored). Must be called on the loop thread. */
uint64_t loop_timer_add(int64_t delay_ms, loop_fn fn, void *arg);
void loop_timer_cancel(uint64_t id);

/* Worker pools: WORK_IO for the calls people wait on (chat APIs, web pages, SNS certs, the
 * sign-in mail), WORK_EXEC for runbook steps and diagnostics (child processes, HTTP steps,
 * waits), WORK_FETCH for reads of outside sources that may hang until their timeout (metric
 * queries, log fetches, the model), so that a slow source never delays a card or a page;
 * HEALER_FETCH_WORKERS threads (default 4). work(arg) runs on a worker
 * thread; then done(arg, status) runs exactly once:
 *   WORK_DONE      on the loop thread, after work ran;
 *   WORK_CANCELLED when the job or its result was dropped at shutdown (then on the thread
 *                  calling loop_shutdown; work may or may not have run), or at once, before
 *                  work_submit returns, when the pools are not running.
 * A cancelled done must only release arg: the loop, the store and the surfaces may be gone. */
enum work_pool { WORK_IO, WORK_EXEC, WORK_FETCH, WORK__COUNT };
enum work_status { WORK_DONE, WORK_CANCELLED };
typedef void (*work_done_fn)(void *arg, enum work_status status);
void work_submit(enum work_pool pool, loop_fn work, work_done_fn done, void *arg);
/* The number of threads a pool runs (set at loop_init): callers that bound their share of a
 * pool size it from this. */
int work_pool_threads(enum work_pool pool);

#endif
