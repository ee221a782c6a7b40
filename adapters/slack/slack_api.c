/* slack_api.c — Slack Web API calls: JSON POSTs with the bot token on WORK_IO workers,
 * Retry-After per method, and an operator's hint for every error worth one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpc.h"
#include "log.h"
#include "loop.h"
#include "slack_int.h"
#include "util.h"

#define API_TIMEOUT_MS 10000
#define API_RESPONSE_MAX (256 * 1024)
#define RETRY_AFTER_DEFAULT_S 5 /* a 429 without the header */
#define METHODS_MAX 16
#define CALL_TRIES_MAX 3 /* an interactive answer that keeps meeting 429s is dropped */

struct call {
	char method[40]; /* "" for a response_url */
	char *url;
	char *body;
	slack_done_fn done;
	void *arg;
	int tries;
	struct slack_result res;
};

/* 429s are per method: one table row per method seen. Loop thread. */
static struct {
	char method[40];
	int64_t until_ms;
} limits[METHODS_MAX];

static const char *const hints[][2] = {
    {"not_in_channel", "invite @healer to the channel (/invite @healer there)"},
    {"channel_not_found", "check SLACK_CHANNEL: a channel ID (C…) the bot can see"},
    {"is_archived", "the channel is archived: unarchive it or set SLACK_CHANNEL to another"},
    {"missing_scope", "add the scope named below to the app (OAuth & Permissions), reinstall"},
    {"not_authed", "set SLACK_BOT_TOKEN to the app's xoxb- bot token"},
    {"invalid_auth", "SLACK_BOT_TOKEN is wrong: copy the xoxb- token from OAuth & Permissions"},
    {"token_revoked", "the token was revoked: reinstall the app and update the tokens"},
    {"account_inactive", "the app's bot user is deactivated: reinstall the app"},
    {"not_allowed_token_type", "SLACK_APP_TOKEN must be the xapp- app-level token"},
    {"user_not_in_channel", "the user is not in the channel, so healer cannot whisper there"},
    {"expired_trigger_id", "the Reject modal must open within 3 s of the click: the daemon "
			   "was too slow; click again"},
    {"invalid_blocks", "a card broke a Block Kit rule: a healer bug, report it with this log"},
    {"invalid_blocks_format", "a card broke a Block Kit rule: a healer bug, report it"},
    {"msg_too_long", "a message was too long: a healer bug, report it with this log"},
    {"ratelimited", "Slack is rate limiting healer; messages wait and are retried"},
    {"message_not_found", "the card was deleted in Slack; healer posts a new one"},
};

static const char *const config_errors[] = {"not_in_channel", "channel_not_found", "is_archived",
					    "missing_scope",  "not_authed",	   "invalid_auth",
					    "token_revoked",  "account_inactive"};

const char *
slack_api_hint(const char *error)
{
	for (size_t i = 0; error && i < ARRAY_LEN(hints); i++)
		if (strcmp(error, hints[i][0]) == 0)
			return hints[i][1];
	return NULL;
}

bool
slack_api_config_error(const char *error)
{
	for (size_t i = 0; error && i < ARRAY_LEN(config_errors); i++)
		if (strcmp(error, config_errors[i]) == 0)
			return true;
	return false;
}

bool
slack_api_fatal_auth(const char *error)
{
	static const char *const fatal[] = {
	    "not_authed",    "invalid_auth",  "account_inactive",      "user_removed_from_team",
	    "team_disabled", "token_revoked", "not_allowed_token_type"};

	for (size_t i = 0; error && i < ARRAY_LEN(fatal); i++)
		if (strcmp(error, fatal[i]) == 0)
			return true;
	return false;
}

void
slack_result_free(struct slack_result *r)
{
	cJSON_Delete(r->json);
	r->json = NULL;
}

void
slack_api_perform(const char *url, const char *token, const char *body, struct slack_result *res)
{
	struct httpc_req req;
	struct httpc_resp resp;
	char *auth = token ? xasprintf("Authorization: Bearer %s", token) : NULL;
	const char *headers[3] = {NULL, NULL, NULL};
	size_t nh = 0;

	memset(res, 0, sizeof(*res));
	res->retry_after_s = -1;
	if (auth)
		headers[nh++] = auth;
	headers[nh++] = body ? "Content-Type: application/json; charset=utf-8"
			     : "Content-Type: application/x-www-form-urlencoded";
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = url;
	req.headers = headers;
	req.body = body ? body : "";
	req.body_len = body ? strlen(body) : 0;
	req.timeout_ms = API_TIMEOUT_MS;
	req.max_response = API_RESPONSE_MAX;
	if (httpc_perform(&req, &resp) != 0) {
		res->transient = true;
		snprintf(res->error, sizeof(res->error), "network");
		snprintf(res->detail, sizeof(res->detail), "%s", resp.err);
		goto out;
	}
	res->status = resp.status;
	if (resp.status == 429) {
		res->transient = true;
		res->retry_after_s =
		    resp.retry_after_s > 0 ? resp.retry_after_s : RETRY_AFTER_DEFAULT_S;
		snprintf(res->error, sizeof(res->error), "ratelimited");
		goto out;
	}
	if (resp.status != 200) {
		res->transient = resp.status >= 500;
		snprintf(res->error, sizeof(res->error), "http %ld", resp.status);
		goto out;
	}
	res->json = cJSON_Parse(resp.body ? resp.body : "");
	/* a response_url answers "ok" in plain text; the Web API always JSON */
	if (res->json == NULL) {
		res->ok = resp.body && strncmp(resp.body, "ok", 2) == 0;
		if (!res->ok)
			snprintf(res->error, sizeof(res->error), "not JSON");
		goto out;
	}
	res->ok = cJSON_IsTrue(cJSON_GetObjectItem(res->json, "ok"));
	if (!res->ok) {
		const char *e = cJSON_GetStringValue(cJSON_GetObjectItem(res->json, "error"));
		const char *needed = cJSON_GetStringValue(cJSON_GetObjectItem(res->json, "needed"));
		snprintf(res->error, sizeof(res->error), "%s", e ? e : "unknown");
		if (needed)
			snprintf(res->detail, sizeof(res->detail), "needed scope %s", needed);
		if (e && strcmp(e, "ratelimited") == 0) {
			res->transient = true;
			res->retry_after_s = RETRY_AFTER_DEFAULT_S;
		}
	}
out:
	httpc_resp_free(&resp);
	free(auth);
}

int64_t
slack_api_blocked_until(const char *method)
{
	for (size_t i = 0; i < METHODS_MAX && limits[i].method[0]; i++)
		if (strcmp(limits[i].method, method) == 0)
			return limits[i].until_ms;
	return 0;
}

void
slack_api_block(const char *method, long retry_after_s)
{
	size_t i;

	for (i = 0; i < METHODS_MAX && limits[i].method[0]; i++)
		if (strcmp(limits[i].method, method) == 0)
			break;
	if (i == METHODS_MAX)
		return; /* more methods than we use: nothing to remember */
	snprintf(limits[i].method, sizeof(limits[i].method), "%s", method);
	limits[i].until_ms = now_ms() + (int64_t)retry_after_s * 1000;
	log_warnx("slack: %s rate limited by Slack: waiting %ld s", method, retry_after_s);
}

static void
call_work(void *arg)
{
	struct call *c = arg;

	slack_api_perform(c->url, c->method[0] ? slack_conf.bot_token : NULL, c->body, &c->res);
}

static void call_start(struct call *c);

static void
call_retry(void *arg)
{
	call_start(arg);
}

static void
call_done(void *arg, enum work_status status)
{
	struct call *c = arg;
	const char *what = c->method[0] ? c->method : "response_url";

	if (status == WORK_CANCELLED) { /* shutting down: nobody waits for the answer */
		slack_result_free(&c->res);
		free(c->url);
		free(c->body);
		free(c);
		return;
	}

	long wait_s = c->res.retry_after_s;

	if (wait_s > 0 && c->method[0]) {
		slack_api_block(c->method, wait_s);
		if (wait_s <= 30 && ++c->tries < CALL_TRIES_MAX && !slack_halted()) {
			/* interactive answers are worth a short wait, not a long one */
			slack_result_free(&c->res);
			loop_timer_add(wait_s * 1000, call_retry, c);
			return;
		}
	}
	if (!c->res.ok) {
		const char *hint = slack_api_hint(c->res.error);
		log_warnx("slack: %s failed: %s%s%s%s%s%s", what, c->res.error,
			  c->res.detail[0] ? " (" : "", c->res.detail, c->res.detail[0] ? ")" : "",
			  hint ? " — " : "", hint ? hint : "");
	}
	if (c->done)
		c->done(&c->res, c->arg);
	slack_result_free(&c->res);
	free(c->url);
	free(c->body);
	free(c);
}

static void
call_start(struct call *c)
{
	int64_t until = c->method[0] ? slack_api_blocked_until(c->method) : 0;

	if (until > now_ms()) {
		loop_timer_add(until - now_ms(), call_retry, c);
		return;
	}
	work_submit(WORK_IO, call_work, call_done, c);
}

void
slack_api_call(const char *method, cJSON *body, slack_done_fn done, void *arg)
{
	struct call *c = xcalloc(1, sizeof(*c));

	snprintf(c->method, sizeof(c->method), "%s", method);
	c->url = xasprintf("%s%s", slack_conf.api_url, method);
	c->body = cJSON_PrintUnformatted(body);
	c->done = done;
	c->arg = arg;
	cJSON_Delete(body);
	call_start(c);
}

void
slack_api_call_query(const char *method, const char *query, slack_done_fn done, void *arg)
{
	struct call *c = xcalloc(1, sizeof(*c));

	/* the arguments ride in the URL: read methods take form arguments, not JSON */
	snprintf(c->method, sizeof(c->method), "%s", method);
	c->url = xasprintf("%s%s?%s", slack_conf.api_url, method, query);
	c->body = NULL;
	c->done = done;
	c->arg = arg;
	call_start(c);
}

void
slack_api_respond(const char *response_url, cJSON *body)
{
	struct call *c;

	/* only Slack's own hooks (or the configured API host, for tests) get our replies */
	if (response_url == NULL ||
	    (strncmp(response_url, "https://hooks.slack.com/", 24) != 0 &&
	     strncmp(response_url, slack_conf.api_url, strlen(slack_conf.api_url)) != 0)) {
		log_warnx("slack: ignoring a response_url outside hooks.slack.com");
		cJSON_Delete(body);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->url = xstrdup(response_url);
	c->body = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	call_start(c);
}

void
slack_api_ephemeral(const char *channel, const char *user, const char *text)
{
	cJSON *b;

	if (channel == NULL || *channel == '\0' || user == NULL || *user == '\0')
		return;
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "channel", channel);
	cJSON_AddStringToObject(b, "user", user);
	cJSON_AddStringToObject(b, "text", text);
	slack_api_call("chat.postEphemeral", b, NULL, NULL);
}
