/* store_view.c — JSON views built from the store: one incident, the list, the counts. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_int.h"
#include "util.h"

static int
view_action(int64_t action_id, cJSON **out)
{
	sqlite3_stmt *st = store_stmt(
	    "SELECT id, runbook_id, params, cost_usd, cost_formula, risk_score, risk_level,"
	    " risk_reasons, decision, decision_reason, approvals_needed, roles,"
	    " requester_may_approve, expires_at, autopilot, dry_run, status, result,"
	    " started_at, finished_at FROM actions WHERE id = ?");
	/* runbook_title is the engine's to fill (it knows runbooks), steps too; "" in risk_level
	 * and decision means "not decided yet" */
	static const struct store_col cols[] = {
	    {"id", STORE_COL_INT, 0},
	    {"runbook", STORE_COL_STR, 1},
	    {"runbook_title", STORE_COL_NULL, 0},
	    {"params", STORE_COL_OBJECT, 2},
	    {"steps", STORE_COL_LIST, 0},
	    {"cost_usd", STORE_COL_REAL, 3},
	    {"cost_formula", STORE_COL_STR, 4},
	    {"risk_score", STORE_COL_INT, 5},
	    {"risk_level", STORE_COL_STR_SET, 6},
	    {"risk_reasons", STORE_COL_ARRAY, 7},
	    {"decision", STORE_COL_STR_SET, 8},
	    {"decision_reason", STORE_COL_STR, 9},
	    {"approvals_needed", STORE_COL_INT, 10},
	    {"roles", STORE_COL_STR, 11},
	    {"requester_may_approve", STORE_COL_BOOL, 12},
	    {"expires_at", STORE_COL_TIME, 13},
	    {"autopilot", STORE_COL_BOOL, 14},
	    {"dry_run", STORE_COL_BOOL, 15},
	    {"status", STORE_COL_STR, 16},
	    {"result", STORE_COL_STR, 17},
	    {"started_at", STORE_COL_TIME, 18},
	    {"finished_at", STORE_COL_TIME, 19},
	};
	int rc;

	*out = NULL;
	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, action_id);
	if ((rc = store_row(st, "view action")) == STORE_OK)
		*out = store_cols_object(st, cols, ARRAY_LEN(cols));
	store_done(st);
	return rc;
}

static int
view_approvals(int64_t action_id, cJSON *arr)
{
	sqlite3_stmt *st = store_stmt("SELECT user, roles, decision, reason, at FROM approvals"
				      " WHERE action_id = ? ORDER BY at, id");
	static const struct store_col cols[] = {
	    {"user", STORE_COL_STR, 0},	    {"roles", STORE_COL_STR, 1},
	    {"decision", STORE_COL_STR, 2}, {"reason", STORE_COL_STR, 3},
	    {"at", STORE_COL_TIME, 4},
	};

	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, action_id);
	return store_cols_rows(st, "view approvals", cols, ARRAY_LEN(cols), arr);
}

static int
view_step_runs(int64_t action_id, cJSON *arr)
{
	sqlite3_stmt *st =
	    store_stmt("SELECT id, phase, idx, name, attempt, status, exit_code, http_status,"
		       " duration_ms, stdout, stderr, truncated, error, started_at, finished_at"
		       " FROM step_runs WHERE action_id = ? ORDER BY id");
	static const struct store_col cols[] = {
	    {"id", STORE_COL_INT, 0},
	    {"phase", STORE_COL_STR, 1},
	    {"idx", STORE_COL_INT, 2},
	    {"name", STORE_COL_STR, 3},
	    {"attempt", STORE_COL_INT, 4},
	    {"status", STORE_COL_STR, 5},
	    {"exit_code", STORE_COL_INT_NULL, 6},
	    {"http_status", STORE_COL_INT_NULL, 7},
	    {"duration_ms", STORE_COL_INT_NULL, 8},
	    {"output", STORE_COL_STR, 9},
	    {"stderr", STORE_COL_STR, 10},
	    {"truncated", STORE_COL_BOOL, 11},
	    {"error", STORE_COL_STR, 12},
	    {"started_at", STORE_COL_TIME, 13},
	    {"finished_at", STORE_COL_TIME, 14},
	};

	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, action_id);
	return store_cols_rows(st, "view step runs", cols, ARRAY_LEN(cols), arr);
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
	static const struct store_col cols[] = {
	    {"id", STORE_COL_INT, 4},	{"at", STORE_COL_TIME, 0},     {"actor", STORE_COL_STR, 1},
	    {"kind", STORE_COL_STR, 2}, {"message", STORE_COL_STR, 3},
	};

	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, incident_id);
	sqlite3_bind_int(st, 2, VIEW_TIMELINE_MAX);
	return store_cols_rows(st, "view timeline", cols, ARRAY_LEN(cols), arr);
}

/* The incident's own columns, before and after its age. */
static const struct store_col incident_cols[] = {
    {"id", STORE_COL_INT, 0},
    {"key", STORE_COL_KEY, 0},
    {"version", STORE_COL_INT, 1},
    {"state", STORE_COL_STR, 2},
    {"severity", STORE_COL_STR, 3},
    {"title", STORE_COL_STR, 4},
    {"resource", STORE_COL_STR, 5},
    {"source", STORE_COL_STR, 6},
    {"fingerprint", STORE_COL_STR, 7},
    {"labels", STORE_COL_OBJECT, 8},
    {"annotations", STORE_COL_OBJECT, 9},
    {"occurrences", STORE_COL_INT, 10},
    {"alert_cleared", STORE_COL_BOOL, 11},
    {"created_at", STORE_COL_TIME, 12},
    {"updated_at", STORE_COL_TIME, 13},
    {"last_seen_at", STORE_COL_TIME, 14},
    {"resolved_at", STORE_COL_TIME, 15},
};
static const struct store_col incident_later_cols[] = {
    {"acked_by", STORE_COL_STR, 16},  {"acked_at", STORE_COL_TIME, 17},
    {"assignee", STORE_COL_STR, 18},  {"requester", STORE_COL_STR, 19},
    {"analysis", STORE_COL_STR, 20},  {"confidence", STORE_COL_REAL_NULL, 21},
    {"attention", STORE_COL_STR, 22}, {"outcome", STORE_COL_STR, 23},
};

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
	v = store_cols_object(st, incident_cols, ARRAY_LEN(incident_cols));
	/* a finished incident's age stops at its resolution: the card shows how long it took */
	created = sqlite3_column_int64(st, 12);
	resolved = sqlite3_column_int64(st, 15);
	cJSON_AddNumberToObject(v, "age_s",
				(double)(((resolved > 0 ? resolved : now_ms()) - created) / 1000));
	store_cols_fill(st, v, incident_later_cols, ARRAY_LEN(incident_later_cols));
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
	static const struct store_col cols[] = {
	    {"id", STORE_COL_INT, 0},	       {"key", STORE_COL_KEY, 0},
	    {"state", STORE_COL_STR, 1},       {"severity", STORE_COL_STR, 2},
	    {"title", STORE_COL_STR, 3},       {"resource", STORE_COL_STR, 4},
	    {"occurrences", STORE_COL_INT, 5}, {"created_at", STORE_COL_TIME, 6},
	    {"updated_at", STORE_COL_TIME, 7},
	};

	*out = NULL;
	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int(st, 1, all);
	sqlite3_bind_int(st, 2, limit > 0 ? limit : -1);
	return store_cols_array(st, "list incidents", cols, ARRAY_LEN(cols), out);
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
