/* ui_origin.h — where the web UI lives: the same-origin check of its form posts and the
 * address its sign-in links point to. */
#ifndef HEALER_UI_ORIGIN_H
#define HEALER_UI_ORIGIN_H

#include <stdbool.h>
#include <stddef.h>

#include "http_server.h"

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

#endif
