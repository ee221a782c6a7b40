/* store_link.c — spent single-use link tokens: a link works once, across restarts. */
#include <string.h>

#include "store_int.h"
#include "util.h"

int
store_link_use(const char *token_id, int64_t incident_id, const char *actor, const char *verb,
	       int64_t expires_ms)
{
	sqlite3_stmt *st;
	bool own;
	int rc;

	if ((rc = store_tx_enter(&own)) != STORE_OK)
		return rc;
	/* expired entries can never be presented again (the signature carries the expiry) */
	st = store_stmt("DELETE FROM link_uses WHERE expires_at < ?");
	if (st == NULL) {
		rc = STORE_ERROR;
		goto out;
	}
	sqlite3_bind_int64(st, 1, now_ms() - 24 * 3600 * 1000LL);
	if ((rc = store_run(st, "prune link uses")) != STORE_OK)
		goto out;
	st = store_stmt("INSERT INTO link_uses (token_id, incident_id, actor, verb, used_at,"
			" expires_at) VALUES (?, ?, ?, ?, ?, ?)");
	if (st == NULL) {
		rc = STORE_ERROR;
		goto out;
	}
	store_bind_text(st, 1, token_id);
	store_bind_id(st, 2, incident_id);
	store_bind_text(st, 3, actor);
	store_bind_text(st, 4, verb);
	sqlite3_bind_int64(st, 5, now_ms());
	sqlite3_bind_int64(st, 6, expires_ms);
	rc = store_run(st, "spend link");
out:
	return store_tx_leave(own, rc);
}

int
store_link_used(const char *token_id, bool *used)
{
	sqlite3_stmt *st = store_stmt("SELECT 1 FROM link_uses WHERE token_id = ?");
	int rc;

	*used = false;
	if (st == NULL)
		return STORE_ERROR;
	store_bind_text(st, 1, token_id);
	rc = store_row(st, "read link use");
	store_done(st);
	if (rc == STORE_ERROR)
		return rc;
	*used = rc == STORE_OK;
	return STORE_OK;
}
