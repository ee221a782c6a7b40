/* adapter.h — the chat adapter interface. Each adapter (console, Slack, Teams) renders the
 * same incident view and feeds the same command grammar; the engine knows them only here. */
#ifndef HEALER_ADAPTER_H
#define HEALER_ADAPTER_H

#include <stdbool.h>
#include <stdint.h>

/* An adapter drains its outbox rows (store_outbox_next with its name) whenever
 * adapters_kick() is called after a commit, rendering "card" items from the current store
 * state. Callbacks run on the loop thread. */
struct adapter {
	const char *name; /* "console", "slack", "teams": the outbox's adapter column */
	/* Optional, before the event loop exists: register websocket client protocols
	 * (loop_client_protocol_add) and read configuration. 0 = ok, 1 = not configured. */
	int (*prepare)(struct adapter *a);
	/* 0 = enabled and started; 1 = not configured (skipped); -1 = error */
	int (*start)(struct adapter *a);
	void (*kick)(struct adapter *a); /* outbox has new rows */
	void (*stop)(struct adapter *a);
	void *priv;
};

/* Calls every adapter's prepare hook; before loop_init. */
void adapters_prepare(void);
/* Starts the configured adapters; after loop_init, before the HTTP server starts (so they
 * can add routes). */
int adapters_start(void);
void adapters_stop(void);
/* Calls kick on every started adapter. Loop thread. */
void adapters_kick(void);
/* Names of started adapters, for writing outbox rows: NULL-terminated static array. */
const char *const *adapters_enabled(void);

extern struct adapter console_adapter;

#endif
