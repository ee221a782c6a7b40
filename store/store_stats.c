/* store_stats.c — "how are we doing": counts, durations, autopilot, rejections and dollars
 * over the incidents created in a window. Definitions in docs/internals/analysis.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_int.h"
#include "util.h"

#define NOISIEST 5
#define NEVER "9223372036854775807" /* min() of a missing time: larger than any */

/* One duration per row: (seconds), NULL rows skipped. ?1 since, ?2 until. */
static const char *const duration_sql[] = {
    /* acknowledged: the first human act on it (ack, approval, rejection, a state change
     * such as a close) or the start of an autopilot run, whichever came first */
    [STORE_DUR_ACK] =
	"SELECT (t - created_at) / 1000.0 FROM (SELECT i.created_at, min("
	" coalesce(i.acked_at, " NEVER "),"
	" coalesce((SELECT min(u.at) FROM audit u WHERE u.incident_id = i.id"
	"  AND u.actor <> 'healer' AND u.kind IN ('incident.ack', 'approval.granted',"
	"  'approval.rejected', 'incident.state')), " NEVER "),"
	" coalesce((SELECT min(a.started_at) FROM actions a WHERE a.incident_id = i.id"
	"  AND a.autopilot = 1), " NEVER ")) AS t"
	" FROM incidents i WHERE i.created_at >= ?1 AND i.created_at < ?2)"
	" WHERE t < " NEVER " ORDER BY 1",
    [STORE_DUR_RESOLVE] = "SELECT (resolved_at - created_at) / 1000.0 FROM incidents"
			  " WHERE created_at >= ?1 AND created_at < ?2 AND state = 'resolved'"
			  " AND resolved_at IS NOT NULL ORDER BY 1",
    /* from the policy's decision to ask to the approval that let it run */
    [STORE_DUR_APPROVAL] =
	"SELECT (a.started_at - (SELECT min(u.at) FROM audit u WHERE u.incident_id ="
	" a.incident_id AND u.kind = 'policy.decision' AND u.at >= a.created_at)) / 1000.0"
	" FROM incidents i JOIN actions a ON a.id = i.action_id"
	" WHERE i.created_at >= ?1 AND i.created_at < ?2 AND a.decision = 'approval'"
	" AND a.started_at IS NOT NULL AND a.autopilot = 0 ORDER BY 1",
    /* the watcher dates its alert from the first anomalous point (detect/watch.c) */
    [STORE_DUR_DETECT] =
	"SELECT (i.created_at - a.starts_at) / 1000.0 FROM incidents i JOIN alerts a"
	" ON a.id = (SELECT min(x.id) FROM alerts x WHERE x.incident_id = i.id)"
	" WHERE i.created_at >= ?1 AND i.created_at < ?2 AND i.source = 'anomaly'"
	" AND a.starts_at IS NOT NULL AND a.starts_at <= i.created_at ORDER BY 1",
};

int
store_durations(enum store_duration which, int64_t since_ms, int64_t until_ms, double **v,
		size_t *n)
{
	sqlite3_stmt *st = store_stmt(duration_sql[which]);
	size_t alloc = 0;
	int rc;

	*v = NULL;
	*n = 0;
	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, since_ms);
	sqlite3_bind_int64(st, 2, until_ms);
	while ((rc = store_row(st, "durations")) == STORE_OK) {
		if (sqlite3_column_type(st, 0) == SQLITE_NULL)
			continue;
		if (*n == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			*v = xrealloc(*v, alloc * sizeof(**v));
		}
		(*v)[(*n)++] = sqlite3_column_double(st, 0);
	}
	store_done(st);
	if (rc == STORE_NOTFOUND)
		return STORE_OK;
	free(*v);
	*v = NULL;
	*n = 0;
	return rc;
}

/* {"count", "mean", "p90"} of ascending seconds; p90 by nearest rank. Nulls when empty. */
static cJSON *
summary(const double *v, size_t n)
{
	cJSON *o = cJSON_CreateObject();
	double sum = 0;

	cJSON_AddNumberToObject(o, "count", (double)n);
	if (n == 0) {
		cJSON_AddNullToObject(o, "mean");
		cJSON_AddNullToObject(o, "p90");
		return o;
	}
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	cJSON_AddNumberToObject(o, "mean", round(sum / (double)n * 10) / 10);
	cJSON_AddNumberToObject(o, "p90", v[(size_t)ceil(0.9 * (double)n) - 1]);
	return o;
}

/* Fills obj with rows of (name, count), biggest first. */
static int
group_counts(const char *sql, int64_t since, int64_t until, cJSON *obj)
{
	sqlite3_stmt *st = store_stmt(sql);
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, since);
	sqlite3_bind_int64(st, 2, until);
	while ((rc = store_row(st, "stats counts")) == STORE_OK) {
		const char *k = (const char *)sqlite3_column_text(st, 0);
		cJSON_AddNumberToObject(obj, k ? k : "", (double)sqlite3_column_int64(st, 1));
	}
	store_done(st);
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

static cJSON *
ratio(int64_t num, int64_t den)
{
	return den > 0 ? cJSON_CreateNumber(round((double)num / (double)den * 1000) / 1000)
		       : cJSON_CreateNull();
}

/* What happened to the proposals on the incidents (their current action: one the model's
 * answer superseded was never decided): autopilot, human verdicts, verification, money. */
static int
stats_actions(int64_t since, int64_t until, cJSON *out)
{
	sqlite3_stmt *st = store_stmt(
	    "SELECT count(*),"
	    " coalesce(sum(a.started_at IS NOT NULL), 0),"
	    " coalesce(sum(a.started_at IS NOT NULL AND a.autopilot = 1), 0),"
	    " coalesce(sum(a.autopilot = 1 AND a.status = 'succeeded'), 0),"
	    " coalesce(sum(a.autopilot = 1 AND a.status IN ('failed', 'rolled_back')), 0),"
	    " coalesce(sum(a.status IN ('failed', 'rolled_back') AND EXISTS (SELECT 1 FROM"
	    "  step_runs s WHERE s.action_id = a.id AND s.phase = 'verify')), 0),"
	    " coalesce(sum(EXISTS (SELECT 1 FROM step_runs s WHERE s.action_id = a.id"
	    "  AND s.phase = 'rollback')), 0),"
	    " coalesce(sum(a.autopilot = 0 AND a.started_at IS NOT NULL), 0),"
	    " coalesce(sum(EXISTS (SELECT 1 FROM approvals p WHERE p.action_id = a.id"
	    "  AND p.decision = 'reject')), 0),"
	    " coalesce(sum(CASE WHEN a.started_at IS NOT NULL THEN a.cost_usd END), 0),"
	    " coalesce(sum(CASE WHEN a.status = 'succeeded' OR EXISTS (SELECT 1 FROM step_runs s"
	    "  WHERE s.action_id = a.id AND s.phase = 'verify') THEN a.cost_usd END), 0)"
	    " FROM incidents i JOIN actions a ON a.id = i.action_id"
	    " WHERE i.created_at >= ?1 AND i.created_at < ?2");
	int64_t c[9];
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, since);
	sqlite3_bind_int64(st, 2, until);
	if ((rc = store_row(st, "stats actions")) != STORE_OK) {
		store_done(st);
		return rc == STORE_NOTFOUND ? STORE_ERROR : rc;
	}
	for (int i = 0; i < 9; i++)
		c[i] = sqlite3_column_int64(st, i);
	double approved = sqlite3_column_double(st, 9), spent = sqlite3_column_double(st, 10);
	store_done(st);

	cJSON *a = cJSON_AddObjectToObject(out, "actions");
	cJSON_AddNumberToObject(a, "proposed", (double)c[0]);
	cJSON_AddNumberToObject(a, "ran", (double)c[1]);
	cJSON_AddNumberToObject(a, "autopilot", (double)c[2]);
	cJSON_AddItemToObject(a, "autopilot_share", ratio(c[2], c[1]));
	cJSON_AddNumberToObject(a, "autopilot_succeeded", (double)c[3]);
	cJSON_AddNumberToObject(a, "autopilot_failed", (double)c[4]);
	cJSON_AddItemToObject(a, "autopilot_success_rate", ratio(c[3], c[3] + c[4]));
	cJSON_AddNumberToObject(a, "verification_failures", (double)c[5]);
	cJSON_AddNumberToObject(a, "rollbacks", (double)c[6]);
	cJSON_AddNumberToObject(a, "human_approved", (double)c[7]);
	cJSON_AddNumberToObject(a, "rejected", (double)c[8]);
	/* a rejected proposal is the analysis being wrong in a human's eyes */
	cJSON_AddItemToObject(a, "false_positive_rate", ratio(c[8], c[7] + c[8]));
	cJSON *usd = cJSON_AddObjectToObject(out, "usd");
	cJSON_AddNumberToObject(usd, "approved", round(approved * 100) / 100);
	cJSON_AddNumberToObject(usd, "spent", round(spent * 100) / 100);
	return STORE_OK;
}

static int
stats_noisiest(int64_t since, int64_t until, cJSON *arr)
{
	sqlite3_stmt *st =
	    store_stmt("SELECT coalesce(CASE WHEN json_valid(labels) THEN json_extract(labels,"
		       " '$.alertname') END, title) AS name, sum(occurrences), count(*)"
		       " FROM incidents WHERE created_at >= ?1 AND created_at < ?2"
		       " GROUP BY name ORDER BY 2 DESC, 3 DESC, 1 LIMIT ?3");
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, since);
	sqlite3_bind_int64(st, 2, until);
	sqlite3_bind_int(st, 3, NOISIEST);
	while ((rc = store_row(st, "noisiest alerts")) == STORE_OK) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "alert", store_col_view_str(st, 0));
		cJSON_AddNumberToObject(o, "occurrences", (double)sqlite3_column_int64(st, 1));
		cJSON_AddNumberToObject(o, "incidents", (double)sqlite3_column_int64(st, 2));
		cJSON_AddItemToArray(arr, o);
	}
	store_done(st);
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

int
store_stats(int64_t since_ms, int64_t until_ms, cJSON **out)
{
	static const struct {
		const char *key, *sql;
	} groups[] = {
	    {"by_source", "SELECT source, count(*) FROM incidents WHERE created_at >= ?1"
			  " AND created_at < ?2 GROUP BY source ORDER BY 2 DESC, 1"},
	    {"by_severity", "SELECT severity, count(*) FROM incidents WHERE created_at >= ?1"
			    " AND created_at < ?2 GROUP BY severity ORDER BY 1"},
	    {"by_state", "SELECT state, count(*) FROM incidents WHERE created_at >= ?1"
			 " AND created_at < ?2 GROUP BY state ORDER BY 2 DESC, 1"},
	};
	static const struct {
		const char *key;
		enum store_duration which;
	} durations[] = {
	    {"time_to_acknowledge_s", STORE_DUR_ACK},
	    {"time_to_resolve_s", STORE_DUR_RESOLVE},
	    {"approval_latency_s", STORE_DUR_APPROVAL},
	    {"time_to_detect_s", STORE_DUR_DETECT},
	};
	cJSON *s = cJSON_CreateObject();
	bool own = sqlite3_get_autocommit(store_db) != 0;
	int64_t total = 0;
	int rc = STORE_OK;

	*out = NULL;
	/* one read snapshot: the figures must add up */
	if (own && store_run(store_stmt("BEGIN"), "begin") != STORE_OK) {
		cJSON_Delete(s);
		return STORE_ERROR;
	}
	cJSON_AddItemToObject(s, "since", store_view_time(since_ms));
	cJSON_AddItemToObject(s, "until", store_view_time(until_ms));
	for (size_t i = 0; i < ARRAY_LEN(groups) && rc == STORE_OK; i++)
		rc = group_counts(groups[i].sql, since_ms, until_ms,
				  cJSON_AddObjectToObject(s, groups[i].key));
	cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(s, "by_source")) total +=
	    (int64_t)it->valuedouble;
	cJSON_AddNumberToObject(s, "incidents", (double)total);
	for (size_t i = 0; i < ARRAY_LEN(durations) && rc == STORE_OK; i++) {
		double *v;
		size_t n;
		if ((rc = store_durations(durations[i].which, since_ms, until_ms, &v, &n)) ==
		    STORE_OK)
			cJSON_AddItemToObject(s, durations[i].key, summary(v, n));
		free(v);
	}
	if (rc == STORE_OK)
		rc = stats_actions(since_ms, until_ms, s);
	if (rc == STORE_OK)
		rc = stats_noisiest(since_ms, until_ms,
				    cJSON_AddArrayToObject(s, "noisiest_alerts"));
	if (own)
		store_run(store_stmt("COMMIT"), "commit");
	if (rc != STORE_OK) {
		cJSON_Delete(s);
		return rc;
	}
	*out = s;
	return STORE_OK;
}
