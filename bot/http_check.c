/* http_check.c — checks on a request before any handler runs: method lists, message framing,
 * header size, the pipelining sign of lws 4.1.6; JSON error bodies and answers at once. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <libwebsockets.h>

#include "http_int.h"
#include "http_server.h"
#include "log.h"
#include "metrics.h"
#include "util.h"

bool
http_method_listed(const char *methods, const char *m)
{
	size_t n = strlen(m);
	const char *p = methods;

	while (*p != '\0') {
		p += strspn(p, ", ");
		if (strncmp(p, m, n) == 0 && (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
			return true;
		p += strcspn(p, ", ");
	}
	return false;
}

char *
http_json_error(const char *fmt, ...)
{
	va_list ap;
	cJSON *o;
	char *msg, *s, *out;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatalx("http_json_error: bad format");
	msg = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(msg, (size_t)n + 1, fmt, ap);
	va_end(ap);
	utf8_scrub(msg); /* the message may quote what the peer sent */

	if ((o = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(o, "error", msg) == NULL ||
	    (s = cJSON_PrintUnformatted(o)) == NULL)
		fatalx("http_json_error: out of memory");
	out = xstrdup(s);
	cJSON_free(s);
	cJSON_Delete(o);
	free(msg);
	return out;
}

/* Bytes outside printable ASCII become '?' in place, so an echoed path is always valid
 * UTF-8 JSON; the path is only used for exact route matches, which already failed. */
char *
http_printable(char *s)
{
	unsigned char *p;

	for (p = (unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
	return s;
}

/* Message framing (RFC 9112 section 6): Content-Length must be one decimal number, repeated
 * only with the same value, and never beside Transfer-Encoding; behind a proxy that reads the
 * framing differently, anything else is request smuggling. Returns NULL when the framing is
 * sound (*cl set, -1 without Content-Length), else the reason for a 400. */
const char *
http_framing_check(struct lws *wsi, long long *cl)
{
	char v[128], *p, *tok;
	int i, n;

	*cl = -1;
	for (i = 0; (n = lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, i)) > 0; i++) {
		if (n >= (int)sizeof(v) ||
		    lws_hdr_copy_fragment(wsi, v, sizeof(v), WSI_TOKEN_HTTP_CONTENT_LENGTH, i) < 0)
			return "Content-Length is not a decimal number";
		/* lws may join repeated headers into one "a, b" list */
		for (p = v; (tok = strsep(&p, ",")) != NULL;) {
			long long x;

			tok += strspn(tok, " \t");
			tok[strcspn(tok, " \t")] = '\0';
			if (*tok == '\0' || strlen(tok) > 18 ||
			    strspn(tok, "0123456789") != strlen(tok))
				return "Content-Length is not a decimal number";
			x = strtoll(tok, NULL, 10);
			if (*cl >= 0 && x != *cl)
				return "conflicting Content-Length headers";
			*cl = x;
		}
	}
	if (*cl >= 0 && lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0)
		return "Content-Length together with Transfer-Encoding";
	return NULL;
}

int
http_header_bytes(struct lws *wsi, const char *const *custom, size_t ncustom)
{
	int i, n, total = 0;
	size_t k;

	for (i = 0; i < WSI_TOKEN_COUNT; i++)
		if ((n = lws_hdr_total_length(wsi, (enum lws_token_indexes)i)) > 0)
			total += n;
	for (k = 0; k < ncustom; k++) {
		char name[64];
		int nlen = snprintf(name, sizeof(name), "%s:", custom[k]);

		if ((n = lws_hdr_custom_length(wsi, name, nlen)) > 0)
			total += n;
	}
	return total;
}

/*
 * Pipelining and lws 4.1.6. When a request with a body sits in lws's buffer behind another
 * request (pipelined, or two in one TCP segment), lws parses its headers from that buffer
 * and then feeds the same buffer, from its start, as the body: the body is the request's own
 * request line, and once Content-Length is used up lws calls BODY_COMPLETION forever
 * without consuming anything, holding the loop thread. Two signs are visible here:
 *  - the first body bytes repeat the request line ("POST /alerts/..."): nothing of the body
 *    can be trusted, so answer 400 and hang up, which also ends lws's loop;
 *  - a BODY_COMPLETION after the one that completed the body: lws holds bytes pipelined
 *    behind that request; http_server.c answers it with "Connection: close" and ends there.
 * Ordinary keep-alive clients (one request at a time) never show either sign.
 */
bool
http_replays_request_line(const char *method, const void *in, size_t len)
{
	char line[16];
	int n = snprintf(line, sizeof(line), "%s ", method);

	return len > 0 && memcmp(in, line, len < (size_t)n ? len : (size_t)n) == 0;
}

int
http_refuse(struct lws *wsi, int status, const char *msg)
{
	unsigned char hbuf[LWS_PRE + 512];
	unsigned char *start = hbuf + LWS_PRE, *p = start, *end = hbuf + sizeof(hbuf) - 1;
	char *body = http_json_error("%s", msg);
	size_t n = strlen(body);
	unsigned char *out = xmalloc(LWS_PRE + n);
	char label[32];

	memcpy(out + LWS_PRE, body, n);
	snprintf(label, sizeof(label), "status=\"%d\"", status);
	metrics_inc("healer_http_requests_total", "HTTP responses by status code.", label);
	if (lws_add_http_common_headers(wsi, (unsigned int)status, "application/json", n, &p,
					end) == 0 &&
	    lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION, (const unsigned char *)"close",
					 5, &p, end) == 0 &&
	    lws_finalize_write_http_header(wsi, start, &p, end) == 0)
		lws_write(wsi, out + LWS_PRE, n, LWS_WRITE_HTTP_FINAL);
	free(out);
	free(body);
	return -1;
}
