/* ui_login.c — signing in to the web UI: the address form (the same answer whether or not the
 * address is known; rate-limited per client and, higher, per address), one-time links
 * (mailed through the SMTP sender, or printed by `healer login-link`) that open a
 * confirmation page whose POST starts the session, and sign-out. Both sign-in forms carry a
 * token bound to a pre-session cookie, so another site cannot post them (login CSRF). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "engine.h"
#include "html.h"
#include "log.h"
#include "loop.h"
#include "email.h"
#include "httpc.h"
#include "policy.h"
#include "store.h"
#include "ui.h"
#include "ui_auth.h"
#include "ui_client.h"
#include "ui_origin.h"
#include "util.h"
#include "web.h"

/*
 * Sign-in requests are limited per requesting client first, then per address with a ceiling
 * three clients' worth higher: one client (someone who knows an engineer's address) runs
 * into its own limit long before the address's, so it cannot lock the owner out; the
 * address's ceiling only caps how much mail many clients together can send to one inbox.
 * Windows are short so any limit lifts within minutes.
 */
#define RATE_WINDOW_MS (10 * 60 * 1000LL)
#define RATE_PER_CLIENT 10
#define RATE_PER_ADDRESS (3 * RATE_PER_CLIENT)

static struct ui_rate rate_address, rate_client;
static char listening[160]; /* "host:port" the daemon listens on; "" in the CLI */

#define LISTEN_SETTING "web.listen"

/* ---- the sign-in mail, sent on a WORK_IO worker so a slow server never holds the loop ---- */

struct mail_job {
	char *to, *message;
	long code;
	int rc;
	char err[256];
};

static void
mail_work(void *arg)
{
	struct mail_job *j = arg;
	struct httpc_mail m = {
	    .url = cfg.smtp_url,
	    .plain = cfg.smtp_tls && strcmp(cfg.smtp_tls, "none") == 0,
	    .user = cfg.smtp_user,
	    .password = cfg.smtp_password,
	    .from = cfg.mail_from,
	    .to = j->to,
	    .message = j->message,
	};

	j->rc = httpc_smtp_send(&m, &j->code, j->err, sizeof(j->err));
}

static void
mail_done(void *arg, enum work_status status)
{
	struct mail_job *j = arg;

	if (status == WORK_CANCELLED)
		log_warnx("web: the sign-in link for %s was not mailed: healer is shutting down",
			  j->to);
	else if (j->rc != 0)
		log_warnx("web: the sign-in link for %s could not be mailed: %s (SMTP %ld)", j->to,
			  j->err, j->code);
	else
		log_info("web: sign-in link mailed to %s", j->to);
	free(j->to);
	free(j->message);
	free(j);
}

static void
mail_link_send(const char *address, const char *url)
{
	static unsigned serial;
	struct mail_job *j;
	struct buf html;
	char msgid[96];
	char *text;

	if (cfg.smtp_url == NULL || cfg.mail_from == NULL) {
		log_warnx("web: sign-in link for %s not mailed: HEALER_SMTP_URL and "
			  "HEALER_MAIL_FROM are not set (healer login-link prints one)",
			  address);
		return;
	}
	text = xasprintf("Sign in to healer:\r\n\r\n%s\r\n\r\nThe link works once, within 15 "
			 "minutes. If you did not ask for it, ignore this mail.\r\n",
			 url);
	buf_init(&html, 64 * 1024);
	buf_printf(&html, "<p>Sign in to healer:</p><p><a href=\"");
	html_attr(&html, url); /* our own URL, built from HEALER_PUBLIC_URL and a token */
	buf_printf(&html, "\">Sign in</a></p><p>The link works once, within 15 minutes. If you "
			  "did not ask for it, ignore this mail.</p>");
	snprintf(msgid, sizeof(msgid), "<signin.%lld.%u@healer>", (long long)now_ms(), ++serial);
	struct mime_mail m = {
	    .from = cfg.mail_from,
	    .to = address,
	    .subject = "Sign in to healer",
	    .message_id = msgid,
	    .date_ms = now_ms(),
	    .text = text,
	    .html = html.data,
	};
	j = xcalloc(1, sizeof(*j));
	j->to = xstrdup(address);
	j->message = mime_build(&m);
	free(text);
	buf_free(&html);
	work_submit(WORK_IO, mail_work, mail_done, j);
}

void
ui_login_listening(const char *listen, int port)
{
	const char *colon = strrchr(listen, ':');
	int hostlen = colon ? (int)(colon - listen) : (int)strlen(listen);

	snprintf(listening, sizeof(listening), "%.*s:%d", hostlen, listen, port);
	/* for `healer login-link` when HEALER_LISTEN asks for any free port */
	if (store_setting_set(LISTEN_SETTING, listening) != STORE_OK)
		log_warnx("web: the listening port could not be recorded for healer login-link");
}

/* Where links point (ui_origin_link_base): owned, or NULL with *note saying why. */
static char *
link_url(const char *token, const char **note)
{
	char base[512];

	if (ui_origin_link_base(cfg.public_url, cfg.listen, listening, base, sizeof(base), note) !=
	    0)
		return NULL;
	return xasprintf("%s/ui/login/link?t=%s", base, token);
}

/* A signed one-time link for user, returning to the page next (NULL: the list). Owned URL,
 * or NULL (logged) without a key or without an address to point to. *note: why not, or a
 * warning about the address. */
static char *
link_make(const char *user, const char *next, const char **note)
{
	const uint8_t *key;
	size_t keylen;
	cJSON *claims = cJSON_CreateObject();
	char *token = NULL, *url = NULL;

	*note = NULL;
	cJSON_AddStringToObject(claims, "user", user);
	if (next != NULL && ui_next_ok(next))
		cJSON_AddStringToObject(claims, "next", next); /* signed: where the link returns */
	if (token_key(&key, &keylen) != TOKEN_OK) {
		log_errorx("web: HEALER_LINK_KEY is unset or shorter than %d bytes: no sign-in "
			   "links",
			   TOKEN_KEY_MIN);
	} else if (token_sign(key, keylen, "login", claims, now_ms() + UI_LINK_MS, &token) ==
		   TOKEN_OK) {
		url = link_url(token, note);
	}
	free(token);
	cJSON_Delete(claims);
	return url;
}

static void
pre_refused(struct http_response *resp, const char *again)
{
	char msg[256];

	snprintf(msg, sizeof(msg),
		 "The sign-in form's security token is missing or wrong, or the form came from "
		 "another site: %s",
		 again);
	web_error_page(resp, 403, "Sign in", msg);
}

static void
login_form(const struct http_request *req, struct http_response *resp, int status, const char *note)
{
	char pre[TOKEN_ID_LEN + 1], csrf[TOKEN_CSRF_LEN + 1], next[UI_NEXT_MAX];
	struct buf b;

	/* the page a signed-out visitor asked for, carried through the form and the link */
	if (http_form_get(strcmp(req->method, "POST") == 0 ? req->body : req->query, "next", next,
			  sizeof(next)) != 0 ||
	    !ui_next_ok(next))
		next[0] = '\0';
	buf_init(&b, 64 * 1024);
	ui_head(&b, NULL, "Sign in", NULL, false);
	buf_printf(&b, "<h1>Sign in</h1>");
	if (!ui_pre_start(req, resp, pre)) {
		buf_printf(&b, "<p class=\"message refused\" id=\"note\">Sign-in links are not "
			       "set up on this server: HEALER_LINK_KEY is unset.</p>");
		ui_foot(&b);
		web_html_response(resp, 503, buf_steal(&b));
		return;
	}
	if (note != NULL) {
		buf_printf(&b, "<p class=\"message\" id=\"note\">");
		ui_esc(&b, note);
		buf_printf(&b, "</p>");
	}
	ui_pre_csrf(pre, NULL, csrf);
	buf_printf(&b,
		   "<form method=\"post\" action=\"/ui/login\" class=\"filters\">"
		   "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
		   "<input type=\"hidden\" name=\"next\" value=\"%s\">"
		   "<label>Your work address<input type=\"email\" name=\"email\" id=\"email\" "
		   "required maxlength=\"128\" autocomplete=\"email\"></label>"
		   "<button class=\"primary\" type=\"submit\" id=\"send\">Send me a link"
		   "</button></form><p>The link works once, for 15 minutes.</p>",
		   csrf, next); /* both checked: base64url, and a path of ui_next_ok's letters */
	ui_foot(&b);
	web_html_response(resp, status, buf_steal(&b));
}

/* Whole minutes, rounded up, of a wait in ms: "try again in 1 minute", never "in 0". */
static long long
minutes_up(int64_t ms)
{
	return ms <= 0 ? 1 : (long long)((ms + 59999) / 60000);
}

static void
login_post(const struct http_request *req, struct http_response *resp)
{
	char addr[160], user[UI_USER_MAX], roles[256], note[320], next[UI_NEXT_MAX];
	char client[CIDR_ADDR_MAX];
	int64_t now = now_ms(), wait = 0;

	/* before anything is counted or mailed: another site's post does nothing */
	if (!ui_pre_check(req, NULL)) {
		pre_refused(resp, "reload the sign-in page and try again.");
		return;
	}
	if (http_form_get(req->body, "email", addr, sizeof(addr)) != 0 ||
	    ui_email_user(addr, user, sizeof(user)) != 0) {
		login_form(req, resp, 400, "That is not a mail address healer can sign in.");
		return;
	}
	/* counted whether or not the address is known, so the limit tells nothing either; a
	 * client over its own limit spends nothing of the address's; behind a trusted proxy
	 * the client is the one it forwards for, so its users do not share one allowance */
	ui_client_addr(req, client, sizeof(client));
	if (!ui_rate_allow(&rate_client, client, RATE_PER_CLIENT, RATE_WINDOW_MS, now, &wait)) {
		snprintf(note, sizeof(note),
			 "Too many sign-in requests from this computer: at most %d in %lld "
			 "minutes. Try again in %lld minute%s.",
			 RATE_PER_CLIENT, (long long)(RATE_WINDOW_MS / 60000), minutes_up(wait),
			 minutes_up(wait) == 1 ? "" : "s");
		login_form(req, resp, 429, note);
		return;
	}
	if (!ui_rate_allow(&rate_address, user, RATE_PER_ADDRESS, RATE_WINDOW_MS, now, &wait)) {
		snprintf(note, sizeof(note),
			 "Too many sign-in requests for this address: at most %d in %lld minutes. "
			 "Try again in %lld minute%s.",
			 RATE_PER_ADDRESS, (long long)(RATE_WINDOW_MS / 60000), minutes_up(wait),
			 minutes_up(wait) == 1 ? "" : "s");
		login_form(req, resp, 429, note);
		return;
	}
	policy_user_roles(engine_policy(), user, roles, sizeof(roles));
	if (roles[0] != '\0') {
		const char *why;
		if (http_form_get(req->body, "next", next, sizeof(next)) != 0)
			next[0] = '\0';
		char *url = link_make(user, next, &why);
		if (url != NULL)
			mail_link_send(user + 6, url);
		if (why != NULL)
			log_warnx("web: sign-in link for %s: %s", user, why);
		free(url);
	} else {
		log_info("web: sign-in asked for %s, which has no role in the policy", user);
	}
	snprintf(note, sizeof(note),
		 "If %s may use healer, a sign-in link is on its way to it. It works once, for 15 "
		 "minutes.",
		 user + 6);
	login_form(req, resp, 200, note);
}

/* What a sign-in link's token says. */
struct signin_link {
	char user[UI_USER_MAX];
	char id[TOKEN_ID_LEN + 1];
	char next[UI_NEXT_MAX]; /* "" = the list */
	int64_t exp;
};

/* Checks a link token and fills l. 0, or -1 with *why. */
static int
link_check(const char *token, struct signin_link *l, const char **why)
{
	const uint8_t *key;
	size_t keylen;
	cJSON *claims = NULL;
	const char *u, *i, *n;
	int rc;

	memset(l, 0, sizeof(*l));
	*why = "this sign-in link is not valid";
	if (token_key(&key, &keylen) != TOKEN_OK)
		return -1;
	if ((rc = token_verify(key, keylen, "login", token, now_ms(), &claims)) != TOKEN_OK) {
		if (rc == TOKEN_EXPIRED)
			*why = "this sign-in link has expired";
		return -1;
	}
	u = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(claims, "user"));
	i = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(claims, "id"));
	n = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(claims, "next"));
	rc = -1;
	if (u && i && strlen(u) < sizeof(l->user) && strlen(i) < sizeof(l->id)) {
		snprintf(l->user, sizeof(l->user), "%s", u);
		snprintf(l->id, sizeof(l->id), "%s", i);
		if (n != NULL && ui_next_ok(n))
			snprintf(l->next, sizeof(l->next), "%s", n);
		l->exp =
		    (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(claims, "exp"));
		rc = 0;
	}
	cJSON_Delete(claims);
	return rc;
}

/* GET: a mail scanner may follow it, so it only shows a button; the POST spends it. */
static void
link_get(const struct http_request *req, struct http_response *resp)
{
	char token[TOKEN_MAX + 1], csrf[TOKEN_CSRF_LEN + 1], pre[TOKEN_ID_LEN + 1];
	struct signin_link l;
	const char *why;
	struct buf b;

	if (http_form_get(req->query, "t", token, sizeof(token)) != 0 ||
	    link_check(token, &l, &why) != 0 || !ui_pre_start(req, resp, pre)) {
		web_error_page(resp, 400, "Sign-in link",
			       "This sign-in link is not valid or has "
			       "expired; ask for a new one.");
		return;
	}
	ui_pre_csrf(pre, l.id, csrf);
	buf_init(&b, 64 * 1024);
	ui_head(&b, NULL, "Sign in", NULL, false);
	buf_printf(&b, "<h1>Sign in</h1><p>Sign in to healer as <b id=\"who\">");
	ui_esc(&b, l.user + 6);
	buf_printf(&b, "</b>?</p><form method=\"post\" action=\"/ui/login/link\">"
		       "<input type=\"hidden\" name=\"t\" value=\"");
	html_attr(&b, token);
	buf_printf(&b,
		   "\"><input type=\"hidden\" name=\"csrf\" value=\"%s\">"
		   "<button class=\"primary\" type=\"submit\" id=\"signin\">Sign in</button>"
		   "</form>",
		   csrf);
	ui_foot(&b);
	web_html_response(resp, 200, buf_steal(&b));
}

static void
link_post(const struct http_request *req, struct http_response *resp)
{
	char token[TOKEN_MAX + 1], msg[160], client[CIDR_ADDR_MAX];
	struct signin_link l;
	const uint8_t *key;
	size_t keylen;
	cJSON *claims;
	char *session = NULL;
	const char *why;
	int rc;

	if (http_form_get(req->body, "t", token, sizeof(token)) != 0 ||
	    link_check(token, &l, &why) != 0 || token_key(&key, &keylen) != TOKEN_OK) {
		web_error_page(resp, 400, "Sign-in link",
			       "This sign-in link is not valid or has "
			       "expired; ask for a new one.");
		return;
	}
	/* a link of the attacker's own, posted from their page, would sign the victim in as
	 * the attacker: the form must come from this browser's visit to the link */
	if (!ui_pre_check(req, l.id)) {
		pre_refused(resp, "open the link again.");
		return;
	}
	if ((rc = store_link_use(l.id, 0, l.user, "login", l.exp)) != STORE_OK) {
		web_error_page(resp, rc == STORE_DUPLICATE ? 400 : 503, "Sign-in link",
			       rc == STORE_DUPLICATE
				   ? "This sign-in link was already used; ask for a new one."
				   : "The store is not available just now; try again.");
		return;
	}
	claims = cJSON_CreateObject();
	cJSON_AddStringToObject(claims, "user", l.user);
	rc = token_sign(key, keylen, "session", claims, now_ms() + UI_SESSION_MS, &session);
	cJSON_Delete(claims);
	if (rc != TOKEN_OK) {
		web_error_page(resp, 500, "Sign in", "No session could be made.");
		return;
	}
	ui_client_addr(req, client, sizeof(client));
	if (strcmp(client, req->peer) == 0)
		snprintf(msg, sizeof(msg), "signed in to the web UI from %s", client);
	else
		snprintf(msg, sizeof(msg), "signed in to the web UI from %s through the proxy %s",
			 client, req->peer);
	ui_auth_audit(l.user, 0, "web.login", msg);
	/* back to the page asked for; ui_next_ok held when it was signed and again now */
	web_redirect(resp, l.next[0] ? l.next : "/ui/");
	web_set_cookie(resp, ui_cookie_name(UI_COOKIE_SESSION), session,
		       (long)(UI_SESSION_MS / 1000), ui_cookie_secure());
	free(session);
}

static void
logout_post(const struct http_request *req, struct http_response *resp)
{
	struct ui_who who;
	char csrf[TOKEN_CSRF_LEN + 8];

	if (ui_auth(req, &who) != 0) {
		web_redirect(resp, "/ui/login");
		return;
	}
	if (http_form_get(req->body, "csrf", csrf, sizeof(csrf)) != 0 ||
	    !ui_auth_csrf_ok(&who, csrf)) {
		web_error_page(resp, 403, "Sign out",
			       "The form's security token is missing or "
			       "wrong: reload the page and try again.");
		return;
	}
	/* the cookie is deleted, and its id spent so a copy of it no longer works either */
	if (who.sid[0] != '\0')
		store_link_use(who.sid, 0, who.user, "logout", who.exp);
	ui_auth_audit(who.user, 0, "web.logout", "signed out of the web UI");
	web_redirect(resp, "/ui/login");
	web_set_cookie(resp, ui_cookie_name(UI_COOKIE_SESSION), "", 0, ui_cookie_secure());
}

bool
ui_auth_route(const struct http_request *req, struct http_response *resp)
{
	static const struct {
		const char *method, *path;
		void (*fn)(const struct http_request *, struct http_response *);
	} routes[] = {
	    {"POST", "/ui/login", login_post},
	    {"GET", "/ui/login/link", link_get},
	    {"POST", "/ui/login/link", link_post},
	    {"POST", "/ui/logout", logout_post},
	};
	/* HEAD is answered as GET (the server sends no body): a link checker's HEAD gets what
	 * its GET would, and neither spends anything */
	const char *method = strcmp(req->method, "HEAD") == 0 ? "GET" : req->method;
	bool known = false;

	if (strcmp(method, "GET") == 0 && strcmp(req->path, "/ui/login") == 0) {
		login_form(req, resp, 200, NULL);
		return true;
	}
	for (size_t i = 0; i < ARRAY_LEN(routes); i++) {
		if (strcmp(req->path, routes[i].path) != 0)
			continue;
		known = true;
		if (strcmp(method, routes[i].method) == 0) {
			routes[i].fn(req, resp);
			return true;
		}
	}
	if (known)
		web_error_page(resp, 405, "Method not allowed", "Use the page's form.");
	return known;
}

int
ui_login_link_cli(int argc, char **argv)
{
	char user[UI_USER_MAX];
	const uint8_t *key;
	size_t keylen;
	const char *note;
	char *url;

	if (argc != 1 || ui_email_user(argv[0], user, sizeof(user)) != 0) {
		fprintf(stderr, "usage: healer login-link ADDRESS (e.g. alice@example.com)\n");
		return 2;
	}
	if (token_key(&key, &keylen) != TOKEN_OK) {
		fprintf(stderr,
			"healer: set HEALER_LINK_KEY (at least %d bytes, e.g. `openssl "
			"rand -hex 32`) to make sign-in links\n",
			TOKEN_KEY_MIN);
		return 1;
	}
	/* the port a running daemon was given when HEALER_LISTEN asked for any (port 0): the
	 * store is opened only then */
	char base[512];
	if (ui_origin_link_base(cfg.public_url, cfg.listen, NULL, base, sizeof(base), &note) != 0 &&
	    store_open(cfg.db) == 0) {
		if (store_setting_get(LISTEN_SETTING, listening, sizeof(listening)) != STORE_OK)
			listening[0] = '\0';
		store_close();
	}
	if ((url = link_make(user, NULL, &note)) == NULL) {
		fprintf(stderr, "healer: no sign-in link: %s\n",
			note ? note : "it could not be signed");
		return 1;
	}
	if (note != NULL)
		fprintf(stderr, "healer: %s\n", note);
	printf("%s\n", url);
	fprintf(stderr,
		"healer: this link signs in %s once, within 15 minutes; the policy "
		"gives %s its roles\n",
		argv[0], user);
	free(url);
	return 0;
}
