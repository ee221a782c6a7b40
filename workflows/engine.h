/* engine.h — the incident loop: alert → incident → analysis → decision → approval →
 * execution → verification → rollback, and the human verbs on it. Loop thread only.
 * Every state change is one store transaction with its audit rows and outbox rows. */
#ifndef HEALER_ENGINE_H
#define HEALER_ENGINE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "policy.h"
#include "result.h"
#include "runbook.h"

struct alert_batch;

/* The engine's statuses are the shared result type's (result.h), as the store's are: a store
 * failure stays distinguishable from a refusal all the way to the reply. */
enum engine_rc {
	ENGINE_OK = RESULT_OK,
	ENGINE_REFUSED =
	    RESULT_REFUSED, /* not allowed for this user/state: msg says why and what is needed */
	ENGINE_NOTFOUND = RESULT_NOTFOUND,
	ENGINE_CONFLICT = RESULT_CONFLICT, /* the incident changed meanwhile: nothing recorded */
	ENGINE_ERROR = RESULT_ERROR	   /* store failure; nothing changed */
};

/* Takes ownership of the runbooks and the policy. */
void engine_init(struct runbook_set *runbooks, struct policy *policy);
/* Recovery after a crash (interrupted steps, pending approvals, blocked incidents, runs to
 * resume) and the timers. Call once the loop and the store are up. */
void engine_start(void);
void engine_shutdown(void);

const struct runbook_set *engine_runbooks(void);
const struct policy *engine_policy(void);

/* Applies a batch of alerts in one transaction: dedupe, group, open, clear. Fills
 * `incidents` (a cJSON array it appends "INC-n" keys to) and the counters. Analysis of new
 * incidents starts after the commit. ENGINE_ERROR = nothing stored. */
int engine_ingest(const struct alert_batch *batch, cJSON *incidents, int *accepted, int *duplicates,
		  int *ignored);

/* What a card showed when its button was clicked. A click is stale, and refused with the
 * card refreshed, when the incident is no longer in `state` or the proposal on it is no
 * longer `action_id` — not merely because the version moved (occurrences, a first approval
 * or a diagnostic's output bump it without changing what is being decided). */
struct card_ref {
	int version;	   /* the incident version the card was rendered from */
	int64_t action_id; /* the proposal on the card, 0 if none */
	char state[24];	   /* the state on the card */
};

/* Human verbs. `card` is NULL for typed commands. `msg` receives the reply line (success or
 * the refusal's reason). */
int engine_approve(int64_t id, const char *user, const struct card_ref *card, char *msg,
		   size_t msglen);
int engine_reject(int64_t id, const char *user, const char *reason, const struct card_ref *card,
		  char *msg, size_t msglen);
/* Dry run: the exact commands and requests that would run, nothing executed. */
int engine_dryrun(int64_t id, const char *user, char **plan, char *msg, size_t msglen);
int engine_ack(int64_t id, const char *user, char *msg, size_t msglen);
int engine_close(int64_t id, const char *user, char *msg, size_t msglen);
/* merge: incident `from`'s alerts become related alerts of `into` and `from` is closed
 * ("merged into INC-n"), in one transaction, audited "incident.merged" on both. Needs the
 * role close needs; refused when either is final, `from` has a run under way, or they are
 * the same incident. */
/* split: the related alert `fingerprint` leaves incident id and opens its own incident
 * (*new_id), analysed like a new alert, in one transaction, audited "incident.split" on both.
 * The alert is named by its fingerprint or any prefix of it only it starts with, of at
 * least CORRELATE_ID_MIN characters (the short form cards show). Needs the role close
 * needs; refused for the incident's own first alert, its probable cause, a fingerprint it
 * does not have or a prefix that is too short or ambiguous (listing the candidates), or a
 * final incident. */
int engine_split(int64_t id, const char *fingerprint, const char *user, int64_t *new_id,
		 char *msg, size_t msglen);
int engine_merge(int64_t from, int64_t into, const char *user, char *msg, size_t msglen);
/* After store_open, before serving: registers the policy's correlate rules with the store's
 * correlation index, rebuilding it when the rules changed since it was built. 0 or a
 * store error. */
int engine_correlate_start(void);
/* declare: labels is an object of strings (may be NULL). */
int engine_declare(const char *user, const char *title, const char *severity, const cJSON *labels,
		   int64_t *id, char *msg, size_t msglen);
/* run: a human asks for a runbook with parameters; same policy as alerts. */
int engine_run(const char *user, const char *runbook_id, const cJSON *params, int64_t *id,
	       char *msg, size_t msglen);
int engine_autopilot_set(const char *user, bool on, char *msg, size_t msglen);
bool engine_autopilot_enabled(void);

/* The store's incident view completed with what only the engine knows (the bound steps of
 * the proposed runbook). Owned; NULL if not found. */
cJSON *engine_incident_view(int64_t id);

/* "INC-7" */
void incident_key(int64_t id, char *out, size_t outlen);

#endif
