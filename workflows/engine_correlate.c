/* engine_correlate.c — related alerts: an alert that a correlate rule ties to an open
 * incident joins it instead of opening its own; the view names the probable cause; a person
 * splits a related alert out into an incident of its own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "correlate.h"
#include "engine_int.h"
#include "ingest.h"
#include "log.h"
#include "metrics.h"
#include "state.h"
#include "util.h"

static int
joined(int64_t id, const struct alert *a, const char *msg)
{
	int rc = store_related_add(id, a);

	if (rc == 0)
		rc = store_audit(ENGINE_ACTOR, id, "alert.related", msg, NULL);
	if (rc == 0) /* a verified fix may have waited for this one to clear */
		rc = eng_wait_check_tx(id);
	if (rc == 0)
		rc = eng_notify(id);
	return rc;
}

/* The oldest open incident the alert joins under some rule (its index in *rule), through
 * the store's index: one lookup per rule, whatever the number of open incidents. */
static int
candidate(const struct correlate_rules *r, const struct alert *a, int64_t now, int64_t *id,
	  size_t *rule)
{
	int rc = STORE_NOTFOUND;

	for (size_t i = 0; i < r->n; i++) {
		int64_t c;
		int got = store_related_lookup(a->labels, (const char *const *)r->v[i].keys,
					       r->v[i].nkeys, now - r->v[i].window_ms, now, &c);

		if (got == STORE_NOTFOUND)
			continue;
		if (got != STORE_OK)
			return got;
		if (rc == STORE_NOTFOUND || c < *id) {
			*id = c;
			*rule = i;
			rc = STORE_OK;
		}
	}
	return rc;
}

int
eng_correlate(const struct alert *a, int64_t *id)
{
	const struct correlate_rules *r = &eng_pol->correlate;
	char msg[512], keys[200] = "", w[32];
	size_t k = 0;
	int rc;

	if (r->n == 0)
		return STORE_NOTFOUND;
	/* a related alert seen before: its own occurrence or its clearing */
	if ((rc = store_related_find(a->fingerprint, id)) != STORE_NOTFOUND) {
		if (rc != 0)
			return rc;
		snprintf(msg, sizeof(msg), "related alert %s: %s",
			 a->firing ? "fired again" : "cleared", a->title ? a->title : "");
		return joined(*id, a, msg);
	}
	if (!a->firing || (rc = candidate(r, a, now_ms(), id, &k)) != STORE_OK)
		return rc == STORE_OK ? STORE_NOTFOUND : rc;
	for (size_t j = 0; j < r->v[k].nkeys; j++)
		snprintf(keys + strlen(keys), sizeof(keys) - strlen(keys), "%s%s", j ? ", " : "",
			 r->v[k].keys[j]);
	duration_format(r->v[k].window_ms, w, sizeof(w));
	snprintf(msg, sizeof(msg), "related alert joined: %s (resource %s; same %s within %s)",
		 a->title ? a->title : "", a->resource && *a->resource ? a->resource : "-", keys,
		 w);
	rc = joined(*id, a, msg);
	if (rc == 0)
		metrics_inc("healer_alerts_related_total", "Alerts that joined an open incident",
			    NULL);
	return rc;
}

int
engine_correlate_start(void)
{
	const struct correlate_rules *r = &eng_pol->correlate;
	const char *const *keys[CORRELATE_MAX_RULES];
	size_t nkeys[CORRELATE_MAX_RULES];
	bool rebuilt;
	int rc;

	for (size_t i = 0; i < r->n; i++) {
		keys[i] = (const char *const *)r->v[i].keys;
		nkeys[i] = r->v[i].nkeys;
	}
	rc = store_related_index_rules(keys, nkeys, r->n, &rebuilt);
	if (rc == STORE_OK && rebuilt)
		log_info("correlation index rebuilt for %zu rule(s)", r->n);
	return rc;
}

cJSON *
eng_incident_alerts(int64_t id, int *cause)
{
	static const struct correlate_rules none;
	const struct correlate_rules *rules = eng_pol ? &eng_pol->correlate : &none;
	cJSON *all = NULL, *starts = NULL, *alerts;
	cJSON *a;
	int i = 0;

	*cause = -1;
	/* before engine_init (a view read by a tool) there are no rules: the earliest alert */
	if (store_related_view(id, &all) != 0)
		return NULL;
	if (store_cause_starts(id, &starts) != 0)
		starts = cJSON_CreateObject(); /* by arrival alone */
	alerts = cJSON_CreateArray();
	cJSON_ArrayForEach(a, all)
	{
		cJSON *o = cJSON_CreateObject();
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(
		    starts, cJSON_GetStringValue(cJSON_GetObjectItem(a, "fingerprint")));

		cJSON_AddItemReferenceToObject(o, "labels", cJSON_GetObjectItem(a, "labels"));
		cJSON_AddNumberToObject(o, "started_ms", cJSON_IsNumber(t) ? t->valuedouble : 0);
		cJSON_AddItemToArray(alerts, o);
	}
	*cause = correlate_cause_started(rules, alerts);
	cJSON_Delete(alerts);
	cJSON_Delete(starts);
	cJSON_ArrayForEach(a, all)
	{
		const char *name = cJSON_GetStringValue(
		    cJSON_GetObjectItem(cJSON_GetObjectItem(a, "labels"), "alertname"));

		cJSON_AddItemToObject(a, "alertname",
				      name ? cJSON_CreateString(name) : cJSON_CreateNull());
		cJSON_AddBoolToObject(a, "cause", i++ == *cause);
	}
	return all;
}

void
eng_related_view(int64_t id, cJSON *view)
{
	cJSON *all, *related = cJSON_CreateArray();
	const cJSON *a;
	int cause;

	all = eng_incident_alerts(id, &cause);
	cJSON_ArrayForEach(a, all)
	{
		cJSON *o = cJSON_Duplicate(a, 1);

		cJSON_DeleteItemFromObject(o, "labels");
		if (cJSON_IsTrue(cJSON_GetObjectItem(a, "cause")))
			cJSON_AddItemToObject(view, "cause", cJSON_Duplicate(o, 1));
		if (!cJSON_IsTrue(cJSON_GetObjectItem(a, "first")))
			cJSON_AddItemToArray(related, o);
		else
			cJSON_Delete(o);
	}
	if (cause < 0)
		cJSON_AddNullToObject(view, "cause");
	cJSON_AddItemToObject(view, "related", related);
	cJSON_Delete(all);
}

static const char *
str_of(const cJSON *o, const char *key)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(o, key));

	return v ? v : "";
}

/* What split refuses for the alert `fp` of incident id's view, or NULL if it may leave. */
static const char *
split_refusal(const cJSON *view, const char *fp)
{
	const cJSON *r, *cause = cJSON_GetObjectItem(view, "cause");
	bool related = false;

	cJSON_ArrayForEach(r, cJSON_GetObjectItem(view, "related"))
	{
		related |= strcmp(str_of(r, "fingerprint"), fp) == 0;
	}
	if (cJSON_IsObject(cause) && strcmp(str_of(cause, "fingerprint"), fp) == 0)
		return "it is the probable cause; split the other alerts out instead";
	if (strcmp(str_of(view, "fingerprint"), fp) == 0)
		return "it is the incident's own first alert";
	if (!related)
		return "the incident has no related alert with that fingerprint";
	return NULL;
}

/* The split itself, once fp is known to be a related alert of id that may leave. */
static int
split_out(int64_t id, const char *fp, const char *user, int64_t *new_id, char *msg,
	  size_t msglen)
{
	char why[320];
	int rc;

	/* the role close needs: the alert leaves the incident's care */
	if (policy_check_actor(eng_pol, RISK_LOW, user, "split", why, sizeof(why)) != 0) {
		snprintf(msg, msglen, "%s", why);
		rc = store_begin();
		if (rc == 0)
			rc = store_audit(user, id, "command.refused", why, NULL);
		if (rc == 0)
			rc = eng_notify(id);
		eng_commit(rc);
		metrics_inc("healer_refusals_total", "Refused human actions", "");
		return ENGINE_REFUSED;
	}
	rc = store_begin();
	if (rc == 0)
		rc = store_related_split(id, fp, new_id);
	char *from = xasprintf("split out of INC-%lld by %s: %s", (long long)id, user, fp);
	char *to = xasprintf("related alert %s split out into INC-%lld by %s", fp,
			     (long long)*new_id, user);
	if (rc == 0)
		rc = store_audit(user, *new_id, "incident.opened", from, NULL);
	if (rc == 0)
		rc = store_audit(user, *new_id, "incident.split", from, NULL);
	if (rc == 0)
		rc = store_audit(user, id, "incident.split", to, NULL);
	if (rc == 0) /* a verified fix may have waited only for the alert that left */
		rc = eng_wait_check_tx(id);
	if (rc == 0)
		rc = eng_notify(id);
	if (rc == 0)
		rc = eng_notify(*new_id);
	free(from);
	free(to);
	if ((rc = eng_commit(rc)) != STORE_OK) {
		snprintf(msg, msglen, "%.128s not split out of INC-%lld: %s; try again", fp,
			 (long long)id, result_strerror(rc));
		*new_id = 0;
		return ENGINE_ERROR;
	}
	snprintf(msg, msglen, "%.128s split out of INC-%lld into INC-%lld", fp, (long long)id,
		 (long long)*new_id);
	/* analysed like any new alert: runbook matching, then the decision */
	eng_analyze(*new_id, NULL, NULL, 0.9);
	return ENGINE_OK;
}

int
engine_split(int64_t id, const char *typed, const char *user, int64_t *new_id, char *msg,
	     size_t msglen)
{
	struct incident inc;
	cJSON *view;
	char why[1024];
	const char *no = why, *fp;
	int rc;

	*new_id = 0;
	if (store_incident_get(id, &inc) != 0) {
		snprintf(msg, msglen, "INC-%lld does not exist", (long long)id);
		return ENGINE_NOTFOUND;
	}
	if (state_is_terminal_name(inc.state)) {
		snprintf(msg, msglen, "INC-%lld is %s: a final incident cannot be split",
			 (long long)id, inc.state);
		incident_free(&inc);
		return ENGINE_REFUSED;
	}
	view = cJSON_CreateObject();
	cJSON_AddStringToObject(view, "fingerprint", inc.fingerprint ? inc.fingerprint : "");
	incident_free(&inc);
	eng_related_view(id, view);
	/* the short form a card shows, or any unambiguous prefix, names the alert */
	if (correlate_id_resolve(view, typed, &fp, why, sizeof(why)) == 0)
		no = split_refusal(view, fp);
	if (no != NULL) {
		snprintf(msg, msglen, "cannot split %.128s out of INC-%lld: %s", typed,
			 (long long)id, no);
		cJSON_Delete(view);
		return ENGINE_REFUSED;
	}
	char *full = xstrdup(fp); /* fp is the view's */
	cJSON_Delete(view);
	rc = split_out(id, full, user, new_id, msg, msglen);
	free(full);
	return rc;
}
