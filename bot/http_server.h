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
	const char *query; /* after '?', form-encoded, "" when none; read it with http_form_get */
};

/* Header value captured at request start (names case-insensitive): authorization,
 * content-type, user-agent, cookie, x-amz-sns-message-type, x-amz-sns-topic-arn,
 * x-amz-sns-message-id, host, origin, sec-fetch-site. NULL when absent. */
const char *http_request_header(const struct http_request *req, const char *name);
/* Captures one more request header (e.g. the trusted proxy's "X-Forwarded-Email", up to 512
 * bytes) for http_request_header. Call before http_server_start. 0, or -1 for a name that is
 * not letters, digits and '-' (at most 63). */
int http_capture_header(const char *name);

enum http_handled { HTTP_DONE, HTTP_DEFERRED };

struct http_response {
	int status;
	const char *content_type; /* static string; default application/json */
	char *body;               /* owned, freed by the server */
	char *headers;            /* owned; extra "Name: value\r\n" lines, see http_header_add */
};

/* Adds a response header (Set-Cookie, Location, …). Names are tokens; a value holding CR, LF
 * or another control byte is refused (header injection). Returns 0, or -1 when refused or
 * when the extra headers would exceed HTTP_MAX_EXTRA_HEADERS. */
#define HTTP_MAX_EXTRA_HEADERS 3072
int http_header_add(struct http_response *resp, const char *name, const char *value);

/* Every text/html response gets these unless the handler set its own of the same name:
 * the strict policy of healer's pages (no scripts from anywhere but healer, no framing, no
 * foreign forms, no referrer so a link token in the URL never leaks). Every response also
 * gets "X-Content-Type-Options: nosniff" and "Cache-Control: no-store". */
#define HTTP_HTML_CSP                                                                      \
	"default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "         \
	"img-src 'self' data:; connect-src 'self'; form-action 'self'; "                    \
	"frame-ancestors 'none'; base-uri 'none'"

/* Reads one field of an application/x-www-form-urlencoded string (a POST body or
 * req->query): the first "name=value" pair, value percent-decoded with '+' as space, into
 * out (NUL-terminated). Returns 0 found, -1 absent, -2 malformed (bad %-escape, a decoded
 * NUL or control byte other than tab/CR/LF) or longer than outlen - 1 (out is then ""). */
int http_form_get(const char *form, const char *name, char *out, size_t outlen);

/* Reads one cookie of the request's Cookie header ("a=1; b=2") into out. Returns 0 found,
 * -1 absent, -2 longer than outlen - 1. The value is returned as sent (not decoded). */
int http_cookie_get(const struct http_request *req, const char *name, char *out,
		    size_t outlen);

/* A handler fills resp and returns HTTP_DONE, or returns HTTP_DEFERRED and later calls
 * http_respond_later(req->id, …) on the loop thread (the request pointer is not valid after
 * the handler returns; copy what you need). */
typedef enum http_handled (*http_handler_fn)(const struct http_request *req,
					     struct http_response *resp, void *ctx);

/* Registers a route for an exact path; `methods` like "POST" or "GET". A path hit with another
 * method gets 405 with an Allow header. Unknown paths get 404. Call before http_server_start.
 * A path ending in an asterisk, as "/ui/" followed by one, is a prefix route: it serves
 * every path that starts with what precedes the asterisk and has no exact route; the
 * longest prefix wins. */
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
/* The same with a whole response (its body and headers are taken, the struct is zeroed). */
void http_respond_later_resp(uint64_t req_id, struct http_response *resp);

/* {"error": msg} as an owned string. */
char *http_json_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
