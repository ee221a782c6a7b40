/* http_int.h — what the HTTP server's files share: request checks (http_check.c),
 * connection admission (http_conn.c) and the pure field helpers (http_fields.c). Not for
 * handlers: they see http_server.h only. */
#ifndef HEALER_HTTP_INT_H
#define HEALER_HTTP_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct lws;

/* True when `m` is in a list like "GET" or "GET, POST". */
bool http_method_listed(const char *methods, const char *m);

/* Replaces bytes outside printable ASCII with '?' in place, so an echoed path is valid UTF-8
 * JSON. Returns s. */
char *http_printable(char *s);

/* Message framing (RFC 9112 section 6) of the request whose headers lws holds. Returns NULL
 * when sound, with *cl the Content-Length or -1 without one; else the reason for a 400. */
const char *http_framing_check(struct lws *wsi, long long *cl);

/* Bytes of header values lws holds under known names plus the `ncustom` custom headers
 * named in `custom` ("x-amz-sns-message-id"): what the 431 cap is measured on. */
int http_header_bytes(struct lws *wsi, const char *const *custom, size_t ncustom);

/* True when a request's first body bytes repeat its own request line ("POST "): lws 4.1.6
 * feeding a pipelined request's headers as its body (see http_server.c). */
bool http_replays_request_line(const char *method, const void *in, size_t len);

/* Answers status with {"error": msg} at once, from inside an lws callback, and returns -1 for
 * lws to hang up: for input after which the connection cannot carry another request. */
int http_refuse(struct lws *wsi, int status, const char *msg);

/* Connection admission, called from the server's lws callback (loop thread). The limits in
 * force (set by http_server_limits). */
const struct http_limits *http_conn_limits(void);
/* At LWS_CALLBACK_FILTER_NETWORK_CONNECTION: 0 to accept the socket, -1 to have lws close
 * it at once (a cap is reached; counted and logged at most once a minute). */
int http_conn_filter(int fd);
/* At LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED: counts the connection and arms the idle
 * timeout. At LWS_CALLBACK_WSI_DESTROY: uncounts it (unknown wsis are ignored). */
void http_conn_opened(struct lws *wsi);
void http_conn_closed(struct lws *wsi);
/* Counts a request on the connection; returns its number (1 for the first), 0 when the
 * connection is unknown. */
int http_conn_request(struct lws *wsi);
/* Bytes the peer has sent on the connection so far (Linux TCP_INFO), -1 when unknown. */
long long http_conn_bytes_in(struct lws *wsi);
/* Open connections, in total and from one peer address text ("127.0.0.1"). */
int http_conn_count(const char *peer);

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
