/* engine_cause.c — a correlated incident follows its probable cause: a cause that joins late
 * gets its fix proposed first (or next, after a running fix), and a fix that ended well
 * waits for the incident's other alerts to clear, up to a grace period, before it resolves. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "correlate.h"
#include "engine_int.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "state.h"
#include "util.h"

#define CAUSE_CONFIDENCE 0.9 /* a rule match, as for a new alert */
#define WAIT_SLACK_MS 5	     /* a timer may fire a little early: never before the end */

struct cause {
	cJSON *alerts;	  /* eng_incident_alerts, owned */
	const cJSON *row; /* the probable cause's row; NULL when the incident has no alert */
	const char *fp;	  /* its fingerprint, borrowed from row */
	char name[160];	  /* "DeployFinished (checkout)" */
};

static const char *
str_of(const cJSON *o, const char *key)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(o, key));

	return v ? v : "";
}

static void
cause_free(struct cause *c)
{
	cJSON_Delete(c->alerts);
	memset(c, 0, sizeof(*c));
}

static int
cause_load(int64_t id, struct cause *c)
{
	int idx;

	memset(c, 0, sizeof(*c));
	if ((c->alerts = eng_incident_alerts(id, &idx)) == NULL)
		return -1;
	if ((c->row = cJSON_GetArrayItem(c->alerts, idx)) != NULL) {
		c->fp = str_of(c->row, "fingerprint");
		snprintf(c->name, sizeof(c->name), "%.80s (%.60s)",
			 *str_of(c->row, "alertname") ? str_of(c->row, "alertname")
						      : str_of(c->row, "title"),
			 *str_of(c->row, "resource") ? str_of(c->row, "resource") : "-");
	}
	return 0;
}

/* The runbook the probable cause gets when nothing of it was tried on the incident yet, or
 * NULL with why not (into why). */
static const struct runbook *
cause_untried(int64_t id, const struct cause *c, char *why, size_t whylen)
{
	const cJSON *labels = cJSON_GetObjectItem(c->row, "labels");
	const struct runbook *rb = NULL;

	for (size_t i = 0; rb == NULL && eng_rbs && i < eng_rbs->n; i++)
		if (runbook_matches(eng_rbs->v[i], labels))
			rb = eng_rbs->v[i];
	if (rb == NULL) {
		snprintf(why, whylen, "it has no runbook");
		return NULL;
	}
	switch (eng_runbook_tried(id, rb->id, 0)) {
	case 0:
		return rb;
	case 1:
		snprintf(why, whylen, "its runbook %s was already tried", rb->id);
		return NULL;
	default:
		snprintf(why, whylen, "the incident's actions could not be read");
		return NULL;
	}
}

int
eng_runbook_tried(int64_t id, const char *rbid, int64_t except)
{
	cJSON *acts = NULL;
	const cJSON *a;
	int tried = 0;

	if (store_incident_actions(id, &acts) != 0)
		return -1;
	/* never the same fix twice on one incident: a cause does not loop */
	cJSON_ArrayForEach(a, acts)
	{
		if ((int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(a, "id")) != except &&
		    strcmp(str_of(a, "runbook"), rbid) == 0)
			tried = 1;
	}
	cJSON_Delete(acts);
	return tried;
}

/* inc's labels, annotations, resource and title become those of its alert al (consumed). */
static void
subject_take(struct incident *inc, cJSON *al)
{
	cJSON_Delete(inc->labels);
	inc->labels = cJSON_DetachItemFromObject(al, "labels");
	cJSON_Delete(inc->annotations);
	inc->annotations = cJSON_DetachItemFromObject(al, "annotations");
	free(inc->resource);
	inc->resource = xstrdup(str_of(al, "resource"));
	free(inc->title);
	inc->title = xstrdup(str_of(al, "title"));
	cJSON_Delete(al);
}

char *
eng_cause_subject(struct incident *inc, char *note, size_t notelen)
{
	struct cause c;
	cJSON *al = NULL;
	char *fp;

	note[0] = '\0';
	if (cause_load(inc->id, &c) != 0 || c.fp == NULL || strcmp(c.fp, inc->fingerprint) == 0 ||
	    store_cause_alert(inc->id, c.fp, &al) != 0) {
		cause_free(&c);
		return xstrdup(inc->fingerprint);
	}
	/* the analysis reads the incident: make it the cause's */
	subject_take(inc, al);
	snprintf(note, notelen, "Probable cause %s. ", c.name);
	fp = xstrdup(c.fp);
	cause_free(&c);
	return fp;
}

void
eng_fix_subject(struct incident *inc)
{
	struct incident_cause ic;
	cJSON *al = NULL;

	if (store_cause_get(inc->id, &ic) != 0)
		return;
	if (ic.fix_for && strcmp(ic.fix_for, inc->fingerprint) != 0 &&
	    store_cause_alert(inc->id, ic.fix_for, &al) == 0)
		subject_take(inc, al);
	incident_cause_free(&ic);
}

/* Withdraws the incident's proposal (or the fix that ended, whose status and result the
 * action gets) and analyses the incident again, for its probable cause. False when nothing
 * could be recorded (the incident is as it was). */
static bool
reanalyse(const struct incident *inc, const char *cause_fp, const char *msg, bool finished,
	  const char *status, const char *result)
{
	char *res = xasprintf("withdrawn: %s", msg);
	int rc = store_begin();

	if (rc == 0 && inc->action_id && !finished)
		rc = store_action_set_status(inc->action_id, "cancelled", res);
	else if (rc == 0 && inc->action_id && status)
		rc = store_action_set_status(inc->action_id, status, result);
	if (rc == 0)
		rc = store_audit(ENGINE_ACTOR, inc->id, "proposal.changed", msg, NULL);
	if (rc == 0 && strcmp(inc->state, "open") != 0)
		rc = eng_transition(inc->id, inc->state, "open", ENGINE_ACTOR, msg);
	if (rc == 0)
		rc = store_incident_set_action(inc->id, 0);
	if (rc == 0)
		rc = store_cause_set_wait(inc->id, 0);
	if (rc == 0)
		rc = store_incident_set_outcome(inc->id, NULL);
	if (rc == 0)
		rc = store_cause_set_seen(inc->id, cause_fp);
	if (rc == 0)
		rc = eng_notify(inc->id);
	free(res);
	if (eng_commit(rc) != 0) {
		log_warnx("INC-%lld: cause change not recorded", (long long)inc->id);
		return false;
	}
	metrics_inc("healer_cause_changes_total", "Proposals withdrawn for a new probable cause",
		    NULL);
	eng_analyze(inc->id, NULL, NULL, CAUSE_CONFIDENCE);
	return true;
}

/* No fix runs in these: a new cause's fix replaces the proposal right away. */
static bool
proposal_pending(const struct incident *inc, const struct incident_cause *ic)
{
	static const char *const idle[] = {"open", "awaiting_approval", "blocked"};

	for (size_t i = 0; i < ARRAY_LEN(idle); i++)
		if (strcmp(inc->state, idle[i]) == 0)
			return true;
	/* needs_attention with an action: a run went wrong, a person decides what comes next */
	if (strcmp(inc->state, "needs_attention") == 0)
		return inc->action_id == 0;
	return strcmp(inc->state, "verifying") == 0 && ic->wait_until > 0;
}

void
eng_cause_check(int64_t id)
{
	struct incident inc;
	struct incident_cause ic = {0};
	struct cause c = {0};
	const struct runbook *rb;
	char why[160], *msg = NULL;
	int rc;

	if (store_incident_get(id, &inc) != 0)
		return;
	if (state_is_terminal_name(inc.state) || store_cause_get(id, &ic) != 0 ||
	    cause_load(id, &c) != 0 || c.fp == NULL ||
	    strcmp(c.fp, ic.cause_seen ? ic.cause_seen : inc.fingerprint) == 0)
		goto out;
	/* still being analysed (or waiting for its log context): the analysis takes the cause */
	if (strcmp(inc.state, "open") == 0 && inc.action_id == 0)
		goto out;
	rb = cause_untried(id, &c, why, sizeof(why));
	if (rb && proposal_pending(&inc, &ic)) {
		msg = xasprintf("cause changed to %s: %s is proposed for it", c.name, rb->id);
		reanalyse(&inc, c.fp, msg, ic.wait_until > 0, NULL, NULL);
		goto out;
	}
	if (rb && strcmp(inc.state, "needs_attention") == 0)
		msg = xasprintf("cause changed to %s: its runbook %s waits for a person, as the "
				"incident needs attention",
				c.name, rb->id);
	else if (rb)
		msg = xasprintf("cause changed to %s: its runbook %s is proposed once the running "
				"fix ends",
				c.name, rb->id);
	else
		msg = xasprintf("cause changed to %s, but %s: the proposal stays as it is", c.name,
				why);
	rc = store_begin();
	if (rc == 0)
		rc = store_audit(ENGINE_ACTOR, id, "cause.changed", msg, NULL);
	if (rc == 0)
		rc = store_cause_set_seen(id, c.fp);
	if (rc == 0 && rb == NULL) {
		/* the card says why the proposal did not follow the cause */
		char *an = xasprintf("Probable cause %s: %s. %s", c.name, why,
				     inc.analysis ? inc.analysis : "");
		rc = store_incident_set_analysis(id, an, inc.confidence);
		free(an);
	}
	if (rc == 0)
		rc = eng_notify(id);
	if (eng_commit(rc) != 0)
		log_warnx("INC-%lld: cause change not recorded", (long long)id);
out:
	free(msg);
	cause_free(&c);
	incident_cause_free(&ic);
	incident_free(&inc);
}

bool
eng_cause_next(int64_t id, const char *from, const char *ended, const char *status,
	       const char *result)
{
	struct incident inc;
	struct incident_cause ic = {0};
	struct cause c = {0};
	const struct runbook *rb;
	char why[160], *msg;
	bool next = false;

	if (store_incident_get(id, &inc) != 0)
		return false;
	if (strcmp(inc.state, from) != 0 || store_cause_get(id, &ic) != 0 ||
	    cause_load(id, &c) != 0 || c.fp == NULL ||
	    strcmp(c.fp, ic.fix_for ? ic.fix_for : inc.fingerprint) == 0 ||
	    cJSON_IsTrue(cJSON_GetObjectItem(c.row, "cleared")))
		goto out;
	if ((rb = cause_untried(id, &c, why, sizeof(why))) != NULL) {
		msg = xasprintf("%s; the probable cause %s is next: %s is proposed for it", ended,
				c.name, rb->id);
		next = reanalyse(&inc, c.fp, msg, true, status, result);
		free(msg);
	}
out:
	cause_free(&c);
	incident_cause_free(&ic);
	incident_free(&inc);
	return next;
}

/* ---- the wait of a fix that ended well ---- */

static void wait_arm(int64_t id, int64_t until);

static void
wait_fire(void *arg)
{
	int64_t id = (int64_t)(intptr_t)arg;
	struct incident_cause ic;
	int rc = store_begin();

	if (rc == 0)
		rc = eng_wait_check_tx(id);
	if (eng_commit(rc) != 0)
		log_warnx("INC-%lld: end of the wait not recorded", (long long)id);
	/* early, or the store was busy: try again at the end */
	if (store_cause_get(id, &ic) == 0) {
		struct incident inc;

		if (ic.wait_until > 0 && store_incident_get(id, &inc) == 0) {
			if (strcmp(inc.state, "verifying") == 0)
				wait_arm(id, ic.wait_until);
			incident_free(&inc);
		}
		incident_cause_free(&ic);
	}
}

static void
wait_arm(int64_t id, int64_t until)
{
	int64_t delay = until - now_ms();

	loop_timer_add(delay > 0 ? delay + WAIT_SLACK_MS : WAIT_SLACK_MS, wait_fire,
		       (void *)(intptr_t)id);
}

/* Inside a transaction: verifying → resolved, the outcome the fix's own line with what the
 * wait ended on. */
static int
wait_resolve(const struct incident *inc, const struct correlate_wait *w)
{
	struct action act;
	const char *line = "Resolved";
	char why[160], *out;
	int rc;

	if (store_action_get(inc->action_id, &act) == 0 && act.result && *act.result)
		line = act.result;
	if (w->firing)
		snprintf(why, sizeof(why), "the grace period ended with %d alert%s still firing",
			 w->firing, w->firing == 1 ? "" : "s");
	else
		snprintf(why, sizeof(why), "every related alert cleared");
	out = xasprintf("%s; %s", line, why);
	if (inc->action_id)
		action_free(&act);
	rc = eng_transition(inc->id, "verifying", "resolved", ENGINE_ACTOR, why);
	if (rc == 0)
		rc = store_incident_set_outcome(inc->id, out);
	if (rc == 0)
		rc = store_cause_set_wait(inc->id, 0);
	free(out);
	return rc;
}

/* The card's line while the incident waits; "Fix done" when the runbook verifies nothing. */
static void
wait_line(const struct incident *inc, const struct correlate_wait *w, int64_t until, char *line,
	  size_t linelen)
{
	struct action act;
	const struct runbook *rb = NULL;

	if (store_action_get(inc->action_id, &act) == 0) {
		rb = eng_action_runbook(&act);
		action_free(&act);
	}
	correlate_wait_text(w, rb == NULL || rb->nverify > 0, until, line, linelen);
}

/* How the incident stands after its fix: the view's alerts against what the fix was for. */
static int
wait_assess(const struct incident *inc, const struct incident_cause *ic, int64_t until,
	    struct correlate_wait *w, int64_t *grace)
{
	struct cause c;
	cJSON *labels;
	const cJSON *a;

	if (cause_load(inc->id, &c) != 0)
		return STORE_ERROR;
	correlate_wait(c.alerts, ic->fix_for ? ic->fix_for : inc->fingerprint, now_ms(), until, w);
	labels = cJSON_CreateArray();
	cJSON_ArrayForEach(a, c.alerts)
	{
		cJSON_AddItemReferenceToArray(labels, cJSON_GetObjectItem(a, "labels"));
	}
	*grace = correlate_grace(&eng_pol->correlate, labels);
	cJSON_Delete(labels);
	cause_free(&c);
	return 0;
}

int
eng_wait_check_tx(int64_t id)
{
	struct incident inc;
	struct incident_cause ic;
	struct correlate_wait w;
	int64_t grace;
	char line[400];
	int rc = 0;

	if (store_cause_get(id, &ic) != 0)
		return 0;
	if (ic.wait_until <= 0 || store_incident_get(id, &inc) != 0) {
		incident_cause_free(&ic);
		return 0;
	}
	if (strcmp(inc.state, "verifying") != 0)
		goto out;
	if ((rc = wait_assess(&inc, &ic, ic.wait_until, &w, &grace)) != 0)
		goto out;
	if (w.verdict != CORRELATE_WAIT) {
		rc = wait_resolve(&inc, &w);
		goto out;
	}
	/* still waiting: the card's count follows the alerts */
	wait_line(&inc, &w, ic.wait_until, line, sizeof(line));
	if (inc.outcome == NULL || strcmp(inc.outcome, line) != 0)
		rc = store_incident_set_outcome(id, line);
out:
	incident_cause_free(&ic);
	incident_free(&inc);
	return rc;
}

bool
eng_fix_verified(int64_t id, int64_t action_id, const char *out, bool verified)
{
	struct incident inc;
	struct incident_cause ic = {0};
	struct correlate_wait w;
	int64_t grace = 0, until;
	char line[400];
	bool ok = false;
	int rc;

	if (store_incident_get(id, &inc) != 0)
		return false;
	if (store_cause_get(id, &ic) != 0 || wait_assess(&inc, &ic, 0, &w, &grace) != 0)
		w.verdict = CORRELATE_RESOLVE; /* nothing known to wait for: as without alerts */
	if (w.verdict == CORRELATE_RESOLVE) {
		ok = eng_transition_action_tx(id, "verifying", "resolved", ENGINE_ACTOR, NULL, out,
					      action_id, "succeeded", out) == 0;
		goto done;
	}
	if (eng_cause_next(id, "verifying", verified ? "the fix verified" : "the fix ended",
			   "succeeded", out)) {
		ok = true;
		goto done;
	}
	until = now_ms() + grace;
	wait_line(&inc, &w, until, line, sizeof(line));
	rc = store_begin();
	if (rc == 0)
		rc = store_action_set_status(action_id, "succeeded", out);
	if (rc == 0)
		rc = store_cause_set_wait(id, until);
	if (rc == 0)
		rc = store_incident_set_outcome(id, line);
	if (rc == 0)
		rc = store_audit(ENGINE_ACTOR, id, "resolution.waiting", line, NULL);
	if (rc == 0)
		rc = eng_notify(id);
	if ((ok = eng_commit(rc) == 0))
		wait_arm(id, until);
done:
	incident_cause_free(&ic);
	incident_free(&inc);
	return ok;
}

bool
eng_waiting(const struct incident *inc)
{
	struct incident_cause ic;
	bool waiting = false;

	if (strcmp(inc->state, "verifying") == 0 && store_cause_get(inc->id, &ic) == 0) {
		waiting = ic.wait_until > 0;
		incident_cause_free(&ic);
	}
	return waiting;
}

int
eng_wait_close(const struct incident *inc, const char *user)
{
	struct incident_cause ic;
	struct correlate_wait w = {0};
	int64_t grace;
	char *out;
	int rc;

	if (store_cause_get(inc->id, &ic) != 0)
		return STORE_ERROR;
	/* the count the person overrode: what still fired when they closed it */
	if (wait_assess(inc, &ic, ic.wait_until, &w, &grace) != 0)
		w.firing = 0;
	incident_cause_free(&ic);
	if (w.firing)
		out = xasprintf("Closed by %s; %d alert%s %s still firing", user, w.firing,
				w.firing == 1 ? "" : "s", w.firing == 1 ? "was" : "were");
	else
		out = xasprintf("Closed by %s", user);
	rc = store_begin();
	if (rc == 0)
		rc = eng_transition(inc->id, "verifying", "closed", user, out);
	if (rc == 0)
		rc = store_incident_set_outcome(inc->id, out);
	if (rc == 0) /* the timer and a restart find no wait to end */
		rc = store_cause_set_wait(inc->id, 0);
	free(out);
	return eng_commit(rc);
}

bool
eng_wait_resume(int64_t id)
{
	struct incident_cause ic;
	bool waiting = false;

	if (store_cause_get(id, &ic) == 0) {
		if ((waiting = ic.wait_until > 0))
			wait_arm(id, ic.wait_until);
		incident_cause_free(&ic);
	}
	return waiting;
}
