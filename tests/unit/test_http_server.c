/* test_http_server.c — the HTTP server on a real loop, called by httpc and raw sockets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "http_int.h"
#include "http_server.h"
#include "httpc.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "util.h"
#include "loop_fixture.h"
#include "http_fixture.h"

static int port;

/* ---- handlers ---- */

static enum http_handled
echo_handler(const struct http_request *req, struct http_response *resp, void *ctx)
{
	const char *auth = http_request_header(req, "Authorization");
	cJSON *o = cJSON_CreateObject();
	char *s;

	(void)ctx;
	cJSON_AddStringToObject(o, "method", req->method);
	cJSON_AddStringToObject(o, "path", req->path);
	cJSON_AddStringToObject(o, "body", req->body);
	cJSON_AddNumberToObject(o, "auth_len", auth != NULL ? (double)strlen(auth) : -1);
	cJSON_AddStringToObject(o, "ctype", http_request_header(req, "content-type") ?: "-");
	cJSON_AddStringToObject(o, "sns_type",
				http_request_header(req, "x-amz-sns-message-type") ?: "-");
	cJSON_AddStringToObject(o, "peer", req->peer);
	s = cJSON_PrintUnformatted(o);
	resp->status = 202;
	resp->body = xstrdup(s);
	cJSON_free(s);
	cJSON_Delete(o);
	return HTTP_DONE;
}

static uint64_t later_id;
static int64_t later_delay_ms = 20;

static void
later_fire(void *arg)
{
	(void)arg;
	http_respond_later(later_id, 200, "text/plain", xstrdup("later"));
}

static enum http_handled
later_handler(const struct http_request *req, struct http_response *resp, void *ctx)
{
	(void)resp;
	(void)ctx;
	later_id = req->id;
	loop_timer_add(later_delay_ms, later_fire, NULL);
	return HTTP_DEFERRED;
}

static enum http_handled
ok_handler(const struct http_request *req, struct http_response *resp, void *ctx)
{
	(void)ctx;
	resp->status = 200;
	resp->content_type = "text/plain";
	resp->body = xasprintf("ok %s", req->method);
	return HTTP_DONE;
}

/* ---- clients run on worker threads while the loop serves ---- */

struct call {
	struct httpc_req req;
	struct httpc_resp resp;
	int rc;
};

static void
call_work(void *arg)
{
	struct call *c = arg;

	c->rc = httpc_perform(&c->req, &c->resp);
}

static void
stop_done(void *arg)
{
	(void)arg;
	loop_stop();
}

static void
call(struct call *c, const char *method, const char *path, const char *const *headers,
     const char *body, size_t body_len)
{
	static char url[128];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	memset(c, 0, sizeof(*c));
	c->req.method = method;
	c->req.url = url;
	c->req.headers = headers;
	c->req.body = body;
	c->req.body_len = body_len;
	c->req.timeout_ms = 5000;
	work_submit(WORK_IO, call_work, work_stop_done, c);
	run_loop(8000);
}

/* Sends each request on one connection and reads one response after each. */
struct raw {
	const char *reqs[4];
	char out[8192];
	size_t out_len;
	int nresp;
	bool eof;
	bool hangup; /* send, then close without reading */
};

/* True once out[from..] holds one whole response (headers plus Content-Length bytes). */
static bool
raw_complete(const char *out, size_t len, size_t from, size_t *end)
{
	const char *hend, *cl;
	char *text = strndup(out + from, len - from);
	bool done = false;

	if ((hend = strstr(text, "\r\n\r\n")) != NULL) {
		size_t hlen = (size_t)(hend - text) + 4;
		long n = 0;

		if ((cl = strcasestr(text, "\ncontent-length:")) != NULL && cl < hend)
			n = strtol(cl + 16, NULL, 10);
		if (len - from >= hlen + (size_t)n) {
			*end = from + hlen + (size_t)n;
			done = true;
		}
	}
	free(text);
	return done;
}

static void
raw_work(void *arg)
{
	struct raw *r = arg;
	size_t from = 0, end;
	ssize_t n;
	int i, fd = raw_connect(port);

	if (fd < 0)
		return;
	for (i = 0; i < 4 && r->reqs[i] != NULL; i++) {
		if (send(fd, r->reqs[i], strlen(r->reqs[i]), MSG_NOSIGNAL) < 0 || r->hangup)
			goto out;
		while (!raw_complete(r->out, r->out_len, from, &end)) {
			n = recv(fd, r->out + r->out_len, sizeof(r->out) - 1 - r->out_len, 0);
			if (n <= 0) {
				r->eof = n == 0;
				goto out;
			}
			r->out_len += (size_t)n;
			r->out[r->out_len] = '\0';
		}
		r->nresp++;
		from = end;
	}
	/* Does the server close after the last answer? Wait briefly for EOF. */
	{
		struct timeval tv = {0, 300000};

		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		n = recv(fd, r->out + r->out_len, sizeof(r->out) - 1 - r->out_len, 0);
		r->eof = n == 0;
	}
out:
	close(fd);
}

static void
raw(struct raw *r)
{
	work_submit(WORK_IO, raw_work, work_stop_done, r);
	run_loop(8000);
}

/* ---- setup ---- */

static int
group_setup(void **state)
{
	(void)state;
	log_init("error");
	httpc_global_init();
	if (loop_init() != 0)
		return -1;
	http_route("/echo", "POST", echo_handler, NULL);
	http_route("/later", "POST", later_handler, NULL);
	http_route("/both", "GET, POST", ok_handler, NULL);
	return http_server_start("127.0.0.1:0", &port);
}

static int
group_teardown(void **state)
{
	(void)state;
	loop_shutdown();
	httpc_global_cleanup();
	metrics_reset();
	return 0;
}

/* ---- HTTP server ---- */

static void
test_route_answers(void **state)
{
	static const char *const hdrs[] = {"Authorization: Bearer t0k",
					   "Content-Type: application/json",
					   "X-Amz-Sns-Message-Type: Notification", NULL};
	struct call c;

	(void)state;
	call(&c, "POST", "/echo", hdrs, "{\"a\":1}", 7);
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.resp.status, 202);
	assert_string_equal(c.resp.content_type, "application/json");
	assert_string_equal(c.resp.body,
			    "{\"method\":\"POST\",\"path\":\"/echo\",\"body\":\"{\\\"a\\\":1}\","
			    "\"auth_len\":10,\"ctype\":\"application/json\","
			    "\"sns_type\":\"Notification\",\"peer\":\"127.0.0.1\"}");
	assert_int_equal(c.resp.retry_after_s, -1);
	httpc_resp_free(&c.resp);
}

static void
test_unknown_path_404(void **state)
{
	struct call c;
	char *m;

	(void)state;
	metrics_reset();
	call(&c, "GET", "/nope", NULL, NULL, 0);
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.resp.status, 404);
	assert_string_equal(c.resp.body, "{\"error\":\"no such path: /nope\"}");
	httpc_resp_free(&c.resp);
	call(&c, "GET", "/%ff%01x", NULL, NULL, 0); /* echoed as valid JSON text */
	assert_int_equal(c.resp.status, 404);
	assert_string_equal(c.resp.body, "{\"error\":\"no such path: /??x\"}");
	httpc_resp_free(&c.resp);
	m = metrics_render();
	assert_string_equal(m, "# HELP healer_http_requests_total HTTP responses by status code.\n"
			       "# TYPE healer_http_requests_total counter\n"
			       "healer_http_requests_total{status=\"404\"} 2\n");
	free(m);
}

static void
test_wrong_method_405_with_allow(void **state)
{
	struct raw r = {.reqs = {"GET /echo HTTP/1.1\r\nHost: t\r\n\r\n"}};
	const char *body;

	(void)state;
	raw(&r);
	assert_int_equal(r.nresp, 1);
	assert_true(strncmp(r.out, "HTTP/1.1 405", 12) == 0);
	assert_non_null(strcasestr(r.out, "\r\nallow: POST\r\n"));
	assert_non_null(strcasestr(r.out, "\r\ncache-control: no-store\r\n"));
	assert_non_null(strcasestr(r.out, "\r\ncontent-type: application/json\r\n"));
	body = strstr(r.out, "\r\n\r\n") + 4;
	assert_string_equal(body, "{\"error\":\"method GET not allowed; use POST\"}");
	assert_false(r.eof); /* keep-alive: the connection stays open */
}

/* A refused body is still read, so the connection serves the next request. */
static void
test_405_with_body_keeps_connection(void **state)
{
	struct raw r = {.reqs = {"PUT /both HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi",
				 "GET /both HTTP/1.1\r\nHost: t\r\n\r\n"}};

	(void)state;
	raw(&r);
	assert_int_equal(r.nresp, 2);
	assert_true(strncmp(r.out, "HTTP/1.1 405", 12) == 0);
	assert_non_null(strcasestr(r.out, "\r\nallow: GET, POST\r\n"));
	assert_non_null(strstr(r.out, "{\"error\":\"method PUT not allowed; use GET, POST\"}"));
	assert_non_null(strstr(r.out, "HTTP/1.1 200"));
	assert_true(r.out_len > 6 && strcmp(r.out + r.out_len - 6, "ok GET") == 0);
}

static void
test_keep_alive_serves_many(void **state)
{
	struct raw r = {.reqs = {"POST /both HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nx",
				 "GET /both HTTP/1.1\r\nHost: t\r\n\r\n",
				 "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n{}",
				 "GET /both HTTP/1.1\r\nHost: t\r\n\r\n"}};

	(void)state;
	raw(&r);
	assert_int_equal(r.nresp, 4);
	assert_non_null(strstr(r.out, "ok POST"));
	assert_non_null(strstr(r.out, "HTTP/1.1 202"));
	assert_false(r.eof);
}

static void
test_body_too_large_413(void **state)
{
	struct raw r = {
	    .reqs = {"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2000000\r\n\r\n"}};
	struct call c;
	char *big;

	(void)state;
	raw(&r);
	assert_int_equal(r.nresp, 1);
	assert_true(strncmp(r.out, "HTTP/1.1 413", 12) == 0);
	assert_non_null(strstr(
	    r.out, "\r\n\r\n{\"error\":\"body of 2000000 bytes exceeds the limit of 1048576\"}"));
	assert_true(r.eof); /* the unread body cannot be skipped: connection closed */

	/* Through curl as well: the answer arrives even though curl is still sending. */
	big = xmalloc(HTTP_MAX_BODY + 1);
	memset(big, 'a', HTTP_MAX_BODY + 1);
	call(&c, "POST", "/echo", NULL, big, HTTP_MAX_BODY + 1);
	free(big);
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.resp.status, 413);
	httpc_resp_free(&c.resp);

	/* Exactly at the limit is accepted. */
	big = xmalloc(HTTP_MAX_BODY);
	memset(big, 'a', HTTP_MAX_BODY);
	call(&c, "POST", "/both", NULL, big, HTTP_MAX_BODY);
	free(big);
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.resp.status, 200);
	assert_string_equal(c.resp.body, "ok POST");
	httpc_resp_free(&c.resp);
}

static void
test_chunked_post_411(void **state)
{
	struct raw r = {.reqs = {"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
				 "\r\n5\r\nhello\r\n0\r\n\r\n"}};
	struct raw r2 = {.reqs = {"POST /echo HTTP/1.1\r\nHost: t\r\n\r\n"}};
	const char *want = "\r\n\r\n{\"error\":\"Content-Length required (chunked bodies are not "
			   "supported)\"}";

	(void)state;
	raw(&r);
	assert_int_equal(r.nresp, 1);
	assert_true(strncmp(r.out, "HTTP/1.1 411", 12) == 0);
	assert_non_null(strstr(r.out, want));
	assert_true(r.eof);

	raw(&r2);
	assert_int_equal(r2.nresp, 1);
	assert_true(strncmp(r2.out, "HTTP/1.1 411", 12) == 0);
}

static void
test_websocket_upgrade_400(void **state)
{
	struct raw r = {.reqs = {"GET /echo HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\n"
				 "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
				 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"}};

	(void)state;
	raw(&r);
	assert_int_equal(r.nresp, 1);
	/* lws answers before it has recorded the request's version: "HTTP/1.0 400". */
	assert_true(strncmp(r.out, "HTTP/1.", 7) == 0 && strncmp(r.out + 8, " 400 ", 5) == 0);
	assert_non_null(strstr(r.out, "{\"error\":\"protocol upgrades are not supported\"}"));
	assert_true(r.eof);
}

static void
test_deferred_reply(void **state)
{
	struct call c;

	(void)state;
	call(&c, "POST", "/later", NULL, "x", 1);
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.resp.status, 200);
	assert_string_equal(c.resp.content_type, "text/plain");
	assert_string_equal(c.resp.body, "later");
	httpc_resp_free(&c.resp);
	/* Answering again, or a request that never existed, is ignored (and frees the body). */
	http_respond_later(later_id, 200, NULL, xstrdup("again"));
	http_respond_later(999999, 200, NULL, xstrdup("nobody"));
}

/* The client hangs up before the deferred answer: the answer is dropped, nothing sent. */
static void
test_deferred_peer_gone(void **state)
{
	struct raw r = {.reqs = {"POST /later HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nx"},
			.hangup = true};
	char *m;

	(void)state;
	metrics_reset();
	later_id = 0;
	later_delay_ms = 200;
	work_submit(WORK_IO, raw_work, NULL, &r);
	loop_timer_add(400, stop_done, NULL);
	run_loop(3000);
	later_delay_ms = 20;
	assert_true(later_id > 0);
	m = metrics_render();
	assert_string_equal(m, "");
	free(m);
}

static void
test_long_authorization_header(void **state)
{
	char *auth = xmalloc(12 * 1024 + 32);
	const char *hdrs[2] = {auth, NULL};
	struct call c;

	(void)state;
	strcpy(auth, "Authorization: Bearer ");
	memset(auth + strlen(auth), 'k', 12 * 1024);
	auth[22 + 12 * 1024] = '\0';
	call(&c, "POST", "/echo", hdrs, "{}", 2);
	free(auth);
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.resp.status, 202);
	assert_non_null(strstr(c.resp.body, "\"auth_len\":12295"));
	httpc_resp_free(&c.resp);
}

static void
test_json_error_escapes(void **state)
{
	char *s = http_json_error("bad \"%s\"\n\t\\", "q");

	(void)state;
	assert_string_equal(s, "{\"error\":\"bad \\\"q\\\"\\n\\t\\\\\"}");
	free(s);
}

/* Bytes pipelined behind a request with a body: that request is answered (even when the
 * answer is deferred across many loop passes), with Connection: close, and nothing after. */
static void
test_pipelined_behind_deferred_answer(void **state)
{
	struct raw r;

	memset(&r, 0, sizeof(r));
	r.reqs[0] = "POST /later HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"
		    "POST /later HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}";

	(void)state;
	later_delay_ms = 200;
	raw(&r);
	later_delay_ms = 20;
	assert_int_equal(r.nresp, 1);
	assert_non_null(strstr(r.out, "HTTP/1.1 200"));
	assert_non_null(strcasestr(r.out, "\nconnection: close"));
	assert_true(r.eof);
	assert_null(strstr(strstr(r.out, "later") + 5, "HTTP/1.1"));
}

static void
test_method_listed(void **state)
{
	(void)state;
	assert_true(http_method_listed("GET", "GET"));
	assert_true(http_method_listed("GET, POST", "POST"));
	assert_false(http_method_listed("GET, POST", "PUT"));
	assert_false(http_method_listed("POST", "POS"));
	assert_false(http_method_listed("GETX", "GET"));
}

static void
test_replays_request_line(void **state)
{
	(void)state;
	assert_true(http_replays_request_line("POST", "POST /alerts/generic HTTP/1.1", 29));
	assert_true(http_replays_request_line("POST", "PO", 2));
	assert_false(http_replays_request_line("POST", "{\"a\":1}", 7));
	assert_false(http_replays_request_line("POST", "POSTAL", 6));
	assert_false(http_replays_request_line("PUT", "POST /x", 7));
	assert_false(http_replays_request_line("POST", "", 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_route_answers),
	    cmocka_unit_test(test_unknown_path_404),
	    cmocka_unit_test(test_wrong_method_405_with_allow),
	    cmocka_unit_test(test_405_with_body_keeps_connection),
	    cmocka_unit_test(test_keep_alive_serves_many),
	    cmocka_unit_test(test_body_too_large_413),
	    cmocka_unit_test(test_chunked_post_411),
	    cmocka_unit_test(test_websocket_upgrade_400),
	    cmocka_unit_test(test_deferred_reply),
	    cmocka_unit_test(test_deferred_peer_gone),
	    cmocka_unit_test(test_long_authorization_header),
	    cmocka_unit_test(test_json_error_escapes),
	    cmocka_unit_test(test_pipelined_behind_deferred_answer),
	    cmocka_unit_test(test_method_listed),
	    cmocka_unit_test(test_replays_request_line),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
