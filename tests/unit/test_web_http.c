/* test_web_http.c — the server's web plumbing on a real loop: query strings, cookies,
 * prefix routes, extra response headers and the security headers of HTML answers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "http_server.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "util.h"
#include "web.h"
#include "loop_fixture.h"
#include "http_fixture.h"

static int port;

/* Echoes what a handler sees as text: path, query, a form field of the query, a cookie. */
static enum http_handled
echo_handler(const struct http_request *req, struct http_response *resp, void *ctx)
{
	char t[64], c[64];
	int trc = http_form_get(req->query, "t", t, sizeof(t));
	int crc = http_cookie_get(req, "sid", c, sizeof(c));

	resp->status = 200;
	resp->content_type = "text/plain";
	resp->body = xasprintf("path=%s|query=%s|t=%d:%s|sid=%d:%s|ctx=%s", req->path, req->query,
			       trc, t, crc, c, (const char *)ctx);
	return HTTP_DONE;
}

static enum http_handled
page_handler(const struct http_request *req, struct http_response *resp, void *ctx)
{
	(void)req;
	(void)ctx;
	web_set_cookie(resp, "sid", "abc", 3600, false);
	web_html_response(resp, 200, xstrdup("<p>hi</p>"));
	return HTTP_DONE;
}

static enum http_handled
redirect_handler(const struct http_request *req, struct http_response *resp, void *ctx)
{
	(void)ctx;
	web_redirect(resp, strcmp(req->query, "evil") == 0 ? "//evil.example/" : "/ui/list");
	return HTTP_DONE;
}

static enum http_handled
own_csp_handler(const struct http_request *req, struct http_response *resp, void *ctx)
{
	(void)req;
	(void)ctx;
	http_header_add(resp, "Content-Security-Policy", "default-src 'self'");
	web_html_response(resp, 200, xstrdup("x"));
	return HTTP_DONE;
}

struct raw {
	const char *req;
	char out[16384];
	size_t len;
};

/* One request with "Connection: close": read until the server hangs up. */
static void
raw_work(void *arg)
{
	struct raw *r = arg;
	ssize_t n;
	int fd = raw_connect(port);

	if (fd < 0)
		return;
	if (send(fd, r->req, strlen(r->req), MSG_NOSIGNAL) > 0)
		while ((n = recv(fd, r->out + r->len, sizeof(r->out) - 1 - r->len, 0)) > 0)
			r->len += (size_t)n;
	r->out[r->len] = '\0';
	close(fd);
}

static void
get(struct raw *r, const char *path, const char *extra)
{
	char *req = xasprintf("GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n%s\r\n", path,
			      extra != NULL ? extra : "");

	memset(r, 0, sizeof(*r));
	r->req = req;
	work_submit(WORK_IO, raw_work, work_stop_done, r);
	run_loop(8000);
	free(req);
}

static bool
has_header(const char *out, const char *line)
{
	char *probe = xasprintf("\r\n%s\r\n", line);
	const char *hend = strstr(out, "\r\n\r\n");
	const char *at = strcasestr(out, probe);

	free(probe);
	return at != NULL && hend != NULL && at < hend + 2;
}

static int
group_setup(void **state)
{
	(void)state;
	log_init("error");
	if (loop_init() != 0)
		return -1;
	http_route("/ui/*", "GET", echo_handler, "ui");
	http_route("/ui/admin/*", "GET", echo_handler, "admin");
	http_route("/ui/page", "GET", page_handler, NULL);
	http_route("/ui/go", "GET", redirect_handler, NULL);
	http_route("/ui/csp", "GET", own_csp_handler, NULL);
	http_route("/exact", "GET", echo_handler, "exact");
	return http_server_start("127.0.0.1:0", &port);
}

static int
group_teardown(void **state)
{
	(void)state;
	loop_shutdown();
	metrics_reset();
	return 0;
}

static void
test_query_and_cookie(void **state)
{
	struct raw r;

	(void)state;
	get(&r, "/exact?t=v1.ab-c_d.x%2By&z=1", "Cookie: a=1; sid=s3cr3t; b=2\r\n");
	assert_non_null(strstr(r.out, "HTTP/1.1 200"));
	assert_non_null(strstr(r.out, "path=/exact|"));
	assert_non_null(strstr(r.out, "|t=0:v1.ab-c_d.x+y|"));
	assert_non_null(strstr(r.out, "|sid=0:s3cr3t|"));
	/* escaped '&' and '=' stay inside the value; '+' is a space, %2B a plus */
	get(&r, "/exact?t=a%26b%3Dc+d%25e%2B&z=1+2=3&w", NULL);
	assert_non_null(strstr(r.out, "|query=t=a%26b%3Dc%20d%25e%2B&z=1%202%3D3&w|"));
	assert_non_null(strstr(r.out, "|t=0:a&b=c d%e+|"));
	get(&r, "/exact", NULL);
	assert_non_null(strstr(r.out, "|query=|t=-1:|sid=-1:|"));
}

static void
test_prefix_routes(void **state)
{
	struct raw r;

	(void)state;
	get(&r, "/ui/incidents/7", NULL);
	assert_non_null(strstr(r.out, "path=/ui/incidents/7|"));
	assert_non_null(strstr(r.out, "ctx=ui"));
	get(&r, "/ui/admin/users", NULL);
	assert_non_null(strstr(r.out, "ctx=admin")); /* the longest prefix */
	get(&r, "/ui/page", NULL);
	assert_non_null(strstr(r.out, "<p>hi</p>")); /* an exact route beats a prefix */
	get(&r, "/uix", NULL);
	assert_non_null(strstr(r.out, "HTTP/1.1 404"));
	get(&r, "/exact/more", NULL);
	assert_non_null(strstr(r.out, "HTTP/1.1 404"));
}

static void
test_html_security_headers(void **state)
{
	struct raw r;

	(void)state;
	get(&r, "/ui/page", NULL);
	assert_non_null(strstr(r.out, "HTTP/1.1 200"));
	assert_true(has_header(r.out, "content-type: text/html; charset=utf-8"));
	assert_true(has_header(r.out, "content-security-policy: " HTTP_HTML_CSP));
	assert_true(has_header(r.out, "x-frame-options: DENY"));
	assert_true(has_header(r.out, "referrer-policy: no-referrer"));
	assert_true(has_header(r.out, "x-content-type-options: nosniff"));
	assert_true(has_header(r.out, "cache-control: no-store"));
	assert_true(has_header(
	    r.out, "set-cookie: sid=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600"));
	/* plain answers get nosniff but not the page policy */
	get(&r, "/exact", NULL);
	assert_true(has_header(r.out, "x-content-type-options: nosniff"));
	assert_false(has_header(r.out, "x-frame-options: DENY"));
	/* a handler's own policy replaces the default, not doubles it */
	get(&r, "/ui/csp", NULL);
	assert_true(has_header(r.out, "content-security-policy: default-src 'self'"));
	assert_null(strstr(r.out, "frame-ancestors"));
}

static void
test_redirects_stay_here(void **state)
{
	struct raw r;

	(void)state;
	get(&r, "/ui/go", NULL);
	assert_non_null(strstr(r.out, "HTTP/1.1 303"));
	assert_true(has_header(r.out, "location: /ui/list"));
	get(&r, "/ui/go?evil", NULL);
	assert_non_null(strstr(r.out, "HTTP/1.1 500"));
	assert_null(strcasestr(r.out, "location:"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_query_and_cookie),
	    cmocka_unit_test(test_prefix_routes),
	    cmocka_unit_test(test_html_security_headers),
	    cmocka_unit_test(test_redirects_stay_here),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
