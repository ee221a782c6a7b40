/* store_related.c — related alerts: alerts that joined an open incident under a correlate
 * rule, each keeping its own fingerprint, occurrences and cleared state. */
#include <string.h>

#include "ingest.h"
#include "store_int.h"
#include "util.h"

int
store_related_find(const char *fingerprint, int64_t *id)
{
	sqlite3_stmt *st =
	    store_stmt("SELECT a.incident_id FROM alerts a JOIN incidents i ON i.id = a.incident_id"
		       " WHERE a.fingerprint = ? AND i.fingerprint <> a.fingerprint"
		       " AND i.state NOT IN " STORE_TERMINAL_SQL " ORDER BY a.id DESC LIMIT 1");
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	store_bind_text(st, 1, fingerprint ? fingerprint : "");
	if ((rc = store_row(st, "find related alert")) == STORE_OK)
		*id = sqlite3_column_int64(st, 0);
	store_done(st);
	return rc;
}

int
store_related_add(int64_t id, const struct alert *a)
{
	int64_t now = now_ms();
	sqlite3_stmt *st;
	bool own;
	int rc;

	if (store_tx_enter(&own) != STORE_OK)
		return STORE_ERROR;
	if ((rc = store_alert_insert(id, a, now)) != STORE_OK)
		goto out;
	/* the incident's own occurrences and cleared state are its first alert's */
	st = store_stmt("UPDATE incidents SET version = version + 1, updated_at = ?1,"
			" last_seen_at = max(last_seen_at, ?1) WHERE id = ?2");
	if (st == NULL) {
		rc = STORE_ERROR;
		goto out;
	}
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, id);
	if ((rc = store_run(st, "related alert")) == STORE_OK && sqlite3_changes(store_db) == 0)
		rc = STORE_NOTFOUND;
out:
	return store_tx_leave(own, rc);
}

int
store_related_merge(int64_t from, int64_t into)
{
	sqlite3_stmt *st = store_stmt("UPDATE alerts SET incident_id = ?1 WHERE incident_id = ?2");
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, into);
	sqlite3_bind_int64(st, 2, from);
	if ((rc = store_run(st, "merge alerts")) != STORE_OK ||
	    (rc = store_related_index_merge(from, into)) != STORE_OK)
		return rc;
	st = store_stmt("UPDATE incidents SET version = version + 1, updated_at = ?1,"
			" last_seen_at = max(last_seen_at, (SELECT last_seen_at FROM incidents"
			" WHERE id = ?3)) WHERE id = ?2");
	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, now_ms());
	sqlite3_bind_int64(st, 2, into);
	sqlite3_bind_int64(st, 3, from);
	if ((rc = store_run(st, "merge into")) == STORE_OK && sqlite3_changes(store_db) == 0)
		rc = STORE_NOTFOUND;
	return rc;
}

/* Runs a statement over (?1 incident, ?2 fingerprint, ?3 now, ?4 new incident): each binds
 * the parameters up to the highest it names. */
static int
split_step(const char *sql, int64_t id, const char *fp, int64_t now, int64_t new_id,
	   const char *what)
{
	sqlite3_stmt *st = store_stmt(sql);
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	int n = sqlite3_bind_parameter_count(st);
	sqlite3_bind_int64(st, 1, id);
	if (n >= 2)
		store_bind_text(st, 2, fp);
	if (n >= 3)
		sqlite3_bind_int64(st, 3, now);
	if (n >= 4)
		sqlite3_bind_int64(st, 4, new_id);
	if ((rc = store_run(st, what)) == STORE_OK && sqlite3_changes(store_db) == 0)
		rc = STORE_NOTFOUND;
	return rc;
}

int
store_related_split(int64_t id, const char *fingerprint, int64_t *new_id)
{
	int64_t now = now_ms();
	int rc;

	/* the new incident is what its first delivery would have opened */
	rc = split_step("INSERT INTO incidents (state, severity, title, resource, source,"
			" fingerprint, labels, annotations, occurrences, created_at, updated_at,"
			" last_seen_at, alert_cleared, version)"
			" SELECT 'open', coalesce(severity, 'sev3'), coalesce(title, ''),"
			" coalesce(resource, ''), source, fingerprint, coalesce(labels, '{}'),"
			" coalesce(annotations, '{}'), 1, ?3, ?3, ?3, 0, 1 FROM alerts"
			" WHERE incident_id = ?1 AND fingerprint = ?2"
			" ORDER BY id LIMIT 1",
			id, fingerprint, now, 0, "split incident");
	if (rc != STORE_OK)
		return rc;
	*new_id = sqlite3_last_insert_rowid(store_db);
	rc = split_step("UPDATE alerts SET incident_id = ?4 WHERE incident_id = ?1"
			" AND fingerprint = ?2",
			id, fingerprint, now, *new_id, "split alerts");
	if (rc == STORE_OK)
		rc = split_step(
		    "UPDATE incidents SET"
		    " occurrences = (SELECT count(*) FROM alerts WHERE incident_id = ?4"
		    "  AND firing = 1),"
		    " alert_cleared = (SELECT firing = 0 FROM alerts WHERE incident_id = ?4"
		    "  ORDER BY id DESC LIMIT 1),"
		    " last_seen_at = (SELECT max(received_at) FROM alerts"
		    "  WHERE incident_id = ?4)"
		    " WHERE id = ?4",
		    id, fingerprint, now, *new_id, "split counts");
	if (rc == STORE_OK)
		rc = split_step("UPDATE incidents SET cleared_at = ?3 WHERE id = ?4"
				" AND alert_cleared = 1",
				id, fingerprint, now, *new_id, "split cleared");
	if (rc == STORE_OK || rc == STORE_NOTFOUND)
		rc = split_step("UPDATE incidents SET version = version + 1, updated_at = ?3"
				" WHERE id = ?1",
				id, fingerprint, now, *new_id, "split from");
	/* the alert's label values now lead to the new incident, and no longer to id unless
	 * another of its alerts has them too */
	if (rc == STORE_OK)
		rc = store_related_reindex(id);
	if (rc == STORE_OK)
		rc = store_related_reindex(*new_id);
	if (rc == STORE_OK)
		rc = store_incident_fts(*new_id);
	return rc;
}

int
store_related_view(int64_t id, cJSON **out)
{
	/* one row per fingerprint, oldest first: its first delivery's text, its firings, and
	 * whether its latest delivery said resolved */
	sqlite3_stmt *st =
	    store_stmt("SELECT a.fingerprint, f.title, f.resource, f.labels, f.received_at,"
		       " (SELECT count(*) FROM alerts c WHERE c.incident_id = a.incident_id"
		       "  AND c.fingerprint = a.fingerprint AND c.firing = 1),"
		       " (SELECT l.firing FROM alerts l WHERE l.incident_id = a.incident_id"
		       "  AND l.fingerprint = a.fingerprint ORDER BY l.id DESC LIMIT 1),"
		       " a.fingerprint = i.fingerprint"
		       " FROM (SELECT incident_id, fingerprint, min(id) AS first FROM alerts"
		       "  WHERE incident_id = ?1 GROUP BY fingerprint) a"
		       " JOIN alerts f ON f.id = a.first JOIN incidents i ON i.id = a.incident_id"
		       " ORDER BY a.first");
	static const struct store_col cols[] = {
	    {"fingerprint", STORE_COL_STR, 0}, {"title", STORE_COL_STR, 1},
	    {"resource", STORE_COL_STR, 2},    {"labels", STORE_COL_OBJECT, 3},
	    {"joined_at", STORE_COL_TIME, 4},  {"occurrences", STORE_COL_INT, 5},
	    {"cleared", STORE_COL_NOT, 6},     {"first", STORE_COL_BOOL, 7},
	};

	*out = NULL;
	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	return store_cols_array(st, "related alerts", cols, ARRAY_LEN(cols), out);
}
