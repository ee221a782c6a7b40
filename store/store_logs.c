/* store_logs.c — the log context of incidents: its audit rows ("logs.context", one per
 * source and fetch), what views show of them, and the words the search indexes. */
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
