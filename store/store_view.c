/* store_view.c — JSON views built from the store: one incident, the list, the counts. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_int.h"
#include "util.h"

static void
add_key(cJSON *o, int64_t id)
{
	char key[32];

	snprintf(key, sizeof(key), "INC-%" PRId64, id);
	cJSON_AddStringToObject(o, "key", key);
}

/* Parsed JSON column, or an empty container of the given kind if absent or unreadable. */
static cJSON *
col_json_or(sqlite3_stmt *st, int i, bool array)
{
	cJSON *j = store_col_json(st, i);

	if (j == NULL)
		j = array ? cJSON_CreateArray() : cJSON_CreateObject();
	return j;
}

static cJSON *
col_bool(sqlite3_stmt *st, int i)
{
	return cJSON_CreateBool(sqlite3_column_int(st, i) != 0);
}

/* "" in the text columns that default to it means "not decided yet": null in the view. */
static cJSON *
col_str_or_null(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s && *s ? cJSON_CreateString((const char *)s) : cJSON_CreateNull();
}

static int
view_action(int64_t action_id, cJSON **out)
{
	sqlite3_stmt *st = store_stmt(
	    "SELECT id, runbook_id, params, cost_usd, cost_formula, risk_score, risk_level,"
	    " risk_reasons, decision, decision_reason, approvals_needed, roles,"
	    " requester_may_approve, expires_at, autopilot, dry_run, status, result,"
	    " started_at, finished_at FROM actions WHERE id = ?");
	cJSON *a;
	int rc;

	*out = NULL;
	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, action_id);
	if ((rc = store_row(st, "view action")) != STORE_OK)
		goto out;
	a = cJSON_CreateObject();
	cJSON_AddNumberToObject(a, "id", (double)sqlite3_column_int64(st, 0));
	cJSON_AddItemToObject(a, "runbook", store_col_view_str(st, 1));
	cJSON_AddNullToObject(a, "runbook_title"); /* the engine knows runbooks */
	cJSON_AddItemToObject(a, "params", col_json_or(st, 2, false));
	cJSON_AddItemToObject(a, "steps", cJSON_CreateArray());
	cJSON_AddNumberToObject(a, "cost_usd", sqlite3_column_double(st, 3));
	cJSON_AddItemToObject(a, "cost_formula", store_col_view_str(st, 4));
	cJSON_AddNumberToObject(a, "risk_score", sqlite3_column_int(st, 5));
	cJSON_AddItemToObject(a, "risk_level", col_str_or_null(st, 6));
	cJSON_AddItemToObject(a, "risk_reasons", col_json_or(st, 7, true));
	cJSON_AddItemToObject(a, "decision", col_str_or_null(st, 8));
	cJSON_AddItemToObject(a, "decision_reason", store_col_view_str(st, 9));
	cJSON_AddNumberToObject(a, "approvals_needed", sqlite3_column_int(st, 10));
	cJSON_AddItemToObject(a, "roles", store_col_view_str(st, 11));
	cJSON_AddItemToObject(a, "requester_may_approve", col_bool(st, 12));
	cJSON_AddItemToObject(a, "expires_at", store_col_view_time(st, 13));
	cJSON_AddItemToObject(a, "autopilot", col_bool(st, 14));
	cJSON_AddItemToObject(a, "dry_run", col_bool(st, 15));
	cJSON_AddItemToObject(a, "status", store_col_view_str(st, 16));
	cJSON_AddItemToObject(a, "result", store_col_view_str(st, 17));
	cJSON_AddItemToObject(a, "started_at", store_col_view_time(st, 18));
	cJSON_AddItemToObject(a, "finished_at", store_col_view_time(st, 19));
	*out = a;
out:
	store_done(st);
	return rc;
}

static int
view_approvals(int64_t action_id, cJSON *arr)
{
	sqlite3_stmt *st = store_stmt("SELECT user, roles, decision, reason, at FROM approvals"
				      " WHERE action_id = ? ORDER BY at, id");
	cJSON *o;
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, action_id);
	while ((rc = store_row(st, "view approvals")) == STORE_OK) {
		o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "user", store_col_view_str(st, 0));
		cJSON_AddItemToObject(o, "roles", store_col_view_str(st, 1));
		cJSON_AddItemToObject(o, "decision", store_col_view_str(st, 2));
		cJSON_AddItemToObject(o, "reason", store_col_view_str(st, 3));
		cJSON_AddItemToObject(o, "at", store_col_view_time(st, 4));
		cJSON_AddItemToArray(arr, o);
	}
	store_done(st);
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

static int
view_step_runs(int64_t action_id, cJSON *arr)
{
	sqlite3_stmt *st =
	    store_stmt("SELECT id, phase, idx, name, attempt, status, exit_code, http_status,"
		       " duration_ms, stdout, stderr, truncated, error, started_at, finished_at"
		       " FROM step_runs WHERE action_id = ? ORDER BY id");
	cJSON *o;
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, action_id);
	while ((rc = store_row(st, "view step runs")) == STORE_OK) {
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "id", (double)sqlite3_column_int64(st, 0));
		cJSON_AddItemToObject(o, "phase", store_col_view_str(st, 1));
		cJSON_AddNumberToObject(o, "idx", sqlite3_column_int(st, 2));
		cJSON_AddItemToObject(o, "name", store_col_view_str(st, 3));
		cJSON_AddNumberToObject(o, "attempt", sqlite3_column_int(st, 4));
		cJSON_AddItemToObject(o, "status", store_col_view_str(st, 5));
		cJSON_AddItemToObject(o, "exit_code", store_col_view_int(st, 6));
		cJSON_AddItemToObject(o, "http_status", store_col_view_int(st, 7));
		cJSON_AddItemToObject(o, "duration_ms", store_col_view_int(st, 8));
		cJSON_AddItemToObject(o, "output", store_col_view_str(st, 9));
		cJSON_AddItemToObject(o, "stderr", store_col_view_str(st, 10));
		cJSON_AddItemToObject(o, "truncated", col_bool(st, 11));
		cJSON_AddItemToObject(o, "error", store_col_view_str(st, 12));
		cJSON_AddItemToObject(o, "started_at", store_col_view_time(st, 13));
		cJSON_AddItemToObject(o, "finished_at", store_col_view_time(st, 14));
		cJSON_AddItemToArray(arr, o);
	}
	store_done(st);
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

#define VIEW_TIMELINE_MAX 200

static int
view_timeline(int64_t incident_id, cJSON *arr)
{
	/* The newest VIEW_TIMELINE_MAX rows, oldest first: a noisy alert that re-fired ten
	 * thousand times must not make every card render ten thousand rows. */
	sqlite3_stmt *st = store_stmt("SELECT at, actor, kind, message, id FROM ("
				      "SELECT at, actor, kind, message, id FROM audit"
				      " WHERE incident_id = ?1 ORDER BY id DESC LIMIT ?2)"
				      " ORDER BY id");
	cJSON *o;
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, incident_id);
	sqlite3_bind_int(st, 2, VIEW_TIMELINE_MAX);
	while ((rc = store_row(st, "view timeline")) == STORE_OK) {
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "id", (double)sqlite3_column_int64(st, 4));
		cJSON_AddItemToObject(o, "at", store_col_view_time(st, 0));
		cJSON_AddItemToObject(o, "actor", store_col_view_str(st, 1));
		cJSON_AddItemToObject(o, "kind", store_col_view_str(st, 2));
		cJSON_AddItemToObject(o, "message", store_col_view_str(st, 3));
		cJSON_AddItemToArray(arr, o);
	}
	store_done(st);
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

int
store_incident_view(int64_t id, cJSON **out)
{
	sqlite3_stmt *st = store_stmt(
	    "SELECT id, version, state, severity, title, resource, source, fingerprint, labels,"
	    " annotations, occurrences, alert_cleared, created_at, updated_at, last_seen_at,"
	    " resolved_at, acked_by, acked_at, assignee, requester, analysis, confidence,"
	    " attention, outcome, action_id FROM incidents WHERE id = ?");
	cJSON *v = NULL, *action = NULL, *approvals, *steps, *timeline;
	int64_t created, resolved, action_id;
	bool own = sqlite3_get_autocommit(store_db) != 0;
	int rc;

	*out = NULL;
	if (st == NULL)
		return STORE_ERROR;
	/* one read snapshot for the whole view */
	if (own && store_run(store_stmt("BEGIN"), "begin") != STORE_OK)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = store_row(st, "view incident")) != STORE_OK) {
		store_done(st);
		goto out;
	}
	v = cJSON_CreateObject();
	cJSON_AddNumberToObject(v, "id", (double)id);
	add_key(v, id);
	cJSON_AddNumberToObject(v, "version", sqlite3_column_int(st, 1));
	cJSON_AddItemToObject(v, "state", store_col_view_str(st, 2));
	cJSON_AddItemToObject(v, "severity", store_col_view_str(st, 3));
	cJSON_AddItemToObject(v, "title", store_col_view_str(st, 4));
	cJSON_AddItemToObject(v, "resource", store_col_view_str(st, 5));
	cJSON_AddItemToObject(v, "source", store_col_view_str(st, 6));
	cJSON_AddItemToObject(v, "fingerprint", store_col_view_str(st, 7));
	cJSON_AddItemToObject(v, "labels", col_json_or(st, 8, false));
	cJSON_AddItemToObject(v, "annotations", col_json_or(st, 9, false));
	cJSON_AddNumberToObject(v, "occurrences", sqlite3_column_int(st, 10));
	cJSON_AddItemToObject(v, "alert_cleared", col_bool(st, 11));
	cJSON_AddItemToObject(v, "created_at", store_col_view_time(st, 12));
	cJSON_AddItemToObject(v, "updated_at", store_col_view_time(st, 13));
	cJSON_AddItemToObject(v, "last_seen_at", store_col_view_time(st, 14));
	cJSON_AddItemToObject(v, "resolved_at", store_col_view_time(st, 15));
	/* a finished incident's age stops at its resolution: the card shows how long it took */
	created = sqlite3_column_int64(st, 12);
	resolved = sqlite3_column_int64(st, 15);
	cJSON_AddNumberToObject(v, "age_s",
				(double)(((resolved > 0 ? resolved : now_ms()) - created) / 1000));
	cJSON_AddItemToObject(v, "acked_by", store_col_view_str(st, 16));
	cJSON_AddItemToObject(v, "acked_at", store_col_view_time(st, 17));
	cJSON_AddItemToObject(v, "assignee", store_col_view_str(st, 18));
	cJSON_AddItemToObject(v, "requester", store_col_view_str(st, 19));
	cJSON_AddItemToObject(v, "analysis", store_col_view_str(st, 20));
	if (sqlite3_column_type(st, 21) == SQLITE_NULL)
		cJSON_AddNullToObject(v, "confidence");
	else
		cJSON_AddNumberToObject(v, "confidence", sqlite3_column_double(st, 21));
	cJSON_AddItemToObject(v, "attention", store_col_view_str(st, 22));
	cJSON_AddItemToObject(v, "outcome", store_col_view_str(st, 23));
	action_id = sqlite3_column_int64(st, 24);
	store_done(st);

	if (action_id > 0 && (rc = view_action(action_id, &action)) == STORE_ERROR)
		goto out;
	cJSON_AddItemToObject(v, "action", action ? action : cJSON_CreateNull());
	approvals = cJSON_AddArrayToObject(v, "approvals");
	steps = cJSON_AddArrayToObject(v, "step_runs");
	timeline = cJSON_AddArrayToObject(v, "timeline");
	if ((action_id > 0 && ((rc = view_approvals(action_id, approvals)) != STORE_OK ||
			       (rc = view_step_runs(action_id, steps)) != STORE_OK)) ||
	    (rc = view_timeline(id, timeline)) != STORE_OK)
		goto out;
	/* analysis_source, similar, llm (store_search.c); names for ids (store_people.c) */
	if ((rc = store_view_memory(id, v)) != STORE_OK || (rc = store_view_people(v)) != STORE_OK)
		goto out;
	if ((rc = store_view_logs(id, v)) != STORE_OK)
		goto out;
	*out = v;
	v = NULL; /* owned by the caller now */
out:
	if (own)
		store_run(store_stmt("COMMIT"), "commit");
	cJSON_Delete(v);
	return rc;
}

int
store_incident_list(bool all, int limit, cJSON **out)
{
	sqlite3_stmt *st = store_stmt(
	    "SELECT id, state, severity, title, resource, occurrences, created_at, updated_at"
	    " FROM incidents WHERE ?1 OR state NOT IN " STORE_TERMINAL_SQL
	    " ORDER BY id DESC LIMIT ?2");
	cJSON *arr, *o;
	int rc;

	*out = NULL;
	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int(st, 1, all);
	sqlite3_bind_int(st, 2, limit > 0 ? limit : -1);
	arr = cJSON_CreateArray();
	while ((rc = store_row(st, "list incidents")) == STORE_OK) {
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "id", (double)sqlite3_column_int64(st, 0));
		add_key(o, sqlite3_column_int64(st, 0));
		cJSON_AddItemToObject(o, "state", store_col_view_str(st, 1));
		cJSON_AddItemToObject(o, "severity", store_col_view_str(st, 2));
		cJSON_AddItemToObject(o, "title", store_col_view_str(st, 3));
		cJSON_AddItemToObject(o, "resource", store_col_view_str(st, 4));
		cJSON_AddNumberToObject(o, "occurrences", sqlite3_column_int(st, 5));
		cJSON_AddItemToObject(o, "created_at", store_col_view_time(st, 6));
		cJSON_AddItemToObject(o, "updated_at", store_col_view_time(st, 7));
		cJSON_AddItemToArray(arr, o);
	}
	store_done(st);
	if (rc != STORE_NOTFOUND) {
		cJSON_Delete(arr);
		return rc;
	}
	*out = arr;
	return STORE_OK;
}

/* Fills obj from rows of (name, count) or, with nested, (outer, inner, count). */
static int
counts_fill(const char *sql, cJSON *obj, bool nested)
{
	sqlite3_stmt *st = store_stmt(sql);
	const char *k;
	cJSON *into;
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	while ((rc = store_row(st, "count")) == STORE_OK) {
		into = obj;
		if (nested) {
			k = (const char *)sqlite3_column_text(st, 0);
			if ((into = cJSON_GetObjectItemCaseSensitive(obj, k ? k : "")) == NULL)
				into = cJSON_AddObjectToObject(obj, k ? k : "");
		}
		k = (const char *)sqlite3_column_text(st, nested);
		cJSON_AddNumberToObject(into, k ? k : "",
					(double)sqlite3_column_int64(st, nested + 1));
	}
	store_done(st);
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

int
store_counts(cJSON **out)
{
	static const struct {
		const char *key, *sql;
		bool nested;
	} counts[] = {
	    {"incidents_by_state",
	     "SELECT state, count(*) FROM incidents GROUP BY state ORDER BY state", false},
	    {"actions_by_result",
	     "SELECT runbook_id, status, count(*) FROM actions GROUP BY runbook_id, status"
	     " ORDER BY runbook_id, status",
	     true},
	    {"alerts_by_source",
	     "SELECT source, count(*) FROM alerts GROUP BY source ORDER BY source", false},
	    {"outbox_pending",
	     "SELECT adapter, count(*) FROM outbox WHERE sent_at IS NULL AND merged_into IS NULL"
	     " GROUP BY adapter ORDER BY adapter",
	     false},
	};
	cJSON *c = cJSON_CreateObject();
	size_t i;
	int rc = STORE_OK;

	*out = NULL;
	for (i = 0; i < ARRAY_LEN(counts) && rc == STORE_OK; i++)
		rc = counts_fill(counts[i].sql, cJSON_AddObjectToObject(c, counts[i].key),
				 counts[i].nested);
	if (rc != STORE_OK) {
		cJSON_Delete(c);
		return rc;
	}
	*out = c;
	return STORE_OK;
}
