/* engine_recover.c — what the engine does at start: finish what a crash interrupted, re-arm
 * approval expiry and blocked re-checks, and resume runs between steps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "engine_int.h"
#include "log.h"
#include "logctx.h"
#include "loop.h"
#include "util.h"

#define MAX_RESUMED 4096

static int64_t resumed[MAX_RESUMED];
static size_t nresumed;

static bool
was_resumed(int64_t action_id)
{
	for (size_t i = 0; i < nresumed; i++)
		if (resumed[i] == action_id)
			return true;
	return false;
}

static void
mark_resumed(int64_t action_id)
{
	if (nresumed < MAX_RESUMED)
		resumed[nresumed++] = action_id;
}

/* A step run left "running": re-run it if that is safe, else hand it to a human. */
static void
recover_step(const struct interrupted_step *st)
{
	struct action act;
	struct incident inc;
	struct step_result sr = {.status = "interrupted",
				 .exit_code = -1,
				 .error = "the daemon stopped while this step ran"};
	int phase = eng_phase_from_name(st->phase);

	if (store_begin() == 0)
		eng_commit(store_step_finish(st->step_run_id, &sr));
	if (store_action_get(st->action_id, &act) != 0)
		return;
	if (store_incident_get(act.incident_id, &inc) != 0) {
		action_free(&act);
		return;
	}
	const struct runbook *rb = eng_action_runbook(&act);
	mark_resumed(act.id);
	/* Diagnostics and verification only read; steps and rollback change things. */
	bool safe = phase == PH_DIAG || phase == PH_VERIFY || (rb && rb->idempotent);
	if (rb && safe && phase >= 0) {
		log_info("INC-%lld: re-running interrupted %s '%s'", (long long)inc.id, st->phase,
			 st->name);
		if (store_begin() == 0) {
			char *m = xasprintf("re-running %s '%s' interrupted by a restart%s",
					    st->phase, st->name,
					    phase == PH_STEPS ? " (runbook is idempotent)" : "");
			eng_commit(store_audit(ENGINE_ACTOR, inc.id, "step.resumed", m, NULL));
			free(m);
		}
		eng_resume(act.id, (enum eng_phase)phase, st->idx, 1);
	} else {
		char *why = xasprintf("interrupted during %s '%s' by a restart; runbook %s is not "
				      "idempotent, so it was not re-run: check the system, then "
				      "close or re-run by hand",
				      st->phase, st->name, act.runbook_id);
		log_warnx("INC-%lld: %s", (long long)inc.id, why);
		eng_transition_action_tx(inc.id, inc.state, "needs_attention", ENGINE_ACTOR, why,
					 NULL, act.id, "failed", why);
		free(why);
	}
	incident_free(&inc);
	action_free(&act);
}

/* The index after the last finished step run of `phase` for this action, from the view. */
static int
next_index(int64_t incident_id, int64_t action_id, const char *phase)
{
	cJSON *view = NULL, *runs, *r;
	int next = 0;

	(void)action_id;
	if (store_incident_view(incident_id, &view) != 0)
		return 0;
	runs = cJSON_GetObjectItem(view, "step_runs");
	cJSON_ArrayForEach(r, runs)
	{
		const char *ph = cJSON_GetStringValue(cJSON_GetObjectItem(r, "phase"));
		const char *status = cJSON_GetStringValue(cJSON_GetObjectItem(r, "status"));
		if (ph && strcmp(ph, phase) == 0 && status && strcmp(status, "ok") == 0) {
			int idx = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(r, "idx"));
			if (idx + 1 > next)
				next = idx + 1;
		}
	}
	cJSON_Delete(view);
	return next;
}

static void
recover_state(const char *state)
{
	int64_t *ids = NULL;
	size_t n = 0;

	if (store_incidents_in_state(state, &ids, &n) != 0)
		return;
	for (size_t i = 0; i < n; i++) {
		struct incident inc;
		struct action act;
		if (store_incident_get(ids[i], &inc) != 0)
			continue;
		if (inc.action_id == 0) {
			if (strcmp(state, "open") == 0)
				eng_analyze(inc.id, NULL, NULL, 0.9);
			incident_free(&inc);
			continue;
		}
		if (was_resumed(inc.action_id) || store_action_get(inc.action_id, &act) != 0) {
			incident_free(&inc);
			continue;
		}
		if (strcmp(state, "open") == 0) {
			eng_decide(act.id);
		} else if (strcmp(state, "approved") == 0) {
			eng_execute(act.id);
		} else if (strcmp(state, "running") == 0) {
			eng_resume(act.id, PH_STEPS, next_index(inc.id, act.id, "step"), 1);
		} else if (strcmp(state, "verifying") == 0) {
			/* a verified fix waiting for alerts to clear: only its timer again */
			if (!eng_wait_resume(inc.id))
				eng_resume(act.id, PH_VERIFY, 0, 1);
		} else if (strcmp(state, "awaiting_approval") == 0) {
			eng_schedule_expiry(inc.id, act.expires_at);
		} else if (strcmp(state, "failed") == 0 && strcmp(act.status, "proposed") == 0) {
			/* a ladder's next stage was recorded, its decision was not */
			eng_decide(act.id);
		}
		action_free(&act);
		incident_free(&inc);
	}
	free(ids);
}

#define OUTBOX_KEEP_MS (7 * 86400000LL)
#define PRUNE_EVERY_MS 3600000

/* Sent chat writes are kept a week for debugging, then dropped. */
static void
prune_outbox(void *arg)
{
	(void)arg;
	store_outbox_prune(now_ms() - OUTBOX_KEEP_MS);
	loop_timer_add(PRUNE_EVERY_MS, prune_outbox, NULL);
}

void
engine_start(void)
{
	struct interrupted_step *st = NULL;
	size_t n = 0;

	nresumed = 0;
	/* the runbook index and the stats gauges exist from boot, not from the first alert */
	analysis_setup(eng_rbs);
	if (store_steps_interrupted(&st, &n) == 0) {
		for (size_t i = 0; i < n; i++)
			recover_step(&st[i]);
		free(st);
	}
	static const char *const states[] = {"open",	  "approved",	       "running",
					     "verifying", "awaiting_approval", "failed"};
	for (size_t i = 0; i < ARRAY_LEN(states); i++)
		recover_state(states[i]);
	eng_reconsider_blocked();
	/* the second log fetches need no analysis: notify and commit are all they use */
	static const struct logctx_hooks after_hooks = {eng_notify, eng_commit, NULL};
	logctx_resume(&after_hooks);
	prune_outbox(NULL);
}

void
engine_shutdown(void)
{
	eng_run_shutdown();
}
