/* engine_cmd.c — the human verbs on incidents (approve, reject, dry run, ack, close,
 * declare, run, autopilot), each checked by the policy at the moment it is used. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "ingest.h"
#include "log.h"
#include "metrics.h"
#include "state.h"
#include "util.h"

#define MANUAL_CONFIDENCE 1.0

/* Loads the incident and its action, refusing stale cards. */
static int
load(int64_t id, const struct card_ref *card, struct incident *inc, struct action *act, char *msg,
     size_t msglen)
{
	if (store_incident_get(id, inc) != 0) {
		snprintf(msg, msglen, "INC-%lld does not exist", (long long)id);
		return ENGINE_NOTFOUND;
	}
	if (card && ((card->state[0] && strcmp(card->state, inc->state) != 0) ||
		     card->action_id != inc->action_id)) {
		snprintf(msg, msglen,
			 "this card is out of date (it showed %s; INC-%lld is now %s%s); the card "
			 "has been refreshed, look again before acting",
			 card->state[0] ? card->state : "an older state", (long long)id, inc->state,
			 card->action_id != inc->action_id ? " with a different proposal" : "");
		store_begin();
		eng_commit(eng_notify(id));
		incident_free(inc);
		return ENGINE_REFUSED;
	}
	if (act) {
		memset(act, 0, sizeof(*act));
		if (inc->action_id == 0 || store_action_get(inc->action_id, act) != 0) {
			snprintf(msg, msglen, "INC-%lld has no proposed action", (long long)id);
			incident_free(inc);
			return ENGINE_REFUSED;
		}
	}
	return ENGINE_OK;
}

/* Audits a refusal in its own transaction and returns ENGINE_REFUSED. */
static int
refuse(int64_t id, const char *user, const char *kind, const char *msg)
{
	int rc = store_begin();

	if (rc == 0)
		rc = store_audit(user, id, kind, msg, NULL);
	/* the refusal is on the incident's timeline: every surface shows it */
	if (rc == 0 && id > 0)
		rc = eng_notify(id);
	eng_commit(rc);
	metrics_inc("healer_refusals_total", "Refused human actions", "");
	return ENGINE_REFUSED;
}

static enum risk_level
action_risk(const struct action *a)
{
	int lvl = risk_level_from_name(a->risk_level);

	return lvl < 0 ? RISK_CRITICAL : (enum risk_level)lvl;
}

int
engine_approve(int64_t id, const char *user, const struct card_ref *card, char *msg, size_t msglen)
{
	struct incident inc;
	struct action act;
	char why[320], roles[160];
	char **approvers = NULL;
	size_t napprovers = 0;
	int rc = load(id, card, &inc, &act, msg, msglen);

	if (rc != ENGINE_OK)
		return rc;
	if (!state_allows(inc.state, VERB_APPROVE)) {
		snprintf(msg, msglen, "INC-%lld is %s: there is nothing to approve", (long long)id,
			 inc.state);
		rc = ENGINE_REFUSED;
		goto out;
	}
	store_approvers(act.id, &approvers, &napprovers);
	if (policy_check_approval(eng_pol, action_risk(&act), user, act.requester,
				  (const char *const *)approvers, napprovers, now_ms(),
				  act.expires_at, why, sizeof(why)) != 0) {
		snprintf(msg, msglen, "%s", why);
		rc = refuse(id, user, "approval.refused", why);
		goto out;
	}
	policy_user_roles(eng_pol, user, roles, sizeof(roles));
	int have = (int)napprovers + 1;
	bool enough = have >= act.approvals_needed;
	snprintf(msg, msglen, "INC-%lld: approval %d of %d by %s%s", (long long)id, have,
		 act.approvals_needed, user, enough ? "; running now" : "");
	rc = store_begin();
	if (rc == 0)
		rc = store_approval_add(act.id, user, roles, "approve", NULL);
	if (rc == STORE_DUPLICATE) {
		store_rollback();
		snprintf(msg, msglen, "you already approved INC-%lld", (long long)id);
		rc = refuse(id, user, "approval.refused", msg);
		goto out;
	}
	if (rc == 0)
		rc = store_audit(user, id, "approval.granted", msg, NULL);
	if (rc == 0 && enough)
		rc = eng_transition(id, "awaiting_approval", "approved", user, NULL);
	if (rc == 0)
		rc = eng_notify(id);
	if (rc == STORE_CONFLICT) {
		store_rollback();
		snprintf(msg, msglen, "INC-%lld changed meanwhile; nothing recorded",
			 (long long)id);
		rc = ENGINE_CONFLICT;
		goto out;
	}
	if (eng_commit(rc) != 0) {
		snprintf(msg, msglen, "could not record the approval; try again");
		rc = ENGINE_ERROR;
		goto out;
	}
	metrics_inc("healer_approvals_total", "Approvals recorded", "");
	if (enough)
		eng_execute(act.id);
	rc = ENGINE_OK;
out:
	for (size_t i = 0; i < napprovers; i++)
		free(approvers[i]);
	free(approvers);
	action_free(&act);
	incident_free(&inc);
	return rc;
}

int
engine_reject(int64_t id, const char *user, const char *reason, const struct card_ref *card,
	      char *msg, size_t msglen)
{
	struct incident inc;
	struct action act;
	char why[320];
	int rc;

	if (reason == NULL || *reason == '\0') {
		snprintf(msg, msglen, "a reason is required: reject INC-%lld <reason>",
			 (long long)id);
		return ENGINE_REFUSED;
	}
	if ((rc = load(id, card, &inc, &act, msg, msglen)) != ENGINE_OK)
		return rc;
	if (!state_allows(inc.state, VERB_REJECT)) {
		snprintf(msg, msglen, "INC-%lld is %s: there is nothing to reject", (long long)id,
			 inc.state);
		rc = ENGINE_REFUSED;
		goto out;
	}
	if (policy_check_actor(eng_pol, action_risk(&act), user, "reject", why, sizeof(why)) != 0) {
		snprintf(msg, msglen, "%s", why);
		rc = refuse(id, user, "approval.refused", why);
		goto out;
	}
	char *outcome = xasprintf("Rejected by %s: %s", user, reason);
	rc = store_begin();
	if (rc == 0)
		rc = store_approval_add(act.id, user, "", "reject", reason);
	if (rc == 0)
		rc = store_audit(user, id, "approval.rejected", outcome, NULL);
	if (rc == 0)
		rc = eng_transition(id, "awaiting_approval", "rejected", user, reason);
	if (rc == 0)
		rc = store_incident_set_outcome(id, outcome);
	if (rc == 0)
		rc = store_action_set_status(act.id, "cancelled", outcome);
	rc = eng_commit(rc);
	snprintf(msg, msglen, rc == 0 ? "INC-%lld rejected: %s" : "INC-%lld: could not record: %s",
		 (long long)id, reason);
	free(outcome);
	rc = rc == 0 ? ENGINE_OK : ENGINE_ERROR;
out:
	action_free(&act);
	incident_free(&inc);
	return rc;
}

int
engine_dryrun(int64_t id, const char *user, char **plan, char *msg, size_t msglen)
{
	struct incident inc;
	struct action act;
	struct buf b;
	char err[300];
	int rc = load(id, NULL, &inc, &act, msg, msglen);

	*plan = NULL;
	if (rc != ENGINE_OK)
		return rc;
	if (!state_allows(inc.state, VERB_DRYRUN)) {
		snprintf(msg, msglen, "INC-%lld is %s: no proposal is waiting to be dry-run",
			 (long long)id, inc.state);
		rc = ENGINE_REFUSED;
		goto out;
	}
	const struct runbook *rb = eng_action_runbook(&act);
	if (rb == NULL) {
		snprintf(msg, msglen, "runbook %s is not loaded", act.runbook_id);
		rc = ENGINE_REFUSED;
		goto out;
	}
	buf_init(&b, 64 * 1024);
	buf_printf(&b, "Dry run of %s for INC-%lld (nothing is executed):\n", rb->id,
		   (long long)id);
	static const char *const titles[] = {"diagnostics", "steps", "verify", "rollback"};
	const struct step *lists[] = {rb->diagnostics, rb->steps, rb->verify, rb->rollback};
	size_t counts[] = {rb->ndiagnostics, rb->nsteps, rb->nverify, rb->nrollback};
	for (size_t p = 0; p < ARRAY_LEN(titles); p++) {
		if (counts[p] == 0)
			continue;
		buf_printf(&b, "%s:\n", titles[p]);
		for (size_t i = 0; i < counts[p]; i++) {
			struct bound_step bs;
			if (lists[p][i].kind == STEP_ALERT_RESOLVED) {
				char d[32];
				duration_format(lists[p][i].wait_ms, d, sizeof(d));
				buf_printf(&b, "  %zu. %s: alert resolved within %s\n", i + 1,
					   lists[p][i].name, d);
				continue;
			}
			if (runbook_bind_step(&lists[p][i], act.params, &bs, err, sizeof(err)) !=
			    0) {
				buf_printf(&b, "  %zu. %s: cannot bind: %s\n", i + 1,
					   lists[p][i].name, err);
				continue;
			}
			char *d = step_describe(&bs);
			buf_printf(&b, "  %zu. %s: %s\n", i + 1, bs.name, d);
			free(d);
			bound_step_free(&bs);
		}
	}
	buf_printf(&b, "cost: %s; risk %d (%s)", act.cost_formula, act.risk_score, act.risk_level);
	*plan = buf_steal(&b);
	snprintf(msg, msglen, "dry run of INC-%lld", (long long)id);
	rc = store_begin();
	if (rc == 0)
		rc = store_audit(user, id, "command", "dry run requested", NULL);
	eng_commit(rc);
	rc = ENGINE_OK;
out:
	action_free(&act);
	incident_free(&inc);
	return rc;
}

int
engine_ack(int64_t id, const char *user, char *msg, size_t msglen)
{
	struct incident inc;
	int rc = load(id, NULL, &inc, NULL, msg, msglen);

	if (rc != ENGINE_OK)
		return rc;
	if (!state_allows(inc.state, VERB_ACK)) {
		snprintf(msg, msglen, "INC-%lld is already %s", (long long)id, inc.state);
		incident_free(&inc);
		return ENGINE_REFUSED;
	}
	snprintf(msg, msglen, "INC-%lld acknowledged by %s", (long long)id, user);
	rc = store_begin();
	if (rc == 0)
		rc = store_incident_ack(id, user, now_ms());
	if (rc == 0)
		rc = store_audit(user, id, "incident.ack", msg, NULL);
	if (rc == 0)
		rc = eng_notify(id);
	rc = eng_commit(rc) == 0 ? ENGINE_OK : ENGINE_ERROR;
	incident_free(&inc);
	return rc;
}

int
engine_close(int64_t id, const char *user, char *msg, size_t msglen)
{
	struct incident inc;
	char why[320];
	int rc = load(id, NULL, &inc, NULL, msg, msglen);

	if (rc != ENGINE_OK)
		return rc;
	if (state_is_terminal_name(inc.state)) {
		snprintf(msg, msglen, "INC-%lld is %s and cannot be closed now", (long long)id,
			 inc.state);
		rc = ENGINE_REFUSED;
		goto out;
	}
	/* a verified fix waiting for related alerts: the run is over, a person may end it */
	bool waiting = eng_waiting(&inc);
	if (!state_allows(inc.state, VERB_CLOSE) && !waiting) {
		snprintf(msg, msglen, "INC-%lld is %s: wait for the run to finish", (long long)id,
			 inc.state);
		rc = ENGINE_REFUSED;
		goto out;
	}
	if (policy_check_actor(eng_pol, RISK_LOW, user, "close", why, sizeof(why)) != 0) {
		snprintf(msg, msglen, "%s", why);
		rc = refuse(id, user, "command.refused", why);
		goto out;
	}
	if (waiting) {
		rc = eng_wait_close(&inc, user);
	} else {
		char *outcome = xasprintf("Closed by %s", user);
		rc = eng_transition_tx(id, inc.state, "closed", user, "closed by hand", outcome);
		free(outcome);
	}
	/* a lost compare-and-set and a failed store are different news for the person */
	if (rc == STORE_OK)
		snprintf(msg, msglen, "INC-%lld closed", (long long)id);
	else if (rc == STORE_CONFLICT)
		snprintf(msg, msglen, "INC-%lld changed meanwhile; not closed", (long long)id);
	else
		snprintf(msg, msglen, "INC-%lld not closed: %s; try again", (long long)id,
			 result_strerror(rc));
	rc = rc == STORE_OK ? ENGINE_OK : rc == STORE_CONFLICT ? ENGINE_CONFLICT : ENGINE_ERROR;
out:
	incident_free(&inc);
	return rc;
}

int
engine_merge(int64_t from, int64_t into, const char *user, char *msg, size_t msglen)
{
	struct incident f, t;
	char why[320];
	int rc;

	if (from == into) {
		snprintf(msg, msglen, "INC-%lld cannot be merged into itself", (long long)from);
		return ENGINE_REFUSED;
	}
	if ((rc = load(from, NULL, &f, NULL, msg, msglen)) != ENGINE_OK)
		return rc;
	if ((rc = load(into, NULL, &t, NULL, msg, msglen)) != ENGINE_OK) {
		incident_free(&f);
		return rc;
	}
	rc = ENGINE_REFUSED;
	if (state_is_terminal_name(f.state) || state_is_terminal_name(t.state)) {
		const struct incident *fin = state_is_terminal_name(f.state) ? &f : &t;
		snprintf(msg, msglen, "INC-%lld is %s: a final incident cannot be merged",
			 (long long)fin->id, fin->state);
		goto out;
	}
	/* the alerts of a run under way stay with it until it is verified */
	if (!state_allows(f.state, VERB_CLOSE)) {
		snprintf(msg, msglen, "INC-%lld is %s: wait for the run to finish", (long long)from,
			 f.state);
		goto out;
	}
	/* the role close needs: merging closes an incident */
	if (policy_check_actor(eng_pol, RISK_LOW, user, "merge", why, sizeof(why)) != 0) {
		snprintf(msg, msglen, "%s", why);
		rc = refuse(from, user, "command.refused", why);
		goto out;
	}
	char *outcome = xasprintf("Merged into INC-%lld by %s", (long long)into, user);
	char *into_msg =
	    xasprintf("INC-%lld merged into this incident by %s", (long long)from, user);
	int src = store_begin();
	if (src == 0)
		src = store_related_merge(from, into);
	if (src == 0)
		src = eng_transition(from, f.state, "closed", user, "merged");
	if (src == 0)
		src = store_incident_set_outcome(from, outcome);
	if (src == 0)
		src = store_audit(user, from, "incident.merged", outcome, NULL);
	if (src == 0)
		src = store_audit(user, into, "incident.merged", into_msg, NULL);
	if (src == 0) /* a verified fix on `into` waits for the merged alerts too */
		src = eng_wait_check_tx(into);
	if (src == 0)
		src = eng_notify(into);
	src = eng_commit(src);
	free(outcome);
	free(into_msg);
	if (src == STORE_OK) /* a merged alert may be the probable cause now */
		eng_cause_check(into);
	if (src == STORE_OK)
		snprintf(msg, msglen, "INC-%lld merged into INC-%lld", (long long)from,
			 (long long)into);
	else if (src == STORE_CONFLICT)
		snprintf(msg, msglen, "INC-%lld changed meanwhile; not merged", (long long)from);
	else
		snprintf(msg, msglen, "INC-%lld not merged: %s; try again", (long long)from,
			 result_strerror(src));
	rc = src == STORE_OK ? ENGINE_OK : src == STORE_CONFLICT ? ENGINE_CONFLICT : ENGINE_ERROR;
out:
	incident_free(&f);
	incident_free(&t);
	return rc;
}

/* Opens an incident for a human: declare and run. */
static int
open_manual(const char *user, const char *title, const char *severity, const cJSON *labels,
	    int64_t *id, char *msg, size_t msglen)
{
	struct alert a;
	static unsigned seq;
	char fp[64];
	int rc;

	memset(&a, 0, sizeof(a));
	/* each declaration is its own incident: never grouped */
	snprintf(fp, sizeof(fp), "declare:%lld:%u", (long long)now_ms(), ++seq);
	a.source = SRC_DECLARE;
	a.fingerprint = fp;
	a.title = (char *)title;
	a.severity = (char *)severity_normalise(severity);
	const cJSON *res = labels ? cJSON_GetObjectItem(labels, "resource") : NULL;
	a.resource = cJSON_IsString(res) ? res->valuestring : "";
	a.labels = labels ? cJSON_Duplicate(labels, 1) : cJSON_CreateObject();
	a.annotations = cJSON_CreateObject();
	a.firing = true;
	a.starts_at_ms = now_ms();
	rc = store_begin();
	if (rc == 0)
		rc = store_incident_create(&a, user, id);
	if (rc == 0) {
		char *m = xasprintf("declared by %s: %s", user, title);
		rc = store_audit(user, *id, "incident.opened", m, NULL);
		free(m);
	}
	if (rc == 0)
		rc = eng_notify(*id);
	rc = eng_commit(rc);
	cJSON_Delete(a.labels);
	cJSON_Delete(a.annotations);
	if (rc != 0) {
		snprintf(msg, msglen, "could not open the incident");
		return ENGINE_ERROR;
	}
	return ENGINE_OK;
}

int
engine_declare(const char *user, const char *title, const char *severity, const cJSON *labels,
	       int64_t *id, char *msg, size_t msglen)
{
	int rc = open_manual(user, title, severity, labels, id, msg, msglen);

	if (rc != ENGINE_OK)
		return rc;
	snprintf(msg, msglen, "INC-%lld declared: %s", (long long)*id, title);
	eng_analyze(*id, NULL, NULL, MANUAL_CONFIDENCE);
	return ENGINE_OK;
}

/* Says what happens next: the policy's answer now. The decision itself is taken once the
 * diagnostics are done, from the same inputs, so it differs only if a limit was reached
 * meanwhile (and then the card says so):
 * "INC-3: restart-service runs on autopilot (risk low, $0.00)",
 * "INC-3: restart-service awaits approval by lead or admin (risk high, $0.00)", or why
 * nothing was proposed. Leaves msg as it is when the incident cannot be read. */
static void
run_reply(int64_t id, const struct runbook *rb, char *msg, size_t msglen)
{
	struct incident inc;
	struct action act;
	struct decision d;
	char roles[sizeof(d.roles) + 8], *comma;

	if (store_incident_get(id, &inc) != 0)
		return;
	if (inc.action_id == 0 || store_action_get(inc.action_id, &act) != 0) {
		if (inc.attention != NULL)
			snprintf(msg, msglen, "INC-%lld: %s", (long long)id, inc.attention);
		incident_free(&inc);
		return;
	}
	if (eng_decision_preview(act.id, &d) == 0) {
		/* "engineer, lead, admin" reads as "engineer, lead or admin" */
		snprintf(roles, sizeof(roles), "%s", d.roles);
		if ((comma = strrchr(roles, ',')) != NULL) {
			memmove(comma + 3, comma + 1, strlen(comma + 1) + 1);
			memcpy(comma, " or", 3);
		}
		if (d.kind == DECIDE_AUTOPILOT)
			snprintf(msg, msglen, "INC-%lld: %s runs on autopilot (risk %s, $%.2f)",
				 (long long)id, rb->id, act.risk_level, act.cost_usd);
		else if (d.kind == DECIDE_APPROVAL)
			snprintf(msg, msglen, "INC-%lld: %s awaits approval by %s (risk %s, $%.2f)",
				 (long long)id, rb->id, roles, act.risk_level, act.cost_usd);
		else
			snprintf(msg, msglen, "INC-%lld: %s %s", (long long)id, rb->id, d.reason);
	}
	action_free(&act);
	incident_free(&inc);
}

int
engine_run(const char *user, const char *runbook_id, const cJSON *params, int64_t *id, char *msg,
	   size_t msglen)
{
	const struct runbook *rb = runbook_find(eng_rbs, runbook_id);

	if (rb == NULL) {
		snprintf(msg, msglen, "no runbook '%s' (see: runbooks)", runbook_id);
		return ENGINE_REFUSED;
	}
	char *title = xasprintf("%s (run by %s)", rb->title, user);
	int rc = open_manual(user, title, "sev3", params, id, msg, msglen);
	free(title);
	if (rc != ENGINE_OK)
		return rc;
	snprintf(msg, msglen, "INC-%lld opened to run %s", (long long)*id, runbook_id);
	eng_analyze(*id, runbook_id, params, MANUAL_CONFIDENCE);
	run_reply(*id, rb, msg, msglen);
	return ENGINE_OK;
}

int
engine_autopilot_set(const char *user, bool on, char *msg, size_t msglen)
{
	char why[320];

	/* Stopping autopilot must be easy for anyone on call; turning it back on is a lead's. */
	if (on ? policy_check_actor(eng_pol, RISK_HIGH, user, "turn autopilot on", why, sizeof(why))
	       : policy_check_actor(eng_pol, RISK_MEDIUM, user, "turn autopilot off", why,
				    sizeof(why))) {
		snprintf(msg, msglen, "%s", why);
		return refuse(0, user, "command.refused", why);
	}
	int rc = store_begin();
	if (rc == 0)
		rc = store_setting_set("autopilot", on ? "on" : "off");
	snprintf(msg, msglen, "autopilot %s by %s", on ? "switched on" : "switched off", user);
	if (rc == 0)
		rc = store_audit(user, 0, "autopilot", msg, NULL);
	if (eng_commit(rc) != 0) {
		snprintf(msg, msglen, "could not change autopilot");
		return ENGINE_ERROR;
	}
	log_info("%s", msg);
	return ENGINE_OK;
}
