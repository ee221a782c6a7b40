/* slack_outbox.c — the sender: drains the Slack outbox one item at a time, posting each
 * incident's card once and updating it after, with its timeline as thread replies; paces
 * posts per channel and retries what Slack refused for a while. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "log.h"
#include "loop.h"
#include "slack_card.h"
#include "slack_int.h"
#include "store.h"
#include "util.h"

#define THREAD_CHUNKS_MAX 4
#define POST_BURST 3.0 /* posts allowed back to back … */
#define POST_PER_S 1.0 /* … then about one a second per channel, as Slack asks */
#define RETRY_MAX_MS (5 * 60 * 1000)

struct send {
	struct outbox_item it;
	char channel[64];
	char ts[64]; /* the card's message; "" = post a new card */
	char *card;  /* chat.postMessage/update body with channel, NULL = no card call */
	char *thread[THREAD_CHUNKS_MAX];
	size_t thread_next[THREAD_CHUNKS_MAX]; /* timeline index after each chunk; 0 = payload */
	int nthread;
	bool thread_later; /* rows left over for lack of posting budget */
	char *ephemeral;   /* chat.postEphemeral body */
	/* filled by the worker */
	char new_ts[64];
	int thread_sent;
	bool failed;
	int64_t queued_ms; /* when picked from the outbox, for the debug log */
	char failed_method[40];
	struct slack_result fail;
};

/* The similar incidents' own cards, so the card can link to them (as App Home does). */
static void
similar_links(cJSON *view)
{
	char ch[64], ts[64];
	cJSON *it;

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(view, "similar"))
	{
		int64_t id = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(it, "id"));
		if (store_chatref_get(id, SLACK_ADAPTER, ch, sizeof(ch), ts, sizeof(ts)) == 0) {
			cJSON_AddStringToObject(it, "slack_channel", ch);
			cJSON_AddStringToObject(it, "slack_ts", ts);
		}
	}
}

static bool busy, drain_posted, stopped;
static uint64_t wake_timer;
static int64_t wake_at;
static double tokens = POST_BURST;
static int64_t tokens_at;

static void drain(void *arg);

static void
wake_fire(void *arg)
{
	(void)arg;
	wake_timer = 0;
	drain(NULL);
}

static void
wake_schedule(int64_t at)
{
	int64_t now = now_ms();

	if (stopped || (wake_timer != 0 && wake_at <= at))
		return;
	loop_timer_cancel(wake_timer);
	wake_at = at;
	wake_timer = loop_timer_add(at > now ? at - now : 0, wake_fire, NULL);
}

static double
tokens_now(void)
{
	int64_t now = mono_ms();

	if (tokens_at != 0)
		tokens += (double)(now - tokens_at) / 1000.0 * POST_PER_S;
	if (tokens > POST_BURST)
		tokens = POST_BURST;
	tokens_at = now;
	return tokens;
}

static void
send_free(struct send *s)
{
	outbox_item_free(&s->it);
	free(s->card);
	for (int i = 0; i < s->nthread; i++)
		free(s->thread[i]);
	free(s->ephemeral);
	slack_result_free(&s->fail);
	free(s);
}

/* ---- on the worker ---- */

static bool
call(struct send *s, const char *method, cJSON *body, cJSON **json)
{
	char *url = xasprintf("%s%s", slack_conf.api_url, method);
	char *text = cJSON_PrintUnformatted(body);
	struct slack_result r;

	cJSON_Delete(body);
	slack_api_perform(url, slack_conf.bot_token, text, &r);
	free(url);
	free(text);
	if (r.ok) {
		if (json)
			*json = r.json;
		else
			slack_result_free(&r);
		return true;
	}
	s->failed = true;
	snprintf(s->failed_method, sizeof(s->failed_method), "%s", method);
	s->fail = r;
	return false;
}

static void
send_work(void *arg)
{
	struct send *s = arg;
	cJSON *json = NULL, *b;

	if (s->ephemeral && !call(s, "chat.postEphemeral", cJSON_Parse(s->ephemeral), NULL))
		return;
	if (s->card && s->ts[0]) {
		b = cJSON_Parse(s->card);
		cJSON_AddStringToObject(b, "ts", s->ts);
		if (!call(s, "chat.update", b, NULL)) {
			if (strcmp(s->fail.error, "message_not_found") != 0)
				return;
			s->failed = false; /* deleted in Slack: post a new card below */
			slack_result_free(&s->fail);
			s->ts[0] = '\0';
		}
	}
	if (s->card && !s->ts[0]) {
		if (!call(s, "chat.postMessage", cJSON_Parse(s->card), &json))
			return;
		snprintf(s->new_ts, sizeof(s->new_ts), "%s",
			 cJSON_GetStringValue(cJSON_GetObjectItem(json, "ts"))
			     ? cJSON_GetStringValue(cJSON_GetObjectItem(json, "ts"))
			     : "");
		snprintf(s->ts, sizeof(s->ts), "%s", s->new_ts);
		cJSON_Delete(json);
	}
	for (int i = 0; i < s->nthread && s->ts[0]; i++) {
		b = cJSON_CreateObject();
		cJSON_AddStringToObject(b, "channel", s->channel);
		cJSON_AddStringToObject(b, "thread_ts", s->ts);
		cJSON_AddStringToObject(b, "text", s->thread[i]);
		if (!call(s, "chat.postMessage", b, NULL))
			return;
		s->thread_sent++;
	}
}

/* ---- on the loop ---- */

static void
cursor_key(int64_t id, char *key, size_t keylen)
{
	snprintf(key, keylen, "slack.thread.%lld", (long long)id);
}

/* How many timeline rows of the incident are in its thread already. */
static size_t
cursor_get(int64_t id)
{
	char key[48], val[32];

	cursor_key(id, key, sizeof(key));
	if (store_setting_get(key, val, sizeof(val)) != 0)
		return 0;
	return (size_t)strtoull(val, NULL, 10);
}

static void
cursor_set(int64_t id, size_t n)
{
	char key[48], val[32];

	cursor_key(id, key, sizeof(key));
	snprintf(val, sizeof(val), "%zu", n);
	if (store_setting_set(key, val) != 0)
		log_warnx("slack: INC-%lld: could not record the thread position", (long long)id);
}

/* Fills s for its item. Returns 0 to send, 1 when there is nothing to send, 2 to wait for
 * the posting budget (*wait_ms says how long). */
static int
prepare(struct send *s, int64_t *wait_ms)
{
	const char *kind = s->it.kind;
	cJSON *view = NULL;
	double budget = tokens_now();
	int rc = 1;

	if (strcmp(kind, "ephemeral") == 0) {
		const char *user = cJSON_GetStringValue(cJSON_GetObjectItem(s->it.payload, "user"));
		const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(s->it.payload, "text"));
		const char *ch =
		    cJSON_GetStringValue(cJSON_GetObjectItem(s->it.payload, "channel"));
		if (user == NULL || text == NULL)
			return 1;
		if (strncmp(user, "slack:", 6) == 0)
			user += 6;
		cJSON *b = cJSON_CreateObject();
		cJSON_AddStringToObject(b, "channel", ch ? ch : slack_conf.channel);
		cJSON_AddStringToObject(b, "user", user);
		cJSON_AddStringToObject(b, "text", text);
		s->ephemeral = cJSON_PrintUnformatted(b);
		cJSON_Delete(b);
		return 0;
	}
	if (strcmp(kind, "card") != 0 && strcmp(kind, "thread") != 0) {
		log_warnx("slack: outbox item of unknown kind %s dropped", kind);
		return 1;
	}
	if ((view = engine_incident_view(s->it.incident_id)) == NULL)
		return 1;
	if (store_chatref_get(s->it.incident_id, SLACK_ADAPTER, s->channel, sizeof(s->channel),
			      s->ts, sizeof(s->ts)) != 0) {
		s->ts[0] = '\0';
		snprintf(s->channel, sizeof(s->channel), "%s", slack_conf.channel);
	}
	if (s->channel[0] == '\0')
		goto out; /* no channel configured: said at start */
	if (strcmp(kind, "card") == 0 || !s->ts[0]) {
		if (!s->ts[0] && budget < 1.0) {
			*wait_ms = (int64_t)((1.0 - budget) / POST_PER_S * 1000) + 1;
			rc = 2;
			goto out;
		}
		similar_links(view);
		cJSON *msg = slack_card_render(view, now_ms());
		cJSON_AddStringToObject(msg, "channel", s->channel);
		s->card = cJSON_PrintUnformatted(msg);
		cJSON_Delete(msg);
		if (!s->ts[0])
			budget -= 1.0;
	}
	const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(s->it.payload, "text"));
	if (text && strcmp(kind, "thread") == 0) {
		char *t = utf8_truncate(text, SLACK_MSG_TEXT_MAX);
		s->thread[s->nthread++] = slack_reply_text(t, true, SLACK_MSG_TEXT_MAX);
		free(t);
	}
	size_t from = cursor_get(s->it.incident_id), next;
	char *chunk;
	while ((chunk = slack_thread_render(view, from, &next)) != NULL) {
		if (s->nthread == THREAD_CHUNKS_MAX || budget < 1.0) {
			free(chunk);
			s->thread_later = true; /* queued again once this round is out */
			break;
		}
		s->thread_next[s->nthread] = next;
		s->thread[s->nthread++] = chunk;
		budget -= 1.0;
		from = next;
	}
	if (s->card == NULL && s->nthread == 0 && s->thread_later) {
		/* a thread sync with no budget left: wait rather than spin */
		*wait_ms = (int64_t)((1.0 - budget) / POST_PER_S * 1000) + 1;
		s->thread_later = false;
		rc = 2;
		goto out;
	}
	rc = s->card || s->nthread ? 0 : 1;
	tokens = budget;
out:
	cJSON_Delete(view);
	return rc;
}

/* Transient failures back off to a minute; configuration errors wait longer, since someone
 * has to fix something in Slack first. attempts also counts deferrals for pacing, hence the
 * low cap. */
static int64_t
retry_delay(int attempts, bool config)
{
	int64_t d = 1000LL << (attempts < 6 ? attempts : 6);

	if (config)
		d = d < 30000 ? 30000 : d * 4;
	if (d > (config ? RETRY_MAX_MS : 60000))
		d = config ? RETRY_MAX_MS : 60000;
	return d + random() % (d / 4 + 1);
}

static void
send_done(void *arg)
{
	struct send *s = arg;
	int64_t id = s->it.incident_id, at;

	busy = false;
	log_debug("slack: INC-%lld %s%s: %d thread message(s), %s in %lld ms", (long long)id,
		  s->it.kind,
		  s->new_ts[0] ? " posted"
		  : s->card    ? " updated"
			       : "",
		  s->thread_sent, s->failed ? s->fail.error : "ok",
		  (long long)(mono_ms() - s->queued_ms));
	if (s->new_ts[0] && store_chatref_set(id, SLACK_ADAPTER, s->channel, s->new_ts) != 0)
		log_warnx("slack: INC-%lld: card posted but its reference not stored",
			  (long long)id);
	if (s->thread_sent > 0 && s->thread_next[s->thread_sent - 1] > 0)
		cursor_set(id, s->thread_next[s->thread_sent - 1]);
	if (!s->failed) {
		store_outbox_done(&s->it);
		if (s->thread_later && store_outbox_add(SLACK_ADAPTER, id, "thread", NULL) != 0)
			log_warnx("slack: INC-%lld: could not queue the rest of the thread",
				  (long long)id);
		goto out;
	}
	const char *err = s->fail.error, *hint = slack_api_hint(err);
	if (slack_api_fatal_auth(err)) {
		char why[256];
		store_outbox_retry(&s->it, now_ms(), err); /* kept for the next start */
		snprintf(why, sizeof(why), "%s answered %s%s%s; fix SLACK_BOT_TOKEN and restart",
			 s->failed_method, err, hint ? " — " : "", hint ? hint : "");
		slack_halt(why);
		goto out;
	}
	if (s->fail.retry_after_s > 0) {
		slack_api_block(s->failed_method, s->fail.retry_after_s);
		at = slack_api_blocked_until(s->failed_method);
	} else if (s->fail.transient || slack_api_config_error(err)) {
		at = now_ms() + retry_delay(s->it.attempts, !s->fail.transient);
		log_warnx("slack: %s for INC-%lld in %s failed: %s%s%s%s%s; retrying in %lld s",
			  s->failed_method, (long long)id, s->channel, err,
			  s->fail.detail[0] ? " " : "", s->fail.detail, hint ? " — " : "",
			  hint ? hint : "", (long long)((at - now_ms()) / 1000));
	} else {
		log_errorx("slack: %s for INC-%lld refused: %s%s%s; not retrying", s->failed_method,
			   (long long)id, err, hint ? " — " : "", hint ? hint : "");
		store_outbox_done(&s->it);
		goto out;
	}
	store_outbox_retry(&s->it, at, err);
	wake_schedule(at);
out:
	send_free(s);
	slack_outbox_kick();
}

static void
drain(void *arg)
{
	struct send *s;
	int64_t wait_ms = 0;
	int rc;

	(void)arg;
	drain_posted = false;
	while (!busy && !stopped) {
		s = xcalloc(1, sizeof(*s));
		if ((rc = store_outbox_next(SLACK_ADAPTER, now_ms(), &s->it)) != 0) {
			int64_t at;
			free(s);
			/* nothing due now: wake for what is pending (a paced card may have been
			 * merged into a later one since its wake was set) */
			if (rc == STORE_NOTFOUND && store_outbox_next_at(SLACK_ADAPTER, &at) == 0 &&
			    at > now_ms())
				wake_schedule(at);
			return;
		}
		if ((rc = prepare(s, &wait_ms)) == 1) {
			store_outbox_done(&s->it);
			send_free(s);
			continue;
		}
		if (rc == 2) {
			/* out of posting budget: later, without holding up updates behind it */
			store_outbox_retry(&s->it, now_ms() + wait_ms, "paced");
			wake_schedule(now_ms() + wait_ms);
			send_free(s);
			continue;
		}
		/* a method under a 429 waits; the item keeps its place */
		const char *m = s->ephemeral	      ? "chat.postEphemeral"
				: s->card && s->ts[0] ? "chat.update"
						      : "chat.postMessage";
		int64_t until = slack_api_blocked_until(m);
		if (until > now_ms()) {
			store_outbox_retry(&s->it, until, "ratelimited");
			wake_schedule(until);
			send_free(s);
			continue;
		}
		busy = true;
		s->queued_ms = mono_ms();
		work_submit(WORK_IO, send_work, send_done, s);
	}
}

void
slack_outbox_kick(void)
{
	if (!drain_posted && !stopped) {
		drain_posted = true;
		loop_post(drain, NULL);
	}
}

void
slack_outbox_stop(void)
{
	stopped = true;
	loop_timer_cancel(wake_timer);
	wake_timer = 0;
}
