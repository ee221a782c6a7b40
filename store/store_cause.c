/* store_cause.c — what a correlated incident follows: the alert its proposal was made for,
 * the probable cause last acted on, and the wait of a verified fix for alerts to clear. */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "util.h"

void
incident_cause_free(struct incident_cause *c)
{
	free(c->fix_for);
	free(c->cause_seen);
	memset(c, 0, sizeof(*c));
}

int
store_cause_get(int64_t id, struct incident_cause *out)
{
	sqlite3_stmt *st = store_stmt("SELECT fix_for, cause_seen, coalesce(wait_until, 0)"
				      " FROM incidents WHERE id = ?");
	int rc;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = store_row(st, "incident cause")) == STORE_OK) {
		out->fix_for = store_col_dup(st, 0);
		out->cause_seen = store_col_dup(st, 1);
		out->wait_until = sqlite3_column_int64(st, 2);
	}
	store_done(st);
	return rc;
}

/* One UPDATE of incident id, its SQL naming any of ?1 text, ?2 number, ?3 now and ?4 id
 * (the unnamed ones are bound and ignored); it says itself whether cards must show it. */
static int
cause_update(int64_t id, const char *sql, const char *text, int64_t num, const char *what)
{
	sqlite3_stmt *st = store_stmt(sql);
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	store_bind_text(st, 1, text);
	sqlite3_bind_int64(st, 2, num);
	sqlite3_bind_int64(st, 3, now_ms());
	sqlite3_bind_int64(st, 4, id);
	if ((rc = store_run(st, what)) == STORE_OK && sqlite3_changes(store_db) == 0)
		rc = STORE_NOTFOUND;
	return rc;
}

int
store_cause_set_fix(int64_t id, const char *fingerprint)
{
	return cause_update(id, "UPDATE incidents SET fix_for = ?1, cause_seen = ?1 WHERE id = ?4",
			    fingerprint, 0, "set fix_for");
}

int
store_cause_set_seen(int64_t id, const char *fingerprint)
{
	return cause_update(id, "UPDATE incidents SET cause_seen = ?1 WHERE id = ?4", fingerprint,
			    0, "set cause_seen");
}

int
store_cause_set_wait(int64_t id, int64_t until)
{
	return cause_update(
	    id,
	    "UPDATE incidents SET wait_until = nullif(?2, 0), version = version + 1,"
	    " updated_at = ?3 WHERE id = ?4",
	    NULL, until, "set wait_until");
}

int
store_cause_alert(int64_t id, const char *fingerprint, cJSON **out)
{
	/* the first delivery's text: what the alert said when it joined */
	sqlite3_stmt *st =
	    store_stmt("SELECT labels, annotations, resource, title FROM alerts"
		       " WHERE incident_id = ? AND fingerprint = ? ORDER BY id LIMIT 1");
	int rc;

	*out = NULL;
	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, fingerprint);
	if ((rc = store_row(st, "cause alert")) == STORE_OK) {
		cJSON *o = cJSON_CreateObject(), *l = store_col_json(st, 0),
		      *a = store_col_json(st, 1);

		cJSON_AddItemToObject(o, "labels", cJSON_IsObject(l) ? l : cJSON_CreateObject());
		cJSON_AddItemToObject(o, "annotations",
				      cJSON_IsObject(a) ? a : cJSON_CreateObject());
		if (!cJSON_IsObject(l))
			cJSON_Delete(l);
		if (!cJSON_IsObject(a))
			cJSON_Delete(a);
		cJSON_AddItemToObject(o, "resource", store_col_view_str(st, 2));
		cJSON_AddItemToObject(o, "title", store_col_view_str(st, 3));
		*out = o;
	}
	store_done(st);
	return rc;
}

int
store_cause_starts(int64_t id, cJSON **out)
{
	/* newest first, so that each fingerprint ends with its first delivery's start */
	sqlite3_stmt *st = store_stmt("SELECT fingerprint, coalesce(starts_at, received_at)"
				      " FROM alerts WHERE incident_id = ? ORDER BY id DESC");
	cJSON *map;
	int rc;

	*out = NULL;
	if (st == NULL)
		return STORE_ERROR;
	map = cJSON_CreateObject();
	sqlite3_bind_int64(st, 1, id);
	while ((rc = store_row(st, "alert starts")) == STORE_OK) {
		const char *fp = (const char *)sqlite3_column_text(st, 0);
		cJSON *ms = cJSON_CreateNumber((double)sqlite3_column_int64(st, 1));

		if (cJSON_HasObjectItem(map, fp ? fp : ""))
			cJSON_ReplaceItemInObjectCaseSensitive(map, fp ? fp : "", ms);
		else
			cJSON_AddItemToObject(map, fp ? fp : "", ms);
	}
	store_done(st);
	if (rc != STORE_NOTFOUND) {
		cJSON_Delete(map);
		return rc;
	}
	*out = map;
	return STORE_OK;
}
