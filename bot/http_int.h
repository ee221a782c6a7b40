/* http_int.h — what the HTTP server's files share: request checks (http_check.c) and
 * connection admission (http_conn.c). Not for handlers: they see http_server.h only. */
#ifndef HEALER_HTTP_INT_H
#define HEALER_HTTP_INT_H

#include <stdbool.h>
#include <stddef.h>

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

#endif
