/* engine_ladder.c — multi-stage recovery: after a failed stage, the next runbook of the
 * ladder is proposed on the same incident; after the last, a human is asked for. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "estimate.h"
#include "log.h"
#include "metrics.h"
#include "util.h"

#define DAY_MS 86400000LL
#define PAGE_MAX 32 /* members named in one call for a human */

/*
 * The ladder of an incident starts at the newest action that does not follow the ladder of
 * the actions before it (usually the first; a probable cause's fix proposed later starts its
 * own) and is that action's runbook followed by its escalate list; stage k is the k-th action
 * from there. Nothing else is stored: the actions are the stages, their statuses the outcomes,
 * so a restart or a view rebuild reads the same ladder.
 */
struct ladder {
	const struct runbook *first;
	const char *ids[RB_MAX_LADDER + 1]; /* borrowed from the runbooks */
	size_t n;			    /* 0: the incident has no ladder */
	cJSON *actions;			    /* the ladder's actions (from its first), owned */
};

static void
ladder_free(struct ladder *l)
{
	cJSON_Delete(l->actions);
	memset(l, 0, sizeof(*l));
}

/* The ladder that starts with the runbook rbid (n 0 when it has no escalate list). */
static void
ladder_root(struct ladder *l, const char *rbid)
{
	l->n = 0;
	l->first = rbid ? runbook_find(eng_rbs, rbid) : NULL;
	if (l->first == NULL || l->first->nescalate == 0)
		return;
	l->ids[l->n++] = l->first->id;
	for (size_t i = 0; i < l->first->nescalate && l->n < ARRAY_LEN(l->ids); i++)
		l->ids[l->n++] = l->first->escalate[i];
}

static int
ladder_load(int64_t incident_id, struct ladder *l)
{
	const cJSON *a;
	int i = 0, start = 0;
	size_t k = 0;

	memset(l, 0, sizeof(*l));
	if (eng_rbs == NULL) /* no runbooks loaded (a view read before engine_init) */
		return 0;
	if (store_incident_actions(incident_id, &l->actions) != 0)
		return -1;
	cJSON_ArrayForEach(a, l->actions)
	{
		const char *rbid = cJSON_GetStringValue(cJSON_GetObjectItem(a, "runbook"));

		if (i == 0 || k >= l->n || rbid == NULL || strcmp(rbid, l->ids[k]) != 0) {
			ladder_root(l, rbid);
			start = i;
			k = 0;
		}
		k++;
		i++;
	}
	/* the stages are counted from the ladder's first action */
	while (start-- > 0)
		cJSON_DeleteItemFromArray(l->actions, 0);
	return 0;
}

/* The 0-based stage of an action, or -1 when it is not one (a later action that does not
 * follow the ladder ends it). */
static int
ladder_stage_of(const struct ladder *l, int64_t action_id)
{
	const cJSON *a;
	size_t k = 0;

	cJSON_ArrayForEach(a, l->actions)
	{
		const char *rbid = cJSON_GetStringValue(cJSON_GetObjectItem(a, "runbook"));

		if (k >= l->n || rbid == NULL || strcmp(rbid, l->ids[k]) != 0)
			return -1;
		if ((int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(a, "id")) == action_id)
			return (int)k;
		k++;
	}
	return -1;
}

/* The members of the roles that approve `risk` (every role's for "any"), deduplicated. */
static cJSON *
page_members(const char *risk, char *roles, size_t roleslen)
{
	int lvl = risk_level_from_name(risk);
	const struct approval_rule *ar = &eng_pol->approvals[lvl < 0 ? RISK_CRITICAL : lvl];
	cJSON *out = cJSON_CreateArray();
	bool any = false;

	roles[0] = '\0';
	for (size_t i = 0; i < ar->nroles; i++) {
		snprintf(roles + strlen(roles), roleslen - strlen(roles), "%s%s", i ? ", " : "",
			 ar->roles[i]);
		if (strcmp(ar->roles[i], "any") == 0)
			any = true;
	}
	for (size_t r = 0; r < eng_pol->nroles; r++) {
		const struct role_members *rm = &eng_pol->roles[r];
		bool wanted = any;

		for (size_t i = 0; !wanted && i < ar->nroles; i++)
			wanted = strcmp(ar->roles[i], rm->role) == 0;
		for (size_t u = 0; wanted && u < rm->nusers; u++) {
			bool seen = false;
			const cJSON *c;

			cJSON_ArrayForEach(c, out)
			{
				if (strcmp(c->valuestring, rm->users[u]) == 0)
					seen = true;
			}
			if (!seen && cJSON_GetArraySize(out) < PAGE_MAX)
				cJSON_AddItemToArray(out, cJSON_CreateString(rm->users[u]));
		}
	}
	return out;
}

/* The last stage failed (or the next one cannot be proposed): the incident needs a human,
 * and the thread names who approves the last stage's risk. */
static void
ladder_exhausted(int64_t id, const struct ladder *l, int stage, const char *status,
		 const char *outcome, const char *why)
{
	const cJSON *a = cJSON_GetArrayItem(l->actions, stage);
	char roles[200], names[1024] = "", *msg;
	cJSON *page = page_members(cJSON_GetStringValue(cJSON_GetObjectItem(a, "risk_level")),
				   roles, sizeof(roles));
	const cJSON *c;
	int rc;

	cJSON_ArrayForEach(c, page)
	{
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 names[0] ? ", " : "", c->valuestring);
	}
	msg = xasprintf("Recovery ladder exhausted at stage %d of %zu (%s): %s. A human is "
			"needed: %s (roles %s)",
			stage + 1, l->n, l->ids[stage], why,
			names[0] ? names : "nobody is listed for these roles in the policy", roles);
	cJSON *data = cJSON_CreateObject();
	cJSON_AddItemToObject(data, "page", page);
	rc = store_begin();
	if (rc == 0)
		rc = store_action_set_status(
		    (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(a, "id")), status, outcome);
	if (rc == 0)
		rc = store_audit(ENGINE_ACTOR, id, "ladder.exhausted", msg, data);
	if (rc == 0)
		rc = store_incident_set_outcome(id, outcome);
	if (rc == 0)
		rc = store_incident_set_attention(id, msg);
	if (rc == 0)
		rc = eng_transition(id, "failed", "needs_attention", ENGINE_ACTOR, msg);
	if (eng_commit(rc) != 0)
		log_warnx("INC-%lld: ladder end not recorded", (long long)id);
	else
		metrics_inc("healer_ladder_total", "Recovery ladder events by result",
			    "result=\"exhausted\"");
	cJSON_Delete(data);
	free(msg);
}

/* Binds, estimates and records the next stage as the incident's action; 0 and its id, or
 * -1 with err (nothing recorded). */
static int
ladder_propose(const struct incident *inc, const struct runbook *rb, int64_t prev_id,
	       const char *status, const char *outcome, const char *line, int64_t *new_id,
	       char *err, size_t errlen)
{
	struct estimate est;
	struct action act;
	cJSON *params = NULL;
	char key[32], e[400];
	int failures = 0, rc = -1;

	if (runbook_bind_params(rb, inc->labels, inc->annotations, NULL, &params, e, sizeof(e)) !=
	    0)
		goto refused;
	incident_key(inc->id, key, sizeof(key));
	cJSON_AddStringToObject(params, "incident", key);
	if (runbook_bind_resource(rb, params, inc->resource, e, sizeof(e)) != 0)
		goto refused;
	store_recent_failures(rb->id, inc->resource, now_ms() - 7 * DAY_MS, &failures);
	struct risk_inputs in = {
	    .severity = inc->severity,
	    .confidence = inc->confidence,
	    .in_freeze = policy_in_freeze(eng_pol, now_ms(), NULL),
	    .recent_failures = failures,
	};
	if (estimate_compute(rb, params, &in, &est, e, sizeof(e)) != 0)
		goto refused;
	eng_action_propose(&act, inc->id, rb, params, &est, inc->requester);
	char *m = xasprintf("%s: proposed %s: cost %s, risk %d (%s)", line, rb->id,
			    est.cost_formula, est.risk_score, act.risk_level);
	rc = store_begin();
	if (rc == 0)
		rc = store_action_set_status(prev_id, status, outcome);
	if (rc == 0)
		rc = store_action_create(&act);
	if (rc == 0)
		rc = store_incident_set_action(inc->id, act.id);
	if (rc == 0)
		rc = store_incident_set_outcome(inc->id, m);
	if (rc == 0)
		rc = store_audit(ENGINE_ACTOR, inc->id, "ladder.escalated", m, act.risk_reasons);
	if (rc == 0)
		rc = eng_notify(inc->id);
	rc = eng_commit(rc);
	if (rc == 0)
		*new_id = act.id;
	else
		snprintf(err, errlen, "the next stage could not be recorded");
	free(m);
	cJSON_Delete(act.risk_reasons);
	cJSON_Delete(params);
	return rc == 0 ? 0 : -1;
refused:
	snprintf(err, errlen, "stage %s refused: %s", rb->id, e);
	cJSON_Delete(params);
	return -1;
}

bool
eng_ladder_escalate(int64_t incident_id, int64_t action_id, const char *status, const char *outcome)
{
	struct ladder l;
	struct incident inc;
	const struct runbook *next;
	char line[600], err[600];
	int64_t new_id = 0;
	int k;

	if (ladder_load(incident_id, &l) != 0 || l.n == 0 ||
	    (k = ladder_stage_of(&l, action_id)) < 0) {
		ladder_free(&l);
		return false;
	}
	if ((size_t)k + 1 >= l.n) {
		ladder_exhausted(incident_id, &l, k, status, outcome, "every stage failed");
		goto out;
	}
	snprintf(line, sizeof(line), "Stage %d of %zu (%s) %s; stage %d", k + 1, l.n, l.ids[k],
		 strcmp(status, "rolled_back") == 0 ? "rolled back" : "failed", k + 2);
	next = runbook_find(eng_rbs, l.ids[k + 1]);
	if (next == NULL) {
		snprintf(err, sizeof(err), "stage %d (%s) is not a loaded runbook", k + 2,
			 l.ids[k + 1]);
		ladder_exhausted(incident_id, &l, k, status, outcome, err);
		goto out;
	}
	if (store_incident_get(incident_id, &inc) != 0)
		goto out;
	eng_fix_subject(&inc); /* the next stage is bound from the alert the ladder is for */
	if (ladder_propose(&inc, next, action_id, status, outcome, line, &new_id, err,
			   sizeof(err)) != 0)
		ladder_exhausted(incident_id, &l, k, status, outcome, err);
	incident_free(&inc);
	if (new_id) {
		metrics_inc("healer_ladder_total", "Recovery ladder events by result",
			    "result=\"escalated\"");
		/* diagnostics, then the policy decides this stage like any proposal */
		eng_run_diagnostics(new_id);
	}
out:
	ladder_free(&l);
	return true;
}

cJSON *
eng_ladder_view(int64_t incident_id, const cJSON *view)
{
	struct ladder l;
	cJSON *out, *stages;
	const cJSON *a;
	size_t k = 0;
	int cur = 0;
	bool exhausted = false;

	if (ladder_load(incident_id, &l) != 0 || l.n == 0) {
		ladder_free(&l);
		return cJSON_CreateNull();
	}
	out = cJSON_CreateObject();
	stages = cJSON_AddArrayToObject(out, "stages");
	cJSON_ArrayForEach(a, l.actions)
	{
		const char *rbid = cJSON_GetStringValue(cJSON_GetObjectItem(a, "runbook"));

		if (k >= l.n || rbid == NULL || strcmp(rbid, l.ids[k]) != 0)
			break;
		k++;
	}
	cur = (int)k; /* the newest stage that ran or is proposed, 1-based */
	for (size_t i = 0; i < l.n; i++) {
		const struct runbook *rb = runbook_find(eng_rbs, l.ids[i]);
		cJSON *s = cJSON_CreateObject();
		a = i < k ? cJSON_GetArrayItem(l.actions, (int)i) : NULL;

		cJSON_AddNumberToObject(s, "stage", (double)(i + 1));
		cJSON_AddStringToObject(s, "runbook", l.ids[i]);
		cJSON_AddItemToObject(s, "title",
				      rb ? cJSON_CreateString(rb->title) : cJSON_CreateNull());
		cJSON_AddItemToObject(s, "status",
				      a ? cJSON_Duplicate(cJSON_GetObjectItem(a, "status"), 1)
					: cJSON_CreateString("pending"));
		cJSON_AddItemToObject(s, "result",
				      a ? cJSON_Duplicate(cJSON_GetObjectItem(a, "result"), 1)
					: cJSON_CreateNull());
		cJSON_AddBoolToObject(s, "current", (int)i + 1 == cur);
		cJSON_AddItemToArray(stages, s);
	}
	cJSON_AddNumberToObject(out, "current", cur);
	a = cur > 0 ? cJSON_GetArrayItem(l.actions, cur - 1) : NULL;
	/* the end of the ladder, not a rollback that failed half-way (also needs_attention) */
	const char *state = cJSON_GetStringValue(cJSON_GetObjectItem(view, "state"));
	const cJSON *row;
	cJSON_ArrayForEach(row, cJSON_GetObjectItem(view, "timeline"))
	{
		const char *kind = cJSON_GetStringValue(cJSON_GetObjectItem(row, "kind"));
		if (kind && strcmp(kind, "ladder.exhausted") == 0)
			exhausted = a && state && strcmp(state, "needs_attention") == 0;
	}
	cJSON_AddBoolToObject(out, "exhausted", exhausted);
	if (exhausted) {
		char roles[200];
		cJSON_AddItemToObject(
		    out, "page",
		    page_members(cJSON_GetStringValue(cJSON_GetObjectItem(a, "risk_level")), roles,
				 sizeof(roles)));
	} else {
		cJSON_AddArrayToObject(out, "page");
	}
	ladder_free(&l);
	return out;
}
