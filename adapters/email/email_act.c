/* email_act.c — GET and POST /ui/act: what a mail link opens. The GET only shows the card
 * and a form (mail scanners follow links); the POST, with the form's CSRF token, acts once
 * through the same command path as a chat button, as the link's recipient. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "command.h"
#include "email.h"
#include "engine.h"
#include "html.h"
#include "http_server.h"
#include "log.h"
#include "token.h"
#include "ui_origin.h"
#include "view.h"
#include "web.h"

#define FIELD_MAX 512

/* A link's claims once its signature, expiry and single use have been checked. */
struct link {
	cJSON *claims;
	const char *user, *verb, *id;
	int64_t incident_id, action_id, exp;
	int version;
};

static const struct {
	const char *verb, *title, *button;
	enum command_verb cmd;
} verbs[] = {
    {"approve", "Approve", "Approve", CMD_APPROVE},
    {"reject", "Reject", "Reject", CMD_REJECT},
    {"dryrun", "Dry run of", "Show the dry run", CMD_DRYRUN},
    {"open", "Incident", NULL, CMD_SHOW},
};

static int
verb_find(const char *v)
{
	for (size_t i = 0; i < ARRAY_LEN(verbs); i++)
		if (strcmp(verbs[i].verb, v) == 0)
			return (int)i;
	return -1;
}

/* Every attempt is on the record, refused or not. */
static void audit(const char *user, int64_t incident_id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
audit(const char *user, int64_t incident_id, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	chat_audit(user != NULL ? user : "anonymous", incident_id, "email.link", msg);
}

/* Checks token t: signature, purpose, expiry, shape, not spent. Returns 0 with l filled
 * (free l->claims), or fills resp with the page saying why and returns -1. */
static int
link_check(const char *t, struct link *l, struct http_response *resp)
{
	const uint8_t *key;
	size_t keylen;
	bool used = false;
	int rc;

	memset(l, 0, sizeof(*l));
	if (token_key(&key, &keylen) != 0) {
		web_error_page(resp, 503, "Links are not configured",
			       "This healer has no HEALER_LINK_KEY; ask its operator.");
		return -1;
	}
	if (t == NULL || *t == '\0') {
		audit(NULL, 0, "refused: link without a token");
		web_error_page(resp, 400, "Incomplete link",
			       "This link has no token. Open the whole link from the mail.");
		return -1;
	}
	rc = token_verify(key, keylen, EMAIL_LINK_PURPOSE, t, now_ms(), &l->claims);
	if (rc == TOKEN_EXPIRED) {
		audit(NULL, 0, "refused: expired link");
		web_error_page(resp, 410, "This link has expired",
			       "The approval it was made for has expired. Nothing was changed.");
		return -1;
	}
	if (rc != TOKEN_OK) {
		audit(NULL, 0, "refused: invalid link (%s)", token_strerror(rc));
		web_error_page(resp, 403, "This link is not valid",
			       "It was altered, cut, or not issued by this healer. Nothing was "
			       "changed.");
		return -1;
	}
	l->user = view_str(l->claims, "sub");
	l->verb = view_str(l->claims, "verb");
	l->id = view_str(l->claims, "id");
	l->incident_id = (int64_t)view_num(l->claims, "inc");
	l->action_id = (int64_t)view_num(l->claims, "act");
	l->version = (int)view_num(l->claims, "ver");
	l->exp = (int64_t)view_num(l->claims, "exp");
	if (strncmp(l->user, "email:", 6) != 0 || verb_find(l->verb) < 0 || l->incident_id <= 0) {
		audit(NULL, l->incident_id, "refused: link of unknown shape");
		web_error_page(resp, 403, "This link is not valid", "Nothing was changed.");
		goto fail;
	}
	if (chat_token_spent(l->id, &used) != 0) {
		web_error_page(resp, 503, "Try again", "The store is busy; nothing was changed.");
		goto fail;
	}
	if (used) {
		audit(l->user, l->incident_id, "refused: %s link used again", l->verb);
		web_error_page(resp, 410, "This link was already used",
			       "Each link works once. Nothing was changed.");
		goto fail;
	}
	return 0;
fail:
	cJSON_Delete(l->claims);
	l->claims = NULL;
	return -1;
}

/* The incident moved on since the mail: another proposal, or no longer awaiting approval. */
static bool
link_stale(const struct link *l, const cJSON *view)
{
	const cJSON *act = cJSON_GetObjectItem(view, "action");

	if (strcmp(l->verb, "open") == 0)
		return false;
	return strcmp(view_str(view, "state"), "awaiting_approval") != 0 ||
	       (int64_t)view_num(act, "id") != l->action_id;
}

static void
page_stale(struct http_response *resp, const struct link *l, const cJSON *view)
{
	struct buf b;
	char *card = card_html(view);

	audit(l->user, l->incident_id, "refused: stale %s link (incident is %s)", l->verb,
	      view_str(view, "state"));
	buf_init(&b, HTML_MAX);
	html_page_begin(&b, "This link is out of date");
	buf_printf(&b, "<div class=\"notice error\"><h1>This link is out of date</h1><p>");
	html_text(&b, view_str(view, "key"));
	buf_printf(&b, " changed since the mail was sent: it is now ");
	html_text(&b, view_str(view, "state"));
	buf_printf(&b, ". Nothing was changed; use the newest mail.</p></div>");
	buf_append_trunc(&b, card, strlen(card));
	html_page_end(&b);
	free(card);
	web_html_response(resp, 409, buf_steal(&b));
}

static enum http_handled
act_get(const struct http_request *req, struct http_response *resp)
{
	char t[TOKEN_MAX + 1], csrf[TOKEN_CSRF_LEN + 1];
	const uint8_t *key;
	size_t keylen;
	struct link l;
	struct buf b;
	cJSON *view;
	char *card;
	int v;

	if (http_form_get(req->query, "t", t, sizeof(t)) != 0)
		t[0] = '\0';
	if (link_check(t, &l, resp) != 0)
		return HTTP_DONE;
	v = verb_find(l.verb);
	if ((view = engine_incident_view(l.incident_id)) == NULL) {
		web_error_page(resp, 404, "No such incident", "It may have been removed.");
		goto out;
	}
	if (link_stale(&l, view)) {
		page_stale(resp, &l, view);
		goto out;
	}
	audit(l.user, l.incident_id, "opened %s link", l.verb);
	token_key(&key, &keylen);
	token_csrf(key, keylen, l.id, csrf);
	buf_init(&b, HTML_MAX);
	html_page_begin(&b, verbs[v].title);
	buf_printf(&b, "<h1>");
	html_text(&b, verbs[v].title);
	buf_printf(&b, " ");
	html_text(&b, view_str(view, "key"));
	buf_printf(&b, "%s</h1>", verbs[v].button != NULL ? "?" : "");
	card = card_html(view);
	buf_append_trunc(&b, card, strlen(card));
	free(card);
	if (verbs[v].button != NULL) {
		buf_printf(&b, "<form method=\"post\" action=\"/ui/act\">"
			       "<input type=\"hidden\" name=\"t\" value=\"");
		html_attr(&b, t);
		buf_printf(&b, "\"><input type=\"hidden\" name=\"csrf\" value=\"");
		html_attr(&b, csrf);
		buf_printf(&b, "\">");
		if (verbs[v].cmd == CMD_REJECT)
			buf_printf(&b, "<p><label>Reason <input name=\"reason\" maxlength=\"300\" "
				       "size=\"50\"></label></p>");
		buf_printf(&b, "<p>You act as ");
		html_text(&b, l.user);
		buf_printf(&b, ".</p><button type=\"submit\">");
		html_text(&b, verbs[v].button);
		buf_printf(&b, "</button></form>");
	}
	html_page_end(&b);
	web_html_response(resp, 200, buf_steal(&b));
out:
	cJSON_Delete(view);
	cJSON_Delete(l.claims);
	return HTTP_DONE;
}

static void
page_result(struct http_response *resp, const struct command_reply *r, const char *verb,
	    int64_t incident_id)
{
	struct buf b;
	char key[32];

	snprintf(key, sizeof(key), "INC-%lld", (long long)incident_id);
	buf_init(&b, HTML_MAX);
	html_page_begin(&b, key);
	buf_printf(&b, "<div class=\"notice %s\"><h1>", r->ok ? "ok" : "error");
	html_text(&b, key);
	buf_printf(&b, ": %s</h1><pre>", r->ok ? "done" : "refused");
	html_text(&b, r->text);
	buf_printf(&b, "</pre></div>");
	html_page_end(&b);
	(void)verb;
	web_html_response(resp, r->ok ? 200 : 403, buf_steal(&b));
}

static enum http_handled
act_post(const struct http_request *req, struct http_response *resp)
{
	char t[TOKEN_MAX + 1], csrf[TOKEN_CSRF_LEN + 8], reason[FIELD_MAX];
	struct command c;
	struct command_reply r = {0};
	const uint8_t *key;
	size_t keylen;
	struct link l;
	cJSON *view = NULL;
	int v;

	if (http_form_get(req->body, "t", t, sizeof(t)) != 0)
		t[0] = '\0';
	if (link_check(t, &l, resp) != 0)
		return HTTP_DONE;
	token_key(&key, &keylen);
	if (http_form_get(req->body, "csrf", csrf, sizeof(csrf)) != 0 ||
	    !token_csrf_check(key, keylen, l.id, csrf)) {
		audit(l.user, l.incident_id, "refused: %s link posted without its form token",
		      l.verb);
		web_error_page(resp, 403, "Confirmation missing",
			       "The request did not come from the confirmation page. Open the "
			       "link from the mail and confirm there. Nothing was changed.");
		goto out;
	}
	v = verb_find(l.verb);
	if (verbs[v].button == NULL) {
		web_error_page(resp, 400, "Nothing to do", "This link only shows the incident.");
		goto out;
	}
	if ((view = engine_incident_view(l.incident_id)) == NULL) {
		web_error_page(resp, 404, "No such incident", "It may have been removed.");
		goto out;
	}
	if (link_stale(&l, view)) {
		page_stale(resp, &l, view);
		goto out;
	}
	/* spent before acting: a second POST racing this one finds it used */
	if (chat_token_spend(l.id, l.incident_id, l.user, l.verb, l.exp) != 0) {
		audit(l.user, l.incident_id, "refused: %s link used again", l.verb);
		web_error_page(resp, 410, "This link was already used",
			       "Each link works once. Nothing was changed.");
		goto out;
	}
	memset(&c, 0, sizeof(c));
	c.verb = verbs[v].cmd;
	c.incident_id = l.incident_id;
	c.card.version = l.version > 0 ? l.version : 1;
	c.card.action_id = l.action_id;
	snprintf(c.card.state, sizeof(c.card.state), "awaiting_approval");
	if (c.verb == CMD_REJECT) {
		if (http_form_get(req->body, "reason", reason, sizeof(reason)) != 0 ||
		    reason[0] == '\0')
			snprintf(reason, sizeof(reason), "rejected from a mail link");
		snprintf(c.text, sizeof(c.text), "%s", reason);
	}
	command_execute(&c, l.user, &r);
	audit(l.user, l.incident_id, "%s link: %s", l.verb, r.text != NULL ? r.text : "");
	page_result(resp, &r, l.verb, l.incident_id);
	command_reply_free(&r);
out:
	cJSON_Delete(view);
	cJSON_Delete(l.claims);
	return HTTP_DONE;
}

static enum http_handled
act_handler(const struct http_request *req, struct http_response *resp, void *ctx)
{
	(void)ctx;
	/* the confirmation form posts to its own origin, like every form of /ui/: a browser
	 * that says another site sent it is refused before the link is looked at */
	if (strcmp(req->method, "POST") == 0 && !ui_origin_request_ok(req)) {
		audit(NULL, 0, "refused: link posted from another site");
		web_error_page(resp, 403, "Refused",
			       "This form was posted from another site; nothing was changed.");
		return HTTP_DONE;
	}
	if (strcmp(req->method, "POST") == 0)
		return act_post(req, resp);
	return act_get(req, resp);
}

void
email_act_routes(void)
{
	http_route("/ui/act", "GET, POST", act_handler, NULL);
}
