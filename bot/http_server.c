/* http_server.c — the HTTP vhost: route table, capped bodies, JSON errors, deferred answers. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <libwebsockets.h>

#include "http_int.h"
#include "http_server.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "util.h"

#define ROUTES_MAX 32
#define REQ_BUCKETS 64
#define PATH_MAX_LEN 2048
/* A deferred answer that never comes must not pin the connection forever. */
#define DEFER_TIMEOUT_S 120
/* Extra BODY_COMPLETIONs without a loop pass between them: lws's endless loop. */
#define PIPELINE_REPEATS_MAX 1000

struct route {
	char path[128];
	char methods[64];
	http_handler_fn fn;
	void *ctx;
};

/* Captured at request start: the ah (lws header storage) is gone once the body streams. The
 * last slot is the one header a deployment names (http_capture_header), "" until then. */
static char extra_hdr_name[64];
static const struct hdr_spec {
	const char *name;
	int token; /* lws token, or -1 for a custom header looked up by name */
	int cap;
} hdr_specs[] = {
    {"authorization", WSI_TOKEN_HTTP_AUTHORIZATION, HTTP_MAX_HEADERS},
    {"content-type", WSI_TOKEN_HTTP_CONTENT_TYPE, 256},
    {"user-agent", WSI_TOKEN_HTTP_USER_AGENT, 512},
    {"cookie", WSI_TOKEN_HTTP_COOKIE, 8192},
    {"x-amz-sns-message-type", -1, 64},
    {"x-amz-sns-topic-arn", -1, 512},
    {"x-amz-sns-message-id", -1, 128},
    /* where a browser's form post comes from: the web UI refuses other sites' */
    {"host", WSI_TOKEN_HOST, 256},
    {"origin", WSI_TOKEN_ORIGIN, 256},
    {"sec-fetch-site", -1, 32},
    /* the client behind a trusted proxy; capped only by the whole header block, so that no
     * long chain is dropped and another header read in its place */
    {"x-forwarded-for", WSI_TOKEN_X_FORWARDED_FOR, HTTP_MAX_HEADERS},
    {"forwarded", -1, HTTP_MAX_HEADERS},
    {extra_hdr_name, -1, 512},
};
#define HDR_COUNT (sizeof(hdr_specs) / sizeof(hdr_specs[0]))

static const struct {
	int token;
	const char *name;
	bool has_body;
} method_tokens[] = {
    {WSI_TOKEN_GET_URI, "GET", false},	       {WSI_TOKEN_POST_URI, "POST", true},
    {WSI_TOKEN_PUT_URI, "PUT", true},	       {WSI_TOKEN_PATCH_URI, "PATCH", true},
    {WSI_TOKEN_DELETE_URI, "DELETE", false},   {WSI_TOKEN_HEAD_URI, "HEAD", false},
    {WSI_TOKEN_OPTIONS_URI, "OPTIONS", false},
};

enum req_state {
	REQ_BODY,    /* collecting the request body */
	REQ_WAIT,    /* handler deferred; waiting for http_respond_later */
	REQ_HEADERS, /* response ready; headers go out on the next writeable */
	REQ_OUT,     /* headers sent; body goes out on the next writeable */
};

/* One transaction. Found by id through the map, never by wsi: wsi addresses are reused. */
struct req {
	struct http_request pub;
	struct req *next; /* map bucket chain */
	struct lws *wsi;
	enum req_state state;
	const struct route *route;
	char method[8];
	char peer[64];
	char *path;
	char *query;	     /* req->pub.query */
	char *resp_headers;  /* the handler's extra headers (http_header_add) */
	char *hdr[HDR_COUNT];
	struct buf body;
	bool discard_body; /* answered early; read the body only to keep the connection usable */
	bool close_after;
	bool head;	     /* HEAD: answer as GET would, headers only */
	size_t body_seen;    /* body bytes lws delivered, kept or not */
	int repeats;	     /* extra BODY_COMPLETIONs since the last loop pass, see below */
	uint64_t pass_timer; /* marks loop passes while repeats come */
	int status;
	const char *content_type;
	const char *allow;
	unsigned char *out; /* LWS_PRE headroom, then out_len bytes */
	size_t out_len;
};

struct pss {
	struct req *req;
};

/* Where add_header writes: the headers being built for one response. */
struct hdr_out {
	struct lws *wsi;
	unsigned char **p;
	unsigned char *end;
};

static struct route routes[ROUTES_MAX];
static size_t nroutes;
static struct req *req_map[REQ_BUCKETS];
static uint64_t req_next_id;
static struct lws_vhost *http_vh;

static int http_callback(struct lws *, enum lws_callback_reasons, void *, void *, size_t);

static const struct lws_protocols http_protocols[] = {
    {"http", http_callback, sizeof(struct pss), 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

int
http_capture_header(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= sizeof(extra_hdr_name) || strspn(name, "abcdefghijklmnopqrstuvwxyz"
						      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != n)
		return -1;
	for (size_t i = 0; i < n; i++)
		extra_hdr_name[i] = (char)tolower((unsigned char)name[i]);
	extra_hdr_name[n] = '\0';
	return 0;
}

void
http_route(const char *path, const char *methods, http_handler_fn fn, void *ctx)
{
	struct route *r = NULL;
	size_t i;

	if (strlen(path) >= sizeof(r->path) || strlen(methods) >= sizeof(r->methods))
		fatalx("http_route: path or methods too long: %s", path);
	for (i = 0; i < nroutes; i++)
		if (strcmp(routes[i].path, path) == 0)
			r = &routes[i];
	if (r == NULL) {
		if (nroutes == ROUTES_MAX)
			fatalx("http_route: more than %d routes", ROUTES_MAX);
		r = &routes[nroutes++];
	}
	snprintf(r->path, sizeof(r->path), "%s", path);
	snprintf(r->methods, sizeof(r->methods), "%s", methods);
	r->fn = fn;
	r->ctx = ctx;
}

/* An exact route first; else the longest prefix route ("/ui/" + "*") the path starts with. */
static const struct route *
route_find(const char *path)
{
	const struct route *best = NULL;
	size_t i, n, best_n = 0;

	for (i = 0; i < nroutes; i++)
		if (strcmp(routes[i].path, path) == 0)
			return &routes[i];
	for (i = 0; i < nroutes; i++) {
		n = strlen(routes[i].path);
		if (n == 0 || routes[i].path[n - 1] != '*')
			continue;
		if (strncmp(routes[i].path, path, n - 1) == 0 && (best == NULL || n > best_n)) {
			best = &routes[i];
			best_n = n;
		}
	}
	return best;
}

const char *
http_request_header(const struct http_request *pub, const char *name)
{
	const struct req *r = lws_container_of(pub, struct req, pub);
	size_t i;

	for (i = 0; i < HDR_COUNT; i++)
		if (hdr_specs[i].name[0] != '\0' && strcasecmp(hdr_specs[i].name, name) == 0)
			return r->hdr[i];
	return NULL;
}

static struct req **
req_slot(uint64_t id)
{
	struct req **rp = &req_map[id % REQ_BUCKETS];

	while (*rp != NULL && (*rp)->pub.id != id)
		rp = &(*rp)->next;
	return rp;
}

static void
req_free(struct pss *pss)
{
	struct req *r = pss->req;
	struct req **rp;
	size_t i;

	if (r == NULL)
		return;
	pss->req = NULL;
	rp = req_slot(r->pub.id);
	if (*rp == r)
		*rp = r->next;
	loop_timer_cancel(r->pass_timer);
	for (i = 0; i < HDR_COUNT; i++)
		free(r->hdr[i]);
	free(r->path);
	free(r->query);
	free(r->resp_headers);
	buf_free(&r->body);
	free(r->out);
	free(r);
}

static char *
hdr_capture(struct lws *wsi, const struct hdr_spec *h)
{
	char name[64], *v;
	int n, nlen = 0;

	if (h->name[0] == '\0')
		return NULL;
	if (h->token >= 0) {
		n = lws_hdr_total_length(wsi, (enum lws_token_indexes)h->token);
	} else {
		nlen = snprintf(name, sizeof(name), "%s:", h->name);
		n = lws_hdr_custom_length(wsi, name, nlen);
	}
	if (n <= 0)
		return NULL;
	if (n > h->cap) {
		log_warnx("http: %s header of %d bytes ignored (cap %d)", h->name, n, h->cap);
		return NULL;
	}
	v = xmalloc((size_t)n + 1);
	if (h->token >= 0)
		n = lws_hdr_copy(wsi, v, n + 1, (enum lws_token_indexes)h->token);
	else
		n = lws_hdr_custom_copy(wsi, v, n + 1, name, nlen);
	if (n < 0) {
		free(v);
		return NULL;
	}
	return v;
}

/* lws splits the query on '&' into fragments and decodes each (%xx, '+' as space): see
 * http_query_append for why they are encoded again. */
static char *
query_capture(struct lws *wsi)
{
	char frag[PATH_MAX_LEN];
	struct buf b;
	int i, n;

	buf_init(&b, 3 * PATH_MAX_LEN);
	for (i = 0; (n = lws_hdr_copy_fragment(wsi, frag, sizeof(frag), WSI_TOKEN_HTTP_URI_ARGS,
						 i)) >= 0;
	     i++) {
		if (i > 0)
			buf_append(&b, "&", 1);
		http_query_append(&b, frag, (size_t)n);
	}
	if (b.overflow) {
		log_warnx("http: query string over %d bytes ignored", 3 * PATH_MAX_LEN);
		buf_free(&b);
	}
	return buf_steal(&b);
}

static struct req *
req_new(struct lws *wsi, struct pss *pss, const char *path)
{
	struct req *r = xcalloc(1, sizeof(*r));
	struct req **head;
	size_t i;

	r->wsi = wsi;
	r->pub.id = ++req_next_id;
	head = &req_map[r->pub.id % REQ_BUCKETS];
	r->next = *head;
	*head = r;
	pss->req = r;

	snprintf(r->method, sizeof(r->method), "?");
	for (i = 0; i < ARRAY_LEN(method_tokens); i++) {
		if (lws_hdr_total_length(wsi, (enum lws_token_indexes)method_tokens[i].token) > 0) {
			snprintf(r->method, sizeof(r->method), "%s", method_tokens[i].name);
			break;
		}
	}
	r->path = xstrndup(path, PATH_MAX_LEN);
	lws_get_peer_simple(wsi, r->peer, sizeof(r->peer));
	for (i = 0; i < HDR_COUNT; i++)
		r->hdr[i] = hdr_capture(wsi, &hdr_specs[i]);
	buf_init(&r->body, HTTP_MAX_BODY);

	r->pub.method = r->method;
	r->pub.path = r->path;
	r->query = query_capture(wsi);
	r->pub.query = r->query;
	r->pub.peer = r->peer;
	r->pub.body = "";
	return r;
}

/* Sets the answer (taking body) and asks for a writeable callback to send it. */
static void
req_respond(struct req *r, int status, const char *content_type, char *body)
{
	char label[32];
	size_t n = body != NULL ? strlen(body) : 0;

	r->status = status;
	r->content_type = content_type != NULL ? content_type : "application/json";
	r->out = xmalloc(LWS_PRE + n + 1);
	if (n > 0)
		memcpy(r->out + LWS_PRE, body, n);
	r->out_len = n;
	free(body);
	snprintf(label, sizeof(label), "status=\"%d\"", status);
	metrics_inc("healer_http_requests_total", "HTTP responses by status code.", label);
	if (r->state == REQ_BODY && r->discard_body)
		return; /* sent once the body is read, see LWS_CALLBACK_HTTP_BODY_COMPLETION */
	r->state = REQ_HEADERS;
	lws_callback_on_writable(r->wsi);
}

static void
req_dispatch(struct req *r)
{
	struct http_response resp = {0, NULL, NULL, NULL};
	enum http_handled h;

	r->pub.body = r->body.data != NULL ? r->body.data : "";
	r->pub.body_len = r->body.len;
	r->state = REQ_WAIT;
	h = r->route->fn(&r->pub, &resp, r->route->ctx);
	if (h == HTTP_DEFERRED) {
		free(resp.body);
		free(resp.headers);
		if (r->state == REQ_WAIT) /* not answered from inside the handler */
			lws_set_timeout(r->wsi, PENDING_TIMEOUT_HTTP_CONTENT, DEFER_TIMEOUT_S);
		return;
	}
	if (resp.status < 100 || resp.status > 599) {
		log_errorx("http: handler for %s returned status %d", r->path, resp.status);
		free(resp.body);
		free(resp.headers);
		req_respond(r, 500, NULL, http_json_error("internal error"));
		return;
	}
	r->resp_headers = resp.headers;
	req_respond(r, resp.status, resp.content_type, resp.body);
}

/* Headers over HTTP_MAX_HEADERS. lws tells the size of the headers it knows by name, not of
 * others it stored; on a connection's first request, the bytes received so far less the
 * body bound the whole header section from below (over-counting only bytes pipelined
 * behind it, which a client sends at its own risk). */
static bool
req_headers_too_large(struct lws *wsi, long long cl)
{
	const char *custom[HDR_COUNT];
	size_t i, n = 0;
	long long in;

	for (i = 0; i < HDR_COUNT; i++)
		if (hdr_specs[i].token < 0)
			custom[n++] = hdr_specs[i].name;
	if (http_header_bytes(wsi, custom, n) > HTTP_MAX_HEADERS)
		return true;
	if (http_conn_request(wsi) != 1 || (in = http_conn_bytes_in(wsi)) < 0)
		return false;
	return in - (cl > 0 ? cl : 0) > HTTP_MAX_HEADERS;
}

/* Request line and headers are in: route, check method and length, then read or dispatch. */
static int
http_on_request(struct lws *wsi, struct pss *pss, const char *path)
{
	struct req *r;
	long long cl;
	const char *bad;
	bool chunked, wants_body = false;
	size_t i;

	req_free(pss); /* a previous transaction that never completed */
	r = req_new(wsi, pss, path);
	r->head = strcmp(r->method, "HEAD") == 0;
	bad = http_framing_check(wsi, &cl);
	chunked = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0;
	for (i = 0; i < ARRAY_LEN(method_tokens); i++)
		if (strcmp(method_tokens[i].name, r->method) == 0)
			wants_body = method_tokens[i].has_body;

	/* lws 4.1.6 cannot read chunked bodies, and a huge body is refused before it streams:
	 * both leave unread bytes on the socket, so the connection closes after the answer, as
	 * it does when the framing itself is in doubt. A refused body within the cap is read
	 * and dropped to keep the connection usable. */
	r->close_after = bad != NULL || chunked || cl > HTTP_MAX_BODY;
	r->discard_body = !r->close_after && cl > 0;
	r->state = r->discard_body ? REQ_BODY : REQ_WAIT;
	r->route = route_find(r->path);
	if (bad != NULL) {
		req_respond(r, 400, NULL, http_json_error("%s", bad));
	} else if (req_headers_too_large(wsi, cl)) {
		r->close_after = true;
		r->discard_body = false;
		r->state = REQ_WAIT;
		req_respond(r, 431, NULL,
			    http_json_error("request headers exceed %d bytes", HTTP_MAX_HEADERS));
	} else if (r->route == NULL) {
		req_respond(r, 404, NULL,
			    http_json_error("no such path: %s", http_printable(r->path)));
	} else if (!http_method_listed(r->route->methods, r->head ? "GET" : r->method)) {
		r->allow = r->route->methods;
		req_respond(
		    r, 405, NULL,
		    http_json_error("method %s not allowed; use %s", r->method, r->route->methods));
	} else if (chunked || (wants_body && cl < 0)) {
		r->close_after = true;
		req_respond(
		    r, 411, NULL,
		    http_json_error("Content-Length required (chunked bodies are not supported)"));
	} else if (cl > HTTP_MAX_BODY) {
		req_respond(r, 413, NULL,
			    http_json_error("body of %lld bytes exceeds the limit of %d", cl,
					    HTTP_MAX_BODY));
	} else {
		r->discard_body = false;
		if (cl <= 0)
			req_dispatch(r);
	}
	return 0;
}

static int
add_header(const char *name, const char *value, void *ctx)
{
	struct hdr_out *o = ctx;
	char nm[72];

	snprintf(nm, sizeof(nm), "%s:", name);
	return lws_add_http_header_by_name(o->wsi, (const unsigned char *)nm,
					   (const unsigned char *)value, (int)strlen(value), o->p,
					   o->end);
}

static int
http_write_headers(struct lws *wsi, struct req *r)
{
	unsigned char hbuf[LWS_PRE + 1024 + HTTP_MAX_EXTRA_HEADERS];
	unsigned char *start = hbuf + LWS_PRE, *p = start, *end = hbuf + sizeof(hbuf) - 1;

	if (lws_add_http_common_headers(wsi, (unsigned int)r->status, r->content_type, r->out_len,
					&p, end) != 0 ||
	    lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
					 (const unsigned char *)"no-store", 8, &p, end) != 0)
		return -1;
	if (r->allow != NULL &&
	    lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_ALLOW, (const unsigned char *)r->allow,
					 (int)strlen(r->allow), &p, end) != 0)
		return -1;
	if (r->close_after &&
	    lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION, (const unsigned char *)"close",
					 5, &p, end) != 0)
		return -1;
	if (http_headers_emit(r->resp_headers, r->content_type, add_header,
			      &(struct hdr_out){wsi, &p, end}) != 0)
		return -1;
	return lws_finalize_write_http_header(wsi, start, &p, end);
}

/* Headers on one writeable, the body with HTTP_FINAL on the next, as lws 4.1.6 wants. */
static int
http_on_writeable(struct lws *wsi, struct pss *pss)
{
	struct req *r = pss->req;
	bool close_after;

	if (r == NULL || (r->state != REQ_HEADERS && r->state != REQ_OUT))
		return 0;
	if (r->state == REQ_HEADERS) {
		if (http_write_headers(wsi, r) != 0)
			return -1;
		r->state = REQ_OUT;
		if (r->out_len > 0 && !r->head) {
			lws_callback_on_writable(wsi);
			return 0;
		}
	} else if (lws_write(wsi, r->out + LWS_PRE, r->out_len, LWS_WRITE_HTTP_FINAL) !=
		   (int)r->out_len) {
		return -1;
	}
	close_after = r->close_after;
	req_free(pss);
	if (close_after || lws_http_transaction_completed(wsi))
		return -1;
	return 0;
}

/* A loop pass went by: the repeats so far were lws's once-per-pass ones, not its loop. */
static void
pass_tick(void *arg)
{
	struct req *r = *req_slot((uint64_t)(uintptr_t)arg);

	if (r == NULL)
		return;
	r->repeats = 0;
	r->pass_timer = loop_timer_add(0, pass_tick, arg);
}

/* A BODY_COMPLETION after the one that completed the body: lws holds bytes pipelined behind
 * this request (see http_replays_request_line). The answer goes out with "Connection: close"
 * and the connection ends there, so lws never parses what follows. Until then lws repeats
 * the call once per loop pass (flow control does not stop it: lws then spins on the held
 * bytes and never offers the write); many repeats with no pass in between are lws stuck in
 * its own loop, which only a hang-up ends. */
static int
http_on_extra_completion(struct lws *wsi, struct req *r)
{
	(void)wsi;
	if (r == NULL || ++r->repeats > PIPELINE_REPEATS_MAX) {
		log_warnx("http: pipelined bytes behind a request with a body: closing");
		return -1;
	}
	r->close_after = true;
	if (r->pass_timer == 0)
		r->pass_timer = loop_timer_add(0, pass_tick, (void *)(uintptr_t)r->pub.id);
	return 0;
}

static int
http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct pss *pss;
	struct req *r;

	/* Connection-level reasons first: `user` is not a pss for these. */
	switch (reason) {
	case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
		return http_conn_filter(((struct lws_filter_network_conn_args *)user)->accept_fd);
	case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
		http_conn_opened(wsi);
		return 0;
	case LWS_CALLBACK_WSI_DESTROY:
		http_conn_closed(wsi);
		return 0;
	default:
		break;
	}
	pss = user;
	r = pss != NULL ? pss->req : NULL;
	switch (reason) {
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		/* Websocket (or h2c) upgrades have no place here. */
		return http_refuse(wsi, 400, "protocol upgrades are not supported");
	case LWS_CALLBACK_HTTP:
		return http_on_request(wsi, pss, in != NULL ? in : "/");
	case LWS_CALLBACK_HTTP_BODY:
		if (r == NULL)
			return 0;
		if (r->body_seen == 0 && http_replays_request_line(r->method, in, len))
			return http_refuse(wsi, 400,
					   "pipelined request with a body: send it after the "
					   "previous answer arrives, or on a new connection");
		r->body_seen += len;
		if (r->state != REQ_BODY)
			return 0;
		if (!r->discard_body && buf_append(&r->body, in, len) != 0) {
			log_warnx("http: body over %d bytes on %s", HTTP_MAX_BODY, r->path);
			return -1; /* Content-Length was checked; lws let more through */
		}
		return 0;
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (r == NULL || r->state != REQ_BODY)
			return http_on_extra_completion(wsi, r);
		if (r->discard_body) {
			r->state = REQ_HEADERS;
			lws_callback_on_writable(wsi);
		} else {
			req_dispatch(r);
		}
		return 0;
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return pss != NULL ? http_on_writeable(wsi, pss) : 0;
	case LWS_CALLBACK_CLOSED_HTTP:
		if (pss != NULL)
			req_free(pss);
		return 0;
	case LWS_CALLBACK_PROTOCOL_DESTROY:
		http_vh = NULL; /* the context is going away; a later start may listen again */
		return 0;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

int
http_server_start(const char *listen, int *bound_port)
{
	struct lws_context_creation_info info;
	char host[256];
	const char *colon = strrchr(listen, ':');
	char *end;
	long port;

	if (http_vh != NULL) {
		log_errorx("http: server already started");
		return -1;
	}
	if (loop_context() == NULL) {
		log_errorx("http: server started before the loop");
		return -1;
	}
	if (colon == NULL || (size_t)(colon - listen) >= sizeof(host)) {
		log_errorx("http: listen address \"%s\" is not host:port", listen);
		return -1;
	}
	port = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port < 0 || port > 65535) {
		log_errorx("http: bad port in listen address \"%s\"", listen);
		return -1;
	}
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';

	memset(&info, 0, sizeof(info));
	info.vhost_name = "http";
	info.port = (int)port;
	/* Without DISABLE_IPV6, "127.0.0.1" silently binds [::], i.e. every interface. */
	info.iface = host[0] != '\0' && strcmp(host, "0.0.0.0") != 0 ? host : NULL;
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	info.protocols = http_protocols;
	info.server_string = "healer";
	http_server_limits(NULL); /* defaults, and the total within the descriptor limit */
	info.keepalive_timeout = http_conn_limits()->idle_s;
	http_vh = lws_create_vhost(loop_context(), &info);
	if (http_vh == NULL) {
		log_errorx("http: cannot listen on %s", listen);
		return -1;
	}
	if (bound_port != NULL)
		*bound_port = lws_get_vhost_listen_port(http_vh);
	log_info("http: listening on %s:%d", host, lws_get_vhost_listen_port(http_vh));
	return 0;
}

void
http_respond_later(uint64_t req_id, int status, const char *content_type, char *body)
{
	struct req *r;

	if (!loop_on_loop_thread())
		fatalx("http_respond_later off the loop thread");
	r = *req_slot(req_id);
	if (r == NULL || r->state != REQ_WAIT) {
		log_debug("http: answer to request %llu dropped: connection gone",
			  (unsigned long long)req_id);
		free(body);
		return;
	}
	lws_set_timeout(r->wsi, NO_PENDING_TIMEOUT, 0);
	req_respond(r, status, content_type, body);
}

void
http_respond_later_resp(uint64_t req_id, struct http_response *resp)
{
	struct req *r;

	if (!loop_on_loop_thread())
		fatalx("http_respond_later_resp off the loop thread");
	r = *req_slot(req_id);
	if (r != NULL && r->state == REQ_WAIT) {
		free(r->resp_headers);
		r->resp_headers = resp->headers;
		resp->headers = NULL;
	}
	http_respond_later(req_id, resp->status, resp->content_type, resp->body);
	free(resp->headers);
	memset(resp, 0, sizeof(*resp));
}
