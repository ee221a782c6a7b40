/* ui_origin.c — where the web UI's forms come from and where its links go: whether a
 * browser's form post comes from healer's own pages (Origin and Sec-Fetch-Site against the
 * Host and HEALER_PUBLIC_URL); the sign-in forms' pre-session, a signed SameSite=Strict
 * cookie their CSRF tokens are bound to so no other site can post them (login CSRF);
 * whether cookies carry Secure; the pages a sign-in may return to; the address sign-in
 * links point to when HEALER_PUBLIC_URL is unset. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "ui_origin.h"
#include "util.h"
#include "web.h"

/* "https://Healer.example.com:8443/base/" → the length of "https://Healer.example.com:8443"
 * (scheme and authority: what a browser sends as Origin). */
static size_t
origin_len(const char *url)
{
	const char *p = strstr(url, "://");

	if (p == NULL)
		return 0;
	p += 3;
	return (size_t)(p - url) + strcspn(p, "/?#");
}

/* Whether origin is scheme://host with host exactly the request's Host header. */
static bool
origin_is_host(const char *origin, const char *host)
{
	static const char *const schemes[] = {"http://", "https://"};

	if (host == NULL || *host == '\0')
		return false;
	for (size_t i = 0; i < ARRAY_LEN(schemes); i++) {
		size_t n = strlen(schemes[i]);
		if (strncasecmp(origin, schemes[i], n) == 0 && strcasecmp(origin + n, host) == 0)
			return true;
	}
	return false;
}

bool
ui_origin_allowed(const char *origin, const char *fetch_site, const char *host,
		  const char *public_url)
{
	static const char *const fetch_ok[] = {"same-origin", "none"};
	bool ok;
	size_t n;

	if (fetch_site != NULL) {
		ok = false;
		for (size_t i = 0; i < ARRAY_LEN(fetch_ok); i++)
			ok = ok || strcasecmp(fetch_site, fetch_ok[i]) == 0;
		if (!ok)
			return false;
	}
	/* no Origin: not a browser, or an old one. "null": what a browser sends from a page
	 * under Referrer-Policy: no-referrer (healer's own pages) even to that page's origin;
	 * Sec-Fetch-Site above said where it came from if the browser knows. Either way the
	 * form's token and its SameSite cookie still decide. */
	if (origin == NULL || strcmp(origin, "null") == 0)
		return true;
	if (origin_is_host(origin, host))
		return true;
	/* behind a proxy that rewrites Host, the public address is the page's origin */
	if (public_url != NULL && (n = origin_len(public_url)) > 0)
		return strlen(origin) == n && strncasecmp(origin, public_url, n) == 0;
	return false;
}

bool
ui_origin_request_ok(const struct http_request *req)
{
	return ui_origin_allowed(http_request_header(req, "origin"),
				 http_request_header(req, "sec-fetch-site"),
				 http_request_header(req, "host"), cfg.public_url);
}

/* "0.0.0.0", "::" and "" listen everywhere: no one address says where users reach it. */
static bool
host_wildcard(const char *host, size_t n)
{
	static const char *const any[] = {"", "0.0.0.0", "::", "[::]", "*"};

	for (size_t i = 0; i < ARRAY_LEN(any); i++)
		if (strlen(any[i]) == n && strncmp(host, any[i], n) == 0)
			return true;
	return false;
}

int
ui_origin_link_base(const char *public_url, const char *listen, const char *bound, char *out,
		    size_t outlen, const char **note)
{
	const char *colon, *port;
	size_t hostlen, n;

	*note = NULL;
	out[0] = '\0';
	if (public_url != NULL && *public_url != '\0') {
		n = strlen(public_url);
		while (n > 0 && public_url[n - 1] == '/')
			n--;
		if (n + 1 > outlen)
			goto toolong;
		snprintf(out, outlen, "%.*s", (int)n, public_url);
		return 0;
	}
	if (listen == NULL || (colon = strrchr(listen, ':')) == NULL) {
		*note = "HEALER_LISTEN names no port, so the address of healer is unknown: set "
			"HEALER_PUBLIC_URL to the address people reach healer at";
		return -1;
	}
	port = colon + 1;
	if (strspn(port, "0123456789") != strlen(port) || atoi(port) <= 0 || atoi(port) > 65535) {
		/* port 0: the port is the one the running daemon was given, if it said */
		if (bound != NULL && *bound != '\0' && bound != listen)
			return ui_origin_link_base(NULL, bound, bound, out, outlen, note);
		*note = "HEALER_LISTEN has port 0 (chosen when healer serve starts) and no "
			"running healer recorded its port: start healer serve, or set "
			"HEALER_PUBLIC_URL to the address people reach healer at";
		return -1;
	}
	hostlen = (size_t)(colon - listen);
	if (host_wildcard(listen, hostlen)) {
		*note = "healer listens on every address, so this link works from this machine "
			"only: set HEALER_PUBLIC_URL to the address people reach healer at";
		if ((size_t)snprintf(out, outlen, "http://127.0.0.1:%s", port) >= outlen)
			goto toolong;
		return 0;
	}
	if ((size_t)snprintf(out, outlen, "http://%.*s:%s", (int)hostlen, listen, port) >= outlen)
		goto toolong;
	return 0;
toolong:
	out[0] = '\0';
	*note = "the address of healer is too long for a link";
	return -1;
}

/* ---- the sign-in forms' pre-session ---- */

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

const char *
ui_cookie_name(enum ui_cookie which)
{
	static const struct {
		const char *plain, *host;
	} names[] = {
	    [UI_COOKIE_SESSION] = {"healer_session", "__Host-healer_session"},
	    [UI_COOKIE_PRE] = {"healer_signin", "__Host-healer_signin"},
	};

	/* https implies Secure (ui_cookie_secure), and web_set_cookie sets Path=/ and never a
	 * Domain: the three conditions a browser checks before taking a __Host- cookie */
	return web_public_https() ? names[which].host : names[which].plain;
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

	if (http_cookie_get(req, ui_cookie_name(UI_COOKIE_PRE), cookie, sizeof(cookie)) == 0 &&
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
		const char *i =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(claims, "id"));
		ok = i != NULL && strlen(i) == TOKEN_ID_LEN &&
		     web_set_cookie(resp, ui_cookie_name(UI_COOKIE_PRE), cookie,
				    (long)(PRE_MS / 1000), ui_cookie_secure()) == 0;
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

	if (!pre_id(req, id) || http_form_get(req->body, "csrf", given, sizeof(given)) != 0 ||
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
