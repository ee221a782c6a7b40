/* store_outbox.c — the chat outbox: written with each state change, drained by adapters. */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "store_int.h"
#include "util.h"

int
store_outbox_add(const char *adapter, int64_t incident_id, const char *kind, const cJSON *payload)
{
	sqlite3_stmt *st =
	    store_stmt("INSERT INTO outbox (adapter, incident_id, kind, payload,"
		       " created_at, next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)");

	if (st == NULL)
		return STORE_ERROR;
	store_bind_text(st, 1, adapter);
	store_bind_id(st, 2, incident_id);
	store_bind_text(st, 3, kind);
	store_bind_json(st, 4, payload, NULL);
	sqlite3_bind_int64(st, 5, now_ms());
	return store_run(st, "queue outbox item");
}

void
outbox_item_free(struct outbox_item *it)
{
	if (it == NULL)
		return;
	cJSON_Delete(it->payload);
	memset(it, 0, sizeof(*it));
}

/*
 * A card item is rendered from the incident's state at send time, so one send covers every
 * pending card item of that incident: they are marked merged into the chosen one here (also
 * those merged earlier into an item now waiting for a retry) and sent with it in
 * store_outbox_done. Card items queued after this call stay pending: they may carry a
 * change the render already in flight does not show.
 *
 * A sender that passed over a due card for lack of budget asks again from past it (min_id).
 * A later card item of that same incident is then not picked: it would take the passed-over
 * one in, and the incident would lose its place in the queue to incidents queued after it.
 * Items held or waiting for a retry (not yet due) do not count as passed over.
 */
int
store_outbox_next(const char *adapter, int64_t now, struct outbox_item *out)
{
	return store_outbox_next_from(adapter, now, 0, out);
}

int
store_outbox_next_from(const char *adapter, int64_t now, int64_t min_id, struct outbox_item *out)
{
	sqlite3_stmt *st;
	bool own;
	int rc;

	memset(out, 0, sizeof(*out));
	if (store_tx_enter(&own) != STORE_OK)
		return STORE_ERROR;
	st = store_stmt("SELECT id, incident_id, adapter, kind, payload, attempts, created_at"
			" FROM outbox"
			" WHERE adapter = ?1 AND sent_at IS NULL AND merged_into IS NULL"
			" AND next_attempt_at <= ?2 AND id >= ?3"
			" AND NOT (kind = 'card' AND incident_id != 0 AND EXISTS ("
			"  SELECT 1 FROM outbox p WHERE p.adapter = ?1"
			"  AND p.incident_id = outbox.incident_id AND p.kind = 'card'"
			"  AND p.sent_at IS NULL AND p.merged_into IS NULL"
			"  AND p.next_attempt_at <= ?2 AND p.id < ?3))"
			" ORDER BY id LIMIT 1");
	if (st == NULL) {
		rc = STORE_ERROR;
		goto out;
	}
	store_bind_text(st, 1, adapter);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, min_id);
	if ((rc = store_row(st, "next outbox item")) == STORE_OK) {
		out->id = sqlite3_column_int64(st, 0);
		out->incident_id = sqlite3_column_int64(st, 1);
		store_col_copy(st, 2, out->adapter, sizeof(out->adapter));
		store_col_copy(st, 3, out->kind, sizeof(out->kind));
		out->payload = store_col_json(st, 4);
		out->attempts = sqlite3_column_int(st, 5);
		out->created_at = sqlite3_column_int64(st, 6);
	}
	store_done(st);
	if (rc != STORE_OK || strcmp(out->kind, "card") != 0 || out->incident_id == 0)
		goto out;
	st = store_stmt("UPDATE outbox SET merged_into = ?1 WHERE adapter = ?2"
			" AND incident_id = ?3 AND kind = 'card' AND sent_at IS NULL AND id != ?1");
	if (st == NULL) {
		rc = STORE_ERROR;
		goto out;
	}
	sqlite3_bind_int64(st, 1, out->id);
	store_bind_text(st, 2, adapter);
	sqlite3_bind_int64(st, 3, out->incident_id);
	rc = store_run(st, "coalesce card items");
out:
	rc = store_tx_leave(own, rc);
	if (rc != STORE_OK)
		outbox_item_free(out);
	return rc;
}

int
store_outbox_done(const struct outbox_item *it)
{
	sqlite3_stmt *st = store_stmt("UPDATE outbox SET sent_at = ?2"
				      " WHERE (id = ?1 OR merged_into = ?1) AND sent_at IS NULL");
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, it->id);
	sqlite3_bind_int64(st, 2, now_ms());
	if ((rc = store_run(st, "mark outbox item sent")) == STORE_OK &&
	    sqlite3_changes(store_db) == 0)
		rc = STORE_NOTFOUND;
	return rc;
}

int
store_outbox_retry(const struct outbox_item *it, int64_t next_attempt_at, const char *error)
{
	sqlite3_stmt *st = store_stmt("UPDATE outbox SET attempts = attempts + 1,"
				      " next_attempt_at = ?, last_error = ?"
				      " WHERE id = ? AND sent_at IS NULL");
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, next_attempt_at);
	store_bind_text(st, 2, error);
	sqlite3_bind_int64(st, 3, it->id);
	if ((rc = store_run(st, "reschedule outbox item")) == STORE_OK &&
	    sqlite3_changes(store_db) == 0)
		rc = STORE_NOTFOUND;
	return rc;
}

int
store_outbox_defer(const struct outbox_item *it, int64_t at)
{
	sqlite3_stmt *st = store_stmt("UPDATE outbox SET next_attempt_at = ?"
				      " WHERE id = ? AND sent_at IS NULL");

	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, at);
	sqlite3_bind_int64(st, 2, it->id);
	return store_run(st, "hold outbox item");
}

int
store_outbox_prune(int64_t before_ms)
{
	sqlite3_stmt *st =
	    store_stmt("DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ?");

	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, before_ms);
	return store_run(st, "prune outbox");
}

int
store_outbox_due_at(const char *adapter, int64_t *at)
{
	sqlite3_stmt *st = store_stmt("SELECT min(next_attempt_at) FROM outbox WHERE adapter = ?"
				      " AND sent_at IS NULL AND merged_into IS NULL");
	int rc;

	*at = 0;
	if (st == NULL)
		return STORE_ERROR;
	store_bind_text(st, 1, adapter);
	if ((rc = store_row(st, "next outbox time")) == STORE_OK) {
		if (sqlite3_column_type(st, 0) == SQLITE_NULL)
			rc = STORE_NOTFOUND;
		else
			*at = sqlite3_column_int64(st, 0);
	}
	store_done(st);
	return rc;
}
