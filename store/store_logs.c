/* store_logs.c — the log context of incidents: its audit rows ("logs.context", one per
 * source and fetch), what views show of them, the words the search indexes, and the "after"
 * fetches still due. */
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_int.h"
#include "util.h"

#define LOGS_VIEW_ROWS 40 /* sources × fetches shown; the newest kept */

int
store_logs_add(int64_t incident_id, const char *message, const cJSON *data)
{
	bool own;
	int rc;

	if (store_tx_enter(&own) != STORE_OK)
		return STORE_ERROR;
	rc = store_audit("healer", incident_id, "logs.context", message, data);
	/* the version names what a card shows, and the templates' words join the search text */
	if (rc == STORE_OK)
		rc = store_incident_bump(incident_id);
	if (rc == STORE_OK)
		rc = store_incident_fts(incident_id);
	return store_tx_leave(own, rc);
}

int
store_view_logs(int64_t id, cJSON *view)
{
	sqlite3_stmt *st = store_stmt("SELECT data FROM (SELECT id, data FROM audit"
				      " WHERE incident_id = ?1 AND kind = 'logs.context'"
				      " ORDER BY id DESC LIMIT ?2) ORDER BY id");
	cJSON *arr = cJSON_AddArrayToObject(view, "log_context"), *d;
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, LOGS_VIEW_ROWS);
	while ((rc = store_row(st, "view log context")) == STORE_OK)
		if ((d = store_col_json(st, 0)) != NULL)
			cJSON_AddItemToArray(arr, d);
	store_done(st);
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

int
store_logs_due_set(int64_t incident_id, int64_t due_at, const cJSON *sources)
{
	sqlite3_stmt *st = store_stmt("INSERT OR REPLACE INTO logs_due (incident_id, due_at,"
				      " sources) VALUES (?, ?, ?)");

	if (st == NULL)
		return STORE_ERROR;
	store_bind_id(st, 1, incident_id);
	sqlite3_bind_int64(st, 2, due_at);
	store_bind_json(st, 3, sources, "[]");
	return store_run(st, "keep the log fetch due");
}

int
store_logs_due_clear(int64_t incident_id)
{
	sqlite3_stmt *st = store_stmt("DELETE FROM logs_due WHERE incident_id = ?");

	if (st == NULL)
		return STORE_ERROR;
	store_bind_id(st, 1, incident_id);
	return store_run(st, "forget the log fetch due");
}

int
store_logs_due_list(cJSON **out)
{
	sqlite3_stmt *st = store_stmt("SELECT incident_id, due_at, sources FROM logs_due"
				      " ORDER BY due_at, incident_id");
	cJSON *arr = cJSON_CreateArray(), *o, *src;
	int rc;

	*out = NULL;
	if (st == NULL) {
		cJSON_Delete(arr);
		return STORE_ERROR;
	}
	while ((rc = store_row(st, "log fetches due")) == STORE_OK) {
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "incident_id", (double)sqlite3_column_int64(st, 0));
		cJSON_AddNumberToObject(o, "due_at", (double)sqlite3_column_int64(st, 1));
		if ((src = store_col_json(st, 2)) == NULL || !cJSON_IsArray(src)) {
			cJSON_Delete(src);
			src = cJSON_CreateArray();
		}
		cJSON_AddItemToObject(o, "sources", src);
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
