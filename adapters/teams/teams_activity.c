/* teams_activity.c — POST /api/messages: the Bot Framework token checked before anything else,
 * then conversationUpdate (remember where to post), message (the shared grammar by @mention)
 * and invoke adaptiveCard/action (card buttons, answered with the refreshed card). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chat.h"
#include "command.h"
#include "engine.h"
#include "ingest.h"
#include "log.h"
#include "metrics.h"
#include "teams.h"
#include "teams_card.h"
#include "util.h"

#define TEXT_MAX 4096
#define USER_MAX 160
#define KEYS_UNAVAILABLE "the Bot Framework signing keys are not available yet; try again"
#define TEAMS_NAME_TTL_MS (7LL * 24 * 3600 * 1000) /* refreshed by every activity anyway */

/* A request whose token names a key we do not have yet: it waits for the key refresh. */
struct pending {
	uint64_t req_id;
	char *token, *body;
	size_t body_len;
};

static const char *
str(const cJSON *o, const char *k)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));

	return s ? s : "";
}

static const cJSON *
obj(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

static void
respond(struct http_response *resp, int status, char *body)
{
	resp->status = status;
	resp->content_type = "application/json";
	resp->body = body;
}

static void
respond_json(struct http_response *resp, cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j);

	cJSON_Delete(j);
	if (s == NULL)
		fatalx("out of memory (cJSON print)");
	respond(resp, 200, s);
}

static void
auth_fail(struct http_response *resp, int rc, const char *why)
{
	char labels[64];
	int status = rc < 0 ? 401 : teams_jwt_status(rc);
	const char *reason = rc < 0 ? "missing" : teams_jwt_reason(rc);

	snprintf(labels, sizeof(labels), "reason=\"%s\"", reason);
	metrics_inc("healer_teams_auth_failures_total",
		    "Teams requests refused by the Bot Framework token checks", labels);
	log_warnx("teams: refused a request (%d): %s", status, why);
	respond(resp, status,
		http_json_error("%s: %s", status == 401 ? "unauthorized" : "forbidden", why));
}

/* "teams:<aadObjectId>", the policy's name for the user; from.id when there is none. The
 * display name Teams sends with it (from.name) is remembered for every surface's cards; the
 * audit keeps the id. */
static void
user_of(const cJSON *act, char *out, size_t outlen)
{
	const cJSON *from = obj(act, "from");
	const char *id = str(from, "aadObjectId");

	if (*id == '\0')
		id = str(from, "id");
	snprintf(out, outlen, "teams:%.*s", (int)(outlen > 16 ? outlen - 16 : 0), id);
	for (char *p = out; *p; p++)
		if (!isprint((unsigned char)*p) || *p == ' ')
			*p = '_';
	if (*id && *str(from, "name"))
		chat_person_set(out, str(from, "name"), TEAMS_NAME_TTL_MS);
}

cJSON *
teams_message_text(const char *text)
{
	cJSON *m = cJSON_CreateObject();
	size_t n = strlen(text);
	struct buf b;

	while (n > 0 && text[n - 1] == '\n')
		n--;
	cJSON_AddStringToObject(m, "type", "message");
	if (memchr(text, '\n', n) == NULL) {
		char *t = xstrndup(text, n);
		cJSON_AddStringToObject(m, "textFormat", "plain");
		cJSON_AddStringToObject(m, "text", t);
		free(t);
		return m;
	}
	/* lists and cards are laid out in columns: keep them monospaced */
	buf_init(&b, 0);
	buf_printf(&b, "<pre>");
	for (size_t i = 0; i < n; i++) {
		switch (text[i]) {
		case '&':
			buf_printf(&b, "&amp;");
			break;
		case '<':
			buf_printf(&b, "&lt;");
			break;
		case '>':
			buf_printf(&b, "&gt;");
			break;
		default:
			buf_append(&b, &text[i], 1);
		}
	}
	buf_printf(&b, "</pre>");
	cJSON_AddStringToObject(m, "textFormat", "xml");
	cJSON_AddStringToObject(m, "text", b.data);
	buf_free(&b);
	return m;
}

/* The command in a message: the <at>mention</at> and other markup removed, entities decoded,
 * blanks trimmed. Owned. */
static char *
message_command(const char *text)
{
	static const struct {
		const char *ent, *ch;
	} ents[] = {{"&amp;", "&"},   {"&lt;", "<"},  {"&gt;", ">"},
		    {"&quot;", "\""}, {"&#39;", "'"}, {"&nbsp;", " "}};
	struct buf b;
	const char *p = text;

	buf_init(&b, 0);
	while (*p) {
		if (strncasecmp(p, "<at>", 4) == 0) {
			const char *end = strcasestr(p, "</at>");
			p = end ? end + 5 : p + strlen(p);
			continue;
		}
		if (*p == '<') {
			const char *end = strchr(p, '>');
			if (end) {
				buf_append(&b, " ", 1);
				p = end + 1;
				continue;
			}
		}
		size_t i;
		for (i = 0; i < ARRAY_LEN(ents); i++)
			if (strncmp(p, ents[i].ent, strlen(ents[i].ent)) == 0)
				break;
		if (i < ARRAY_LEN(ents)) {
			buf_append(&b, ents[i].ch, 1);
			p += strlen(ents[i].ent);
			continue;
		}
		/* Teams sends non-breaking spaces around mentions */
		if ((unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0) {
			buf_append(&b, " ", 1);
			p += 2;
			continue;
		}
		buf_append(&b, p++, 1);
	}
	char *s = buf_steal(&b), *start = s;
	while (isspace((unsigned char)*start))
		start++;
	size_t n = strlen(start);
	while (n > 0 && isspace((unsigned char)start[n - 1]))
		n--;
	char *out = xstrndup(start, n);
	free(s);
	return out;
}

static const struct {
	const char *verb;
	enum command_verb cmd;
} click_verbs[] = {
    {"approve", CMD_APPROVE}, {"reject", CMD_REJECT}, {"dryrun", CMD_DRYRUN}, {"ack", CMD_ACK}};

/* A positive id up to max from a button's data (a number, "42" or "INC-42"); 0 if none. */
static int64_t
data_id(const cJSON *v, int64_t max)
{
	int64_t id = 0;

	if (cJSON_IsNumber(v))
		return json_int(v, 1, max, &id) == 0 ? id : 0;
	if (cJSON_IsString(v)) {
		errno = 0;
		id = strtoll(strncasecmp(v->valuestring, "INC-", 4) == 0 ? v->valuestring + 4
									 : v->valuestring,
			     NULL, 10);
		if (errno == ERANGE)
			return 0; /* saturated: some other, far larger number */
	}
	return id > 0 && id <= max ? id : 0;
}

/* A button's data (Action.Execute data, or Action.Submit value with inputs merged) as a
 * command. Returns 0, or -1 with err. */
static int
click_command(const char *verb, const cJSON *data, struct command *c, char *err, size_t errlen)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < ARRAY_LEN(click_verbs); i++)
		if (strcmp(verb, click_verbs[i].verb) == 0)
			break;
	if (i == ARRAY_LEN(click_verbs)) {
		snprintf(err, errlen, "unknown card action \"%.40s\"", verb);
		return -1;
	}
	c->verb = click_verbs[i].cmd;
	c->incident_id = data_id(obj(data, "incident"), INT64_MAX);
	if (c->incident_id <= 0) {
		snprintf(err, errlen, "the card action names no incident");
		return -1;
	}
	/* version 0 would read as a typed command: a click always carries what it showed */
	c->card.version = (int)data_id(obj(data, "version"), INT_MAX);
	if (c->card.version <= 0)
		c->card.version = 1;
	c->card.action_id = data_id(obj(data, "action_id"), INT64_MAX);
	snprintf(c->card.state, sizeof(c->card.state), "%s", str(data, "state"));
	if (c->verb == CMD_REJECT) {
		/* an Input.Text value is plain text: kept as typed, blanks trimmed */
		const char *r = str(data, "reason");
		while (isspace((unsigned char)*r))
			r++;
		size_t n = strlen(r);
		while (n > 0 && isspace((unsigned char)r[n - 1]))
			n--;
		snprintf(c->text, sizeof(c->text), "%.*s", (int)n, r);
		if (c->text[0] == '\0') {
			snprintf(err, errlen, "a reason is required to reject INC-%lld",
				 (long long)c->incident_id);
			return -1;
		}
	}
	return 0;
}

static cJSON *
invoke_card(cJSON *card)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddNumberToObject(j, "statusCode", 200);
	cJSON_AddStringToObject(j, "type", "application/vnd.microsoft.card.adaptive");
	cJSON_AddItemToObject(j, "value", card);
	return j;
}

static cJSON *
invoke_error(int status, const char *code, const char *message)
{
	cJSON *j = cJSON_CreateObject(), *v;
	char *m = utf8_scrub(xstrdup(message)); /* it may quote the activity */

	cJSON_AddNumberToObject(j, "statusCode", status);
	cJSON_AddStringToObject(j, "type", "application/vnd.microsoft.error");
	v = cJSON_AddObjectToObject(j, "value");
	cJSON_AddStringToObject(v, "code", code);
	cJSON_AddStringToObject(v, "message", m);
	free(m);
	return j;
}

/* Action.Execute: run the verb as the user and answer with the refreshed card; a refusal
 * (stale card, no role, a missing reason) is on top of that card, where the clicker looks —
 * an error answer would only show Teams' generic failure. */
static void
on_invoke(const cJSON *act, struct http_response *resp)
{
	const cJSON *action = obj(obj(act, "value"), "action");
	struct command c;
	struct command_reply r;
	char user[USER_MAX], err[256];

	if (strcmp(str(act, "name"), "adaptiveCard/action") != 0) {
		respond(resp, 200, xstrdup("{}"));
		return;
	}
	if (click_command(str(action, "verb"), obj(action, "data"), &c, err, sizeof(err)) != 0) {
		respond_json(resp, invoke_error(400, "BadRequest", err));
		return;
	}
	user_of(act, user, sizeof(user));
	command_execute(&c, user, &r);
	cJSON *view = engine_incident_view(c.incident_id);
	if (view) {
		struct teams_card_opts o = {.interactive = true,
					    .notice = r.ok ? NULL : r.text,
					    .plan = r.ok && c.verb == CMD_DRYRUN ? r.text : NULL};
		respond_json(resp, invoke_card(teams_card_render(view, &o)));
	} else {
		respond_json(resp, invoke_error(400, "Refused", r.text ? r.text : "refused"));
	}
	cJSON_Delete(view);
	command_reply_free(&r);
}

/* Where a typed command's answer goes: a reply in the same conversation. */
struct message_reply {
	char *service_url, *conversation, *activity;
};

static void
message_done(struct command_reply *r, void *ctx)
{
	struct message_reply *m = ctx;
	cJSON *msg;

	/* `show` answers with the incident's view: as a card, not as text art */
	if (cJSON_IsObject(r->data) && cJSON_HasObjectItem(r->data, "timeline")) {
		struct teams_card_opts o = {.interactive = true};
		msg = cJSON_CreateObject();
		cJSON_AddStringToObject(msg, "type", "message");
		cJSON_AddItemToArray(cJSON_AddArrayToObject(msg, "attachments"),
				     teams_card_attachment(teams_card_render(r->data, &o)));
	} else {
		msg = teams_message_text(r->text ? r->text : "");
	}
	teams_reply(m->service_url, m->conversation, m->activity, msg);
	free(m->service_url);
	free(m->conversation);
	free(m->activity);
	free(m);
}

/* A typed command (or an Action.Submit from an older client); the answer is a reply in the
 * same conversation, since a message activity's HTTP answer carries nothing. */
static void
on_message(const cJSON *act)
{
	const cJSON *value = obj(act, "value");
	struct message_reply *m;
	char user[USER_MAX], err[256];

	user_of(act, user, sizeof(user));
	m = xcalloc(1, sizeof(*m));
	m->service_url = xstrdup(str(act, "serviceUrl"));
	m->conversation = xstrdup(str(obj(act, "conversation"), "id"));
	m->activity = xstrdup(str(act, "id"));
	if (cJSON_IsObject(value) && cJSON_IsString(obj(value, "verb"))) {
		struct command c;
		if (click_command(str(value, "verb"), value, &c, err, sizeof(err)) != 0) {
			struct command_reply r = {0};
			r.text = xasprintf("refused: %s", err);
			message_done(&r, m);
			command_reply_free(&r);
		} else {
			command_execute_async(&c, user, message_done, m);
		}
		return;
	}
	const char *text = str(act, "text");
	if (strlen(text) > TEXT_MAX) {
		struct command_reply r = {
		    .text = xstrdup("refused: the message is too long for a command")};
		message_done(&r, m);
		command_reply_free(&r);
		return;
	}
	char *line = message_command(text);
	command_run_line_async(*line ? line : "help", user, message_done, m);
	free(line);
}

/* The bot was added to a team, a chat or a personal scope: remember where to post. */
static void
on_conversation(const cJSON *act)
{
	const cJSON *conv = obj(act, "conversation"), *cd = obj(act, "channelData"), *m;
	const char *rid = str(obj(act, "recipient"), "id");
	bool added = strcmp(str(act, "type"), "installationUpdate") == 0 &&
		     strncmp(str(act, "action"), "add", 3) == 0;
	struct chat_conv c;
	char user[USER_MAX];

	cJSON_ArrayForEach(m, obj(act, "membersAdded"))
	{
		if (strcmp(str(m, "id"), rid) == 0)
			added = true;
	}
	if (!added || !*str(conv, "id") || !*str(act, "serviceUrl"))
		return;
	/* a reference cut to fit would name another conversation */
	if (strlen(str(conv, "id")) >= sizeof(c.conversation_id) ||
	    strlen(str(act, "serviceUrl")) >= sizeof(c.endpoint)) {
		log_warnx("teams: conversation id or service URL too long; not stored");
		return;
	}
	memset(&c, 0, sizeof(c));
	snprintf(c.conversation_id, sizeof(c.conversation_id), "%s", str(conv, "id"));
	/* a thread's id names its channel plus the root message */
	char *semi = strstr(c.conversation_id, ";messageid=");
	if (semi)
		*semi = '\0';
	snprintf(c.endpoint, sizeof(c.endpoint), "%s", str(act, "serviceUrl"));
	snprintf(c.tenant_id, sizeof(c.tenant_id), "%s",
		 *str(conv, "tenantId") ? str(conv, "tenantId") : str(obj(cd, "tenant"), "id"));
	snprintf(c.type, sizeof(c.type), "%s",
		 *str(conv, "conversationType") ? str(conv, "conversationType") : "personal");
	snprintf(c.name, sizeof(c.name), "%s",
		 *str(obj(cd, "team"), "name") ? str(obj(cd, "team"), "name") : str(conv, "name"));
	user_of(act, user, sizeof(user));
	char *msg = xasprintf("healer installed in Teams %s %s%s%s", c.type, *c.name ? "\"" : "",
			      c.name, *c.name ? "\"" : "");
	int rc = chat_conv_install(TEAMS_ADAPTER, &c, user, msg);
	if (rc == 0)
		log_info("teams: %s (conversation %s)", msg, c.conversation_id);
	else
		log_warnx("teams: cannot store the conversation reference");
	free(msg);
}

static void
handle(const cJSON *act, struct http_response *resp)
{
	static const char *const types[] = {"message", "invoke", "conversationUpdate",
					    "installationUpdate"};
	const char *type = str(act, "type"), *label = "other";
	char labels[64];

	for (size_t i = 0; i < ARRAY_LEN(types); i++)
		if (strcmp(type, types[i]) == 0)
			label = types[i];
	snprintf(labels, sizeof(labels), "type=\"%s\"", label);
	metrics_inc("healer_teams_activities_total", "Teams activities accepted", labels);
	if (strcmp(type, "invoke") == 0) {
		on_invoke(act, resp);
		return;
	}
	if (strcmp(type, "message") == 0)
		on_message(act);
	else if (strcmp(type, "conversationUpdate") == 0 || strcmp(type, "installationUpdate") == 0)
		on_conversation(act);
	respond(resp, 200, xstrdup("{}"));
}

/* The token first; the body is parsed only for the two claims tied to it (serviceUrl and
 * channelId) and acted on only once everything holds. */
static void
verify_and_handle(const char *token, const char *body, size_t len, struct http_response *resp)
{
	char perr[128];
	cJSON *act = json_parse_capped(body, len, INGEST_MAX_DEPTH, perr, sizeof(perr));
	struct teams_jwt_want w = {.audience = teams_cfg.app_id, .now_s = now_ms() / 1000};
	char err[256];
	int rc;

	if (cJSON_IsObject(act)) {
		w.service_url = str(act, "serviceUrl");
		w.channel_id = str(act, "channelId");
	}
	rc = teams_jwt_verify(token, teams_keys_current(), &w, err, sizeof(err));
	if (rc != TEAMS_JWT_OK)
		auth_fail(resp, rc, err);
	else if (!cJSON_IsObject(act))
		respond(resp, 400, http_json_error("the activity is not a JSON object"));
	else
		handle(act, resp);
	cJSON_Delete(act);
}

static void
pending_resume(void *arg)
{
	struct pending *p = arg;
	struct http_response r = {0};

	if (teams_keys_current() == NULL)
		respond(&r, 503, http_json_error(KEYS_UNAVAILABLE));
	else
		verify_and_handle(p->token, p->body, p->body_len, &r);
	http_respond_later(p->req_id, r.status, r.content_type, r.body);
	free(p->token);
	free(p->body);
	free(p);
}

void
teams_activity_handle(const char *body, size_t len, struct http_response *resp)
{
	char perr[128];
	cJSON *act = json_parse_capped(body, len, INGEST_MAX_DEPTH, perr, sizeof(perr));

	if (cJSON_IsObject(act))
		handle(act, resp);
	else
		respond(resp, 400, http_json_error("the activity is not a JSON object"));
	cJSON_Delete(act);
}

static enum http_handled
inbound(const struct http_request *req, struct http_response *resp, void *ctx)
{
	const char *auth = http_request_header(req, "authorization");
	const struct teams_jwks *keys = teams_keys_current();
	char kid[128], err[256];

	(void)ctx;
	if (teams_cfg.anonymous) {
		teams_activity_handle(req->body, req->body_len, resp);
		return HTTP_DONE;
	}
	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0) {
		auth_fail(resp, -1, "no Authorization: Bearer token");
		return HTTP_DONE;
	}
	const char *token = auth + 7;
	while (*token == ' ')
		token++;
	if (teams_jwt_kid(token, kid, sizeof(kid)) != 0) {
		auth_fail(resp, TEAMS_JWT_MALFORMED, "token is not a JWT with a kid");
		return HTTP_DONE;
	}
	if (keys && teams_jwks_find(keys, kid)) {
		verify_and_handle(token, req->body, req->body_len, resp);
		return HTTP_DONE;
	}
	/* only a token that would pass but for its kid may wait: the header checks first */
	struct teams_jwt_want nowant = {0};
	int rc = teams_jwt_verify(token, NULL, &nowant, err, sizeof(err));
	if (rc != TEAMS_JWT_UNKNOWN_KID) {
		auth_fail(resp, rc, err);
		return HTTP_DONE;
	}
	/* a key we do not know (yet): rotated keys appear in the JWKS before they are used */
	struct pending *p = xcalloc(1, sizeof(*p));
	switch (teams_keys_refresh(pending_resume, p)) {
	case TEAMS_KEYS_WAIT:
		p->req_id = req->id;
		p->token = xstrdup(token);
		p->body = xmalloc(req->body_len + 1);
		memcpy(p->body, req->body, req->body_len);
		p->body[req->body_len] = '\0';
		p->body_len = req->body_len;
		return HTTP_DEFERRED;
	case TEAMS_KEYS_LIMITED:
		free(p);
		if (keys != NULL)
			verify_and_handle(token, req->body, req->body_len, resp);
		else
			respond(resp, 503, http_json_error(KEYS_UNAVAILABLE));
		return HTTP_DONE;
	default:
		free(p);
		respond(resp, 503, http_json_error("too many requests wait for signing keys"));
		return HTTP_DONE;
	}
}

void
teams_inbound_register(void)
{
	http_route("/api/messages", "POST", inbound, NULL);
}

void
teams_inbound_stop(void)
{
	/* requests waiting for keys are answered by the server's own shutdown */
}
