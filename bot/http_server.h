/* http_server.h — the daemon's HTTP server: one lws vhost, a route table, capped bodies,
 * JSON errors, deferred answers. Handlers run on the loop thread. */
#ifndef HEALER_HTTP_SERVER_H
#define HEALER_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_BODY (1024 * 1024)
#define HTTP_MAX_HEADERS 16384 /* larger request headers get 431 */
/* What lws may store per request (all header values): past it lws 4.1.6 drops the connection
 * without a word, so it is set well above HTTP_MAX_HEADERS. */
#define HTTP_HEADER_SPACE (64 * 1024)

struct http_request {
	uint64_t id; /* for http_respond_later */
	const char *method;
	const char *path;
	const char *body; /* NUL-terminated; body_len excludes the NUL */
	size_t body_len;
	const char *peer; /* "127.0.0.1" */
};

/* Header value captured at request start (names case-insensitive): authorization,
 * content-type, user-agent, x-amz-sns-message-type, x-amz-sns-topic-arn,
 * x-amz-sns-message-id. NULL when absent. */
const char *http_request_header(const struct http_request *req, const char *name);

enum http_handled { HTTP_DONE, HTTP_DEFERRED };

struct http_response {
	int status;
	const char *content_type; /* static string; default application/json */
	char *body;		  /* owned, freed by the server */
};

/* A handler fills resp and returns HTTP_DONE, or returns HTTP_DEFERRED and later calls
 * http_respond_later(req->id, …) on the loop thread (the request pointer is not valid after
 * the handler returns; copy what you need). */
typedef enum http_handled (*http_handler_fn)(const struct http_request *req,
					     struct http_response *resp, void *ctx);

/* Registers a route for an exact path; `methods` like "POST" or "GET". A path hit with another
 * method gets 405 with an Allow header. Unknown paths get 404. Call before http_server_start. */
void http_route(const char *path, const char *methods, http_handler_fn fn, void *ctx);

#define HTTP_DEFAULT_MAX_CONNS 1024
#define HTTP_DEFAULT_MAX_CONNS_PER_PEER 64
#define HTTP_DEFAULT_IDLE_S 10

/* Connection limits. Connections past a cap are closed at accept, before any byte is read;
 * a connection that sends nothing, or idles between keep-alive requests, is closed after
 * idle_s. Fields <= 0 keep the defaults above. The total is lowered to fit the descriptor
 * limit (logged). Call before http_server_start; the server applies defaults without it. */
struct http_limits {
	int max_conns;
	int max_conns_per_peer;
	int idle_s;
};
void http_server_limits(const struct http_limits *l);

/* Starts listening on "host:port" ("127.0.0.1:0" picks a free port). Writes the bound
 * port to *bound_port. Returns 0 or -1. Bodies over HTTP_MAX_BODY get 413, POST without
 * Content-Length 411, a websocket upgrade 400 — all before any handler runs. */
int http_server_start(const char *listen, int *bound_port);

/* Answers a deferred request; ignored if the connection went away. Takes ownership of body. */
void http_respond_later(uint64_t req_id, int status, const char *content_type, char *body);

/* {"error": msg} as an owned string. */
char *http_json_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
