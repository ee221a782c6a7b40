/* store_incident.c — alerts and incidents: grouping, creation, compare-and-set, setters. */
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "log.h"
#include "store_int.h"
#include "util.h"

#define INCIDENT_COLS                                                                              \
	"id, state, severity, title, resource, source, fingerprint, labels, annotations,"          \
	" occurrences, created_at, updated_at, last_seen_at, acked_at, resolved_at,"               \
	" cleared_at, acked_by, assignee, requester, alert_cleared, analysis, confidence,"         \
	" action_id, version, outcome, attention"

void
incident_free(struct incident *inc)
{
	if (inc == NULL)
		return;
	free(inc->title);
	free(inc->resource);
	free(inc->source);
	free(inc->fingerprint);
	cJSON_Delete(inc->labels);
	cJSON_Delete(inc->annotations);
	free(inc->acked_by);
	free(inc->assignee);
	free(inc->requester);
	free(inc->analysis);
	free(inc->outcome);
	free(inc->attention);
	memset(inc, 0, sizeof(*inc));
}

int
store_alert_seen(const char *dedup_key)
{
	sqlite3_stmt *st;
	int rc;

	if (dedup_key == NULL)
		return STORE_OK;
	if ((st = store_stmt("SELECT 1 FROM alerts WHERE dedup_key = ?")) == NULL)
		return STORE_ERROR;
	store_bind_text(st, 1, dedup_key);
	rc = store_row(st, "look up alert");
	store_done(st);
	if (rc == STORE_OK)
		return STORE_DUPLICATE;
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

/* The id of the first row of `sql` (one bound fingerprint). */
static int
incident_by_fingerprint(const char *sql, const char *fingerprint, int64_t *id, const char *what)
{
	sqlite3_stmt *st = store_stmt(sql);
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	store_bind_text(st, 1, fingerprint ? fingerprint : "");
	if ((rc = store_row(st, what)) == STORE_OK)
		*id = sqlite3_column_int64(st, 0);
	store_done(st);
	return rc;
}

int
store_incident_find_open(const char *fingerprint, int64_t *id)
{
	/* the WHERE clause repeats the partial index's so that the planner can use it */
	return incident_by_fingerprint("SELECT id FROM incidents WHERE fingerprint = ?"
				       " AND state NOT IN " STORE_TERMINAL_SQL
				       " ORDER BY id DESC LIMIT 1",
				       fingerprint, id, "find open incident");
}

int
store_incident_find_latest(const char *fingerprint, int64_t *id)
{
	return incident_by_fingerprint("SELECT id FROM incidents WHERE fingerprint = ?"
				       " ORDER BY id DESC LIMIT 1",
				       fingerprint, id, "find latest incident");
}

int
store_alert_insert(int64_t incident_id, const struct alert *a, int64_t now)
{
	sqlite3_stmt *st = store_stmt(
	    "INSERT INTO alerts (incident_id, dedup_key, fingerprint, source, firing, title,"
	    " severity, resource, url, labels, annotations, starts_at, received_at)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, incident_id);
	store_bind_text(st, 2, a->dedup_key);
	store_bind_text(st, 3, a->fingerprint ? a->fingerprint : "");
	store_bind_text(st, 4, alert_source_name(a->source));
	sqlite3_bind_int(st, 5, a->firing);
	store_bind_text(st, 6, a->title);
	store_bind_text(st, 7, a->severity);
	store_bind_text(st, 8, a->resource);
	store_bind_text(st, 9, a->url);
	store_bind_json(st, 10, a->labels, NULL);
	store_bind_json(st, 11, a->annotations, NULL);
	store_bind_id(st, 12, a->starts_at_ms);
	sqlite3_bind_int64(st, 13, now);
	if ((rc = store_run(st, "insert alert")) != STORE_OK)
		return rc;
	return store_related_index_alert(incident_id, a);
}

int
store_incident_create(const struct alert *a, const char *requester, int64_t *id)
{
	int64_t now = now_ms();
	sqlite3_stmt *st;
	bool own;
	int rc;

	if (store_tx_enter(&own) != STORE_OK)
		return STORE_ERROR;
	st = store_stmt(
	    "INSERT INTO incidents (state, severity, title, resource, source,"
	    " fingerprint, labels, annotations, occurrences, created_at, updated_at,"
	    " last_seen_at, requester, alert_cleared, cleared_at, version)"
	    " VALUES ('open', ?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?8, ?8, ?9, ?10, ?11, 1)");
	if (st == NULL) {
		rc = STORE_ERROR;
		goto out;
	}
	store_bind_text(st, 1, a->severity ? a->severity : "sev3");
	store_bind_text(st, 2, a->title ? a->title : "");
	store_bind_text(st, 3, a->resource ? a->resource : "");
	store_bind_text(st, 4, alert_source_name(a->source));
	store_bind_text(st, 5, a->fingerprint ? a->fingerprint : "");
	store_bind_json(st, 6, a->labels, "{}");
	store_bind_json(st, 7, a->annotations, "{}");
	sqlite3_bind_int64(st, 8, now);
	store_bind_text(st, 9, requester);
	sqlite3_bind_int(st, 10, !a->firing);
	store_bind_id(st, 11, a->firing ? 0 : now);
	if ((rc = store_run(st, "insert incident")) != STORE_OK)
		goto out;
	*id = sqlite3_last_insert_rowid(store_db);
	if ((rc = store_alert_insert(*id, a, now)) != STORE_OK)
		goto out;
	rc = store_incident_fts(*id);
out:
	return store_tx_leave(own, rc);
}

/* Runs an UPDATE of one incident; STORE_NOTFOUND when no row changed. */
static int
incident_update(sqlite3_stmt *st, const char *what)
{
	int rc = store_run(st, what);

	if (rc == STORE_OK && sqlite3_changes(store_db) == 0)
		rc = STORE_NOTFOUND;
	return rc;
}

int
store_incident_add_alert(int64_t id, const struct alert *a)
{
	int64_t now = now_ms();
	sqlite3_stmt *st;
	bool own;
	int rc;

	if (store_tx_enter(&own) != STORE_OK)
		return STORE_ERROR;
	if ((rc = store_alert_insert(id, a, now)) != STORE_OK)
		goto out;
	/* a firing alert after a clear means the problem is back: it is no longer cleared */
	if (a->firing)
		st = store_stmt("UPDATE incidents SET occurrences = occurrences + 1,"
				" last_seen_at = ?1, alert_cleared = 0, version = version + 1,"
				" updated_at = ?1 WHERE id = ?2");
	else
		st = store_stmt("UPDATE incidents SET alert_cleared = 1, cleared_at = ?1,"
				" version = version + 1, updated_at = ?1 WHERE id = ?2");
	if (st == NULL) {
		rc = STORE_ERROR;
		goto out;
	}
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, id);
	rc = incident_update(st, "add alert to incident");
out:
	return store_tx_leave(own, rc);
}

int
store_incident_get(int64_t id, struct incident *out)
{
	sqlite3_stmt *st = store_stmt("SELECT " INCIDENT_COLS " FROM incidents WHERE id = ?");
	int rc;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = store_row(st, "get incident")) != STORE_OK)
		goto out;
	out->id = sqlite3_column_int64(st, 0);
	store_col_copy(st, 1, out->state, sizeof(out->state));
	store_col_copy(st, 2, out->severity, sizeof(out->severity));
	out->title = store_col_dup(st, 3);
	out->resource = store_col_dup(st, 4);
	out->source = store_col_dup(st, 5);
	out->fingerprint = store_col_dup(st, 6);
	out->labels = store_col_json(st, 7);
	out->annotations = store_col_json(st, 8);
	out->occurrences = sqlite3_column_int(st, 9);
	out->created_at = sqlite3_column_int64(st, 10);
	out->updated_at = sqlite3_column_int64(st, 11);
	out->last_seen_at = sqlite3_column_int64(st, 12);
	out->acked_at = sqlite3_column_int64(st, 13);
	out->resolved_at = sqlite3_column_int64(st, 14);
	out->cleared_at = sqlite3_column_int64(st, 15);
	out->acked_by = store_col_dup(st, 16);
	out->assignee = store_col_dup(st, 17);
	out->requester = store_col_dup(st, 18);
	out->alert_cleared = sqlite3_column_int(st, 19) != 0;
	out->analysis = store_col_dup(st, 20);
	out->confidence = sqlite3_column_double(st, 21);
	out->action_id = sqlite3_column_int64(st, 22);
	out->version = sqlite3_column_int(st, 23);
	out->outcome = store_col_dup(st, 24);
	out->attention = store_col_dup(st, 25);
	/* the columns are written as valid JSON; an edited row still yields objects */
	if (out->labels == NULL)
		out->labels = cJSON_CreateObject();
	if (out->annotations == NULL)
		out->annotations = cJSON_CreateObject();
out:
	store_done(st);
	return rc;
}

int
store_incident_cas(int64_t id, const char *from, const char *to)
{
	sqlite3_stmt *st;
	int rc;

	st = store_stmt("UPDATE incidents SET state = ?1, version = version + 1, updated_at = ?2,"
			" resolved_at = CASE WHEN ?3 THEN ?2 ELSE resolved_at END"
			" WHERE id = ?4 AND state = ?5");
	if (st == NULL)
		return STORE_ERROR;
	store_bind_text(st, 1, to);
	sqlite3_bind_int64(st, 2, now_ms());
	sqlite3_bind_int(st, 3, store_state_terminal(to));
	sqlite3_bind_int64(st, 4, id);
	store_bind_text(st, 5, from);
	if ((rc = incident_update(st, "change incident state")) != STORE_NOTFOUND)
		return rc;
	/* nothing changed: tell a lost race from a missing incident */
	if ((st = store_stmt("SELECT 1 FROM incidents WHERE id = ?")) == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	rc = store_row(st, "look up incident");
	store_done(st);
	return rc == STORE_OK ? STORE_CONFLICT : rc;
}

int
store_incident_bump(int64_t id)
{
	sqlite3_stmt *st =
	    store_stmt("UPDATE incidents SET version = version + 1, updated_at = ? WHERE id = ?");

	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, now_ms());
	sqlite3_bind_int64(st, 2, id);
	return incident_update(st, "bump incident version");
}

int
store_incident_fts(int64_t id)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = store_stmt("DELETE FROM incidents_fts WHERE rowid = ?")) == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = store_run(st, "unindex incident")) != STORE_OK)
		return rc;
	st = store_stmt("INSERT INTO incidents_fts"
			" (rowid, title, labels, annotations, analysis, outcome, runbook)"
			" SELECT i.id, i.title, i.labels, i.annotations || coalesce((SELECT ' ' ||"
			" group_concat(json_extract(data, '$.terms'), ' ') FROM audit WHERE"
			" incident_id = i.id AND kind = 'logs.context'), ''), coalesce(i.analysis, ''),"
			" coalesce(i.outcome, ''), coalesce(a.runbook_id, '')"
			" FROM incidents i LEFT JOIN actions a ON a.id = i.action_id"
			" WHERE i.id = ?");
	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	return store_run(st, "index incident");
}

/* One UPDATE of a field that is also indexed for search, with its index row, atomically. */
static int
incident_update_indexed(sqlite3_stmt *st, int64_t id, const char *what)
{
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	if ((rc = incident_update(st, what)) != STORE_OK)
		return rc;
	return store_incident_fts(id);
}

int
store_incident_set_analysis(int64_t id, const char *analysis, double confidence)
{
	sqlite3_stmt *st;
	bool own;
	int rc;

	if (store_tx_enter(&own) != STORE_OK)
		return STORE_ERROR;
	st = store_stmt("UPDATE incidents SET analysis = ?, confidence = ?,"
			" version = version + 1, updated_at = ? WHERE id = ?");
	if (st != NULL) {
		store_bind_text(st, 1, analysis);
		sqlite3_bind_double(st, 2, confidence);
		sqlite3_bind_int64(st, 3, now_ms());
		sqlite3_bind_int64(st, 4, id);
	}
	rc = incident_update_indexed(st, id, "set analysis");
	return store_tx_leave(own, rc);
}

/* Sets one column of an incident through `sql` (a constant of this file: "UPDATE incidents
 * SET <col> = ?, version = version + 1, updated_at = ? WHERE id = ?"), binding `text`, or
 * `num` when text is NULL and is_num; refreshes the search index when the column is in it. */
static int
incident_set_one(int64_t id, const char *sql, const char *text, bool is_num, int64_t num,
		 bool indexed, const char *what)
{
	sqlite3_stmt *st;
	bool own;
	int rc;

	if (store_tx_enter(&own) != STORE_OK)
		return STORE_ERROR;
	if ((st = store_stmt(sql)) != NULL) {
		if (is_num)
			store_bind_id(st, 1, num);
		else
			store_bind_text(st, 1, text);
		sqlite3_bind_int64(st, 2, now_ms());
		sqlite3_bind_int64(st, 3, id);
	}
	rc = indexed ? incident_update_indexed(st, id, what)
		     : (st ? incident_update(st, what) : STORE_ERROR);
	return store_tx_leave(own, rc);
}

int
store_incident_set_action(int64_t id, int64_t action_id)
{
	return incident_set_one(id,
				"UPDATE incidents SET action_id = ?, version = version + 1,"
				" updated_at = ? WHERE id = ?",
				NULL, true, action_id, true, "set action");
}

int
store_incident_set_outcome(int64_t id, const char *outcome)
{
	return incident_set_one(id,
				"UPDATE incidents SET outcome = ?, version = version + 1,"
				" updated_at = ? WHERE id = ?",
				outcome, false, 0, true, "set outcome");
}

int
store_incident_set_attention(int64_t id, const char *why)
{
	return incident_set_one(id,
				"UPDATE incidents SET attention = ?, version = version + 1,"
				" updated_at = ? WHERE id = ?",
				why, false, 0, false, "set attention");
}

int
store_incident_ack(int64_t id, const char *user, int64_t at)
{
	sqlite3_stmt *st = store_stmt("UPDATE incidents SET acked_by = ?, acked_at = ?,"
				      " version = version + 1, updated_at = ? WHERE id = ?");

	if (st == NULL)
		return STORE_ERROR;
	store_bind_text(st, 1, user);
	store_bind_id(st, 2, at);
	sqlite3_bind_int64(st, 3, now_ms());
	sqlite3_bind_int64(st, 4, id);
	return incident_update(st, "acknowledge incident");
}

int
store_incidents_in_state(const char *state, int64_t **ids, size_t *n)
{
	sqlite3_stmt *st = store_stmt("SELECT id FROM incidents WHERE state = ? ORDER BY id");
	size_t alloc = 0;
	int rc;

	*ids = NULL;
	*n = 0;
	if (st == NULL)
		return STORE_ERROR;
	store_bind_text(st, 1, state);
	while ((rc = store_row(st, "list incidents in state")) == STORE_OK) {
		if (*n == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			*ids = xrealloc(*ids, alloc * sizeof(**ids));
		}
		(*ids)[(*n)++] = sqlite3_column_int64(st, 0);
	}
	store_done(st);
	if (rc == STORE_NOTFOUND)
		return STORE_OK;
	free(*ids);
	*ids = NULL;
	*n = 0;
	return rc;
}

int
store_alerts_prune(int64_t before_ms, int64_t *cursor, int scan, int *deleted)
{
	sqlite3_stmt *st;
	int64_t last;
	int rc;

	*deleted = 0;
	/* A window of the next `scan` rows by id: each call costs O(scan) however large the
	 * tables grow, whether there is much to delete or nothing at all. */
	st = store_stmt(
	    "SELECT max(id) FROM (SELECT id FROM alerts WHERE id > ? ORDER BY id LIMIT ?)");
	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, *cursor);
	sqlite3_bind_int(st, 2, scan);
	rc = store_row(st, "prune alerts");
	last = rc == STORE_OK ? sqlite3_column_int64(st, 0) : 0; /* NULL max: past the end */
	store_done(st);
	if (rc != STORE_OK)
		return rc;
	if (last == 0) {
		*cursor = 0;
		return STORE_OK;
	}
	st = store_stmt(
	    "DELETE FROM alerts WHERE id > ?1 AND id <= ?2 AND EXISTS (SELECT 1 FROM"
	    " incidents i WHERE i.id = alerts.incident_id AND i.state IN " STORE_TERMINAL_SQL
	    " AND COALESCE(i.resolved_at, i.updated_at) < ?3)");
	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, *cursor);
	sqlite3_bind_int64(st, 2, last);
	sqlite3_bind_int64(st, 3, before_ms);
	if ((rc = store_run(st, "prune alerts")) == STORE_OK) {
		*deleted = sqlite3_changes(store_db);
		*cursor = last;
	}
	return rc;
}
