/* slack_send.c — Slack as a chat transport: the card as chat.postMessage/chat.update, the
 * timeline as replies in the card's thread, and Slack's answers mapped to the core's
 * OK / RETRY_AFTER / FATAL. Delivery itself (outbox, pacing, cursor) is chat/'s. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "log.h"
#include "loop.h"
#include "slack_card.h"
#include "slack_int.h"
#include "util.h"

#define CONFIG_RETRY_MS 30000 /* someone has to fix something in Slack first */

/* ---- on the loop thread ---- */

static int
slack_target(struct chat_transport *t, struct chat_ref *ref)
{
	(void)t;
	if (slack_conf.channel == NULL || slack_conf.channel[0] == '\0')
		return -1; /* no channel configured: said at start */
	snprintf(ref->channel, sizeof(ref->channel), "%s", slack_conf.channel);
	return 0;
}

/* A 429 on an interactive call holds the sender too: the limit is Slack's per method. */
static int64_t
slack_blocked_until(const struct chat_transport *t)
{
	int64_t a = slack_api_blocked_until("chat.postMessage");
	int64_t b = slack_api_blocked_until("chat.update");

	(void)t;
	return a > b ? a : b;
}

/* ---- pure ---- */

/* The card links the similar incidents' own cards, as App Home does. */
static char *
slack_card(const cJSON *view, int64_t now)
{
	cJSON *v = cJSON_Duplicate(view, true), *it, *msg;
	char *s;

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(v, "similar"))
	{
		const char *ch = cJSON_GetStringValue(cJSON_GetObjectItem(it, "card_channel"));
		const char *ts = cJSON_GetStringValue(cJSON_GetObjectItem(it, "card_msg_id"));
		if (ch && ts) {
			cJSON_AddStringToObject(it, "slack_channel", ch);
			cJSON_AddStringToObject(it, "slack_ts", ts);
		}
	}
	msg = slack_card_render(v, now);
	s = cJSON_PrintUnformatted(msg);
	cJSON_Delete(msg);
	cJSON_Delete(v);
	if (s == NULL)
		fatalx("out of memory (cJSON print)");
	return s;
}

/* The thread renderer reads the rows as the view's timeline; the rest of the view (step
 * output, similar incidents) is lent to it as is. */
static char *
slack_line(const cJSON *view, const cJSON *rows, size_t from, const char *note, size_t *next)
{
	cJSON *sub, *c;
	char *s;

	*next = from;
	if (note) {
		char *t = utf8_truncate(note, SLACK_MSG_TEXT_MAX);
		s = slack_reply_text(t, true, SLACK_MSG_TEXT_MAX);
		free(t);
		return s;
	}
	sub = cJSON_CreateObject();
	cJSON_ArrayForEach(c, view)
	{
		if (c->string && strcmp(c->string, "timeline") != 0)
			cJSON_AddItemReferenceToObject(sub, c->string, c);
	}
	cJSON_AddItemReferenceToObject(sub, "timeline", (cJSON *)rows);
	s = slack_thread_render(sub, from, next);
	cJSON_Delete(sub);
	return s;
}

/* ---- on a worker ---- */

struct block {
	char method[40];
	long retry_after_s;
};

/* The interactive calls (mention replies, modals) share Slack's per-method limits: they
 * learn of a 429 the sender got, and the log says so, on the loop. */
static void
block_on_loop(void *arg)
{
	struct block *b = arg;

	slack_api_block(b->method, b->retry_after_s);
	free(b);
}

static void
result_of(const char *method, struct slack_result *r, struct chat_result *res)
{
	const char *err = r->error, *hint = slack_api_hint(err);

	snprintf(res->op, sizeof(res->op), "%s", method);
	if (r->ok) {
		res->status = CHAT_OK;
		return;
	}
	snprintf(res->reason, sizeof(res->reason), "%.60s%s%.120s%s%.100s", err,
		 r->detail[0] ? " " : "", r->detail, hint ? " — " : "", hint ? hint : "");
	if (slack_api_fatal_auth(err)) {
		res->status = CHAT_FATAL;
		res->halt = true;
		snprintf(res->reason, sizeof(res->reason),
			 "%.40s answered %.60s%s%.120s; fix SLACK_BOT_TOKEN and restart", method,
			 err, hint ? " — " : "", hint ? hint : "");
	} else if (r->retry_after_s > 0) {
		struct block *b = xcalloc(1, sizeof(*b));
		snprintf(b->method, sizeof(b->method), "%s", method);
		b->retry_after_s = r->retry_after_s;
		loop_post(block_on_loop, b);
		res->status = CHAT_RETRY_AFTER;
		res->retry_ms = (int64_t)r->retry_after_s * 1000;
		res->pause = true;
		snprintf(res->reason, sizeof(res->reason),
			 "rate limited by Slack: Retry-After %ld s", r->retry_after_s);
	} else if (r->transient) {
		res->status = CHAT_RETRY_AFTER;
	} else if (slack_api_config_error(err)) {
		res->status = CHAT_RETRY_AFTER;
		res->retry_ms = CONFIG_RETRY_MS;
	} else {
		res->status = CHAT_FATAL; /* about the message itself: a bug, logged */
	}
}

/* POSTs body (consumed) to method; the answer's JSON goes to *json when asked for. */
static void
call(const char *method, cJSON *body, cJSON **json, struct chat_result *res)
{
	char *url = xasprintf("%s%s", slack_conf.api_url, method);
	char *text = cJSON_PrintUnformatted(body);
	struct slack_result r;

	cJSON_Delete(body);
	slack_api_perform(url, slack_conf.bot_token, text, &r);
	free(url);
	free(text);
	result_of(method, &r, res);
	if (r.ok && json) {
		*json = r.json;
		r.json = NULL;
	}
	slack_result_free(&r);
}

static cJSON *
card_body(const struct chat_dest *d, const char *card)
{
	cJSON *b = cJSON_Parse(card);

	if (b == NULL)
		fatalx("slack: unparsable card payload");
	cJSON_AddStringToObject(b, "channel", d->ref.channel);
	return b;
}

static void
slack_post(const struct chat_dest *d, const char *card, struct chat_result *res)
{
	cJSON *json = NULL;
	const char *ts;

	call("chat.postMessage", card_body(d, card), &json, res);
	if (res->status == CHAT_OK) {
		ts = cJSON_GetStringValue(cJSON_GetObjectItem(json, "ts"));
		snprintf(res->msg_id, sizeof(res->msg_id), "%s", ts ? ts : "");
	}
	cJSON_Delete(json);
}

static void
slack_update(const struct chat_dest *d, const char *card, struct chat_result *res)
{
	cJSON *b = card_body(d, card);

	cJSON_AddStringToObject(b, "ts", d->ref.msg_id);
	call("chat.update", b, NULL, res);
	if (res->status != CHAT_OK && strstr(res->reason, "message_not_found") == res->reason) {
		memset(res, 0, sizeof(*res)); /* deleted in Slack: a new card */
		slack_post(d, card, res);
	}
}

static void
slack_reply(const struct chat_dest *d, const char *line, struct chat_result *res)
{
	cJSON *b = cJSON_CreateObject();

	cJSON_AddStringToObject(b, "channel", d->ref.channel);
	cJSON_AddStringToObject(b, "thread_ts", d->ref.msg_id);
	cJSON_AddStringToObject(b, "text", line);
	call("chat.postMessage", b, NULL, res);
}

static void
slack_transport_halted(struct chat_transport *t, const char *why)
{
	(void)t;
	slack_halt(why);
}

struct chat_transport slack_transport = {
    .name = SLACK_ADAPTER,
    .limits =
	{
	    /* about one new message a second per channel, as Slack asks, after a burst of
	     * three; updates are not paced (coalescing keeps them rare) */
	    .burst = 3,
	    .per_s = 1,
	    .backoff_base_ms = 1000,
	    .backoff_max_ms = 60 * 1000,
	    .timeline_rows = 200,
	    .replies_per_item = 4,
	},
    .prepare = slack_prepare,
    .start = slack_start,
    .stop = slack_stop,
    .halted = slack_transport_halted,
    .blocked_until = slack_blocked_until,
    .target = slack_target,
    .card = slack_card,
    .line = slack_line,
    .post = slack_post,
    .update = slack_update,
    .reply = slack_reply,
};
