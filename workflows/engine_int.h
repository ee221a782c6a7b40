/* engine_int.h — what the engine's files share; not for other modules. */
#ifndef HEALER_ENGINE_INT_H
#define HEALER_ENGINE_INT_H

#include "engine.h"
#include "store.h"

extern struct runbook_set *eng_rbs;
extern struct policy *eng_pol;

#define ENGINE_ACTOR "healer"

/* Inside a transaction: chat_notify(id, CHAT_CARD), a card for every transport. */
int eng_notify(int64_t id);
/* Ends a transaction: commit when rc == 0 (then kicks the chat senders), else rollback.
 * Returns the final rc. */
int eng_commit(int rc);
/* Inside a transaction: compare-and-set + audit "incident.state" + notify. */
int eng_transition(int64_t id, const char *from, const char *to, const char *actor,
		   const char *why);
/* Commits a state change as its own transaction, with an optional outcome line. */
int eng_transition_tx(int64_t id, const char *from, const char *to, const char *actor,
		      const char *why, const char *outcome);
/* The same, with the action's new status in the same transaction (action_id 0: none), so
 * an incident and its action never disagree after a crash. */
int eng_transition_action_tx(int64_t id, const char *from, const char *to, const char *actor,
			     const char *why, const char *outcome, int64_t action_id,
			     const char *action_status, const char *action_result);

/* act as a proposal of rb for the incident, with params (borrowed) and the estimate's cost
 * and risk (cost_formula borrowed from est; risk_reasons new, the caller's to free). */
struct estimate;
struct runbook;
void eng_action_propose(struct action *act, int64_t incident_id, const struct runbook *rb,
			cJSON *params, struct estimate *est, char *requester);
/* Analysis of a new incident: choose a runbook (rule match, or `runbook_id` when a human
 * asked for one), bind parameters, estimate, record the action, run diagnostics, decide. */
void eng_analyze(int64_t id, const char *runbook_id, const cJSON *overrides, double confidence);
/* engine_llm.c. A model's pass prepared for an action waits for its diagnostics (NULL is
 * ignored); eng_llm_done merges the answer under the guardrails, then decides. */
struct llm_job;
void eng_llm_pending_add(struct llm_job *job);
void eng_llm_done(struct llm_job *job);
/* An action's diagnostics finished: the model's pass if one is waiting, else the decision. */
void eng_diagnostics_done(int64_t action_id);
/* Policy decision for an action whose incident is open, blocked or needs_attention. */
void eng_decide(int64_t action_id);
/* What eng_decide would decide for the action right now, without recording anything (for
 * the reply to `run`). Returns 0, or -1 when the action or its incident is gone. */
int eng_decision_preview(int64_t action_id, struct decision *d);
/* Re-decides blocked incidents whose cause may have passed. */
void eng_reconsider_blocked(void);
/* Schedules the approval expiry of an awaiting action. */
void eng_schedule_expiry(int64_t incident_id, int64_t expires_at);

/* engine_run.c: phases of an action. */
enum eng_phase { PH_DIAG, PH_STEPS, PH_VERIFY, PH_ROLLBACK };
const char *eng_phase_name(enum eng_phase p);
int eng_phase_from_name(const char *s);
/* Runs the diagnostics of an action, then eng_decide. */
void eng_run_diagnostics(int64_t action_id);
/* approved → running and the steps. */
void eng_execute(int64_t action_id);
/* Resumes a phase at step idx (after a restart). */
void eng_resume(int64_t action_id, enum eng_phase phase, int idx, int attempt);
void eng_run_shutdown(void);

/* engine_ladder.c: multi-stage recovery. Called when an action's stage failed for good
 * (rolled back, or failed with no rollback), with the status and result its action gets:
 * when the incident follows a ladder, records that and proposes the next stage (its
 * diagnostics, then eng_decide), or after the last stage moves the incident from failed to
 * needs_attention naming who must look. Returns false, recording nothing, when the action
 * is not a stage of a ladder. */
bool eng_ladder_escalate(int64_t incident_id, int64_t action_id, const char *status,
			 const char *outcome);
/* The view's "ladder" (views.md) for an incident whose view is `view`; JSON null when the
 * incident has no ladder. Owned. */
cJSON *eng_ladder_view(int64_t incident_id, const cJSON *view);

/* engine_correlate.c. Inside the ingest transaction, for an alert that matches no open
 * incident by fingerprint: 0 when it was recorded on *id as a related alert (a correlate
 * rule tied it to that open incident, or it joined one before), STORE_NOTFOUND when it
 * stands on its own, else a store error. */
struct alert;
int eng_correlate(const struct alert *a, int64_t *id);
/* Adds "related" (the incident's other alerts) and "cause" (the probable cause) to a view. */
void eng_related_view(int64_t id, cJSON *view);
/* The incident's alerts, one per fingerprint, oldest first (store_related_view's rows with
 * "alertname" and "cause" added); *cause the index of the probable cause, -1 when there is
 * no alert. Owned; NULL on a store error. */
cJSON *eng_incident_alerts(int64_t id, int *cause);

/* engine_cause.c: a correlated incident follows its probable cause. */
struct incident;
/* For an analysis: when the probable cause is not the incident's first alert, inc's
 * labels, annotations, resource and title become the cause's and note "Probable cause X.
 * " (else ""). Returns the fingerprint analysed for (owned). */
char *eng_cause_subject(struct incident *inc, char *note, size_t notelen);
/* For a ladder's next stage: inc's labels, annotations, resource and title become those of
 * the alert its fix was proposed for (the probable cause's, when that was not the first
 * alert); unchanged when they are the incident's own or cannot be read. */
void eng_fix_subject(struct incident *inc);
/* 1 when runbook rbid was proposed or run on incident id already (by an action other than
 * `except`, 0: any): a fix is not proposed twice on one incident. 0 when not, -1 when the
 * actions could not be read. */
int eng_runbook_tried(int64_t id, const char *rbid, int64_t except);
/* After an alert joined incident id (outside a transaction): when the probable cause
 * changed, a proposal not yet running is withdrawn and the incident analysed again for the
 * cause (its runbook not tried yet); else the change and why the proposal stays are
 * recorded (the cause's fix then comes after the running one: eng_cause_next). */
void eng_cause_check(int64_t id);
/* At the end of a fix, the incident in state `from` (verifying, failed): when the probable
 * cause is not what the fix was for, still fires and has a runbook not tried yet, the
 * action gets status/result (status NULL: as it is), the incident goes back to open and is
 * analysed for the cause; returns true. False, recording nothing, otherwise. `ended` says
 * how the fix ended, for the timeline. */
bool eng_cause_next(int64_t id, const char *from, const char *ended, const char *status,
		    const char *result);
/* The action's verification passed (out: its outcome line; verified: it had checks): the
 * incident resolves when no other alert fires, or the cause's fix comes next, or it waits
 * in verifying for its alerts to clear until the grace period ends. True when recorded. */
bool eng_fix_verified(int64_t id, int64_t action_id, const char *out, bool verified);
/* Inside a transaction, after an alert of incident id was recorded, and when the grace
 * period ends: a waiting incident resolves when nothing fires any more or its grace is
 * over, else its card line is brought up to date. 0 or a store error. */
int eng_wait_check_tx(int64_t id);
/* At start: re-arms the grace timer of a waiting incident; false when it is not waiting. */
bool eng_wait_resume(int64_t id);
/* True when inc is a verified fix's incident waiting for its alerts to clear: a person may
 * close it (the run is over), unlike a verifying incident whose checks still run. */
bool eng_waiting(const struct incident *inc);
/* A person (user) closes the waiting incident inc: verifying → closed, the wait ended (its
 * timer, if it fires or is re-armed after a restart, finds nothing to do) and the outcome
 * "Closed by user; N alerts were still firing". A store result (STORE_CONFLICT: changed
 * meanwhile). */
int eng_wait_close(const struct incident *inc, const char *user);

/* The runbook and the bound params of an action (with the builtins incident/resource). */
const struct runbook *eng_action_runbook(const struct action *a);

#endif
