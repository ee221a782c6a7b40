/* ui_client.c — the web client's address behind a trusted reverse proxy: X-Forwarded-For and
 * Forwarded (RFC 7239) read from the right, believed only from a listed proxy. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "ui_client.h"

struct hop {
	const char *s;
	size_t len;
};

static void
trim(const char **s, size_t *len)
{
	while (*len > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

/*
 * The length of the list element starting at s: up to the next `sep` outside a quoted
 * string (a backslash inside quotes escapes the next byte). -1 for an unterminated quote.
 */
static long
element_len(const char *s, char sep)
{
	const char *p = s;
	bool quoted = false;

	for (; *p != '\0' && (quoted || *p != sep); p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (quoted && *p == '\\' && p[1] != '\0')
			p++;
	}
	return quoted ? -1 : (long)(p - s);
}

/* Splits `h` on commas into at most max hops; the count, or -1 (too many, bad quoting). */
static int
hops_split(const char *h, struct hop *hops, int max)
{
	int n = 0;

	for (;;) {
		long len = element_len(h, ',');

		if (len < 0 || n == max)
			return -1;
		hops[n].s = h;
		hops[n].len = (size_t)len;
		trim(&hops[n].s, &hops[n].len);
		n++;
		if (h[len] == '\0')
			return n;
		h += len + 1;
	}
}

/* A Forwarded element's for= value, unquoted, in place of the element; -1 without one. */
static int
forwarded_for(struct hop *hop)
{
	const char *p = hop->s, *end = hop->s + hop->len;

	while (p < end) {
		/* a ';' inside a quoted value (the hop's quotes are balanced) ends no pair */
		long sl = element_len(p, ';');
		const char *semi = sl >= 0 && sl < end - p ? p + sl : NULL;
		const char *pair = p, *eq;
		size_t plen = (semi ? semi : end) - p;

		trim(&pair, &plen);
		eq = memchr(pair, '=', plen);
		if (eq != NULL && eq - pair == 3 && strncasecmp(pair, "for", 3) == 0) {
			hop->s = eq + 1;
			hop->len = plen - 4;
			trim(&hop->s, &hop->len);
			if (hop->len >= 2 && hop->s[0] == '"' && hop->s[hop->len - 1] == '"') {
				hop->s++;
				hop->len -= 2;
			}
			return 0;
		}
		p = semi ? semi + 1 : end;
	}
	return -1;
}

/* A hop's address ("192.0.2.1", "192.0.2.1:443", "2001:db8::1", "[2001:db8::1]:443"). */
static int
hop_addr(const struct hop *hop, char *out, size_t outlen)
{
	const char *s = hop->s, *c;
	size_t len = hop->len;

	if (len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (close == NULL || (close + 1 != s + len && close[1] != ':'))
			return -1;
		return cidr_addr_norm(s + 1, (size_t)(close - s - 1), out, outlen);
	}
	c = memchr(s, ':', len);
	if (c != NULL && memchr(c + 1, ':', (size_t)(s + len - c - 1)) == NULL)
		len = (size_t)(c - s); /* one colon: IPv4 with a port */
	return cidr_addr_norm(s, len, out, outlen);
}

int
ui_client_resolve(const char *trusted, const char *peer, const char *xff, const char *fwd,
		  char *out, size_t outlen)
{
	struct hop hops[UI_CLIENT_HOPS_MAX];
	char addr[CIDR_ADDR_MAX];
	int n, i;

	snprintf(out, outlen, "%s", peer ? peer : "");
	if (peer == NULL || !cidr_list_match(trusted, peer))
		return 0;
	if (xff != NULL)
		n = hops_split(xff, hops, UI_CLIENT_HOPS_MAX);
	else if (fwd != NULL)
		n = hops_split(fwd, hops, UI_CLIENT_HOPS_MAX);
	else
		return 0;
	for (i = n - 1; i >= 0; i--) {
		if (xff == NULL && forwarded_for(&hops[i]) != 0)
			return 0;
		if (hop_addr(&hops[i], addr, sizeof(addr)) != 0)
			return 0;
		if (i == 0 || !cidr_list_match(trusted, addr))
			break;
	}
	if (n <= 0 || outlen < sizeof(addr))
		return 0;
	snprintf(out, outlen, "%s", addr);
	return 1;
}

const char *
ui_client_addr(const struct http_request *req, char *out, size_t outlen)
{
	ui_client_resolve(cfg.trusted_proxies, req->peer,
			  http_request_header(req, "x-forwarded-for"),
			  http_request_header(req, "forwarded"), out, outlen);
	return out;
}
