/* logctx.h — the log context of a new incident: every configured source is queried around
 * the incident's start on WORK_FETCH workers, the warnings and errors are grouped into templates,
 * and the top ones are recorded on the incident (a "logs.context" timeline row each, the view
 * key log_context) before the analysis, which waits at most the sources' timeout. Loop thread
 * only. See docs/internals/logs.md. */
#ifndef HEALER_LOGCTX_H
#define HEALER_LOGCTX_H

#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "logs_config.h"

#define LOGCTX_TOP 10				 /* templates shown per source */
#define LOGCTX_EVIDENCE_KEY "healer.log_context" /* the annotation the analysis reads them from */
#define LOGCTX_EVIDENCE_MAX 2000		 /* bytes of evidence text */

/* What the engine lends the log context. */
struct logctx_hooks {
	int (*notify)(int64_t id); /* inside a transaction: refresh the incident's cards */
	int (*commit)(int rc);	   /* ends the transaction (commit when rc == 0); returns rc */
	void (*then)(int64_t id);  /* the analysis, once the context is in or its time is up */
};

/* Takes the sources (the config is emptied); NULL or none turns the log context off. */
void logctx_init(struct logs_config *cfg);
/* Frees the sources: after loop_shutdown (the workers are joined; runs still waiting then are
 * left, as loop.h says of work whose done never ran). */
void logctx_shutdown(void);
bool logctx_enabled(void);

/*
 * An incident has just been committed as open. With sources configured, fetches their lines
 * in [start - before, min(start + after, now)] and returns true: hooks->then(id) then runs on
 * the loop thread exactly once, when every source answered or the longest timeout (plus a
 * small margin) passed, whichever is first; the records are committed before it. A source
 * whose `after` had not passed yet is fetched again once it has (recorded, no second
 * `then`). Returns false (then is never called) when there are no sources or the incident
 * is gone. `hooks` must stay valid for the life of the process.
 */
bool logctx_incident_opened(int64_t id, const struct logctx_hooks *hooks);

/* At start, after the store is open: re-arms the second fetches a restart interrupted (kept
 * in the store when the first fetch was recorded), for the sources still configured with an
 * `after`; one already due runs at once. hooks->then is never called for them. */
void logctx_resume(const struct logctx_hooks *hooks);

/* Adds the words of the incident's templates (masks stripped, at most LOGCTX_EVIDENCE_MAX bytes) to
 * annotations under LOGCTX_EVIDENCE_KEY, for the text search; nothing when
 * there are none. */
void logctx_evidence(int64_t id, cJSON *annotations);

/* What a card shows of the view's log_context: each fetch's summary line, then its first
 * per_source templates as "  30× text"; at most max bytes (cut on a line, ending "…").
 * NULL when there is nothing. Owned. Pure. */
char *logctx_card_text(const cJSON *view, size_t per_source, size_t max);

/* The recorded line for one source's fetch, and its data (pure; logctx_record uses them):
 * "logs: app — 42 errors/warnings in 1200 lines …" or "logs: app timed out after 5 s". */
struct logs_result;
struct logs_source;
char *logctx_summary(const struct logs_source *src, const struct logs_result *r,
		     const char *setup_error, bool after, int64_t start_ms, int64_t end_ms,
		     cJSON **data);

#endif
