/* store_teams.c — what the Teams adapter keeps: conversation references, the card posted
 * for each incident and how far its thread has followed the timeline. */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "store_int.h"
#include "util.h"

static void
conv_read(sqlite3_stmt *st, struct teams_conv *c)
{
	store_col_copy(st, 0, c->conversation_id, sizeof(c->conversation_id));
	store_col_copy(st, 1, c->service_url, sizeof(c->service_url));
	store_col_copy(st, 2, c->tenant_id, sizeof(c->tenant_id));
	store_col_copy(st, 3, c->type, sizeof(c->type));
	store_col_copy(st, 4, c->name, sizeof(c->name));
}

int
store_teams_conv_set(const struct teams_conv *c)
{
	sqlite3_stmt *st = store_stmt(
	    "INSERT INTO teams_conversations (conversation_id, service_url, tenant_id,"
	    " conversation_type, name, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
	    " ON CONFLICT (conversation_id) DO UPDATE SET service_url = excluded.service_url,"
	    " tenant_id = excluded.tenant_id, conversation_type = excluded.conversation_type,"
	    " name = excluded.name, updated_at = excluded.updated_at");

	if (st == NULL)
		return STORE_ERROR;
	store_bind_text(st, 1, c->conversation_id);
	store_bind_text(st, 2, c->service_url);
	store_bind_text(st, 3, c->tenant_id);
	store_bind_text(st, 4, c->type);
	store_bind_text(st, 5, c->name);
	sqlite3_bind_int64(st, 6, now_ms());
	return store_run(st, "set teams conversation");
}

int
store_teams_conv_get(const char *conversation_id, struct teams_conv *out)
{
	sqlite3_stmt *st = store_stmt("SELECT conversation_id, service_url, tenant_id,"
				      " conversation_type, name FROM teams_conversations"
				      " WHERE conversation_id = ?");
	int rc;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return STORE_ERROR;
	store_bind_text(st, 1, conversation_id);
	if ((rc = store_row(st, "get teams conversation")) == STORE_OK)
		conv_read(st, out);
	store_done(st);
	return rc;
}

/* A channel is where a team watches incidents; a personal chat is the fallback for a
 * single user who installed the app only for themselves. */
int
store_teams_conv_default(struct teams_conv *out)
{
	sqlite3_stmt *st = store_stmt(
	    "SELECT conversation_id, service_url, tenant_id, conversation_type, name"
	    " FROM teams_conversations"
	    " ORDER BY conversation_type = 'channel' DESC, updated_at DESC, rowid DESC LIMIT 1");
	int rc;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return STORE_ERROR;
	if ((rc = store_row(st, "default teams conversation")) == STORE_OK)
		conv_read(st, out);
	store_done(st);
	return rc;
}

int
store_teams_card_get(int64_t incident_id, struct teams_card_ref *out)
{
	sqlite3_stmt *st = store_stmt("SELECT service_url, conversation_id, activity_id,"
				      " last_audit_id, last_state FROM teams_cards"
				      " WHERE incident_id = ?");
	int rc;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, incident_id);
	if ((rc = store_row(st, "get teams card")) == STORE_OK) {
		store_col_copy(st, 0, out->service_url, sizeof(out->service_url));
		store_col_copy(st, 1, out->conversation_id, sizeof(out->conversation_id));
		store_col_copy(st, 2, out->activity_id, sizeof(out->activity_id));
		out->last_audit_id = sqlite3_column_int64(st, 3);
		store_col_copy(st, 4, out->last_state, sizeof(out->last_state));
	}
	store_done(st);
	return rc;
}

int
store_teams_card_set(int64_t incident_id, const struct teams_card_ref *r)
{
	sqlite3_stmt *st = store_stmt(
	    "INSERT INTO teams_cards (incident_id, service_url, conversation_id, activity_id,"
	    " last_audit_id, last_state) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
	    " ON CONFLICT (incident_id) DO UPDATE SET service_url = excluded.service_url,"
	    " conversation_id = excluded.conversation_id, activity_id = excluded.activity_id,"
	    " last_audit_id = excluded.last_audit_id, last_state = excluded.last_state");

	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, incident_id);
	store_bind_text(st, 2, r->service_url);
	store_bind_text(st, 3, r->conversation_id);
	store_bind_text(st, 4, r->activity_id);
	sqlite3_bind_int64(st, 5, r->last_audit_id);
	store_bind_text(st, 6, r->last_state);
	return store_run(st, "set teams card");
}

int
store_teams_timeline(int64_t incident_id, int64_t after_id, int limit, cJSON **out)
{
	sqlite3_stmt *st = store_stmt("SELECT a.id, a.at, a.actor, a.kind, a.message, p.name"
				      " FROM audit a LEFT JOIN people p ON p.user_id = a.actor"
				      " WHERE a.incident_id = ? AND a.id > ? ORDER BY a.id LIMIT ?");
	cJSON *arr, *o;
	int rc;

	*out = NULL;
	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, incident_id);
	sqlite3_bind_int64(st, 2, after_id);
	sqlite3_bind_int(st, 3, limit);
	arr = cJSON_CreateArray();
	while ((rc = store_row(st, "teams timeline")) == STORE_OK) {
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "id", (double)sqlite3_column_int64(st, 0));
		cJSON_AddItemToObject(o, "at", store_col_view_time(st, 1));
		cJSON_AddItemToObject(o, "actor", store_col_view_str(st, 2));
		cJSON_AddItemToObject(o, "kind", store_col_view_str(st, 3));
		cJSON_AddItemToObject(o, "message", store_col_view_str(st, 4));
		cJSON_AddItemToObject(o, "actor_name", store_col_view_str(st, 5));
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
