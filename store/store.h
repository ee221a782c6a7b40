/* store.h — the only owner of SQL. SQLite in WAL mode with foreign keys and user_version
 * migrations; incidents, alerts, actions, approvals, step runs, chat refs, the outbox, the
 * settings and the hash-chained audit log. Not thread-safe: the loop thread (or the CLI)
 * only. Every function returns 0 on success or a negative enum store_err. */
#ifndef HEALER_STORE_H
#define HEALER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "result.h"

struct alert;

/* The store's statuses are the shared result type's (result.h). */
enum store_err {
	STORE_OK = RESULT_OK,
	STORE_ERROR = RESULT_ERROR, /* SQLite error; logged */
	STORE_NOTFOUND = RESULT_NOTFOUND,
	STORE_CONFLICT =
	    RESULT_CONFLICT, /* compare-and-set lost: the row was not in the expected state */
	STORE_DUPLICATE =
	    RESULT_DUPLICATE /* unique key exists (redelivered alert, second approval) */
};
#define store_strerror result_strerror

int store_open(const char *path);
void store_close(void);

/* Read-only connections for reports on worker threads, so a long read never blocks the loop.
 * After store_reader_attach() (after store_open), every store read on the calling thread uses
 * that thread's own read-only connection and statement cache; writes through it fail. It is
 * closed by store_reader_detach() or when the thread exits. store_read_begin/end wrap several
 * reads in one snapshot, so figures computed together agree. */
int store_reader_attach(void);
void store_reader_detach(void);
int store_read_begin(void);
void store_read_end(void);

/* Transactions: BEGIN IMMEDIATE … COMMIT. Nested begin is an error (fatalx). */
int store_begin(void);
int store_commit(void);
void store_rollback(void);

/* ---- incidents ---- */
struct incident {
	int64_t id;
	char state[24];
	char severity[8];
	char *title, *resource, *source, *fingerprint;
	cJSON *labels, *annotations; /* owned */
	int occurrences;
	int64_t created_at, updated_at, last_seen_at, acked_at, resolved_at, cleared_at;
	char *acked_by, *assignee, *requester; /* requester: who declared/ran; NULL for alerts */
	bool alert_cleared;
	char *analysis;
	double confidence;
	int64_t action_id; /* current action, 0 if none */
	int version;	   /* bumped on every change; cards carry it */
	char *outcome;	   /* one line when finished */
	char *attention;   /* why needs_attention */
};
void incident_free(struct incident *inc); /* frees the members; the struct is the caller's */

/* Returns STORE_DUPLICATE when an alert with this dedup_key exists (redelivery). */
int store_alert_seen(const char *dedup_key);
/* Open = not terminal. STORE_NOTFOUND if none. */
int store_incident_find_open(const char *fingerprint, int64_t *id);
/* The newest incident with this fingerprint in any state. STORE_NOTFOUND if none. */
int store_incident_find_latest(const char *fingerprint, int64_t *id);
/* Creates an incident from an alert, state open, version 1; also records the alert. */
int store_incident_create(const struct alert *a, const char *requester, int64_t *id);
/* Records a further alert delivery on the incident: firing → occurrences+1, last_seen;
 * resolved → alert_cleared=1, cleared_at. Bumps version. A firing delivery after a clear
 * sets alert_cleared back to 0 (the problem is back). STORE_DUPLICATE on a redelivery
 * (nothing changes), STORE_NOTFOUND if the incident does not exist. */
int store_incident_add_alert(int64_t id, const struct alert *a);
int store_incident_get(int64_t id, struct incident *out);
/* Compare-and-set of the state; bumps version; sets resolved_at for terminal states.
 * STORE_CONFLICT when the current state is not `from`. */
int store_incident_cas(int64_t id, const char *from, const char *to);
/* Field setters; each bumps version. NULL strings clear the field. */
int store_incident_set_analysis(int64_t id, const char *analysis, double confidence);
int store_incident_set_action(int64_t id, int64_t action_id);
int store_incident_set_outcome(int64_t id, const char *outcome);
int store_incident_set_attention(int64_t id, const char *why);
int store_incident_ack(int64_t id, const char *user, int64_t at);
/* IDs of incidents in a state, oldest first (for timers and recovery). Owned array. */
int store_incidents_in_state(const char *state, int64_t **ids, size_t *n);
/* Retention, one step of a sweep over the alerts table: looks at the next `scan` alert rows
 * after id *cursor (0 = from the start) and deletes those of incidents that reached a
 * terminal state before before_ms (epoch ms). *cursor becomes the last id looked at, or 0
 * once the sweep is past the end; *deleted the rows removed. Each call is O(scan), so it
 * fits on the loop thread. Incidents, actions and the audit log are untouched. */
int store_alerts_prune(int64_t before_ms, int64_t *cursor, int scan, int *deleted);

/* ---- actions (a proposed runbook run for an incident) ---- */
struct action {
	int64_t id, incident_id;
	char *runbook_id;
	cJSON *params; /* object of strings */
	double cost_usd;
	char *cost_formula;
	int risk_score;
	char risk_level[12];
	cJSON *risk_reasons; /* array of strings */
	char decision[12];   /* autopilot | approval | blocked */
	char *decision_reason;
	int approvals_needed;
	char *roles;
	bool requester_may_approve;
	char *requester;
	bool autopilot;
	bool dry_run;
	int64_t created_at, expires_at, started_at, finished_at;
	char status[16]; /* proposed | running | verifying | succeeded | failed | rolled_back |
			    cancelled */
	char *result;	 /* one line */
};
void action_free(struct action *a);
/* Sets a->id, created_at (and status "proposed" if empty). The action's changes below, and
 * approvals and step runs, also bump the version of the action's incident: the version
 * names what the card shows. */
int store_action_create(struct action *a); /* sets a->id, created_at */
int store_action_get(int64_t id, struct action *out);
/* "running" sets started_at the first time; succeeded|failed|rolled_back|cancelled set
 * finished_at. */
int store_action_set_status(int64_t id, const char *status, const char *result);
/* ---- related alerts (store_related.c) ---- */
struct alert;
/* The open incident an alert with this fingerprint joined as a related alert. */
int store_related_find(const char *fingerprint, int64_t *id);
/* Records a delivery of a related alert on incident id (not its own occurrences). */
int store_related_add(int64_t id, const struct alert *a);
/* Inside a transaction: every alert of incident `from` becomes a related alert of `into`
 * (fingerprints, occurrences and cleared state kept); `into`'s version is bumped. */
int store_related_merge(int64_t from, int64_t into);
/* Inside a transaction: the alert `fingerprint` of incident `id` (every delivery of it)
 * leaves it and becomes the first alert of a new open incident, *new_id, whose title,
 * severity, resource and labels are its first delivery's and whose occurrences and cleared
 * state are its own; `id`'s version is bumped. STORE_NOTFOUND if `id` has no such alert. */
int store_related_split(int64_t id, const char *fingerprint, int64_t *new_id);
/* ---- the correlation index (store_related_index.c) ---- */
#define STORE_RELATED_SETS 16 /* key sets: one per correlate rule at most */
#define STORE_RELATED_KEYS 8  /* label names in one key set */
/* Registers the correlate rules' label names (n lists keys[i] of nkeys[i] names; a list
 * named twice is kept once), once at start before other threads use the store, and
 * rebuilds the index from the open incidents' firing alerts when the rows were built for
 * other lists (*rebuilt). With none registered nothing is indexed. */
int store_related_index_rules(const char *const *const *keys, const size_t *nkeys, size_t n,
			      bool *rebuilt);
/* Indexes one delivery of an alert on incident id (a firing one under every registered
 * list whose labels it has, non-empty); store_alert_insert calls it. */
int store_related_index_alert(int64_t id, const struct alert *a);
/* Inside a transaction: incident id's rows again from its firing alerts (after a split). */
int store_related_reindex(int64_t id);
/* Inside a transaction: `from`'s rows become `into`'s (a merge). */
int store_related_index_merge(int64_t from, int64_t into);
/* The oldest open incident opened in [since_ms, until_ms] one of whose firing alerts has the
 * same non-empty values as labels for every one of keys (a registered list); STORE_NOTFOUND
 * when none. */
int store_related_lookup(const cJSON *labels, const char *const *keys, size_t nkeys,
			 int64_t since_ms, int64_t until_ms, int64_t *id);
/* The incident's alerts by fingerprint, oldest first: [{fingerprint, title, resource,
 * labels, joined_at, occurrences, cleared, first}]. Owned. */
int store_related_view(int64_t id, cJSON **out);

/* ---- what a correlated incident follows (store_cause.c) ---- */
struct incident_cause {
	char *fix_for;	    /* fingerprint the current proposal was made for; NULL: the first */
	char *cause_seen;   /* probable cause last acted on; NULL: the first alert */
	int64_t wait_until; /* a verified fix waits for alerts to clear until then; 0: not */
};
void incident_cause_free(struct incident_cause *c);
int store_cause_get(int64_t id, struct incident_cause *out);
/* The proposal was made for this alert, which is also the cause acted on. */
int store_cause_set_fix(int64_t id, const char *fingerprint);
/* This probable cause was acted on (announced), without a new proposal. */
int store_cause_set_seen(int64_t id, const char *fingerprint);
/* Starts (until > 0) or ends (0) the wait after a verified fix; bumps the version. */
int store_cause_set_wait(int64_t id, int64_t until);
/* The first delivery of alert `fingerprint` on incident id: {labels, annotations, resource,
 * title}. Owned. STORE_NOTFOUND when the incident has no such alert. */
int store_cause_alert(int64_t id, const char *fingerprint, cJSON **out);
/* When each alert of incident id started, by fingerprint: {fp: ms} from its first delivery
 * (the source's start time, else when it arrived). Owned. */
int store_cause_starts(int64_t id, cJSON **out);

/* The incident's actions, oldest first: [{id, runbook, status, result, risk_level}] (the
 * stages of a recovery ladder). Owned array; STORE_OK with [] when there are none. */
int store_incident_actions(int64_t incident_id, cJSON **out);
int store_action_set_decision(int64_t id, const char *decision, const char *reason,
			      int approvals_needed, const char *roles, bool requester_may_approve,
			      int64_t expires_at);
int store_action_set_autopilot(int64_t id, bool autopilot);

/* ---- approvals ---- */
/* decision "approve" | "reject". STORE_DUPLICATE if the user already decided this action. */
int store_approval_add(int64_t action_id, const char *user, const char *roles, const char *decision,
		       const char *reason);
/* Users who approved (owned array of owned strings). */
int store_approvers(int64_t action_id, char ***users, size_t *n);

/* ---- step runs ---- */
/* phase: "diagnostic" | "step" | "verify" | "rollback". Committed as status "running". */
int store_step_start(int64_t action_id, const char *phase, int idx, const char *name, int attempt,
		     int64_t *step_run_id);
struct step_result {
	const char *status; /* ok | failed | timeout | error | interrupted */
	int exit_code;
	long http_status;
	const char *out, *err, *error;
	bool truncated;
	int64_t duration_ms;
};
/* exit_code is stored as null when http_status > 0 (an HTTP step) or exit_code < 0 (no exit
 * status); http_status 0 as null. STORE_NOTFOUND for an unknown step run. */
int store_step_finish(int64_t step_run_id, const struct step_result *r);
/* Step runs left "running" by a crash: (action_id, phase, idx, step_run_id), owned arrays. */
struct interrupted_step {
	int64_t step_run_id, action_id;
	char phase[16];
	int idx;
	char name[128];
};
int store_steps_interrupted(struct interrupted_step **v, size_t *n);

/* ---- what the policy needs ---- */
int store_policy_counts(const char *resource, int64_t now_ms, int64_t day_start_ms,
			double *usd_autopilot_today, int *runs_last_hour, int *running,
			int64_t *last_run_on_resource_ms);
/* Failed/rolled-back actions of runbook on resource since `since_ms`. */
int store_recent_failures(const char *runbook_id, const char *resource, int64_t since_ms,
			  int *count);

/* ---- settings ---- */
int store_setting_get(const char *key, char *out, size_t outlen); /* NOTFOUND if unset */
int store_setting_set(const char *key, const char *value);

/* ---- audit (append-only, hash-chained, written inside the caller's transaction) ---- */
/* kind: e.g. "alert.received", "incident.state", "policy.decision", "approval.granted",
 * "approval.refused", "step.started", "step.finished", "command", "param.refused".
 * incident_id 0 = none. data may be NULL; not consumed. The message is the human line that
 * also forms the incident's timeline. */
int store_audit(const char *actor, int64_t incident_id, const char *kind, const char *message,
		const cJSON *data);
/* Verifies the chain. Returns 0 if intact; else STORE_CONFLICT with `bad_id` the first bad
 * row and why ("row 17: hash mismatch", "row 18 missing (gap after 17)"). */
int store_audit_verify(int64_t *rows, int64_t *bad_id, char *why, size_t whylen);
/* Calls fn with one JSON line per row with at >= since_ms, in order. */
int store_audit_export(int64_t since_ms, void (*fn)(const char *line, void *ctx), void *ctx);

/* ---- outbox (chat writes, drained by adapters) ---- */
/* kind: "card" (payload NULL: render the incident's current state at send time) |
 * "thread" (payload: {"text": …}) | "ephemeral" (payload: {"user":…, "text":…, …}). */
int store_outbox_add(const char *adapter, int64_t incident_id, const char *kind,
		     const cJSON *payload);
struct outbox_item {
	int64_t id, incident_id;
	char adapter[16];
	char kind[16];
	cJSON *payload; /* owned, may be NULL */
	int attempts;
	int64_t created_at; /* epoch ms the item was queued */
};
/* The oldest due item for adapter (next_attempt_at <= now). Card items for the same
 * incident are coalesced: every pending card item of that incident is returned as this one
 * (the others are marked sent when this one is). STORE_NOTFOUND when none is due. */
int store_outbox_next(const char *adapter, int64_t now_ms, struct outbox_item *out);
/* The same, among items with id >= min_id: a sender passes over items that must wait for
 * its pacing without moving them, so they keep their turn. */
int store_outbox_next_from(const char *adapter, int64_t now_ms, int64_t min_id,
			   struct outbox_item *out);
int store_outbox_done(const struct outbox_item *it);
int store_outbox_retry(const struct outbox_item *it, int64_t next_attempt_at, const char *error);
/* Not before at, with no attempt counted: the transport holds the item for a later change. */
int store_outbox_defer(const struct outbox_item *it, int64_t at);
/* When the adapter's earliest pending item comes due; STORE_NOTFOUND if none is pending. */
int store_outbox_due_at(const char *adapter, int64_t *at);
/* Deletes items sent before before_ms (the outbox is a queue, not a history). */
int store_outbox_prune(int64_t before_ms);
void outbox_item_free(struct outbox_item *it);

/* ---- views (cJSON, the common currency of CLI, cards and tests) ---- */
/* The full view of one incident, see docs/internals/views.md. Owned. approvals and
 * step_runs are those of the current action; action.runbook_title is null and
 * action.steps [] (the engine completes both); age_s stops at resolved_at. */
int store_incident_view(int64_t id, cJSON **out);
/* Summaries: [{id, key "INC-7", state, severity, title, resource, occurrences, created_at,
 * updated_at (RFC 3339)}],
 * newest first; all=false: only non-terminal. */
int store_incident_list(bool all, int limit, cJSON **out);
/* Counts for metrics and stats, only non-zero entries:
 * {"incidents_by_state": {"open": 3, …}, "actions_by_result": {"<runbook id>": {"<status>": n}},
 *  "alerts_by_source": {"alertmanager": n, …}, "outbox_pending": {"<adapter>": n}}. */
int store_counts(cJSON **out);

/* ---- chat: cards, cursors and conversations of every transport (chat/ is their user) ---- */
/* An incident's card on one transport. */
struct chat_ref {
	char channel[512];     /* where the card is: Slack channel ID, Teams conversation id */
	char endpoint[512];    /* how to reach it (Teams' service URL); "" if none is needed */
	char msg_id[256];      /* the card's message (Slack ts, Teams activity id); "" = none */
	int64_t last_audit_id; /* the cursor: last timeline (audit) row delivered in the thread */
	char last_state[24];   /* the state last posted (transports that cannot update) */
};
/* STORE_NOTFOUND (and *out zeroed) before the first delivery. */
int store_chatref_get(int64_t incident_id, const char *transport, struct chat_ref *out);
int store_chatref_set(int64_t incident_id, const char *transport, const struct chat_ref *r);
/* A conversation a transport may post into (Teams: stored from conversationUpdate). */
struct chat_conv {
	char conversation_id[512];
	char endpoint[512]; /* Teams' service URL */
	char tenant_id[64];
	char type[16]; /* personal | groupChat | channel */
	char name[128];
};
/* Upserts; *changed is false when the row was already there with the same content. */
int store_chat_conv_set(const char *transport, const struct chat_conv *c, bool *changed);
int store_chat_conv_get(const char *transport, const char *conversation_id,
			struct chat_conv *out);
/* Where incident cards go when no channel is configured: the most recently stored channel,
 * else the most recent conversation of any kind. STORE_NOTFOUND if none. */
int store_chat_conv_default(const char *transport, struct chat_conv *out);
/* The incident's audit rows with id > after_id, oldest first, at most limit:
 * [{id, at, actor, kind, message, actor_name}] (the view's timeline shape; actor_name: the
 * stored name, or null). Owned. */
int store_chat_timeline(int64_t incident_id, int64_t after_id, int limit, cJSON **out);

/* ---- search and stats ---- */
/* Text search is SQLite FTS5 ranked by BM25. Terms are plain lower-case words (see
 * analysis_terms()); each is quoted before it reaches MATCH, so no term is query syntax. */
struct store_runbook_doc {
	const char *id, *title, *description, *steps, *labels; /* borrowed */
};
/* Rebuilds the runbook index in one transaction. It is a TEMP table of this connection:
 * runbooks come from files, and each process indexes the ones it loaded. */
int store_runbooks_index(const struct store_runbook_doc *docs, size_t n);
/* Rows in this connection's runbook index; 0 before store_runbooks_index. */
size_t store_runbooks_indexed(void);
struct store_hit {
	char id[128]; /* runbook id */
	double score; /* BM25 relevance: higher is better, > 0 */
};
/* Runbooks matching any term, best first, at most max. *hits owned (NULL when none). */
int store_runbooks_search(const char *const *terms, size_t nterms, size_t max,
			  struct store_hit **hits, size_t *n);

struct store_similar {
	int64_t id;
	double score; /* BM25 relevance: higher is better */
	bool same_resource;
};
/* Past incidents (id < before_id) matching any term: those on `resource` first, then by
 * BM25; at most max into out. Terms found in more than STORE_COMMON_DOCS incidents are
 * left out of the query, since they say little and cost a scan; when every term is that
 * common, the newest incidents on `resource` are returned (score 0). */
#define STORE_COMMON_DOCS 250
int store_similar_incidents(const char *const *terms, size_t nterms, const char *resource,
			    int64_t before_id, size_t max, struct store_similar *out, size_t *n);
/* Records where the incident's analysis came from ("rules" | "search" | "llm") and the
 * similar incidents it showed, in order. Bumps the version. */
int store_incident_set_memory(int64_t id, const char *source, const int64_t *similar, size_t n);
/* Actions of runbook that succeeded since since_ms on other incidents of the same alert
 * (same fingerprint or same title) than exclude_id. */
int store_runbook_successes(const char *runbook_id, const char *fingerprint, const char *title,
			    int64_t exclude_id, int64_t since_ms, int *count);

/* LLM calls: one row per request, "pending" until finished; tokens and estimated cost. */
int store_llm_begin(int64_t incident_id, const char *model, int64_t *call_id);
struct store_llm_result {
	const char *status; /* ok | discarded | timeout | rate_limited | http_error |
			       malformed | refused | error */
	const char *error;  /* why it was not used; NULL when ok */
	int prompt_tokens, completion_tokens;
	double cost_usd;
};
int store_llm_finish(int64_t call_id, const struct store_llm_result *r);
/* Adds "analysis_source", "similar" and "llm" to an incident view (docs/internals/views.md). */
int store_view_memory(int64_t id, cJSON *view);

/* People's names (store_people.c). A display name for a user id ("slack:U…", "teams:…"),
 * as a chat platform gave it: control characters dropped, blanks trimmed, cut to
 * STORE_PERSON_NAME_MAX bytes; an empty result is not stored (STORE_NOTFOUND). Valid for
 * ttl_ms: after that store_person_get reports it stale so the adapter asks again. */
#define STORE_PERSON_NAME_MAX 80
int store_person_set(const char *user_id, const char *name, int64_t ttl_ms);
/* The stored name into out (STORE_OK; *fresh false once expired), STORE_NOTFOUND. */
int store_person_get(const char *user_id, char *out, size_t outlen, bool *fresh);
/* Adds "people" to a view: {user id: name} for every id the view shows (acked_by, assignee,
 * requester, approvals, timeline actors) that has a stored name, expired or not. */
int store_view_people(cJSON *view);
/* Log context (logs/logctx.c, docs/internals/logs.md). Adds one "logs.context" audit row
 * (the human line of the timeline; data: the source, window, counts and templates) and
 * re-indexes the incident, whose search text then includes data.terms. */
int store_logs_add(int64_t incident_id, const char *message, const cJSON *data);
/* Adds "log_context" to a view: the data of the incident's logs.context rows, oldest first. */
int store_view_logs(int64_t id, cJSON *view);
/* The incident's pending "after" fetch: due at due_at for the sources named in the JSON
 * array sources. Replaces an earlier one. Joins the caller's transaction. */
int store_logs_due_set(int64_t incident_id, int64_t due_at, const cJSON *sources);
/* Forgets it (fetched, or nothing left to fetch); none is not an error. */
int store_logs_due_clear(int64_t incident_id);
/* Every pending fetch, soonest first: [{"incident_id", "due_at", "sources": [names]}]. */
int store_logs_due_list(cJSON **out);

/* Figures over the incidents created in [since_ms, until_ms) (docs/internals/analysis.md):
 * counts by source, severity and state, durations (mean and p90), autopilot share and
 * success, verification failures, rollbacks, rejections, dollars, the noisiest alerts. */
int store_stats(int64_t since_ms, int64_t until_ms, cJSON **out);
enum store_duration {
	STORE_DUR_ACK,	   /* created → first human action or autopilot decision */
	STORE_DUR_RESOLVE, /* created → resolved (state resolved only) */
	STORE_DUR_APPROVAL, /* approval asked → last approval given */
	STORE_DUR_DETECT    /* first anomalous point → incident (source anomaly only) */
};
/* The durations in seconds, ascending, of incidents created in [since_ms, until_ms).
 * *v owned (NULL when none). */
int store_durations(enum store_duration which, int64_t since_ms, int64_t until_ms, double **v,
		    size_t *n);

/* Each incident of source anomaly whose fingerprint starts with `prefix` and whose alert has
 * not cleared: fn(fingerprint, starts_at of its first alert in ms, ctx), oldest first. The
 * fingerprint is borrowed for the call. (store/store_watch.c) */
typedef void (*store_anomaly_fn)(const char *fingerprint, int64_t starts_at_ms, void *ctx);
int store_anomaly_uncleared(const char *prefix, store_anomaly_fn fn, void *ctx);

/* ---- the web pages (store_web.c) ---- */
/* Which incidents a page lists; NULL or "" = any. state: a state name, "open" (every
 * non-terminal state) or "all". */
struct store_incident_filter {
	const char *state, *severity, *source;
};
/* One page of incidents, newest first: [{id, key, state, severity, title, resource, source,
 * occurrences, created_at, created_ms, updated_at, acked_by}] and *more, whether another
 * page follows. */
int store_incident_page(const struct store_incident_filter *f, int offset, int limit, cJSON **out,
			bool *more);
/* Time to detect of incidents created in [since_ms, until_ms): the first alert's start to the
 * incident opening, {"count", "mean", "p90"} in seconds (nulls when none). Owned. */
int store_detect_summary(int64_t since_ms, int64_t until_ms, cJSON **out);
/* ---- single-use links (store_link.c) ---- */
/* Spends a signed link's token id: STORE_OK the first time, STORE_DUPLICATE when it was
 * spent before (nothing written). Runs in the caller's transaction if one is open. */
int store_link_use(const char *token_id, int64_t incident_id, const char *actor,
		   const char *verb, int64_t expires_ms);
/* Whether a token id was spent: STORE_OK and *used, or STORE_ERROR. */
int store_link_used(const char *token_id, bool *used);

#endif
