/* teams_send.c — drains the Teams outbox: posts or updates each incident's card, replies the
 * new timeline rows in its thread (or posts to a Workflows webhook), one send at a time, within
 * Teams' rate limits, retrying 429/412/5xx with backoff and jitter. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "httpc.h"
#include "log.h"
#include "metrics.h"
#include "present.h"
#include "store.h"
#include "teams.h"
#include "teams_card.h"
#include "util.h"

#define POLL_MS (30 * 1000) /* picks up retries that came due and rows from before a restart */
#define MAX_ATTEMPTS 12	    /* ~ an hour of backoff, then the row is given up */
#define BACKOFF_BASE_MS 1000
#define BACKOFF_MAX_MS (5 * 60 * 1000)
#define TIMELINE_ROWS 50 /* per reply; the rest follow with the next change */
#define TOKEN_MAX 8192
#define SEND_HISTORY 64

/* Teams allows a bot 7 messages per second, 8 per 2 s and 60 per 30 s in a thread; counting
 * every send against one budget keeps us under them whatever the thread. */
static const struct {
	int64_t window_ms;
	int max;
} limits[] = {{1000, 7}, {2000, 8}, {30000, 60}};

/* One HTTP request of a job, performed on the worker. */
struct sreq {
	const char *method; /* NULL = none */
	char *url;
	char *body;
	long status; /* 0 = transport error */
	long retry_after_s;
	char id[256]; /* "id" of a 2xx answer */
	char err[200];
};

struct job {
	struct outbox_item item;
	struct teams_card_ref ref; /* stored when something went out */
	bool need_token, token_failed, webhook;
	struct sreq card; /* POST (new) or PUT (update) of the card, or the webhook POST */
	cJSON *reply;	  /* the thread reply activity; replyToId is the card's id */
	bool channel;	  /* the thread is addressed as "<conv>;messageid=<card>" */
	struct sreq sent_reply;
	int64_t reply_last_audit;
	char state[24];
	char token_err[200];
};

static bool started, inflight, drain_posted;
static int64_t paused_until; /* mono ms: the connector asked us to wait */
static uint64_t drain_timer, poll_timer;
static int64_t drain_timer_at;
static int64_t sent_at[SEND_HISTORY]; /* mono ms of recent requests, a ring */
static size_t sent_next;
static bool warned_no_conversation;

static void drain(void);

/* How long until `n` more requests fit every window. */
static int64_t
limiter_wait(int64_t now, int n)
{
	int64_t wait = 0;

	for (size_t l = 0; l < ARRAY_LEN(limits); l++) {
		/* the (max - n + 1)-th most recent send must have left the window */
		int k = limits[l].max - n;
		if (k < 0 || k >= SEND_HISTORY)
			continue;
		int64_t t = sent_at[(sent_next + SEND_HISTORY - 1 - (size_t)k) % SEND_HISTORY];
		if (t > 0 && now - t < limits[l].window_ms &&
		    limits[l].window_ms - (now - t) > wait)
			wait = limits[l].window_ms - (now - t);
	}
	return wait;
}

static void
limiter_note(int64_t now, int n)
{
	while (n-- > 0) {
		sent_at[sent_next] = now;
		sent_next = (sent_next + 1) % SEND_HISTORY;
	}
}

static void
drain_fire(void *arg)
{
	(void)arg;
	drain_timer = 0;
	drain();
}

static void
drain_later(int64_t ms)
{
	int64_t at = mono_ms() + ms;

	if (drain_timer && drain_timer_at <= at)
		return;
	loop_timer_cancel(drain_timer);
	drain_timer = loop_timer_add(ms, drain_fire, NULL);
	drain_timer_at = at;
}

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

static void
job_free(struct job *j)
{
	outbox_item_free(&j->item);
	free(j->card.url);
	free(j->card.body);
	cJSON_Delete(j->reply);
	free(j->sent_reply.url);
	free(j->sent_reply.body);
	free(j);
}

static bool
ok_status(long s)
{
	return s >= 200 && s < 300;
}

/* ---- worker side ---- */

static void
sreq_perform(struct sreq *r, const char *token)
{
	char auth[TOKEN_MAX + 32];
	const char *headers[] = {"Content-Type: application/json; charset=utf-8", auth, NULL};
	struct httpc_req req = {.method = r->method,
				.url = r->url,
				.body = r->body,
				.body_len = strlen(r->body),
				.headers = headers,
				.max_response = 64 * 1024};
	struct httpc_resp resp;

	if (token)
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	else
		headers[1] = NULL;
	r->status = 0;
	if (httpc_perform(&req, &resp) != 0) {
		snprintf(r->err, sizeof(r->err), "%.190s", resp.err);
	} else {
		r->status = resp.status;
		r->retry_after_s = resp.retry_after_s;
		cJSON *j = cJSON_ParseWithLength(resp.body, resp.body_len);
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "id"));
		snprintf(r->id, sizeof(r->id), "%s", id ? id : "");
		if (!ok_status(resp.status))
			snprintf(r->err, sizeof(r->err), "HTTP %ld %.150s", resp.status,
				 resp.body ? resp.body : "");
		cJSON_Delete(j);
	}
	httpc_resp_free(&resp);
}

static void
job_work(void *arg)
{
	struct job *j = arg;
	char token[TOKEN_MAX];
	const char *tok = NULL;

	if (j->need_token) {
		if (teams_token_get(token, sizeof(token), j->token_err, sizeof(j->token_err)) !=
		    0) {
			j->token_failed = true;
			return;
		}
		tok = token;
	}
	if (j->card.method) {
		sreq_perform(&j->card, tok);
		if (!ok_status(j->card.status))
			return;
		if (strcmp(j->card.method, "POST") == 0 && !j->webhook)
			snprintf(j->ref.activity_id, sizeof(j->ref.activity_id), "%s", j->card.id);
	}
	if (j->reply == NULL || j->ref.activity_id[0] == '\0')
		return;
	/* a channel thread is its own conversation "<channel>;messageid=<root>" */
	char *conv = j->channel
			 ? xasprintf("%s;messageid=%s", j->ref.conversation_id, j->ref.activity_id)
			 : xstrdup(j->ref.conversation_id);
	cJSON_AddStringToObject(j->reply, "replyToId", j->ref.activity_id);
	j->sent_reply.method = "POST";
	j->sent_reply.url =
	    teams_url(j->ref.service_url, conv, j->channel ? NULL : j->ref.activity_id);
	j->sent_reply.body = cJSON_PrintUnformatted(j->reply);
	free(conv);
	if (j->sent_reply.body == NULL)
		fatalx("out of memory (cJSON print)");
	sreq_perform(&j->sent_reply, tok);
}

/* ---- loop side ---- */

/* Throttling, server trouble, a stale token and a deleted card (posted anew) are worth
 * another try; other refusals (the bot removed from the conversation, a bad request) are not. */
static bool
retryable(const struct sreq *r)
{
	static const long codes[] = {0, 401, 408, 412, 429, 500, 502, 503, 504};

	if (r->status == 404)
		return r->method && strcmp(r->method, "PUT") == 0;
	for (size_t i = 0; i < ARRAY_LEN(codes); i++)
		if (r->status == codes[i])
			return true;
	return false;
}

static int64_t
backoff_ms(int attempts, long retry_after_s)
{
	int64_t d = BACKOFF_BASE_MS << (attempts < 8 ? attempts : 8);
	uint32_t r;

	if (retry_after_s > 0 && retry_after_s * 1000 > d)
		d = retry_after_s * 1000;
	if (d > BACKOFF_MAX_MS)
		d = BACKOFF_MAX_MS;
	/* jitter: up to half again, so a burst of rows does not come back in lockstep */
	r = (uint32_t)random();
	return d + (int64_t)(r % (uint32_t)(d / 2 + 1));
}

static void
job_done(void *arg)
{
	struct job *j = arg;
	const struct sreq *failed = NULL;
	bool card_ok = j->card.method == NULL || ok_status(j->card.status);
	int64_t id = j->item.incident_id;

	inflight = false;
	if (j->token_failed) {
		log_warnx("teams: no connector token: %s", j->token_err);
	} else if (!card_ok) {
		failed = &j->card;
		/* the card was deleted in Teams: post a new one on the retry */
		if (j->card.status == 404 && strcmp(j->card.method, "PUT") == 0)
			j->ref.activity_id[0] = '\0';
		if (j->card.status == 401)
			teams_token_forget();
	} else if (j->reply && !ok_status(j->sent_reply.status)) {
		failed = &j->sent_reply;
	}
	if (!j->token_failed) {
		if (card_ok && j->webhook)
			snprintf(j->ref.last_state, sizeof(j->ref.last_state), "%s", j->state);
		if (j->reply && ok_status(j->sent_reply.status))
			j->ref.last_audit_id = j->reply_last_audit;
		/* an activity id we were given is kept even when the thread reply failed: the
		 * retry then updates this card instead of posting a second one */
		if (store_teams_card_set(id, &j->ref) != 0)
			log_warnx("teams: cannot record the card of INC-%lld", (long long)id);
	}
	if (!j->token_failed && failed == NULL) {
		store_outbox_done(&j->item);
		metrics_inc("healer_teams_sends_total", "Teams outbox sends", "result=\"ok\"");
	} else if (j->token_failed || retryable(failed)) {
		long ra = failed ? failed->retry_after_s : -1;
		int64_t d = backoff_ms(j->item.attempts, ra);
		if (j->item.attempts + 1 >= MAX_ATTEMPTS) {
			log_warnx("teams: giving up on INC-%lld after %d attempts: %s",
				  (long long)id, j->item.attempts + 1,
				  failed ? failed->err : j->token_err);
			store_outbox_done(&j->item);
			metrics_inc("healer_teams_sends_total", "Teams outbox sends",
				    "result=\"dropped\"");
		} else {
			log_info("teams: INC-%lld send failed (%s); retrying in %lld ms",
				 (long long)id, failed ? failed->err : j->token_err, (long long)d);
			store_outbox_retry(&j->item, now_ms() + d,
					   failed ? failed->err : j->token_err);
			metrics_inc("healer_teams_sends_total", "Teams outbox sends",
				    "result=\"retry\"");
			/* a throttled connector throttles every thread: everything waits */
			if (failed && (failed->status == 429 || failed->status == 412))
				paused_until = mono_ms() + d;
			drain_later(d);
		}
	} else {
		log_warnx("teams: INC-%lld not delivered: %s", (long long)id, failed->err);
		store_outbox_done(&j->item);
		metrics_inc("healer_teams_sends_total", "Teams outbox sends", "result=\"failed\"");
	}
	job_free(j);
	drain();
}

/* Where a new card goes: the configured channel, else the last conversation installed. */
static int
target(struct teams_card_ref *ref)
{
	struct teams_conv c;

	if (teams_cfg.conversation_id) {
		snprintf(ref->conversation_id, sizeof(ref->conversation_id), "%s",
			 teams_cfg.conversation_id);
		snprintf(ref->service_url, sizeof(ref->service_url), "%s", teams_cfg.service_url);
		return 0;
	}
	if (store_teams_conv_default(&c) != 0)
		return -1;
	snprintf(ref->conversation_id, sizeof(ref->conversation_id), "%s", c.conversation_id);
	snprintf(ref->service_url, sizeof(ref->service_url), "%s", c.service_url);
	return 0;
}

/* Channels have threads; personal and group chats take plain replies. An id we never saw
 * installed (TEAMS_CONVERSATION_ID) is a channel when it looks like one. */
static bool
is_channel(const char *conv)
{
	struct teams_conv c;

	if (store_teams_conv_get(conv, &c) == 0 && c.type[0])
		return strcmp(c.type, "channel") == 0;
	return strncmp(conv, "19:", 3) == 0 &&
	       (strstr(conv, "@thread.tacv2") || strstr(conv, "@thread.skype"));
}

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

/* The webhook takes one card per change of state: it cannot update what it posted. */
static bool
build_webhook(struct job *j, const cJSON *view)
{
	struct teams_card_opts o = {.interactive = false, .max_bytes = TEAMS_CARD_MAX_WEBHOOK};
	const char *state = cJSON_GetStringValue(cJSON_GetObjectItem(view, "state"));

	if (state == NULL || strcmp(state, j->ref.last_state) == 0)
		return false;
	snprintf(j->state, sizeof(j->state), "%s", state);
	snprintf(j->ref.service_url, sizeof(j->ref.service_url), "webhook");
	snprintf(j->ref.conversation_id, sizeof(j->ref.conversation_id), "webhook");
	cJSON *m = message_with(teams_card_render(view, &o));
	cJSON_AddNullToObject(cJSON_GetArrayItem(cJSON_GetObjectItem(m, "attachments"), 0),
			      "contentUrl");
	j->webhook = true;
	j->card.method = "POST";
	j->card.url = xstrdup(teams_cfg.webhook_url);
	j->card.body = print_owned(m);
	return true;
}

static bool
build_bot(struct job *j, const cJSON *view, const char *thread_text)
{
	struct teams_card_opts o = {.interactive = true};
	cJSON *rows = NULL;
	char *text = NULL;

	if (j->ref.conversation_id[0] == '\0' && target(&j->ref) != 0) {
		if (!warned_no_conversation)
			log_warnx(
			    "teams: no conversation to post INC-%lld in: install the app in a "
			    "channel or set TEAMS_CONVERSATION_ID and TEAMS_SERVICE_URL",
			    (long long)j->item.incident_id);
		warned_no_conversation = true;
		metrics_inc("healer_teams_sends_total", "Teams outbox sends",
			    "result=\"no_conversation\"");
		return false;
	}
	j->channel = is_channel(j->ref.conversation_id);
	j->need_token = teams_cfg.bot;
	if (view) {
		cJSON *m = message_with(teams_card_render(view, &o));
		bool update = j->ref.activity_id[0] != '\0';
		if (update)
			cJSON_AddStringToObject(m, "id", j->ref.activity_id);
		j->card.method = update ? "PUT" : "POST";
		j->card.url = teams_url(j->ref.service_url, j->ref.conversation_id,
					update ? j->ref.activity_id : NULL);
		j->card.body = print_owned(m);
		if (store_teams_timeline(j->item.incident_id, j->ref.last_audit_id, TIMELINE_ROWS,
					 &rows) == 0 &&
		    (text = teams_timeline_text(rows)) != NULL) {
			const cJSON *last = cJSON_GetArrayItem(rows, cJSON_GetArraySize(rows) - 1);
			j->reply_last_audit =
			    (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(last, "id"));
		}
		cJSON_Delete(rows);
	} else if (thread_text && j->ref.activity_id[0]) {
		char *t = utf8_truncate(thread_text, 4000);
		struct buf b;
		buf_init(&b, 0);
		html_escape(&b, t);
		text = buf_steal(&b);
		free(t);
		j->reply_last_audit = j->ref.last_audit_id;
	}
	if (text) {
		j->reply = cJSON_CreateObject();
		cJSON_AddStringToObject(j->reply, "type", "message");
		cJSON_AddStringToObject(j->reply, "textFormat", "xml");
		cJSON_AddStringToObject(j->reply, "text", text);
		free(text);
	}
	return j->card.method != NULL || j->reply != NULL;
}

/* A job for the item, or NULL when there is nothing to send (the item is then done). */
static struct job *
job_build(struct outbox_item *it)
{
	struct job *j = xcalloc(1, sizeof(*j));
	cJSON *view = NULL;
	bool go = false;

	j->item = *it; /* owned by the job now */
	memset(it, 0, sizeof(*it));
	store_teams_card_get(j->item.incident_id, &j->ref);
	if (strcmp(j->item.kind, "card") == 0) {
		if ((view = engine_incident_view(j->item.incident_id)) != NULL)
			go = teams_cfg.notify_only ? build_webhook(j, view)
						   : build_bot(j, view, NULL);
	} else if (strcmp(j->item.kind, "thread") == 0 && !teams_cfg.notify_only) {
		const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(j->item.payload, "text"));
		go = t && build_bot(j, NULL, t);
	}
	/* "ephemeral" has no Teams equivalent for proactive sends: replies go inline */
	cJSON_Delete(view);
	if (!go) {
		store_outbox_done(&j->item);
		job_free(j);
		return NULL;
	}
	return j;
}

static void
drain(void)
{
	struct outbox_item it;
	int64_t now = mono_ms(), wait;

	if (!started || inflight)
		return;
	if (paused_until > now) {
		drain_later(paused_until - now);
		return;
	}
	if ((wait = limiter_wait(now, 2)) > 0) {
		drain_later(wait);
		return;
	}
	while (store_outbox_next(TEAMS_ADAPTER, now_ms(), &it) == 0) {
		struct job *j = job_build(&it);
		if (j == NULL)
			continue;
		limiter_note(now, (j->card.method != NULL) + (j->reply != NULL));
		inflight = true;
		work_submit(WORK_IO, job_work, job_done, j);
		return;
	}
}

static void
drain_posted_cb(void *arg)
{
	(void)arg;
	drain_posted = false;
	drain();
}

static void
poll_fire(void *arg)
{
	(void)arg;
	poll_timer = loop_timer_add(POLL_MS, poll_fire, NULL);
	drain();
}

void
teams_send_kick(void)
{
	if (started && !drain_posted) {
		drain_posted = true;
		loop_post(drain_posted_cb, NULL);
	}
}

void
teams_send_start(void)
{
	started = true;
	srandom((unsigned)mono_ms());
	poll_timer = loop_timer_add(POLL_MS, poll_fire, NULL);
}

void
teams_send_stop(void)
{
	started = false;
	loop_timer_cancel(poll_timer);
	loop_timer_cancel(drain_timer);
	poll_timer = drain_timer = 0;
}
