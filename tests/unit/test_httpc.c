/* test_httpc.c — the HTTP client against one-shot canned servers on loopback. */
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
#include <time.h>
#include <unistd.h>

#include "httpc.h"
#include "log.h"
#include "util.h"

/* Accepts one connection, reads the request (headers and Content-Length bytes), answers
 * with `reply` and closes; with reply NULL it waits for the client to give up. */
struct canned {
	int lfd;
	int port;
	const char *reply;
	char request[8192];
	pthread_t thread;
};

static bool
request_complete(const char *req, size_t len)
{
	const char *hend = strstr(req, "\r\n\r\n"), *cl;
	long n = 0;

	if (hend == NULL)
		return false;
	if ((cl = strcasestr(req, "\ncontent-length:")) != NULL && cl < hend)
		n = strtol(cl + 16, NULL, 10);
	return len >= (size_t)(hend - req) + 4 + (size_t)n;
}

static void *
canned_main(void *arg)
{
	struct canned *c = arg;
	size_t len = 0;
	ssize_t n;
	int fd = accept(c->lfd, NULL, NULL);

	if (fd < 0)
		return NULL;
	while (len < sizeof(c->request) - 1 && !request_complete(c->request, len)) {
		if ((n = recv(fd, c->request + len, sizeof(c->request) - 1 - len, 0)) <= 0)
			break;
		len += (size_t)n;
		c->request[len] = '\0';
	}
	if (c->reply != NULL)
		send(fd, c->reply, strlen(c->reply), MSG_NOSIGNAL);
	else
		while (recv(fd, c->request + len, sizeof(c->request) - 1 - len, 0) > 0)
			;
	close(fd);
	return NULL;
}

static void
canned_start(struct canned *c, const char *reply)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	memset(c, 0, sizeof(*c));
	c->reply = reply;
	c->lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(c->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(c->lfd, 4), 0);
	getsockname(c->lfd, (struct sockaddr *)&sa, &sl);
	c->port = ntohs(sa.sin_port);
	assert_int_equal(pthread_create(&c->thread, NULL, canned_main, c), 0);
}

/* Performs req against the canned server (req->url is filled in), then joins it. */
static int
canned_call(struct canned *c, struct httpc_req *req, struct httpc_resp *resp)
{
	char url[64];
	int rc;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", c->port);
	req->url = url;
	if (req->timeout_ms == 0)
		req->timeout_ms = 3000;
	rc = httpc_perform(req, resp);
	req->url = NULL;
	pthread_join(c->thread, NULL);
	close(c->lfd);
	return rc;
}

static int
setup(void **state)
{
	(void)state;
	log_init("error");
	httpc_global_init();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	httpc_global_cleanup();
	return 0;
}

static void
test_post_sends_body_and_headers(void **state)
{
	static const char *const hdrs[] = {"Content-Type: application/json", "X-Token: abc", NULL};
	struct canned c;
	struct httpc_req req = {
	    .method = "POST", .headers = hdrs, .body = "{\"k\":1}", .body_len = 7};
	struct httpc_resp resp;

	(void)state;
	canned_start(&c, "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
			 "Content-Length: 11\r\nConnection: close\r\n\r\n{\"ok\":true}");
	assert_int_equal(canned_call(&c, &req, &resp), 0);
	assert_non_null(strstr(c.request, "POST /x HTTP/1.1\r\n"));
	assert_non_null(strstr(c.request, "\r\nContent-Type: application/json\r\n"));
	assert_non_null(strstr(c.request, "\r\nX-Token: abc\r\n"));
	assert_non_null(strstr(c.request, "\r\nContent-Length: 7\r\n"));
	assert_non_null(strstr(c.request, "\r\n\r\n{\"k\":1}"));
	assert_null(strcasestr(c.request, "\r\nExpect:"));
	assert_int_equal(resp.status, 201);
	assert_string_equal(resp.content_type, "application/json");
	assert_string_equal(resp.body, "{\"ok\":true}");
	assert_int_equal(resp.body_len, 11);
	httpc_resp_free(&resp);

	req.method = "DELETE";
	req.body = NULL;
	req.headers = NULL;
	canned_start(&c, "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
	assert_int_equal(canned_call(&c, &req, &resp), 0);
	assert_non_null(strstr(c.request, "DELETE /x HTTP/1.1\r\n"));
	assert_int_equal(resp.status, 204);
	assert_string_equal(resp.body, "");
	assert_null(resp.content_type);
	httpc_resp_free(&resp);
}

static void
test_retry_after_and_no_redirect(void **state)
{
	struct canned c;
	struct httpc_req req = {0};
	struct httpc_resp resp;
	char reply[512], date[64];
	time_t later = time(NULL) + 100;

	(void)state;
	canned_start(&c, "HTTP/1.1 429 Too Many\r\nRetry-After: 7\r\nContent-Type: text/plain\r\n"
			 "Content-Length: 4\r\nConnection: close\r\n\r\nslow");
	assert_int_equal(canned_call(&c, &req, &resp), 0);
	assert_int_equal(resp.status, 429);
	assert_int_equal(resp.retry_after_s, 7);
	assert_string_equal(resp.body, "slow");
	assert_non_null(strstr(c.request, "GET /x HTTP/1.1\r\n"));
	httpc_resp_free(&resp);

	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", gmtime(&later));
	snprintf(reply, sizeof(reply),
		 "HTTP/1.1 503 Busy\r\nRetry-After: %s\r\nContent-Length: 0\r\n"
		 "Connection: close\r\n\r\n",
		 date);
	canned_start(&c, reply);
	assert_int_equal(canned_call(&c, &req, &resp), 0);
	assert_int_equal(resp.status, 503);
	assert_true(resp.retry_after_s >= 98 && resp.retry_after_s <= 100);
	httpc_resp_free(&resp);

	canned_start(&c, "HTTP/1.1 200 OK\r\nRetry-After: soon\r\nContent-Length: 0\r\n"
			 "Connection: close\r\n\r\n");
	assert_int_equal(canned_call(&c, &req, &resp), 0);
	assert_int_equal(resp.retry_after_s, -1);
	httpc_resp_free(&resp);

	canned_start(&c, "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/elsewhere\r\n"
			 "Content-Length: 0\r\nConnection: close\r\n\r\n");
	assert_int_equal(canned_call(&c, &req, &resp), 0);
	assert_int_equal(resp.status, 302);
	httpc_resp_free(&resp);
}

static void
test_response_too_large(void **state)
{
	static char reply[4096];
	struct canned c;
	struct httpc_req req = {.max_response = 1024};
	struct httpc_resp resp;
	int n;

	(void)state;
	/* Announced by Content-Length: refused before the body is read. */
	n = snprintf(reply, sizeof(reply),
		     "HTTP/1.1 200 OK\r\nContent-Length: 2048\r\n"
		     "Connection: close\r\n\r\n");
	memset(reply + n, 'x', 2048);
	reply[n + 2048] = '\0';
	canned_start(&c, reply);
	assert_int_equal(canned_call(&c, &req, &resp), -1);
	assert_int_equal(resp.status, 0);
	assert_string_equal(resp.err, "response too large");
	httpc_resp_free(&resp);

	/* Unannounced (read until close): the write callback stops it at the cap. */
	n = snprintf(reply, sizeof(reply), "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
	memset(reply + n, 'y', 2048);
	reply[n + 2048] = '\0';
	canned_start(&c, reply);
	assert_int_equal(canned_call(&c, &req, &resp), -1);
	assert_string_equal(resp.err, "response too large");
	httpc_resp_free(&resp);

	/* Exactly at the cap is fine. */
	n = snprintf(reply, sizeof(reply), "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
	memset(reply + n, 'z', 1024);
	reply[n + 1024] = '\0';
	canned_start(&c, reply);
	assert_int_equal(canned_call(&c, &req, &resp), 0);
	assert_int_equal(resp.body_len, 1024);
	httpc_resp_free(&resp);
}

static void
test_transport_errors(void **state)
{
	struct canned c;
	struct httpc_req req = {.timeout_ms = 200};
	struct httpc_resp resp;

	(void)state;
	canned_start(&c, NULL);
	assert_int_equal(canned_call(&c, &req, &resp), -1);
	assert_int_equal(resp.status, 0);
	assert_non_null(strstr(resp.err, "timed out"));
	httpc_resp_free(&resp);

	req.url = "file:///etc/passwd";
	assert_int_equal(httpc_perform(&req, &resp), -1);
	assert_int_equal(resp.status, 0);
	assert_non_null(strstr(resp.err, "file"));
	httpc_resp_free(&resp);

	req.url = "http://127.0.0.1:1/refused";
	assert_int_equal(httpc_perform(&req, &resp), -1);
	assert_int_equal(resp.status, 0);
	assert_true(resp.err[0] != '\0');
	httpc_resp_free(&resp);
}

static void
test_urlencode(void **state)
{
	char *s = httpc_urlencode("a b&c=d/\xc3\xa9~");

	(void)state;
	assert_string_equal(s, "a%20b%26c%3Dd%2F%C3%A9~");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_post_sends_body_and_headers),
	    cmocka_unit_test(test_retry_after_and_no_redirect),
	    cmocka_unit_test(test_response_too_large),
	    cmocka_unit_test(test_transport_errors),
	    cmocka_unit_test(test_urlencode),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
