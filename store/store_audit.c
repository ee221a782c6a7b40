/* store_audit.c — the append-only, hash-chained audit log: append, verify, export. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "log.h"
#include "store_int.h"
#include "util.h"

#define AUDIT_HEAD_KEY "audit.head" /* "<last id> <last hash>", written with every row */
#define HASH_HEX 64
static const char audit_zero_hash[HASH_HEX + 1] =
    "0000000000000000000000000000000000000000000000000000000000000000";

struct audit_row {
	int64_t id, at, incident_id;
	const char *actor, *kind, *message, *data; /* data: JSON text or NULL */
};

/*
 * hash = SHA-256 hex of prev_hash "\n" canonical, where canonical is the unformatted JSON
 * array ["id","at","actor","incident_id","kind","message",data] with every value a string
 * (data the stored JSON text, or null). JSON string escaping keeps fields from running into
 * each other; numbers as decimal strings avoid any float formatting in the hash input.
 */
static void
audit_hash(const char *prev_hash, const struct audit_row *r, char out[HASH_HEX + 1])
{
	char num[3][24];
	cJSON *arr = cJSON_CreateArray();
	char *canon, *input;

	snprintf(num[0], sizeof(num[0]), "%" PRId64, r->id);
	snprintf(num[1], sizeof(num[1]), "%" PRId64, r->at);
	snprintf(num[2], sizeof(num[2]), "%" PRId64, r->incident_id);
	cJSON_AddItemToArray(arr, cJSON_CreateString(num[0]));
	cJSON_AddItemToArray(arr, cJSON_CreateString(num[1]));
	cJSON_AddItemToArray(arr, cJSON_CreateString(r->actor ? r->actor : ""));
	cJSON_AddItemToArray(arr, cJSON_CreateString(num[2]));
	cJSON_AddItemToArray(arr, cJSON_CreateString(r->kind ? r->kind : ""));
	cJSON_AddItemToArray(arr, cJSON_CreateString(r->message ? r->message : ""));
	cJSON_AddItemToArray(arr, r->data ? cJSON_CreateString(r->data) : cJSON_CreateNull());
	if ((canon = cJSON_PrintUnformatted(arr)) == NULL)
		fatalx("out of memory (audit canonical form)");
	input = xasprintf("%s\n%s", prev_hash, canon);
	crypto_sha256_hex(input, strlen(input), out);
	free(input);
	cJSON_free(canon);
	cJSON_Delete(arr);
}

/* The recorded head: last id and hash. STORE_NOTFOUND when the log is empty. */
static int
audit_head(int64_t *id, char hash[HASH_HEX + 1])
{
	char v[128];
	long long n;
	int rc;

	if ((rc = store_setting_get(AUDIT_HEAD_KEY, v, sizeof(v))) != STORE_OK)
		return rc;
	if (sscanf(v, "%lld %64s", &n, hash) != 2 || strlen(hash) != HASH_HEX) {
		log_warnx("store: malformed audit head \"%s\"", v);
		return STORE_ERROR;
	}
	*id = n;
	return STORE_OK;
}

int
store_audit(const char *actor, int64_t incident_id, const char *kind, const char *message,
	    const cJSON *data)
{
	struct audit_row r = {.at = now_ms(),
			      .incident_id = incident_id,
			      .actor = actor,
			      .kind = kind,
			      .message = message};
	char prev[HASH_HEX + 1], hash[HASH_HEX + 1], head[128];
	char *data_text = NULL;
	sqlite3_stmt *st;
	int64_t head_id;
	bool own;
	int rc;

	if (store_tx_enter(&own) != STORE_OK)
		return STORE_ERROR;
	if ((rc = audit_head(&head_id, prev)) == STORE_NOTFOUND) {
		memcpy(prev, audit_zero_hash, sizeof(prev));
		rc = STORE_OK;
	}
	if (rc != STORE_OK)
		goto out;
	/* the id is part of the hash, so take it before inserting: AUTOINCREMENT's next */
	if ((st = store_stmt("SELECT seq FROM sqlite_sequence WHERE name = 'audit'")) == NULL) {
		rc = STORE_ERROR;
		goto out;
	}
	rc = store_row(st, "read audit sequence");
	r.id = rc == STORE_OK ? sqlite3_column_int64(st, 0) + 1 : 1;
	store_done(st);
	if (rc == STORE_ERROR)
		goto out;
	if (data != NULL && (data_text = cJSON_PrintUnformatted(data)) == NULL)
		fatalx("out of memory (audit data)");
	r.data = data_text;
	audit_hash(prev, &r, hash);

	st = store_stmt("INSERT INTO audit (id, at, actor, incident_id, kind, message, data,"
			" prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (st == NULL) {
		rc = STORE_ERROR;
		goto out;
	}
	sqlite3_bind_int64(st, 1, r.id);
	sqlite3_bind_int64(st, 2, r.at);
	store_bind_text(st, 3, actor ? actor : "");
	store_bind_id(st, 4, incident_id);
	store_bind_text(st, 5, kind ? kind : "");
	store_bind_text(st, 6, message ? message : "");
	store_bind_text(st, 7, data_text);
	store_bind_text(st, 8, prev);
	store_bind_text(st, 9, hash);
	if ((rc = store_run(st, "append audit row")) != STORE_OK)
		goto out;
	/* a chain cannot show that its last row was deleted; the head kept beside it can */
	snprintf(head, sizeof(head), "%" PRId64 " %s", r.id, hash);
	rc = store_setting_set(AUDIT_HEAD_KEY, head);
out:
	cJSON_free(data_text);
	return store_tx_leave(own, rc);
}

/* Reads one audit row's columns (id, at, actor, incident_id, kind, message, data, …). */
static void
audit_row_read(sqlite3_stmt *st, struct audit_row *r)
{
	r->id = sqlite3_column_int64(st, 0);
	r->at = sqlite3_column_int64(st, 1);
	r->actor = (const char *)sqlite3_column_text(st, 2);
	r->incident_id = sqlite3_column_int64(st, 3);
	r->kind = (const char *)sqlite3_column_text(st, 4);
	r->message = (const char *)sqlite3_column_text(st, 5);
	r->data = (const char *)sqlite3_column_text(st, 6);
}

#define AUDIT_COLS "id, at, actor, incident_id, kind, message, data, prev_hash, hash"

/* Walks the chain; returns STORE_OK, or STORE_CONFLICT with *bad_id and why. */
static int
audit_walk(int64_t *rows, int64_t *bad_id, char *why, size_t whylen)
{
	sqlite3_stmt *st = store_stmt("SELECT " AUDIT_COLS " FROM audit ORDER BY id");
	char prev[HASH_HEX + 1], hash[HASH_HEX + 1], head_hash[HASH_HEX + 1];
	const char *stored_prev, *stored_hash;
	int64_t expect = 1, head_id;
	struct audit_row r;
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	memcpy(prev, audit_zero_hash, sizeof(prev));
	while ((rc = store_row(st, "read audit")) == STORE_OK) {
		audit_row_read(st, &r);
		stored_prev = (const char *)sqlite3_column_text(st, 7);
		stored_hash = (const char *)sqlite3_column_text(st, 8);
		if (r.id != expect) {
			*bad_id = expect;
			snprintf(why, whylen, "row %" PRId64 " missing (gap after %" PRId64 ")",
				 expect, expect - 1);
			rc = STORE_CONFLICT;
			break;
		}
		if (stored_prev == NULL || strcmp(stored_prev, prev) != 0) {
			*bad_id = r.id;
			snprintf(why, whylen,
				 "row %" PRId64 ": prev_hash does not match row %" PRId64, r.id,
				 r.id - 1);
			rc = STORE_CONFLICT;
			break;
		}
		audit_hash(prev, &r, hash);
		if (stored_hash == NULL || strcmp(stored_hash, hash) != 0) {
			*bad_id = r.id;
			snprintf(why, whylen, "row %" PRId64 ": hash mismatch", r.id);
			rc = STORE_CONFLICT;
			break;
		}
		memcpy(prev, hash, sizeof(prev));
		expect = r.id + 1;
		(*rows)++;
	}
	store_done(st);
	if (rc != STORE_NOTFOUND)
		return rc;

	rc = audit_head(&head_id, head_hash);
	if (rc == STORE_NOTFOUND && *rows == 0)
		return STORE_OK;
	if (rc == STORE_NOTFOUND) {
		*bad_id = expect - 1;
		snprintf(why, whylen, "audit head missing: the log has %" PRId64 " rows", *rows);
		return STORE_CONFLICT;
	}
	if (rc != STORE_OK)
		return rc;
	if (head_id != expect - 1 || strcmp(head_hash, prev) != 0) {
		*bad_id = head_id;
		snprintf(why, whylen,
			 "audit head mismatch: last row %" PRId64 " was deleted or replaced",
			 head_id);
		return STORE_CONFLICT;
	}
	return STORE_OK;
}

int
store_audit_verify(int64_t *rows, int64_t *bad_id, char *why, size_t whylen)
{
	bool own = sqlite3_get_autocommit(store_db) != 0;
	int rc;

	*rows = 0;
	*bad_id = 0;
	if (whylen > 0)
		why[0] = '\0';
	/* one read snapshot: the daemon may append while the CLI verifies */
	if (own && store_run(store_stmt("BEGIN"), "begin") != STORE_OK)
		return STORE_ERROR;
	rc = audit_walk(rows, bad_id, why, whylen);
	if (own)
		store_run(store_stmt("COMMIT"), "commit");
	if (rc == STORE_ERROR && whylen > 0 && why[0] == '\0')
		snprintf(why, whylen, "database error while reading the audit log");
	return rc;
}

int
store_audit_export(int64_t since_ms, void (*fn)(const char *line, void *ctx), void *ctx)
{
	sqlite3_stmt *st = store_stmt("SELECT " AUDIT_COLS " FROM audit WHERE at >= ? ORDER BY id");
	struct audit_row r;
	cJSON *o, *data;
	char *line;
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, since_ms);
	while ((rc = store_row(st, "export audit")) == STORE_OK) {
		audit_row_read(st, &r);
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "id", (double)r.id);
		cJSON_AddItemToObject(o, "at", store_view_time(r.at));
		cJSON_AddStringToObject(o, "actor", r.actor ? r.actor : "");
		if (r.incident_id > 0) {
			line = xasprintf("INC-%" PRId64, r.incident_id);
			cJSON_AddStringToObject(o, "incident", line);
			free(line);
		} else
			cJSON_AddNullToObject(o, "incident");
		cJSON_AddStringToObject(o, "kind", r.kind ? r.kind : "");
		cJSON_AddStringToObject(o, "message", r.message ? r.message : "");
		data = r.data ? cJSON_Parse(r.data) : NULL;
		/* rows are written as JSON; an edited row is exported as it is, as a string */
		if (data == NULL && r.data != NULL)
			data = cJSON_CreateString(r.data);
		cJSON_AddItemToObject(o, "data", data ? data : cJSON_CreateNull());
		cJSON_AddItemToObject(o, "prev_hash", store_col_view_str(st, 7));
		cJSON_AddItemToObject(o, "hash", store_col_view_str(st, 8));
		if ((line = cJSON_PrintUnformatted(o)) == NULL)
			fatalx("out of memory (audit export)");
		fn(line, ctx);
		cJSON_free(line);
		cJSON_Delete(o);
	}
	store_done(st);
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}
