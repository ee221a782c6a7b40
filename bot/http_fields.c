/* http_fields.c — form fields, cookies and extra response headers for HTTP handlers. Pure. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_int.h"
#include "http_server.h"
#include "util.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes src[0..n) into out; -2 on a bad escape, a control byte, or no room. */
static int
form_decode(const char *src, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0;
	int c, hi, lo;

	for (i = 0; i < n; i++) {
		c = (unsigned char)src[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			if (i + 2 >= n || (hi = hexval(src[i + 1])) < 0 ||
			    (lo = hexval(src[i + 2])) < 0)
				return -2;
			c = hi * 16 + lo;
			i += 2;
		}
		/* text fields only: a NUL would cut the value, other controls mean mischief */
		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
			return -2;
		if (o + 1 >= outlen)
			return -2;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

int
http_form_get(const char *form, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name), len;
	const char *p = form, *amp, *eq;
	int rc;

	if (outlen == 0)
		return -2;
	out[0] = '\0';
	while (p != NULL && *p != '\0') {
		amp = strchr(p, '&');
		len = amp != NULL ? (size_t)(amp - p) : strlen(p);
		eq = memchr(p, '=', len);
		/* names healer uses are plain tokens: compared as sent, no decoding */
		if (eq != NULL && (size_t)(eq - p) == nlen && strncmp(p, name, nlen) == 0) {
			rc = form_decode(eq + 1, len - nlen - 1, out, outlen);
			if (rc != 0)
				out[0] = '\0';
			return rc;
		}
		p = amp != NULL ? amp + 1 : NULL;
	}
	return -1;
}

int
http_cookie_get(const struct http_request *req, const char *name, char *out, size_t outlen)
{
	const char *h = http_request_header(req, "cookie");
	size_t nlen = strlen(name), len;
	const char *p, *semi;

	if (outlen == 0)
		return -2;
	out[0] = '\0';
	for (p = h; p != NULL && *p != '\0'; p = semi != NULL ? semi + 1 : NULL) {
		p += strspn(p, " \t");
		semi = strchr(p, ';');
		len = semi != NULL ? (size_t)(semi - p) : strlen(p);
		if (len <= nlen || p[nlen] != '=' || strncmp(p, name, nlen) != 0)
			continue;
		len -= nlen + 1;
		while (len > 0 && (p[nlen + 1 + len - 1] == ' ' || p[nlen + 1 + len - 1] == '\t'))
			len--;
		if (len + 1 > outlen)
			return -2;
		memcpy(out, p + nlen + 1, len);
		out[len] = '\0';
		return 0;
	}
	return -1;
}

/* RFC 7230 token characters. */
static bool
is_token(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("!#$%&'*+-.^_`|~", *s) == NULL)
			return false;
	return true;
}

int
http_header_add(struct http_response *resp, const char *name, const char *value)
{
	size_t have = resp->headers != NULL ? strlen(resp->headers) : 0;
	size_t add = strlen(name) + 2 + strlen(value) + 2;
	const unsigned char *v;
	char *n;

	if (!is_token(name) || strlen(name) >= 64)
		return -1;
	for (v = (const unsigned char *)value; *v != '\0'; v++)
		if ((*v < 0x20 && *v != '\t') || *v == 0x7f)
			return -1;
	if (have + add > HTTP_MAX_EXTRA_HEADERS)
		return -1;
	n = xrealloc(resp->headers, have + add + 1);
	snprintf(n + have, add + 1, "%s: %s\r\n", name, value);
	resp->headers = n;
	return 0;
}

void
http_query_append(struct buf *b, const char *frag, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	bool seen_eq = false;
	char esc[3];
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)frag[i];

		if ((c == '=' && !seen_eq) || (c < 0x80 && (isalnum(c) || strchr("-._~", c)))) {
			seen_eq = seen_eq || c == '=';
			buf_append(b, &frag[i], 1);
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[c >> 4];
		esc[2] = hex[c & 15];
		buf_append(b, esc, 3);
	}
}

/* Whether "Name: value\r\n" lines hold a header of that name. */
static bool
headers_have(const char *h, const char *name)
{
	size_t n = strlen(name);

	for (; h != NULL && *h != '\0'; h = strstr(h, "\r\n"), h = h != NULL ? h + 2 : NULL)
		if (strncasecmp(h, name, n) == 0 && h[n] == ':')
			return true;
	return false;
}

int
http_headers_emit(const char *extra, const char *content_type, http_header_fn *fn, void *ctx)
{
	static const struct {
		const char *name, *value;
		bool html_only;
	} defaults[] = {
	    {"X-Content-Type-Options", "nosniff", false},
	    {"Content-Security-Policy", HTTP_HTML_CSP, true},
	    {"X-Frame-Options", "DENY", true},
	    {"Referrer-Policy", "no-referrer", true},
	};
	const char *h = extra != NULL ? extra : "", *colon, *eol, *vstart;
	bool html = content_type != NULL && strncasecmp(content_type, "text/html", 9) == 0;
	char name[64], *value;
	size_t i;
	int rc;

	while (*h != '\0') {
		eol = strstr(h, "\r\n");
		colon = strchr(h, ':');
		if (eol == NULL || colon == NULL || colon > eol ||
		    (size_t)(colon - h) >= sizeof(name))
			return -1; /* http_header_add writes only well-formed lines */
		memcpy(name, h, (size_t)(colon - h));
		name[colon - h] = '\0';
		vstart = colon + 1 + strspn(colon + 1, " ");
		value = xstrndup(vstart, (size_t)(eol - vstart));
		rc = fn(name, value, ctx);
		free(value);
		if (rc != 0)
			return rc;
		h = eol + 2;
	}
	for (i = 0; i < ARRAY_LEN(defaults); i++) {
		if ((defaults[i].html_only && !html) || headers_have(extra, defaults[i].name))
			continue;
		if ((rc = fn(defaults[i].name, defaults[i].value, ctx)) != 0)
			return rc;
	}
	return 0;
}
