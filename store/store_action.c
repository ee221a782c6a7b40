/* store_action.c — actions, approvals, step runs, and the counts the policy decides on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_int.h"
#include "util.h"

#define ACTION_COLS                                                                                \
	"id, incident_id, runbook_id, params, cost_usd, cost_formula, risk_score, risk_level,"     \
	" risk_reasons, decision, decision_reason, approvals_needed, roles,"                       \
	" requester_may_approve, requester, autopilot, dry_run, created_at, expires_at,"           \
	" started_at, finished_at, status, result"

/* The action's incident shows the change on its card: bump its version. */
#define BUMP_BY_ACTION                                                                             \
	"UPDATE incidents SET version = version + 1, updated_at = ?"                               \
	" WHERE id = (SELECT incident_id FROM actions WHERE id = ?)"

void
action_free(struct action *a)
{
	if (a == NULL)
		return;
	free(a->runbook_id);
	cJSON_Delete(a->params);
	free(a->cost_formula);
	cJSON_Delete(a->risk_reasons);
	free(a->decision_reason);
	free(a->roles);
	free(a->requester);
	free(a->result);
	memset(a, 0, sizeof(*a));
}

static int
bump_by_action(int64_t action_id)
{
	sqlite3_stmt *st = store_stmt(BUMP_BY_ACTION);

	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, now_ms());
	sqlite3_bind_int64(st, 2, action_id);
	return store_run(st, "bump incident of action");
}

/* Runs one UPDATE of an action and bumps its incident, atomically. NOTFOUND if no row. */
static int
action_update(sqlite3_stmt *st, int64_t action_id, const char *what)
{
	bool own;
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	if (store_tx_enter(&own) != STORE_OK) {
		store_done(st);
		return STORE_ERROR;
	}
	if ((rc = store_run(st, what)) == STORE_OK && sqlite3_changes(store_db) == 0)
		rc = STORE_NOTFOUND;
	if (rc == STORE_OK)
		rc = bump_by_action(action_id);
	return store_tx_leave(own, rc);
}

int
store_action_create(struct action *a)
{
	sqlite3_stmt *st = store_stmt(
	    "INSERT INTO actions (incident_id, runbook_id, params, cost_usd, cost_formula,"
	    " risk_score, risk_level, risk_reasons, decision, decision_reason,"
	    " approvals_needed, roles, requester_may_approve, requester, autopilot, dry_run,"
	    " created_at, expires_at, status, result)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	int64_t now = now_ms();
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, a->incident_id);
	store_bind_text(st, 2, a->runbook_id ? a->runbook_id : "");
	store_bind_json(st, 3, a->params, "{}");
	sqlite3_bind_double(st, 4, a->cost_usd);
	store_bind_text(st, 5, a->cost_formula);
	sqlite3_bind_int(st, 6, a->risk_score);
	store_bind_text(st, 7, a->risk_level);
	store_bind_json(st, 8, a->risk_reasons, "[]");
	store_bind_text(st, 9, a->decision);
	store_bind_text(st, 10, a->decision_reason);
	sqlite3_bind_int(st, 11, a->approvals_needed);
	store_bind_text(st, 12, a->roles);
	sqlite3_bind_int(st, 13, a->requester_may_approve);
	store_bind_text(st, 14, a->requester);
	sqlite3_bind_int(st, 15, a->autopilot);
	sqlite3_bind_int(st, 16, a->dry_run);
	sqlite3_bind_int64(st, 17, now);
	store_bind_id(st, 18, a->expires_at);
	store_bind_text(st, 19, a->status[0] ? a->status : "proposed");
	store_bind_text(st, 20, a->result);
	if ((rc = store_run(st, "insert action")) != STORE_OK)
		return rc;
	a->id = sqlite3_last_insert_rowid(store_db);
	a->created_at = now;
	if (a->status[0] == '\0')
		snprintf(a->status, sizeof(a->status), "proposed");
	return STORE_OK;
}

int
store_action_get(int64_t id, struct action *out)
{
	sqlite3_stmt *st = store_stmt("SELECT " ACTION_COLS " FROM actions WHERE id = ?");
	int rc;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = store_row(st, "get action")) != STORE_OK)
		goto out;
	out->id = sqlite3_column_int64(st, 0);
	out->incident_id = sqlite3_column_int64(st, 1);
	out->runbook_id = store_col_dup(st, 2);
	if ((out->params = store_col_json(st, 3)) == NULL)
		out->params = cJSON_CreateObject();
	out->cost_usd = sqlite3_column_double(st, 4);
	out->cost_formula = store_col_dup(st, 5);
	out->risk_score = sqlite3_column_int(st, 6);
	store_col_copy(st, 7, out->risk_level, sizeof(out->risk_level));
	if ((out->risk_reasons = store_col_json(st, 8)) == NULL)
		out->risk_reasons = cJSON_CreateArray();
	store_col_copy(st, 9, out->decision, sizeof(out->decision));
	out->decision_reason = store_col_dup(st, 10);
	out->approvals_needed = sqlite3_column_int(st, 11);
	out->roles = store_col_dup(st, 12);
	out->requester_may_approve = sqlite3_column_int(st, 13) != 0;
	out->requester = store_col_dup(st, 14);
	out->autopilot = sqlite3_column_int(st, 15) != 0;
	out->dry_run = sqlite3_column_int(st, 16) != 0;
	out->created_at = sqlite3_column_int64(st, 17);
	out->expires_at = sqlite3_column_int64(st, 18);
	out->started_at = sqlite3_column_int64(st, 19);
	out->finished_at = sqlite3_column_int64(st, 20);
	store_col_copy(st, 21, out->status, sizeof(out->status));
	out->result = store_col_dup(st, 22);
out:
	store_done(st);
	return rc;
}

int
store_action_set_status(int64_t id, const char *status, const char *result)
{
	/* started_at is the first move to running (what the policy's rate limits count);
	 * finished_at the last move to an end status (a rollback follows a failure) */
	sqlite3_stmt *st = store_stmt(
	    "UPDATE actions SET status = ?1, result = ?2,"
	    " started_at = CASE WHEN ?1 = 'running' AND started_at IS NULL THEN ?3"
	    " ELSE started_at END,"
	    " finished_at = CASE WHEN ?1 IN ('succeeded', 'failed', 'rolled_back', 'cancelled')"
	    " THEN ?3 ELSE finished_at END"
	    " WHERE id = ?4");

	if (st != NULL) {
		store_bind_text(st, 1, status);
		store_bind_text(st, 2, result);
		sqlite3_bind_int64(st, 3, now_ms());
		sqlite3_bind_int64(st, 4, id);
	}
	return action_update(st, id, "set action status");
}

int
store_action_set_decision(int64_t id, const char *decision, const char *reason,
			  int approvals_needed, const char *roles, bool requester_may_approve,
			  int64_t expires_at)
{
	sqlite3_stmt *st =
	    store_stmt("UPDATE actions SET decision = ?, decision_reason = ?, approvals_needed = ?,"
		       " roles = ?, requester_may_approve = ?, expires_at = ? WHERE id = ?");

	if (st != NULL) {
		store_bind_text(st, 1, decision ? decision : "");
		store_bind_text(st, 2, reason);
		sqlite3_bind_int(st, 3, approvals_needed);
		store_bind_text(st, 4, roles);
		sqlite3_bind_int(st, 5, requester_may_approve);
		store_bind_id(st, 6, expires_at);
		sqlite3_bind_int64(st, 7, id);
	}
	return action_update(st, id, "set action decision");
}

int
store_action_set_autopilot(int64_t id, bool autopilot)
{
	sqlite3_stmt *st = store_stmt("UPDATE actions SET autopilot = ? WHERE id = ?");

	if (st != NULL) {
		sqlite3_bind_int(st, 1, autopilot);
		sqlite3_bind_int64(st, 2, id);
	}
	return action_update(st, id, "set action autopilot");
}

/* ---- approvals ---- */

int
store_approval_add(int64_t action_id, const char *user, const char *roles, const char *decision,
		   const char *reason)
{
	sqlite3_stmt *st;
	bool own;
	int rc;

	if (store_tx_enter(&own) != STORE_OK)
		return STORE_ERROR;
	st = store_stmt("INSERT INTO approvals (action_id, user, roles, decision, reason, at)"
			" VALUES (?, ?, ?, ?, ?, ?)");
	if (st == NULL) {
		rc = STORE_ERROR;
		goto out;
	}
	sqlite3_bind_int64(st, 1, action_id);
	store_bind_text(st, 2, user);
	store_bind_text(st, 3, roles);
	store_bind_text(st, 4, decision);
	store_bind_text(st, 5, reason);
	sqlite3_bind_int64(st, 6, now_ms());
	if ((rc = store_run(st, "insert approval")) == STORE_OK)
		rc = bump_by_action(action_id);
out:
	return store_tx_leave(own, rc);
}

int
store_approvers(int64_t action_id, char ***users, size_t *n)
{
	sqlite3_stmt *st = store_stmt("SELECT user FROM approvals"
				      " WHERE action_id = ? AND decision = 'approve'"
				      " ORDER BY at, id");
	size_t alloc = 0;
	int rc;

	*users = NULL;
	*n = 0;
	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, action_id);
	while ((rc = store_row(st, "list approvers")) == STORE_OK) {
		if (*n == alloc) {
			alloc = alloc ? alloc * 2 : 4;
			*users = xrealloc(*users, alloc * sizeof(**users));
		}
		(*users)[(*n)++] = store_col_dup(st, 0);
	}
	store_done(st);
	if (rc == STORE_NOTFOUND)
		return STORE_OK;
	while (*n > 0)
		free((*users)[--*n]);
	free(*users);
	*users = NULL;
	return rc;
}

/* ---- step runs ---- */

int
store_step_start(int64_t action_id, const char *phase, int idx, const char *name, int attempt,
		 int64_t *step_run_id)
{
	sqlite3_stmt *st;
	bool own;
	int rc;

	if (store_tx_enter(&own) != STORE_OK)
		return STORE_ERROR;
	st = store_stmt("INSERT INTO step_runs (action_id, phase, idx, name, attempt, status,"
			" started_at) VALUES (?, ?, ?, ?, ?, 'running', ?)");
	if (st == NULL) {
		rc = STORE_ERROR;
		goto out;
	}
	sqlite3_bind_int64(st, 1, action_id);
	store_bind_text(st, 2, phase);
	sqlite3_bind_int(st, 3, idx);
	store_bind_text(st, 4, name ? name : "");
	sqlite3_bind_int(st, 5, attempt);
	sqlite3_bind_int64(st, 6, now_ms());
	if ((rc = store_run(st, "insert step run")) != STORE_OK)
		goto out;
	*step_run_id = sqlite3_last_insert_rowid(store_db);
	rc = bump_by_action(action_id);
out:
	return store_tx_leave(own, rc);
}

int
store_step_finish(int64_t step_run_id, const struct step_result *r)
{
	sqlite3_stmt *st;
	bool own;
	int rc;

	if (store_tx_enter(&own) != STORE_OK)
		return STORE_ERROR;
	st = store_stmt("UPDATE step_runs SET status = ?, exit_code = ?, http_status = ?,"
			" stdout = ?, stderr = ?, truncated = ?, error = ?, duration_ms = ?,"
			" finished_at = ? WHERE id = ?");
	if (st == NULL) {
		rc = STORE_ERROR;
		goto out;
	}
	store_bind_text(st, 1, r->status ? r->status : "error");
	/* an HTTP step has no exit code, a killed or unstarted child none either */
	if (r->http_status > 0 || r->exit_code < 0)
		sqlite3_bind_null(st, 2);
	else
		sqlite3_bind_int(st, 2, r->exit_code);
	store_bind_id(st, 3, r->http_status > 0 ? (int64_t)r->http_status : 0);
	store_bind_text(st, 4, r->out ? r->out : "");
	store_bind_text(st, 5, r->err ? r->err : "");
	sqlite3_bind_int(st, 6, r->truncated);
	store_bind_text(st, 7, r->error);
	sqlite3_bind_int64(st, 8, r->duration_ms);
	sqlite3_bind_int64(st, 9, now_ms());
	sqlite3_bind_int64(st, 10, step_run_id);
	if ((rc = store_run(st, "finish step run")) == STORE_OK && sqlite3_changes(store_db) == 0)
		rc = STORE_NOTFOUND;
	if (rc != STORE_OK)
		goto out;
	if ((st = store_stmt("UPDATE incidents SET version = version + 1, updated_at = ?"
			     " WHERE id = (SELECT a.incident_id FROM actions a"
			     " JOIN step_runs s ON s.action_id = a.id WHERE s.id = ?)")) == NULL) {
		rc = STORE_ERROR;
		goto out;
	}
	sqlite3_bind_int64(st, 1, now_ms());
	sqlite3_bind_int64(st, 2, step_run_id);
	rc = store_run(st, "bump incident of step");
out:
	return store_tx_leave(own, rc);
}

int
store_steps_interrupted(struct interrupted_step **v, size_t *n)
{
	sqlite3_stmt *st = store_stmt("SELECT id, action_id, phase, idx, name FROM step_runs"
				      " WHERE status = 'running' ORDER BY id");
	size_t alloc = 0;
	struct interrupted_step *s;
	int rc;

	*v = NULL;
	*n = 0;
	if (st == NULL)
		return STORE_ERROR;
	while ((rc = store_row(st, "list interrupted steps")) == STORE_OK) {
		if (*n == alloc) {
			alloc = alloc ? alloc * 2 : 4;
			*v = xrealloc(*v, alloc * sizeof(**v));
		}
		s = &(*v)[(*n)++];
		s->step_run_id = sqlite3_column_int64(st, 0);
		s->action_id = sqlite3_column_int64(st, 1);
		store_col_copy(st, 2, s->phase, sizeof(s->phase));
		s->idx = sqlite3_column_int(st, 3);
		store_col_copy(st, 4, s->name, sizeof(s->name));
	}
	store_done(st);
	if (rc == STORE_NOTFOUND)
		return STORE_OK;
	free(*v);
	*v = NULL;
	*n = 0;
	return rc;
}

int
store_incident_actions(int64_t incident_id, cJSON **out)
{
	sqlite3_stmt *st = store_stmt("SELECT id, runbook_id, status, result, risk_level"
				      " FROM actions WHERE incident_id = ? ORDER BY id");
	static const struct store_col cols[] = {
	    {"id", STORE_COL_INT, 0},	      {"runbook", STORE_COL_STR, 1},
	    {"status", STORE_COL_STR, 2},     {"result", STORE_COL_STR, 3},
	    {"risk_level", STORE_COL_STR, 4},
	};

	*out = NULL;
	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, incident_id);
	return store_cols_array(st, "incident actions", cols, ARRAY_LEN(cols), out);
}

/* ---- what the policy needs ---- */

int
store_policy_counts(const char *resource, int64_t now_ms_, int64_t day_start_ms,
		    double *usd_autopilot_today, int *runs_last_hour, int *running,
		    int64_t *last_run_on_resource_ms)
{
	/* one statement, one snapshot: the four numbers are consistent with each other */
	sqlite3_stmt *st =
	    store_stmt("SELECT"
		       " (SELECT coalesce(sum(cost_usd), 0) FROM actions"
		       "  WHERE autopilot = 1 AND started_at >= ?1),"
		       " (SELECT count(*) FROM actions WHERE started_at >= ?2),"
		       " (SELECT count(*) FROM actions WHERE status IN ('running', 'verifying'))"
		       " + (SELECT count(*) FROM incidents i JOIN actions a ON a.id = i.action_id"
		       "  WHERE i.state = 'approved' AND a.started_at IS NULL),"
		       " (SELECT coalesce(max(a.started_at), 0) FROM actions a"
		       "  JOIN incidents i ON i.id = a.incident_id WHERE i.resource = ?3)");
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, day_start_ms);
	sqlite3_bind_int64(st, 2, now_ms_ - 3600 * 1000);
	store_bind_text(st, 3, resource ? resource : "");
	if ((rc = store_row(st, "policy counts")) == STORE_OK) {
		*usd_autopilot_today = sqlite3_column_double(st, 0);
		*runs_last_hour = sqlite3_column_int(st, 1);
		*running = sqlite3_column_int(st, 2);
		*last_run_on_resource_ms = sqlite3_column_int64(st, 3);
	}
	store_done(st);
	return rc;
}

int
store_recent_failures(const char *runbook_id, const char *resource, int64_t since_ms, int *count)
{
	sqlite3_stmt *st =
	    store_stmt("SELECT count(*) FROM actions a JOIN incidents i ON i.id = a.incident_id"
		       " WHERE a.runbook_id = ? AND i.resource = ?"
		       " AND a.status IN ('failed', 'rolled_back')"
		       " AND coalesce(a.finished_at, a.created_at) >= ?");
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	store_bind_text(st, 1, runbook_id);
	store_bind_text(st, 2, resource ? resource : "");
	sqlite3_bind_int64(st, 3, since_ms);
	if ((rc = store_row(st, "recent failures")) == STORE_OK)
		*count = sqlite3_column_int(st, 0);
	store_done(st);
	return rc;
}
