/* web.h — HTML responses for HTTP handlers: pages with the strict security headers, error
 * pages, redirects, cookies. Runs on the loop thread like every handler. */
#ifndef HEALER_WEB_H
#define HEALER_WEB_H

#include <stdbool.h>

#include "http_server.h"

/* Fills resp with an HTML page: status, "text/html; charset=utf-8", body (taken). The
 * server adds Content-Security-Policy (HTTP_HTML_CSP: frame-ancestors 'none', no foreign
 * scripts or form targets), X-Frame-Options: DENY, Referrer-Policy: no-referrer,
 * X-Content-Type-Options: nosniff and Cache-Control: no-store to every text/html answer;
 * Strict-Transport-Security is added here when HEALER_PUBLIC_URL is https. */
void web_html_response(struct http_response *resp, int status, char *body);

/* A whole page saying what went wrong: heading and message are escaped here. */
void web_error_page(struct http_response *resp, int status, const char *heading,
		    const char *message);

/* 303 See Other to `location` (a path of ours, like "/ui/"); refused (500) when it does
 * not start with a single '/', so a peer's value can never send users elsewhere. */
void web_redirect(struct http_response *resp, const char *location);

/* Whether HEALER_PUBLIC_URL is https: cookies then carry Secure. */
bool web_public_https(void);

/* Adds Set-Cookie: name=value; Path=/; HttpOnly; SameSite=Strict; Max-Age=max_age_s
 * (0 deletes the cookie) and Secure when `secure` (set it when HEALER_PUBLIC_URL is
 * https). Returns 0, or -1 when name or value would break the header. */
int web_set_cookie(struct http_response *resp, const char *name, const char *value, long max_age_s,
		   bool secure);

#endif
