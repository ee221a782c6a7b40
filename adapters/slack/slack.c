/* slack.c — the Slack transport's lifecycle and its Socket Mode link: apps.connections.open on a
 * worker, the websocket on the loop, hello/disconnect handling with make-before-break refreshes,
 * pings, and reconnects with backoff and jitter. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "chat.h"
#include "config.h"
#include "log.h"
#include "loop.h"
#include "slack_int.h"
#include "util.h"

#define SM_PROTO "healer-slack"
#define SM_CONNS 3		/* live + the refresh waiting for hello + one closing */
#define SM_MSG_MAX (512 * 1024) /* an envelope; the largest are view submissions */
#define SM_QUEUE_MAX 4096	/* acks waiting for the socket: a peer that stops reading */
#define SM_HELLO_TIMEOUT_S 15

enum conn_st { CS_FREE, CS_CONNECTING, CS_OPEN, CS_LIVE, CS_CLOSING };

struct frame {
	struct frame *next;
	cJSON *then; /* the envelope this acks: processed once the ack is written */
	size_t len;
	unsigned char data[]; /* LWS_PRE headroom, then len bytes */
};

struct sm_conn {
	enum conn_st st;
	struct lws *wsi;
	struct buf rx;
	bool rx_drop; /* the message being received is over the cap */
	struct frame *qh, *qt;
	size_t qlen;
};

struct slack_conf slack_conf;
static struct sm_conn conns[SM_CONNS];
static struct sm_conn *live;	/* where the link is; envelopes are acked where they came from */
static struct sm_conn *pending; /* a new connection waiting for its hello */
static bool job_running;	/* apps.connections.open in flight */
static unsigned gen;		/* bumped by stop, so a late job result is ignored */
static unsigned failures;	/* consecutive, for the backoff; reset by hello */
static uint64_t retry_timer;
static bool halted, started;
static struct lws_vhost *vhost;
static lws_retry_bo_t ping_policy;

/* Reconnect delays; each gets ±25 % jitter so many daemons do not reconnect in step. */
static const int64_t backoff_ms[] = {500, 1000, 2000, 5000, 10000, 20000, 30000};

static void link_open(void);

bool
slack_halted(void)
{
	return halted;
}

static void
conn_release(struct sm_conn *c)
{
	struct frame *f, *next;

	for (f = c->qh; f != NULL; f = next) {
		next = f->next;
		cJSON_Delete(f->then); /* never acked: Slack redelivers it */
		free(f);
	}
	buf_free(&c->rx);
	memset(c, 0, sizeof(*c));
}

static void
retry_fire(void *arg)
{
	(void)arg;
	retry_timer = 0;
	link_open();
}

static void
schedule_retry(void)
{
	int64_t d;

	if (halted || retry_timer != 0 || job_running || pending != NULL)
		return;
	d = backoff_ms[failures < ARRAY_LEN(backoff_ms) ? failures : ARRAY_LEN(backoff_ms) - 1];
	d += (int64_t)(((double)random() / RAND_MAX - 0.5) * 0.5 * (double)d);
	failures++;
	log_info("slack: reconnecting in %lld ms", (long long)d);
	retry_timer = loop_timer_add(d, retry_fire, NULL);
}

/* Polite close: what is queued goes first, then a close frame. */
static void
conn_close(struct sm_conn *c)
{
	if (c->st == CS_FREE || c->st == CS_CLOSING)
		return;
	c->st = CS_CLOSING;
	if (c->wsi)
		lws_callback_on_writable(c->wsi);
}

void
slack_halt(const char *why)
{
	log_errorx("slack: adapter stopped: %s", why);
	halted = true;
	gen++;
	loop_timer_cancel(retry_timer);
	retry_timer = 0;
	for (size_t i = 0; i < SM_CONNS; i++)
		conn_close(&conns[i]);
	chat_halt(SLACK_ADAPTER);
}

static void
conn_start(struct slack_open *j)
{
	struct lws_client_connect_info ci;
	struct sm_conn *c = NULL;

	for (size_t i = 0; i < SM_CONNS && c == NULL; i++)
		if (conns[i].st == CS_FREE)
			c = &conns[i];
	if (c == NULL) {
		log_warnx("slack: no free connection slot; retrying later");
		schedule_retry();
		return;
	}
	buf_init(&c->rx, SM_MSG_MAX);
	c->st = CS_CONNECTING;
	pending = c;
	memset(&ci, 0, sizeof(ci));
	ci.context = loop_context();
	ci.vhost = vhost;
	ci.address = j->ip;
	ci.port = j->port;
	ci.path = j->path;
	ci.host = j->host;
	ci.origin = j->host;
	ci.ssl_connection = j->tls ? LCCSCF_USE_SSL : 0;
	ci.local_protocol_name = SM_PROTO;
	ci.alpn = "http/1.1";
	ci.userdata = c;
	ci.pwsi = &c->wsi;
	ci.retry_and_idle_policy = &ping_policy;
	log_info("slack: connecting to %s://%s:%d", j->tls ? "wss" : "ws", j->host, j->port);
	if (lws_client_connect_via_info(&ci) == NULL && c->st == CS_CONNECTING) {
		/* no callback follows a NULL return */
		log_warnx("slack: cannot start the websocket connection to %s", j->host);
		pending = NULL;
		conn_release(c);
		schedule_retry();
	}
}

static void
open_done(void *arg, enum work_status status)
{
	struct slack_open *j = arg;

	job_running = false;
	if (status == WORK_CANCELLED || j->gen != gen || halted)
		goto out;
	if (!j->res.ok) {
		if (j->res.json && slack_api_fatal_auth(j->res.error)) {
			char why[256];
			snprintf(why, sizeof(why),
				 "apps.connections.open: %s — check SLACK_APP_TOKEN (an app-level "
				 "xapp- token with connections:write); not retrying",
				 j->res.error);
			slack_halt(why);
			goto out;
		}
		log_warnx("slack: apps.connections.open failed: %s%s%s", j->res.error,
			  j->res.detail[0] ? ": " : "", j->res.detail);
		if (j->res.retry_after_s > 0) {
			failures = 0;
			retry_timer = loop_timer_add(j->res.retry_after_s * 1000, retry_fire, NULL);
		} else {
			schedule_retry();
		}
		goto out;
	}
	if (j->why[0]) {
		log_warnx("slack: apps.connections.open gave a URL healer cannot use: %s", j->why);
		schedule_retry();
		goto out;
	}
	conn_start(j);
out:
	slack_result_free(&j->res);
	free(j);
}

/* Opens a new connection unless one is on its way. The current one keeps serving. */
static void
link_open(void)
{
	struct slack_open *j;

	if (halted || job_running || pending != NULL)
		return;
	loop_timer_cancel(retry_timer);
	retry_timer = 0;
	j = xcalloc(1, sizeof(*j));
	j->gen = gen;
	job_running = true;
	work_submit(WORK_IO, slack_open_work, open_done, j);
}

/* ---- the websocket ---- */

static void
on_hello(struct sm_conn *c, const cJSON *msg)
{
	const cJSON *n = cJSON_GetObjectItem(msg, "num_connections");

	c->st = CS_LIVE;
	failures = 0;
	lws_set_timeout(c->wsi, NO_PENDING_TIMEOUT, 0);
	if (pending == c)
		pending = NULL;
	if (live != NULL && live != c) {
		/* make before break: the old link closes only now that the new one is live */
		log_info("slack: switched to the new connection; closing the old one");
		conn_close(live);
	}
	live = c;
	log_info("slack: Socket Mode link up (%d connection%s)",
		 cJSON_IsNumber(n) ? n->valueint : 1,
		 cJSON_IsNumber(n) && n->valueint != 1 ? "s" : "");
}

static void
on_disconnect(struct sm_conn *c, const cJSON *msg)
{
	const char *reason = cJSON_GetStringValue(cJSON_GetObjectItem(msg, "reason"));

	if (reason == NULL)
		reason = "?";
	log_info("slack: disconnect requested: %s", reason);
	if (strcmp(reason, "link_disabled") == 0) {
		slack_halt("Slack disabled the link (link_disabled): Socket Mode was turned off "
			   "for the app; turn it on under Socket Mode and restart healer");
		return;
	}
	if (strcmp(reason, "too_many_websockets") == 0) {
		conn_close(c);
		return; /* the close schedules the backoff */
	}
	/* warning, refresh_requested: open the next connection while this one still serves */
	if (c == live || live == NULL)
		link_open();
}

static void
on_message(struct sm_conn *c, const char *data, size_t len)
{
	cJSON *msg = cJSON_ParseWithLength(data, len);
	const char *type;

	if (msg == NULL) {
		log_warnx("slack: ignoring a frame that is not JSON (%zu bytes)", len);
		return;
	}
	type = cJSON_GetStringValue(cJSON_GetObjectItem(msg, "type"));
	if (type && strcmp(type, "hello") == 0)
		on_hello(c, msg);
	else if (type && strcmp(type, "disconnect") == 0)
		on_disconnect(c, msg);
	else if (cJSON_IsString(cJSON_GetObjectItem(msg, "envelope_id"))) {
		slack_envelope(c, msg);
		return; /* consumed */
	} else
		log_debug("slack: ignoring a %s message", type ? type : "typeless");
	cJSON_Delete(msg);
}

void
slack_link_ack(struct sm_conn *c, const char *envelope_id, const cJSON *payload, cJSON *then)
{
	cJSON *o;
	char *s;
	size_t n;
	struct frame *f;

	if (c == NULL || c->wsi == NULL || c->st == CS_FREE || c->qlen >= SM_QUEUE_MAX) {
		log_warnx("slack: cannot ack %s: connection gone; Slack will redeliver",
			  envelope_id);
		cJSON_Delete(then);
		return;
	}
	if (payload == NULL &&
	    strspn(envelope_id, "0123456789abcdefABCDEF-") == strlen(envelope_id)) {
		s = xasprintf("{\"envelope_id\":\"%s\"}", envelope_id); /* the common case */
	} else {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "envelope_id", envelope_id);
		if (payload)
			cJSON_AddItemToObject(o, "payload", cJSON_Duplicate(payload, 1));
		s = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
	}
	n = strlen(s);
	f = xmalloc(sizeof(*f) + LWS_PRE + n);
	f->next = NULL;
	f->then = then;
	f->len = n;
	memcpy(f->data + LWS_PRE, s, n);
	free(s);
	if (c->qt)
		c->qt->next = f;
	else
		c->qh = f;
	c->qt = f;
	c->qlen++;
	lws_callback_on_writable(c->wsi);
}

static int
on_writable(struct sm_conn *c)
{
	struct frame *f = c->qh;

	if (f != NULL) {
		if (lws_write(c->wsi, f->data + LWS_PRE, f->len, LWS_WRITE_TEXT) < (int)f->len) {
			log_warnx("slack: websocket write failed");
			return -1;
		}
		c->qh = f->next;
		if (c->qh == NULL)
			c->qt = NULL;
		c->qlen--;
		if (f->then)
			slack_envelope_acked(f->then); /* the ack is out: now the work */
		free(f);
		if (c->qh != NULL || c->st == CS_CLOSING)
			lws_callback_on_writable(c->wsi);
		return 0;
	}
	if (c->st == CS_CLOSING) {
		lws_close_reason(c->wsi, LWS_CLOSE_STATUS_NORMAL, (unsigned char *)"bye", 3);
		return -1;
	}
	return 0;
}

static void
on_gone(struct sm_conn *c, const char *why)
{
	bool was_live = c == live, was_pending = c == pending, was_closing = c->st == CS_CLOSING;

	if (was_live)
		live = NULL;
	if (was_pending)
		pending = NULL;
	conn_release(c);
	if (halted || !started)
		return;
	if (was_closing && !was_live && !was_pending) {
		log_debug("slack: old connection closed");
		return;
	}
	log_warnx("slack: connection %s: %s", was_live ? "lost" : "failed", why);
	if (live == NULL && pending == NULL)
		schedule_retry(); /* nothing serving: reconnect */
	else if (was_pending)
		schedule_retry(); /* a refresh failed; the current link keeps serving */
}

static int
sm_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct sm_conn *c = user;

	if (c == NULL || c < conns || c >= conns + SM_CONNS)
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		c->st = c->st == CS_CLOSING ? CS_CLOSING : CS_OPEN;
		/* a link that never says hello is no link: lws closes it, we retry */
		lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, SM_HELLO_TIMEOUT_S);
		log_debug("slack: websocket open; waiting for hello");
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (lws_is_first_fragment(wsi)) {
			buf_free(&c->rx);
			buf_init(&c->rx, SM_MSG_MAX);
			c->rx_drop = false;
		}
		if (!c->rx_drop && buf_append(&c->rx, in, len) != 0) {
			log_warnx("slack: dropping a message over %d bytes", SM_MSG_MAX);
			c->rx_drop = true;
		}
		if (lws_is_final_fragment(wsi) && !c->rx_drop && c->rx.len > 0)
			on_message(c, c->rx.data, c->rx.len);
		if (lws_is_final_fragment(wsi) && c->st != CS_FREE) {
			buf_free(&c->rx);
			buf_init(&c->rx, SM_MSG_MAX);
		}
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return on_writable(c);
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		on_gone(c, in ? (const char *)in : "connection error");
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		on_gone(c, "closed");
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols sm_protocols[] = {
    {SM_PROTO, sm_callback, 0, 16384, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* ---- the adapter ---- */

static char *
env_dup(const char *name, const char *def)
{
	const char *v = config_get(name);

	return xstrdup(v && *v ? v : def);
}

/* Before the loop exists: read the settings and register the websocket protocol. */
int
slack_prepare(struct chat_transport *t)
{
	(void)t;
	memset(&slack_conf, 0, sizeof(slack_conf));
	slack_conf.app_token = env_dup("SLACK_APP_TOKEN", NULL);
	slack_conf.bot_token = env_dup("SLACK_BOT_TOKEN", NULL);
	if (slack_conf.app_token == NULL || slack_conf.bot_token == NULL) {
		free(slack_conf.app_token);
		free(slack_conf.bot_token);
		memset(&slack_conf, 0, sizeof(slack_conf));
		return 1;
	}
	slack_conf.channel = env_dup("SLACK_CHANNEL", "");
	const char *api = config_get("SLACK_API_URL");
	if (api == NULL || *api == '\0')
		api = "https://slack.com/api/";
	slack_conf.api_url = xasprintf("%s%s", api, api[strlen(api) - 1] == '/' ? "" : "/");
	const char *ping = config_get("HEALER_SLACK_PING_S");
	slack_conf.ping_s = ping && atoi(ping) > 0 && atoi(ping) < 3600 ? atoi(ping) : 10;
	log_redact(slack_conf.app_token);
	log_redact(slack_conf.bot_token);
	if (loop_client_protocol_add(&sm_protocols[0]) != 0)
		return -1;
	return 0;
}

int
slack_start(struct chat_transport *t)
{
	(void)t;
	if (slack_conf.app_token == NULL)
		return 1;
	if (strncmp(slack_conf.app_token, "xapp-", 5) != 0)
		log_warnx("slack: SLACK_APP_TOKEN does not start with xapp-: Socket Mode needs the "
			  "app-level token");
	if (strncmp(slack_conf.bot_token, "xoxb-", 5) != 0)
		log_warnx("slack: SLACK_BOT_TOKEN does not start with xoxb-");
	if (slack_conf.channel[0] == '\0')
		log_warnx("slack: SLACK_CHANNEL is not set: incident cards will not be posted");
	ping_policy.secs_since_valid_ping = (uint16_t)slack_conf.ping_s;
	ping_policy.secs_since_valid_hangup = (uint16_t)(slack_conf.ping_s * 3);
	ping_policy.conceal_count = LWS_RETRY_CONCEAL_ALWAYS;
	if ((vhost = loop_client_vhost()) == NULL) {
		log_errorx("slack: no websocket client vhost");
		return -1;
	}
	srandom((unsigned)now_ms());
	slack_events_init();
	halted = false;
	started = true;
	log_info("slack: channel %s, API %s, ping %d s", slack_conf.channel, slack_conf.api_url,
		 slack_conf.ping_s);
	link_open();
	return 0;
}

void
slack_stop(struct chat_transport *t)
{
	(void)t;
	if (!started)
		return;
	started = false;
	halted = true;
	gen++;
	loop_timer_cancel(retry_timer);
	retry_timer = 0;
	/* the context's destruction closes the sockets; nothing of ours may outlive this */
	for (size_t i = 0; i < SM_CONNS; i++)
		conn_release(&conns[i]); /* late callbacks find the slot free and do nothing */
	live = pending = NULL;
	slack_events_free();
	/* slack_conf stays: a worker may still be in the middle of a call that reads it, until
	 * loop_shutdown joins the workers; the process ends right after */
}
