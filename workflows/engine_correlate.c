/* engine_correlate.c — related alerts: an alert that a correlate rule ties to an open
 * incident joins it instead of opening its own; the view names the probable cause. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "correlate.h"
#include "engine_int.h"
#include "ingest.h"
#include "metrics.h"
#include "util.h"

static int
joined(int64_t id, const struct alert *a, const char *msg)
{
	int rc = store_related_add(id, a);

	if (rc == 0)
		rc = store_audit(ENGINE_ACTOR, id, "alert.related", msg, NULL);
	if (rc == 0)
		rc = eng_notify(id);
	return rc;
}

int
eng_correlate(const struct alert *a, int64_t *id)
{
	const struct correlate_rules *r = &eng_pol->correlate;
	int64_t now = now_ms(), maxw = 0;
	cJSON *cands = NULL;
	const cJSON *c;
	char msg[512];
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
	if (!a->firing)
		return STORE_NOTFOUND;
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].window_ms > maxw)
			maxw = r->v[i].window_ms;
	if ((rc = store_related_candidates(now - maxw, &cands)) != 0)
		return rc;
	rc = STORE_NOTFOUND;
	cJSON_ArrayForEach(c, cands)
	{
		const cJSON *l;
		int64_t first = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(c, "created_ms"));

		cJSON_ArrayForEach(l, cJSON_GetObjectItem(c, "labels"))
		{
			int k = correlate_match(r, a->labels, now, l, first);
			char keys[200] = "", w[32];

			if (k < 0)
				continue;
			for (size_t j = 0; j < r->v[k].nkeys; j++)
				snprintf(keys + strlen(keys), sizeof(keys) - strlen(keys), "%s%s",
					 j ? ", " : "", r->v[k].keys[j]);
			duration_format(r->v[k].window_ms, w, sizeof(w));
			*id = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(c, "id"));
			snprintf(msg, sizeof(msg),
				 "related alert joined: %s (resource %s; same %s within %s)",
				 a->title ? a->title : "",
				 a->resource && *a->resource ? a->resource : "-", keys, w);
			rc = joined(*id, a, msg);
			if (rc == 0)
				metrics_inc("healer_alerts_related_total",
					    "Alerts that joined an open incident", NULL);
			goto out;
		}
	}
out:
	cJSON_Delete(cands);
	return rc;
}

void
eng_related_view(int64_t id, cJSON *view)
{
	static const struct correlate_rules none;
	const struct correlate_rules *rules = eng_pol ? &eng_pol->correlate : &none;
	cJSON *all = NULL, *related = cJSON_CreateArray(), *labels = cJSON_CreateArray();
	const cJSON *a;
	int cause = -1, i = 0;

	/* before engine_init (a view read by a tool) there are no rules: the earliest alert */
	if (store_related_view(id, &all) == 0) {
		cJSON_ArrayForEach(a, all)
		{
			cJSON_AddItemReferenceToArray(labels, cJSON_GetObjectItem(a, "labels"));
		}
		cause = correlate_cause(rules, labels);
	}
	cJSON_ArrayForEach(a, all)
	{
		cJSON *o = cJSON_Duplicate(a, 1);

		const char *name = cJSON_GetStringValue(
		    cJSON_GetObjectItem(cJSON_GetObjectItem(a, "labels"), "alertname"));

		cJSON_AddItemToObject(o, "alertname",
				      name ? cJSON_CreateString(name) : cJSON_CreateNull());
		cJSON_AddBoolToObject(o, "cause", i == cause);
		cJSON_DeleteItemFromObject(o, "labels");
		if (i == cause)
			cJSON_AddItemToObject(view, "cause", cJSON_Duplicate(o, 1));
		if (!cJSON_IsTrue(cJSON_GetObjectItem(a, "first")))
			cJSON_AddItemToArray(related, o);
		else
			cJSON_Delete(o);
		i++;
	}
	if (cause < 0)
		cJSON_AddNullToObject(view, "cause");
	cJSON_AddItemToObject(view, "related", related);
	cJSON_Delete(labels);
	cJSON_Delete(all);
}
