/* http_int.h — between the HTTP server (lws) and its pure helpers in http_fields.c. */
#ifndef HEALER_HTTP_INT_H
#define HEALER_HTTP_INT_H

#include <stddef.h>

#include "util.h"

/* Appends one query fragment as lws handed it over (already decoded) in form encoding: the
 * first '=' stays, every byte outside [A-Za-z0-9-._~] becomes %XX. lws splits on '&' and
 * decodes each part, so "%26" and "&" would otherwise look alike. */
void http_query_append(struct buf *b, const char *frag, size_t n);

/* Calls fn for each response header beyond the common ones: the handler's own ("Name:
 * value\r\n" lines from http_header_add), then every default it did not set itself
 * (nosniff; for text/html also the CSP, X-Frame-Options and Referrer-Policy). Stops at the
 * first fn that returns non-zero and returns that; -1 for a malformed line. */
typedef int http_header_fn(const char *name, const char *value, void *ctx);
int http_headers_emit(const char *extra, const char *content_type, http_header_fn *fn,
		      void *ctx);

#endif
