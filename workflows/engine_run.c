/* engine_run.c — durable execution of an action's phases: diagnostics, steps, verification
 * and rollback, one step at a time on a worker, every start and result committed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "executor.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "util.h"

#define ALERT_POLL_MS 500

struct run {
	int64_t action_id, incident_id;
	const struct runbook *rb;
	cJSON *params;
	bool autopilot;
	enum eng_phase phase;
	size_t idx;
	int attempt;
	int64_t step_run_id;
	int64_t step_started_mono; /* alert_resolved polling */
	char first_failure[300];   /* why steps/verification failed, for the outcome */
	struct bound_step bs;
	struct exec_result res;
	struct run *next;
};

static struct run *runs; /* in flight, for shutdown */

static const char *const phase_names[] = {"diagnostic", "step", "verify", "rollback"};

const char *
eng_phase_name(enum eng_phase p)
{
	return phase_names[p];
}

int
eng_phase_from_name(const char *s)
{
	for (size_t i = 0; i < ARRAY_LEN(phase_names); i++)
		if (strcmp(s, phase_names[i]) == 0)
			return (int)i;
	return -1;
}

const struct runbook *
eng_action_runbook(const struct action *a)
{
	return runbook_find(eng_rbs, a->runbook_id);
}

static const struct step *
phase_steps(const struct runbook *rb, enum eng_phase p, size_t *n)
{
	switch (p) {
	case PH_DIAG:
		*n = rb->ndiagnostics;
		return rb->diagnostics;
	case PH_STEPS:
		*n = rb->nsteps;
		return rb->steps;
	case PH_VERIFY:
		*n = rb->nverify;
		return rb->verify;
	case PH_ROLLBACK:
		*n = rb->nrollback;
		return rb->rollback;
	}
	*n = 0;
	return NULL;
}

static struct run *
run_new(int64_t action_id, enum eng_phase phase)
{
	struct action act;
	const struct runbook *rb;

	if (store_action_get(action_id, &act) != 0)
		return NULL;
	if ((rb = eng_action_runbook(&act)) == NULL) {
		char why[256];
		snprintf(why, sizeof(why), "runbook %s is no longer loaded", act.runbook_id);
		struct incident inc;
		if (store_incident_get(act.incident_id, &inc) == 0) {
			eng_transition_tx(inc.id, inc.state, "needs_attention", ENGINE_ACTOR, why,
					  NULL);
			incident_free(&inc);
		}
		action_free(&act);
		return NULL;
	}
	struct run *r = xcalloc(1, sizeof(*r));
	r->action_id = action_id;
	r->incident_id = act.incident_id;
	r->rb = rb;
	r->params = act.params;
	act.params = NULL; /* owned by the run now */
	r->autopilot = act.autopilot;
	r->phase = phase;
	r->attempt = 1;
	r->next = runs;
	runs = r;
	action_free(&act);
	return r;
}

static void
run_free(struct run *r)
{
	for (struct run **p = &runs; *p; p = &(*p)->next)
		if (*p == r) {
			*p = r->next;
			break;
		}
	cJSON_Delete(r->params);
	bound_step_free(&r->bs);
	exec_result_free(&r->res);
	free(r);
}

/* The step's name with its parameters filled in, or as written when they did not bind. */
static const char *
step_name(const struct run *r, const struct step *s)
{
	return r->bs.name != NULL ? r->bs.name : s->name;
}

static void run_step(struct run *r);
static void phase_done(struct run *r);
static void phase_failed(struct run *r, const char *why);

static void
run_step_cb(void *arg)
{
	run_step(arg);
}

static void
step_work(void *arg)
{
	struct run *r = arg;

	executor_run(&r->bs, &r->res);
}

/* Commits a step result and moves on: next step, a retry after backoff, or failure. */
static void
step_finished(struct run *r)
{
	size_t n;
	const struct step *s = &phase_steps(r->rb, r->phase, &n)[r->idx];
	struct step_result sr = {
	    .status = exec_status_name(r->res.status),
	    .exit_code = r->res.exit_code,
	    .http_status = r->res.http_status,
	    .out = r->res.out ? r->res.out : "",
	    .err = r->res.err ? r->res.err : "",
	    .error = r->res.error[0] ? r->res.error : NULL,
	    .truncated = r->res.truncated,
	    .duration_ms = r->res.duration_ms,
	};
	bool ok = r->res.status == EXEC_OK;
	int max_attempts = 1 + s->retries;
	char msg[512], dur[32], why[400];
	const char *name = step_name(r, s);

	duration_format(r->res.duration_ms, dur, sizeof(dur));
	if (ok)
		snprintf(msg, sizeof(msg), "%s '%s' ok in %s", eng_phase_name(r->phase), name, dur);
	else
		snprintf(msg, sizeof(msg), "%s '%s' %s: %s (attempt %d of %d)",
			 eng_phase_name(r->phase), name, exec_status_name(r->res.status),
			 r->res.error, r->attempt, max_attempts);
	int rc = store_begin();
	if (rc == 0)
		rc = store_step_finish(r->step_run_id, &sr);
	if (rc == 0)
		rc = store_audit(ENGINE_ACTOR, r->incident_id, "step.finished", msg, NULL);
	if (rc == 0)
		rc = eng_notify(r->incident_id);
	if (eng_commit(rc) != 0)
		log_warnx("INC-%lld: step result not recorded", (long long)r->incident_id);
	snprintf(why, sizeof(why), "%s '%s' %s", eng_phase_name(r->phase), name,
		 r->res.error[0] ? r->res.error : exec_status_name(r->res.status));
	bound_step_free(&r->bs); /* name points into it */
	name = NULL;
	memset(&r->bs, 0, sizeof(r->bs));
	if (ok || r->phase == PH_DIAG) {
		exec_result_free(&r->res);
		r->idx++;
		r->attempt = 1;
		run_step(r);
		return;
	}
	if (r->attempt < max_attempts) {
		int64_t delay =
		    r->phase == PH_VERIFY ? s->interval_ms : s->backoff_ms << (r->attempt - 1);
		exec_result_free(&r->res);
		r->attempt++;
		loop_timer_add(delay, run_step_cb, r);
		return;
	}
	exec_result_free(&r->res);
	phase_failed(r, why);
}

static void
step_done(void *arg, enum work_status status)
{
	/* shutting down: the step's start is on record and recovery decides at the next start */
	if (status == WORK_CANCELLED)
		run_free(arg);
	else
		step_finished(arg);
}

/* alert_resolved verification: poll the store until the alert cleared or the window ends. */
static void
alert_poll(void *arg)
{
	struct run *r = arg;
	struct incident inc;
	size_t n;
	const struct step *s = &phase_steps(r->rb, r->phase, &n)[r->idx];
	int64_t waited = mono_ms() - r->step_started_mono;

	if (store_incident_get(r->incident_id, &inc) != 0)
		return;
	bool cleared = inc.alert_cleared;
	incident_free(&inc);
	if (!cleared && waited < s->wait_ms) {
		loop_timer_add(ALERT_POLL_MS, alert_poll, r);
		return;
	}
	memset(&r->res, 0, sizeof(r->res));
	r->res.status = cleared ? EXEC_OK : EXEC_FAILED;
	r->res.exit_code = -1;
	r->res.duration_ms = waited;
	if (!cleared) {
		char d[32];
		duration_format(s->wait_ms, d, sizeof(d));
		snprintf(r->res.error, sizeof(r->res.error), "alert still firing after %s", d);
	}
	step_finished(r);
}

static void
run_step(struct run *r)
{
	size_t n;
	const struct step *steps = phase_steps(r->rb, r->phase, &n);
	char err[300];
	int rc;

	if (loop_stopping())
		return;
	if (r->idx >= n) {
		phase_done(r);
		return;
	}
	const struct step *s = &steps[r->idx];
	memset(&r->bs, 0, sizeof(r->bs));
	memset(&r->res, 0, sizeof(r->res));
	/* bound first so that the name stored and shown is "restart api", not the template */
	bool bound = runbook_bind_step(s, r->params, &r->bs, err, sizeof(err)) == 0;
	rc = store_begin();
	if (rc == 0)
		rc = store_step_start(r->action_id, eng_phase_name(r->phase), (int)r->idx,
				      step_name(r, s), r->attempt, &r->step_run_id);
	if (rc == 0)
		rc = eng_notify(r->incident_id);
	if (eng_commit(rc) != 0) {
		bound_step_free(&r->bs);
		phase_failed(r, "could not record the step start");
		return;
	}
	if (s->kind == STEP_ALERT_RESOLVED) {
		r->step_started_mono = mono_ms();
		alert_poll(r);
		return;
	}
	if (!bound) {
		r->res.status = EXEC_ERROR;
		r->res.exit_code = -1;
		snprintf(r->res.error, sizeof(r->res.error), "%.250s", err);
		step_finished(r);
		return;
	}
	work_submit(WORK_EXEC, step_work, step_done, r);
}

/* The action's end, counted (its status was committed with the incident's state). */
static void
count_finished(struct run *r, const char *status)
{
	char lab[200];

	snprintf(lab, sizeof(lab), "runbook=\"%s\",result=\"%s\"", r->rb->id, status);
	metrics_inc("healer_executions_total", "Runbook executions by runbook and result", lab);
	snprintf(lab, sizeof(lab), "mode=\"%s\",result=\"%s\"",
		 r->autopilot ? "autopilot" : "approved", status);
	metrics_inc("healer_actions_finished_total", "Finished actions by mode and result", lab);
}

/* "Resolved by autopilot": no duration here; every card shows the incident's one duration
 * (opened → finished) from the store's times next to this line. */
static void
outcome_line(struct run *r, const char *what, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s %s", what, r->autopilot ? "by autopilot" : "after approval");
}

static void
phase_done(struct run *r)
{
	char out[400];

	switch (r->phase) {
	case PH_DIAG: {
		int64_t id = r->action_id;
		run_free(r);
		eng_diagnostics_done(id);
		return;
	}
	case PH_STEPS:
		if (eng_transition_action_tx(r->incident_id, "running", "verifying", ENGINE_ACTOR,
					     NULL, NULL, r->action_id, "verifying", NULL) != 0)
			break;
		r->phase = PH_VERIFY;
		r->idx = 0;
		r->attempt = 1;
		run_step(r);
		return;
	case PH_VERIFY:
		if (r->rb->nverify)
			outcome_line(r, "Resolved", out, sizeof(out));
		else
			outcome_line(r, "Done (runbook has no verification)", out, sizeof(out));
		if (r->rb->nverify)
			strncat(out, ", verified", sizeof(out) - strlen(out) - 1);
		/* resolved, or waiting for the incident's other alerts, or the cause's fix next */
		if (eng_fix_verified(r->incident_id, r->action_id, out, r->rb->nverify > 0))
			count_finished(r, "succeeded");
		break;
	case PH_ROLLBACK:
		snprintf(out, sizeof(out), "Rolled back after %s", r->first_failure);
		/* one fix at a time: the probable cause's own fix comes before a ladder's next */
		if (eng_cause_next(r->incident_id, "failed", "the fix was rolled back",
				   "rolled_back", out) ||
		    eng_ladder_escalate(r->incident_id, r->action_id, "rolled_back", out)) {
			count_finished(r, "rolled_back");
			break;
		}
		if (eng_transition_action_tx(r->incident_id, "failed", "rolled_back", ENGINE_ACTOR,
					     NULL, out, r->action_id, "rolled_back", out) == 0)
			count_finished(r, "rolled_back");
		break;
	}
	run_free(r);
	eng_reconsider_blocked();
}

static void
phase_failed(struct run *r, const char *why)
{
	char out[500];

	switch (r->phase) {
	case PH_DIAG:
		phase_done(r); /* diagnostics never stop a decision */
		return;
	case PH_STEPS:
	case PH_VERIFY:
		snprintf(r->first_failure, sizeof(r->first_failure), "%s", why);
		snprintf(out, sizeof(out), "Failed: %s%s", why,
			 r->rb->nrollback ? "; rolling back" : "; no rollback defined");
		if (eng_transition_action_tx(
			r->incident_id, r->phase == PH_STEPS ? "running" : "verifying", "failed",
			ENGINE_ACTOR, why, out, r->action_id, "failed", out) != 0)
			break;
		count_finished(r, "failed");
		if (r->rb->nrollback) {
			r->phase = PH_ROLLBACK;
			r->idx = 0;
			r->attempt = 1;
			run_step(r);
			return;
		}
		/* nothing to undo: the cause's fix or the next stage of a ladder, if any, now */
		if (!eng_cause_next(r->incident_id, "failed", "the fix failed", NULL, NULL))
			eng_ladder_escalate(r->incident_id, r->action_id, "failed", out);
		break;
	case PH_ROLLBACK:
		snprintf(out, sizeof(out),
			 "%s failed during rollback after %s: the system may be "
			 "half-changed; check it by hand",
			 why, r->first_failure);
		eng_transition_tx(r->incident_id, "failed", "needs_attention", ENGINE_ACTOR, out,
				  out);
		break;
	}
	run_free(r);
	eng_reconsider_blocked();
}

void
eng_run_diagnostics(int64_t action_id)
{
	struct run *r = run_new(action_id, PH_DIAG);

	if (r)
		run_step(r);
}

void
eng_execute(int64_t action_id)
{
	struct action act;

	if (store_action_get(action_id, &act) != 0)
		return;
	int rc = store_begin();
	if (rc == 0)
		rc = eng_transition(act.incident_id, "approved", "running", ENGINE_ACTOR, NULL);
	if (rc == 0)
		rc = store_action_set_status(action_id, "running", NULL);
	if (eng_commit(rc) == 0) {
		struct run *r = run_new(action_id, PH_STEPS);
		if (r)
			run_step(r);
	}
	action_free(&act);
}

void
eng_resume(int64_t action_id, enum eng_phase phase, int idx, int attempt)
{
	struct run *r = run_new(action_id, phase);

	if (r == NULL)
		return;
	r->idx = (size_t)idx;
	r->attempt = attempt;
	run_step(r);
}

void
eng_run_shutdown(void)
{
	executor_kill_all();
}
