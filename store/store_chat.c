/* store_chat.c — what the chat core keeps for every transport: each incident's card (where it
 * is, how far its thread follows the timeline), the conversations a transport may post into,
 * and the timeline rows after a cursor. */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "store_int.h"
#include "util.h"

int
store_chatref_get(int64_t incident_id, const char *transport, struct chat_ref *out)
{
	sqlite3_stmt *st = store_stmt("SELECT channel, endpoint, msg_id, last_audit_id, last_state"
				      " FROM chat_refs WHERE incident_id = ? AND adapter = ?");
	int rc;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, incident_id);
	store_bind_text(st, 2, transport);
	if ((rc = store_row(st, "get chat ref")) == STORE_OK) {
		store_col_copy(st, 0, out->channel, sizeof(out->channel));
		store_col_copy(st, 1, out->endpoint, sizeof(out->endpoint));
		store_col_copy(st, 2, out->msg_id, sizeof(out->msg_id));
		out->last_audit_id = sqlite3_column_int64(st, 3);
		store_col_copy(st, 4, out->last_state, sizeof(out->last_state));
	}
	store_done(st);
	return rc;
}

int
store_chatref_set(int64_t incident_id, const char *transport, const struct chat_ref *r)
{
	sqlite3_stmt *st = store_stmt(
	    "INSERT INTO chat_refs (incident_id, adapter, channel, endpoint, msg_id,"
	    " last_audit_id, last_state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
	    " ON CONFLICT (incident_id, adapter) DO UPDATE SET channel = excluded.channel,"
	    " endpoint = excluded.endpoint, msg_id = excluded.msg_id,"
	    " last_audit_id = excluded.last_audit_id, last_state = excluded.last_state");

	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, incident_id);
	store_bind_text(st, 2, transport);
	store_bind_text(st, 3, r->channel);
	store_bind_text(st, 4, r->endpoint);
	store_bind_text(st, 5, r->msg_id);
	sqlite3_bind_int64(st, 6, r->last_audit_id);
	store_bind_text(st, 7, r->last_state);
	return store_run(st, "set chat ref");
}

static void
conv_read(sqlite3_stmt *st, struct chat_conv *c)
{
	store_col_copy(st, 0, c->conversation_id, sizeof(c->conversation_id));
	store_col_copy(st, 1, c->endpoint, sizeof(c->endpoint));
	store_col_copy(st, 2, c->tenant_id, sizeof(c->tenant_id));
	store_col_copy(st, 3, c->type, sizeof(c->type));
	store_col_copy(st, 4, c->name, sizeof(c->name));
}

/* Platforms announce one installation several ways (Teams sends conversationUpdate and
 * installationUpdate): *changed tells the caller whether this one said anything new. */
int
store_chat_conv_set(const char *transport, const struct chat_conv *c, bool *changed)
{
	struct chat_conv old;
	sqlite3_stmt *st;
	int rc = store_chat_conv_get(transport, c->conversation_id, &old);

	if (rc != STORE_OK && rc != STORE_NOTFOUND)
		return rc;
	*changed = rc == STORE_NOTFOUND || strcmp(old.endpoint, c->endpoint) != 0 ||
		   strcmp(old.tenant_id, c->tenant_id) != 0 || strcmp(old.type, c->type) != 0 ||
		   strcmp(old.name, c->name) != 0;
	st = store_stmt(
	    "INSERT INTO chat_conversations (transport, conversation_id, endpoint, tenant_id,"
	    " conversation_type, name, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
	    " ON CONFLICT (transport, conversation_id) DO UPDATE SET endpoint = excluded.endpoint,"
	    " tenant_id = excluded.tenant_id, conversation_type = excluded.conversation_type,"
	    " name = excluded.name, updated_at = excluded.updated_at");
	if (st == NULL)
		return STORE_ERROR;
	store_bind_text(st, 1, transport);
	store_bind_text(st, 2, c->conversation_id);
	store_bind_text(st, 3, c->endpoint);
	store_bind_text(st, 4, c->tenant_id);
	store_bind_text(st, 5, c->type);
	store_bind_text(st, 6, c->name);
	sqlite3_bind_int64(st, 7, now_ms());
	return store_run(st, "set chat conversation");
}

int
store_chat_conv_get(const char *transport, const char *conversation_id, struct chat_conv *out)
{
	sqlite3_stmt *st = store_stmt("SELECT conversation_id, endpoint, tenant_id,"
				      " conversation_type, name FROM chat_conversations"
				      " WHERE transport = ? AND conversation_id = ?");
	int rc;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return STORE_ERROR;
	store_bind_text(st, 1, transport);
	store_bind_text(st, 2, conversation_id);
	if ((rc = store_row(st, "get chat conversation")) == STORE_OK)
		conv_read(st, out);
	store_done(st);
	return rc;
}

/* A channel is where a team watches incidents; a personal chat is the fallback for a
 * single user who installed the app only for themselves. */
int
store_chat_conv_default(const char *transport, struct chat_conv *out)
{
	sqlite3_stmt *st = store_stmt(
	    "SELECT conversation_id, endpoint, tenant_id, conversation_type, name"
	    " FROM chat_conversations WHERE transport = ?"
	    " ORDER BY conversation_type = 'channel' DESC, updated_at DESC, rowid DESC LIMIT 1");
	int rc;

	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return STORE_ERROR;
	store_bind_text(st, 1, transport);
	if ((rc = store_row(st, "default chat conversation")) == STORE_OK)
		conv_read(st, out);
	store_done(st);
	return rc;
}

int
store_chat_timeline(int64_t incident_id, int64_t after_id, int limit, cJSON **out)
{
	sqlite3_stmt *st =
	    store_stmt("SELECT a.id, a.at, a.actor, a.kind, a.message, p.name"
		       " FROM audit a LEFT JOIN people p ON p.user_id = a.actor"
		       " WHERE a.incident_id = ? AND a.id > ? ORDER BY a.id LIMIT ?");
	static const struct store_col cols[] = {
	    {"id", STORE_COL_INT, 0},	   {"at", STORE_COL_TIME, 1},
	    {"actor", STORE_COL_STR, 2},   {"kind", STORE_COL_STR, 3},
	    {"message", STORE_COL_STR, 4}, {"actor_name", STORE_COL_STR, 5},
	};

	*out = NULL;
	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, incident_id);
	sqlite3_bind_int64(st, 2, after_id);
	sqlite3_bind_int(st, 3, limit);
	return store_cols_array(st, "chat timeline", cols, ARRAY_LEN(cols), out);
}
