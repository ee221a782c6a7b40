/* store_watch.c — what the metric watcher asks the store: the anomaly incidents whose alert
 * has not cleared, so that a restart picks their episodes up again. */
#include <string.h>

#include "store_int.h"

int
store_anomaly_uncleared(const char *prefix, store_anomaly_fn fn, void *ctx)
{
	/* substr() rather than LIKE: a fingerprint may hold '%' and '_' */
	sqlite3_stmt *st = store_stmt("SELECT i.fingerprint, (SELECT min(a.starts_at) FROM alerts a"
				      " WHERE a.incident_id = i.id) FROM incidents i"
				      " WHERE i.source = 'anomaly' AND i.alert_cleared = 0"
				      " AND substr(i.fingerprint, 1, ?2) = ?1 ORDER BY i.id");
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	store_bind_text(st, 1, prefix);
	sqlite3_bind_int(st, 2, (int)strlen(prefix));
	while ((rc = store_row(st, "uncleared anomalies")) == STORE_OK) {
		const char *fp = (const char *)sqlite3_column_text(st, 0);
		if (fp != NULL)
			fn(fp, sqlite3_column_int64(st, 1), ctx);
	}
	store_done(st);
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}
