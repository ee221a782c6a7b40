/* teams_send.c — Teams as a chat transport: the card POSTed to the conversation and PUT
 * in place after, the timeline as replies in the card's thread, or one card per state to a
 * Workflows webhook (notify-only); the connector's answers mapped to the core's
 * OK / RETRY_AFTER / FATAL. Delivery itself (outbox, pacing, cursor) is chat/'s. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "httpc.h"
#include "log.h"
#include "present.h"
#include "teams.h"
#include "teams_card.h"
#include "util.h"

#define TOKEN_MAX 8192
#define NOTE_MAX 4000

static void
html_escape(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			buf_printf(b, "&amp;");
			break;
		case '<':
			buf_printf(b, "&lt;");
			break;
		case '>':
			buf_printf(b, "&gt;");
			break;
		case '"':
			buf_printf(b, "&quot;");
			break;
		case '\n':
			buf_printf(b, "<br>");
			break;
		default:
			buf_append(b, s, 1);
		}
	}
}

char *
teams_timeline_text(const cJSON *rows)
{
	const cJSON *r;
	struct buf b;

	if (cJSON_GetArraySize(rows) == 0)
		return NULL;
	buf_init(&b, 0);
	cJSON_ArrayForEach(r, rows)
	{
		const char *at = cJSON_GetStringValue(cJSON_GetObjectItem(r, "at"));
		/* people by name (the audit keeps their ids): the actor's, in the message too */
		cJSON *people = cJSON_CreateObject();
		const char *actor = cJSON_GetStringValue(cJSON_GetObjectItem(r, "actor"));
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(r, "actor_name"));
		if (actor && name)
			cJSON_AddStringToObject(people, actor, name);
		cJSON *v = cJSON_CreateObject();
		cJSON_AddItemToObject(v, "people", people);
		char *named = present_names(
		    v, cJSON_GetStringValue(cJSON_GetObjectItem(r, "message")) ?: "");
		char *msg = utf8_truncate(named, 1000);
		if (b.len)
			buf_printf(&b, "<br>");
		/* "2024-05-01T10:00:00.123Z" → "10:00:00" */
		buf_printf(&b, "<b>%.8s</b> ", at && strlen(at) >= 19 ? at + 11 : "");
		html_escape(&b, present_user(v, actor));
		buf_printf(&b, " — ");
		html_escape(&b, msg);
		free(msg);
		free(named);
		cJSON_Delete(v);
	}
	return buf_steal(&b);
}

/* ---- on the loop thread ---- */

/* Where a new card goes: the configured channel, else the last conversation installed. */
static int
teams_target(struct chat_transport *t, struct chat_ref *ref)
{
	static bool warned;
	struct chat_conv c;

	(void)t;
	if (teams_cfg.notify_only) {
		snprintf(ref->channel, sizeof(ref->channel), "webhook");
		snprintf(ref->endpoint, sizeof(ref->endpoint), "webhook");
		return 0;
	}
	if (teams_cfg.conversation_id) {
		snprintf(ref->channel, sizeof(ref->channel), "%s", teams_cfg.conversation_id);
		snprintf(ref->endpoint, sizeof(ref->endpoint), "%s", teams_cfg.service_url);
		return 0;
	}
	if (chat_conv_default(TEAMS_ADAPTER, &c) == 0) {
		snprintf(ref->channel, sizeof(ref->channel), "%s", c.conversation_id);
		snprintf(ref->endpoint, sizeof(ref->endpoint), "%s", c.endpoint);
		return 0;
	}
	if (!warned)
		log_warnx("teams: no conversation to post incidents in: install the app in a "
			  "channel or set TEAMS_CONVERSATION_ID and TEAMS_SERVICE_URL");
	warned = true;
	return -1;
}

/* ---- pure ---- */

static cJSON *
message_with(cJSON *card)
{
	cJSON *m = cJSON_CreateObject();

	cJSON_AddStringToObject(m, "type", "message");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(m, "attachments"), teams_card_attachment(card));
	return m;
}

static char *
print_owned(cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j);

	if (s == NULL)
		fatalx("out of memory (cJSON print)");
	cJSON_Delete(j);
	return s;
}

/* The bot's card has buttons; the webhook's has none and a smaller budget. */
static char *
teams_card(const cJSON *view, int64_t now)
{
	struct teams_card_opts o = {.interactive = !teams_cfg.notify_only,
				    .max_bytes =
					teams_cfg.notify_only ? TEAMS_CARD_MAX_WEBHOOK : 0};
	cJSON *m = message_with(teams_card_render(view, &o));

	(void)now;
	if (teams_cfg.notify_only)
		cJSON_AddNullToObject(cJSON_GetArrayItem(cJSON_GetObjectItem(m, "attachments"), 0),
				      "contentUrl");
	return print_owned(m);
}

static char *
reply_activity(char *text)
{
	cJSON *r = cJSON_CreateObject();

	cJSON_AddStringToObject(r, "type", "message");
	cJSON_AddStringToObject(r, "textFormat", "xml");
	cJSON_AddStringToObject(r, "text", text);
	free(text);
	return print_owned(r);
}

/* One reply carries every row it is given (Teams has no per-message text limit we reach
 * with the rows read per item). */
static char *
teams_line(const cJSON *view, const cJSON *rows, size_t from, const char *note, size_t *next)
{
	cJSON *part;
	char *text;
	size_t n = (size_t)cJSON_GetArraySize(rows);

	(void)view;
	*next = from;
	if (note) {
		char *t = utf8_truncate(note, NOTE_MAX);
		struct buf b;
		buf_init(&b, 0);
		html_escape(&b, t);
		free(t);
		return reply_activity(buf_steal(&b));
	}
	part = cJSON_CreateArray();
	for (size_t i = from; i < n; i++)
		cJSON_AddItemReferenceToArray(part, cJSON_GetArrayItem(rows, (int)i));
	text = teams_timeline_text(part);
	cJSON_Delete(part);
	if (text == NULL)
		return NULL;
	*next = n;
	return reply_activity(text);
}

/* ---- on a worker ---- */

static bool
ok_status(long s)
{
	return s >= 200 && s < 300;
}

/* One request with the connector token (none for the webhook or an anonymous bot). */
static void
request(const char *method, const char *url, const char *body, struct chat_result *res)
{
	char token[TOKEN_MAX], auth[TOKEN_MAX + 32], err[200];
	const char *headers[] = {"Content-Type: application/json; charset=utf-8", NULL, NULL};
	struct httpc_req req = {.method = method,
				.url = url,
				.body = body,
				.body_len = strlen(body),
				.headers = headers,
				.max_response = 64 * 1024};
	struct httpc_resp resp;
	static const long again[] = {0, 401, 408, 412, 429, 500, 502, 503, 504};

	memset(res, 0, sizeof(*res));
	snprintf(res->op, sizeof(res->op), "%s", method);
	if (teams_cfg.bot && !teams_cfg.notify_only) {
		if (teams_token_get(token, sizeof(token), err, sizeof(err)) != 0) {
			res->status = CHAT_RETRY_AFTER;
			snprintf(res->reason, sizeof(res->reason), "no connector token: %s", err);
			return;
		}
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		headers[1] = auth;
	}
	if (httpc_perform(&req, &resp) != 0) {
		res->status = CHAT_RETRY_AFTER;
		snprintf(res->reason, sizeof(res->reason), "%.190s", resp.err);
		httpc_resp_free(&resp);
		return;
	}
	if (ok_status(resp.status)) {
		cJSON *j = cJSON_ParseWithLength(resp.body, resp.body_len);
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "id"));
		snprintf(res->msg_id, sizeof(res->msg_id), "%s", id ? id : "");
		cJSON_Delete(j);
		res->status = CHAT_OK;
		httpc_resp_free(&resp);
		return;
	}
	snprintf(res->reason, sizeof(res->reason), "HTTP %ld %.150s", resp.status,
		 resp.body ? resp.body : "");
	res->status = CHAT_FATAL; /* the bot removed from the conversation, a bad request */
	for (size_t i = 0; i < ARRAY_LEN(again); i++)
		if (resp.status == again[i])
			res->status = CHAT_RETRY_AFTER;
	if (resp.status == 401)
		teams_token_forget();
	/* a throttled connector throttles every thread: everything waits */
	if (resp.status == 429 || resp.status == 412) {
		res->pause = true;
		res->retry_ms = resp.retry_after_s > 0 ? resp.retry_after_s * 1000 : 0;
	}
	httpc_resp_free(&resp);
}

static void
teams_post(const struct chat_dest *d, const char *card, struct chat_result *res)
{
	char *url = teams_cfg.notify_only ? xstrdup(teams_cfg.webhook_url)
					  : teams_url(d->ref.endpoint, d->ref.channel, NULL);

	request("POST", url, card, res);
	if (teams_cfg.notify_only)
		res->msg_id[0] = '\0'; /* a webhook post cannot be updated */
	free(url);
}

static void
teams_update(const struct chat_dest *d, const char *card, struct chat_result *res)
{
	cJSON *m = cJSON_Parse(card);
	char *url = teams_url(d->ref.endpoint, d->ref.channel, d->ref.msg_id), *body;

	if (m == NULL)
		fatalx("teams: unparsable card payload");
	cJSON_AddStringToObject(m, "id", d->ref.msg_id);
	body = print_owned(m);
	request("PUT", url, body, res);
	res->msg_id[0] = '\0';
	if (res->status != CHAT_OK && strncmp(res->reason, "HTTP 404", 8) == 0)
		teams_post(d, card, res); /* the card was deleted in Teams: a new one */
	free(url);
	free(body);
}

/* Channels have threads; personal and group chats take plain replies. An id we never saw
 * installed (TEAMS_CONVERSATION_ID) is a channel when it looks like one. */
static bool
is_channel(const struct chat_dest *d)
{
	const char *conv = d->ref.channel;

	if (d->conv_type[0])
		return strcmp(d->conv_type, "channel") == 0;
	return strncmp(conv, "19:", 3) == 0 &&
	       (strstr(conv, "@thread.tacv2") || strstr(conv, "@thread.skype"));
}

static void
teams_send_reply(const struct chat_dest *d, const char *line, struct chat_result *res)
{
	bool channel = is_channel(d);
	/* a channel thread is its own conversation "<channel>;messageid=<root>" */
	char *conv = channel ? xasprintf("%s;messageid=%s", d->ref.channel, d->ref.msg_id)
			     : xstrdup(d->ref.channel);
	char *url = teams_url(d->ref.endpoint, conv, channel ? NULL : d->ref.msg_id);
	cJSON *r = cJSON_Parse(line);
	char *body;

	if (r == NULL)
		fatalx("teams: unparsable reply payload");
	cJSON_AddStringToObject(r, "replyToId", d->ref.msg_id);
	body = print_owned(r);
	request("POST", url, body, res);
	free(conv);
	free(url);
	free(body);
}

/* Notify-only: a webhook cannot update what it posted nor reply under it, so a card goes
 * out once per state and the timeline stays on the card. */
void
teams_send_webhook_mode(struct chat_transport *t)
{
	t->update = NULL;
	t->reply = NULL;
	t->limits.timeline_rows = 0;
	t->limits.post_per_state = true;
}

struct chat_transport teams_transport = {
    .name = TEAMS_ADAPTER,
    .limits =
	{
	    /* Teams allows a bot 7 messages per second, 8 per 2 s and 60 per 30 s in a
	     * thread; counting every request against one budget keeps us under them
	     * whatever the thread */
	    .windows = {{1000, 7}, {2000, 8}, {30000, 60}},
	    .pace_updates = true,
	    .max_attempts = 12, /* ~ an hour of backoff, then the row is given up */
	    .backoff_base_ms = 1000,
	    .backoff_max_ms = 5 * 60 * 1000,
	    .timeline_rows = 50, /* one reply; the rest follow in the next item */
	    .replies_per_item = 1,
	    .metric = "healer_teams_sends_total",
	},
    .start = teams_start,
    .stop = teams_stop,
    .target = teams_target,
    .card = teams_card,
    .line = teams_line,
    .post = teams_post,
    .update = teams_update,
    .reply = teams_send_reply,
};
