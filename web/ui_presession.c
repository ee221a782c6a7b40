/* ui_presession.c — the sign-in forms' pre-session: a signed cookie (SameSite=Strict) whose
 * id their CSRF tokens are bound to, so no other site can post them (login CSRF); whether
 * cookies carry Secure; which pages a sign-in may return to. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ui_auth.h"
#include "util.h"
#include "web.h"

#define PRE_MS (60 * 60 * 1000LL) /* a sign-in form stays usable for an hour */

static bool
loopback_host(const char *h)
{
	static const char *const hosts[] = {"127.0.0.1", "localhost", "[::1]"};

	for (size_t i = 0; i < ARRAY_LEN(hosts); i++) {
		size_t n = strlen(hosts[i]);
		if (strncmp(h, hosts[i], n) == 0 && (h[n] == ':' || h[n] == '/' || h[n] == '\0'))
			return true;
	}
	return false;
}

/* Secure cookies everywhere but plain http on loopback (a browser would drop a Secure cookie
 * there, and nothing crosses a network). */
bool
ui_cookie_secure(void)
{
	if (cfg.public_url && *cfg.public_url)
		return !(strncmp(cfg.public_url, "http://", 7) == 0 &&
			 loopback_host(cfg.public_url + 7));
	return !loopback_host(cfg.listen ? cfg.listen : "127.0.0.1");
}

/* The id of the request's pre-session cookie, when it is one of ours and not expired. */
static bool
pre_id(const struct http_request *req, char id[TOKEN_ID_LEN + 1])
{
	char cookie[TOKEN_MAX + 1];
	const uint8_t *key;
	size_t keylen;
	cJSON *claims = NULL;
	const char *i;
	bool ok = false;

	if (http_cookie_get(req, UI_PRE_COOKIE, cookie, sizeof(cookie)) == 0 &&
	    token_key(&key, &keylen) == TOKEN_OK &&
	    token_verify(key, keylen, "signin", cookie, now_ms(), &claims) == TOKEN_OK &&
	    (i = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(claims, "id"))) != NULL &&
	    strlen(i) == TOKEN_ID_LEN) {
		memcpy(id, i, TOKEN_ID_LEN + 1);
		ok = true;
	}
	cJSON_Delete(claims);
	return ok;
}

bool
ui_pre_start(const struct http_request *req, struct http_response *resp, char id[TOKEN_ID_LEN + 1])
{
	const uint8_t *key;
	size_t keylen;
	cJSON *claims;
	char *cookie = NULL;
	bool ok;

	/* an open second tab keeps its form working: the cookie is renewed only when absent */
	if (pre_id(req, id))
		return true;
	if (token_key(&key, &keylen) != TOKEN_OK)
		return false;
	claims = cJSON_CreateObject();
	ok = token_sign(key, keylen, "signin", claims, now_ms() + PRE_MS, &cookie) == TOKEN_OK;
	cJSON_Delete(claims);
	if (ok) {
		/* the id token_sign drew is read back from the token itself */
		claims = NULL;
		token_verify(key, keylen, "signin", cookie, now_ms(), &claims);
		const char *i = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(claims, "id"));
		ok = i != NULL && strlen(i) == TOKEN_ID_LEN &&
		     web_set_cookie(resp, UI_PRE_COOKIE, cookie, (long)(PRE_MS / 1000),
				    ui_cookie_secure()) == 0;
		if (ok)
			memcpy(id, i, TOKEN_ID_LEN + 1);
		cJSON_Delete(claims);
	}
	free(cookie);
	return ok;
}

void
ui_pre_csrf(const char *pre, const char *link_id, char out[TOKEN_CSRF_LEN + 1])
{
	/* bound to the link too: neither another site's post nor another browser's form for
	 * the same link passes */
	const uint8_t *key;
	size_t keylen;
	char binding[2 * TOKEN_ID_LEN + 16];

	out[0] = '\0';
	if (token_key(&key, &keylen) != TOKEN_OK)
		return;
	snprintf(binding, sizeof(binding), "signin:%s:%s", pre, link_id ? link_id : "");
	token_csrf(key, keylen, binding, out);
}

bool
ui_pre_check(const struct http_request *req, const char *link_id)
{
	/* the Origin check of every POST of the UI is ui_handler's */
	char id[TOKEN_ID_LEN + 1], given[TOKEN_CSRF_LEN + 8];
	const uint8_t *key;
	size_t keylen;
	char binding[2 * TOKEN_ID_LEN + 16];

	if (!pre_id(req, id) ||
	    http_form_get(req->body, "csrf", given, sizeof(given)) != 0 ||
	    token_key(&key, &keylen) != TOKEN_OK)
		return false;
	snprintf(binding, sizeof(binding), "signin:%s:%s", id, link_id ? link_id : "");
	return token_csrf_check(key, keylen, binding, given);
}

bool
ui_next_ok(const char *next)
{
	size_t n;

	if (next == NULL || strncmp(next, "/ui/", 4) != 0 || (n = strlen(next)) >= UI_NEXT_MAX)
		return false;
	/* a path of ours and nothing a browser could read as another host or a script */
	if (strspn(next, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-_") != n)
		return false;
	return strstr(next, "//") == NULL;
}
