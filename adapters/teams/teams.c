/* teams.c — the Microsoft Teams adapter: settings, start and stop, Bot Connector URLs and
 * direct replies to activities. Cards go through teams_send.c (the chat transport); inbound is
 * teams_activity.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chat.h"
#include "config.h"
#include "httpc.h"
#include "log.h"
#include "metrics.h"
#include "teams.h"
#include "util.h"

#define REPLY_TRIES 3
#define REPLY_WAIT_MAX_S 5
#define TOKEN_MAX 8192
/* Bot Framework's documented fallback when a conversation's service URL is unknown. */
#define SERVICE_URL_DEFAULT "https://smba.trafficmanager.net/teams/"

struct teams_cfg teams_cfg;

static char *
env(const char *name)
{
	const char *v = config_get(name);

	return v && *v ? xstrdup(v) : NULL;
}

char *
teams_url(const char *service_url, const char *conversation_id, const char *activity_id)
{
	size_t n = strlen(service_url);
	char *conv = httpc_urlencode(conversation_id), *act = NULL, *u;

	while (n > 0 && service_url[n - 1] == '/')
		n--;
	if (activity_id)
		act = httpc_urlencode(activity_id);
	u = xasprintf("%.*s/v3/conversations/%s/activities%s%s", (int)n, service_url, conv,
		      act ? "/" : "", act ? act : "");
	free(conv);
	free(act);
	return u;
}

/* ---- direct replies (answers to commands): not incident notifications, so not in the
 * outbox; a few quick retries when throttled ---- */

struct reply {
	char *url, *body;
	long status;
	char err[200];
};

static void
reply_work(void *arg)
{
	struct reply *r = arg;
	char token[TOKEN_MAX], auth[TOKEN_MAX + 32];
	const char *headers[] = {"Content-Type: application/json; charset=utf-8", NULL, NULL};
	struct httpc_req req = {.method = "POST",
				.url = r->url,
				.body = r->body,
				.body_len = strlen(r->body),
				.headers = headers,
				.max_response = 64 * 1024};
	struct httpc_resp resp;

	for (int i = 0; i < REPLY_TRIES; i++) {
		if (teams_cfg.bot) {
			if (teams_token_get(token, sizeof(token), r->err, sizeof(r->err)) != 0)
				return;
			snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
			headers[1] = auth;
		}
		if (httpc_perform(&req, &resp) != 0) {
			snprintf(r->err, sizeof(r->err), "%.190s", resp.err);
			r->status = 0;
		} else {
			r->status = resp.status;
			snprintf(r->err, sizeof(r->err), "HTTP %ld", resp.status);
		}
		long ra = resp.retry_after_s;
		httpc_resp_free(&resp);
		if (r->status == 401)
			teams_token_forget();
		if (r->status >= 200 && r->status < 300)
			return;
		if (r->status != 429 && r->status != 412 && r->status != 502 && r->status != 503 &&
		    r->status != 504 && r->status != 401)
			return;
		sleep((unsigned)(ra > 0 && ra < REPLY_WAIT_MAX_S ? ra : 1 + i));
	}
}

static void
reply_done(void *arg, enum work_status status)
{
	struct reply *r = arg;
	bool ok = r->status >= 200 && r->status < 300;

	if (status == WORK_DONE) {
		if (!ok)
			log_warnx("teams: reply not delivered: %s", r->err);
		metrics_inc("healer_teams_replies_total", "Replies to Teams activities",
			    ok ? "result=\"ok\"" : "result=\"failed\"");
	}
	free(r->url);
	free(r->body);
	free(r);
}

void
teams_reply(const char *service_url, const char *conversation_id, const char *reply_to,
	    cJSON *activity)
{
	struct reply *r = xcalloc(1, sizeof(*r));

	if (reply_to && *reply_to)
		cJSON_AddStringToObject(activity, "replyToId", reply_to);
	r->url = teams_url(service_url, conversation_id, reply_to && *reply_to ? reply_to : NULL);
	r->body = cJSON_PrintUnformatted(activity);
	cJSON_Delete(activity);
	if (r->body == NULL)
		fatalx("out of memory (cJSON print)");
	work_submit(WORK_IO, reply_work, reply_done, r);
}

/* ---- the adapter ---- */

/* "127.0.0.1:8080", "[::1]:8080", "localhost:0" */
static bool
listen_loopback(const char *listen)
{
	char host[128];
	char *colon;

	snprintf(host, sizeof(host), "%s", listen ? listen : "");
	if ((colon = strrchr(host, ':')) != NULL && strchr(host, ']') < colon)
		*colon = '\0';
	return strncmp(host, "127.", 4) == 0 || strcmp(host, "localhost") == 0 ||
	       strcmp(host, "[::1]") == 0 || strcmp(host, "::1") == 0;
}

static void
cfg_free(void)
{
	free(teams_cfg.app_id);
	free(teams_cfg.app_password);
	free(teams_cfg.tenant_id);
	free(teams_cfg.openid_url);
	free(teams_cfg.token_url);
	free(teams_cfg.conversation_id);
	free(teams_cfg.service_url);
	free(teams_cfg.webhook_url);
	memset(&teams_cfg, 0, sizeof(teams_cfg));
}

/* Reads the settings. 0 = enabled, 1 = not configured, -1 = misconfigured (logged). */
static int
cfg_load(void)
{
	struct teams_cfg *c = &teams_cfg;
	struct chat_ref ref;
	const char *anon = config_get("TEAMS_ALLOW_ANONYMOUS");
	bool want_anon = anon && strcmp(anon, "1") == 0;

	cfg_free();
	c->app_id = env("TEAMS_APP_ID");
	c->app_password = env("TEAMS_APP_PASSWORD");
	c->tenant_id = env("TEAMS_TENANT_ID");
	c->webhook_url = env("TEAMS_WEBHOOK_URL");
	c->conversation_id = env("TEAMS_CONVERSATION_ID");
	c->service_url = env("TEAMS_SERVICE_URL");
	int have = !!c->app_id + !!c->app_password + !!c->tenant_id;
	if (have == 0 && !c->webhook_url && !want_anon)
		return 1;
	if (have != 0 && have != 3) {
		log_errorx(
		    "teams: TEAMS_APP_ID, TEAMS_APP_PASSWORD and TEAMS_TENANT_ID go together "
		    "(missing:%s%s%s); Teams is off",
		    c->app_id ? "" : " TEAMS_APP_ID", c->app_password ? "" : " TEAMS_APP_PASSWORD",
		    c->tenant_id ? "" : " TEAMS_TENANT_ID");
		return -1;
	}
	c->bot = have == 3;
	if (want_anon && c->bot) {
		log_warnx("teams: TEAMS_ALLOW_ANONYMOUS is ignored because TEAMS_APP_ID is set: "
			  "every request needs a Bot Framework token");
	} else if (want_anon && !listen_loopback(cfg.listen)) {
		log_errorx("teams: TEAMS_ALLOW_ANONYMOUS needs HEALER_LISTEN on loopback (it is "
			   "%s); Teams is off",
			   cfg.listen);
		return -1;
	} else if (want_anon) {
		c->anonymous = true;
	}
	if (c->webhook_url && (c->bot || c->anonymous)) {
		log_warnx("teams: TEAMS_WEBHOOK_URL is ignored: the bot posts the cards");
	} else if (c->webhook_url) {
		c->notify_only = true;
	}
	if (c->webhook_url == NULL && !c->bot && !c->anonymous)
		return 1;
	c->openid_url = env("TEAMS_OPENID_URL");
	if (c->openid_url == NULL)
		c->openid_url = xstrdup(TEAMS_OPENID_DEFAULT);
	c->token_url = env("TEAMS_TOKEN_URL");
	if (c->token_url == NULL && c->bot)
		c->token_url = xasprintf("https://login.microsoftonline.com/%s/oauth2/v2.0/token",
					 c->tenant_id);
	if (c->service_url && !c->conversation_id)
		log_warnx("teams: TEAMS_SERVICE_URL without TEAMS_CONVERSATION_ID is ignored");
	if (c->conversation_id && !c->service_url)
		c->service_url = xstrdup(SERVICE_URL_DEFAULT);
	/* they are stored with each card (struct chat_ref): refuse what would be cut */
	if ((c->conversation_id && strlen(c->conversation_id) >= sizeof(ref.channel)) ||
	    (c->service_url && strlen(c->service_url) >= sizeof(ref.endpoint))) {
		log_errorx(
		    "teams: TEAMS_CONVERSATION_ID and TEAMS_SERVICE_URL must be shorter than "
		    "%zu bytes; Teams is off",
		    sizeof(ref.channel));
		return -1;
	}
	return 0;
}

int
teams_start(struct chat_transport *t)
{
	int rc = cfg_load();

	if (rc != 0) {
		cfg_free();
		return rc;
	}
	if (teams_cfg.anonymous) {
		for (int i = 0; i < 3; i++)
			log_warnx(
			    "teams: TEAMS_ALLOW_ANONYMOUS=1: /api/messages accepts activities "
			    "WITHOUT any token check (local development only; HEALER_LISTEN=%s)",
			    cfg.listen);
	}
	if (teams_cfg.bot || teams_cfg.anonymous)
		teams_inbound_register();
	if (teams_cfg.bot)
		teams_keys_start();
	if (teams_cfg.notify_only)
		teams_send_webhook_mode(t);
	log_info("teams: %s%s",
		 teams_cfg.bot	       ? "bot "
		 : teams_cfg.anonymous ? "anonymous bot "
				       : "",
		 teams_cfg.notify_only ? "notify-only webhook" : "on /api/messages");
	return 0;
}

void
teams_stop(struct chat_transport *t)
{
	(void)t;
	teams_inbound_stop();
	teams_keys_stop();
	/* the settings stay: a worker may still be sending until the pools are joined */
}
