/* ui_origin.c — where the web UI lives: whether a browser's form post comes from healer's
 * own pages (Origin and Sec-Fetch-Site against the Host and HEALER_PUBLIC_URL), and the
 * address sign-in links point to when HEALER_PUBLIC_URL is unset. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "ui_origin.h"
#include "util.h"

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
