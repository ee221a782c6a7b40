/* ui_origin.h — where the web UI's forms come from and where its links go: the same-origin
 * check of its form posts, the sign-in forms' pre-session and CSRF tokens, Secure cookies,
 * the pages a sign-in may return to, the address sign-in links point to. Loop thread. */
#ifndef HEALER_UI_ORIGIN_H
#define HEALER_UI_ORIGIN_H

#include <stdbool.h>
#include <stddef.h>

#include "http_server.h"
#include "token.h"

/* Whether a form post may come from where the browser says it does: Sec-Fetch-Site, when
 * sent, is "same-origin" or "none"; Origin, when sent, is http(s)://<Host header> or the
 * scheme and authority of public_url (HEALER_PUBLIC_URL, for a proxy that rewrites Host).
 * "Origin: null" (sent under Referrer-Policy: no-referrer, which healer's pages use) says
 * nothing, like no Origin: with neither header (a script, an old browser) the form's CSRF
 * token decides. Any argument may be NULL. Pure. */
bool ui_origin_allowed(const char *origin, const char *fetch_site, const char *host,
		       const char *public_url);
/* ui_origin_allowed with the request's headers and cfg.public_url. */
bool ui_origin_request_ok(const struct http_request *req);

/* The address sign-in links start with ("https://healer.example.com", no trailing '/'):
 * public_url when set; else http://host:port of listen ("host:port", HEALER_LISTEN), with
 * port 0 replaced by the one in bound (where a running daemon listens, "host:port"; NULL
 * when unknown) and a wildcard host (0.0.0.0, ::) by 127.0.0.1 with *note saying the link
 * works from this machine only. Returns 0 (out filled, *note NULL or a warning), or -1
 * with *note saying why no address can be known and to set HEALER_PUBLIC_URL. Never an
 * address with port 0 or a wildcard host. Pure. */
int ui_origin_link_base(const char *public_url, const char *listen, const char *bound, char *out,
			size_t outlen, const char **note);

/* ---- cookies and the sign-in forms' pre-session ---- */
#define UI_NEXT_MAX 128
/* Whether cookies carry Secure: everywhere but plain http on loopback (HEALER_PUBLIC_URL,
 * else HEALER_LISTEN). */
bool ui_cookie_secure(void);
enum ui_cookie { UI_COOKIE_SESSION, UI_COOKIE_PRE };
/* The name of a cookie of the UI: "__Host-healer_session" / "__Host-healer_signin" when
 * HEALER_PUBLIC_URL is https (a browser then takes it only with Secure, Path=/ and no
 * Domain, so a sibling subdomain can neither set nor shadow it), else "healer_session" /
 * "healer_signin" (plain http cannot carry the prefix). Only that name is ever read. */
const char *ui_cookie_name(enum ui_cookie which);
/* The request's pre-session id (its UI_COOKIE_PRE cookie, signed, an hour long), or a new one set
 * on resp. false without HEALER_LINK_KEY. */
bool ui_pre_start(const struct http_request *req, struct http_response *resp,
		  char id[TOKEN_ID_LEN + 1]);
/* The CSRF token of a sign-in form in the pre-session `pre`: the address form's (link_id
 * NULL) or a link's confirmation form's (link_id its token id). "" without a key. */
void ui_pre_csrf(const char *pre, const char *link_id, char out[TOKEN_CSRF_LEN + 1]);
/* Whether a sign-in form's POST carries the "csrf" field ui_pre_csrf gives for the
 * request's own pre-session cookie and link_id (constant time). */
bool ui_pre_check(const struct http_request *req, const char *link_id);
/* Whether `next` is a page of ours a sign-in may return to: "/ui/" followed by letters,
 * digits, '/', '-' and '_' only (no "//", no query, no scheme), shorter than UI_NEXT_MAX.
 * Anything else is never redirected to. Pure. */
bool ui_next_ok(const char *next);

#endif
