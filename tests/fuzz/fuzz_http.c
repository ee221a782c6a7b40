/* fuzz_http.c — raw bytes from a client on one connection to the real HTTP server: lws
 * 4.1.6 parses them and healer's request handling (routes, capped bodies, the alert
 * handlers with the engine of the box, /healthz, /metrics) answers. The connection is one
 * end of a socketpair adopted by the server's vhost, as if its listener had accepted it; the
 * loop is serviced here, on the fuzzing thread, which is the loop thread. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "alerts_http.h"
#include "box.h"
#include "http_server.h"
#include "loop.h"

#define IDLE_ROUNDS 8	  /* non-blocking services with nothing new: the exchange is over */
#define STALL_ROUNDS 256  /* the server stopped reading what is left of the input */
#define SPIN_LIMIT 2000	  /* forced services in a row without output: a loop spinning */

#define OUT_KEEP 65536	  /* answer bytes kept for the checks at the end */

static struct lws_vhost *vh;
static char out[OUT_KEEP];
static size_t out_len;
static bool show; /* FUZZ_HTTP_SHOW=1: the answers go to stderr, to see what an input does */

static void
setup(void)
{
	int port;

	box_init();
	alerts_http_register();
	if (http_server_start("127.0.0.1:0", &port) != 0 ||
	    (vh = lws_get_vhost_by_name(loop_context(), "http")) == NULL)
		box_fail("http", "cannot start the server");
	signal(SIGPIPE, SIG_IGN);
	show = getenv("FUZZ_HTTP_SHOW") != NULL;
}

/* Reads what the server sent; false once it hung up. */
static bool
client_read(int fd, size_t *got, bool *progress)
{
	char buf[16384];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (show)
			fwrite(buf, 1, (size_t)n, stderr);
		*got += (size_t)n;
		*progress = true;
		if (out_len < sizeof(out)) {
			size_t k = sizeof(out) - out_len < (size_t)n ? sizeof(out) - out_len : (size_t)n;
			memcpy(out + out_len, buf, k);
			out_len += k;
		}
		/* a request a client sent must never be a server error */
		if (memmem(buf, (size_t)n, "HTTP/1.1 500", 12) != NULL)
			box_fail("http: 500 Internal Server Error", buf);
	}
	return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

/* The answer to a HEAD has no body (RFC 9110 9.3.2): bytes after its header block would be
 * read by the client as the start of the next answer. Checked when the input starts with
 * a HEAD request line, whose answer is then the first one, and that answer is healer's
 * (every answer of http_server.c says "cache-control: no-store"; lws's own error pages for
 * a request line it cannot parse do not). */
static void
check_head(const uint8_t *data, size_t size)
{
	const uint8_t *eol = memchr(data, '\n', size);
	const char *end;
	size_t rest;

	if (size < 6 || memcmp(data, "HEAD /", 6) != 0 || eol == NULL ||
	    memmem(data, (size_t)(eol - data), " HTTP/1.1", 9) == NULL)
		return;
	if ((end = memmem(out, out_len, "\r\n\r\n", 4)) == NULL ||
	    memmem(out, (size_t)(end - out), "cache-control: no-store", 23) == NULL)
		return;
	end += 4;
	rest = (size_t)(out + out_len - end);
	if (rest > 0 && (rest < 9 || memcmp(end, "HTTP/1.1 ", 9) != 0))
		box_fail("http: the answer to a HEAD carries a body", out);
}

/* Every answer is JSON or Prometheus text, which are UTF-8; a client's JSON parser refuses
 * anything else (lws's own error pages are ASCII). */
static void
check_utf8(void)
{
	char *copy;

	if (out_len == 0 || out_len == sizeof(out)) /* a full buffer may end inside a character */
		return;
	copy = box_strndup((const uint8_t *)out, out_len);
	if (!box_utf8_ok(copy))
		box_fail("http: an answer is not UTF-8", copy);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0, got = 0;
	int sv[2], idle = 0, spins = 0;
	bool open = true;

	if (vh == NULL)
		setup();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
		box_fail("http: socketpair", strerror(errno));
	if (lws_adopt_socket_vhost(vh, sv[1]) == NULL)
		box_fail("http", "lws did not adopt the socket");
	out_len = 0;

	/* The client writes everything (in as many writes as the socket takes) and reads the
	 * answers, keeping its end open like a client waiting for the last one. */
	while (open && idle < (off < size ? STALL_ROUNDS : IDLE_ROUNDS)) {
		bool progress = false;
		if (off < size) {
			ssize_t n = write(sv[0], data + off, size - off);
			if (n > 0) {
				off += (size_t)n;
				progress = true;
			}
		}
		lws_service(loop_context(), -1);
		open = client_read(sv[0], &got, &progress);
		idle = progress ? 0 : idle + 1;
	}

	/* Quiet now: a server with nothing left to do would let the loop sleep. One that still
	 * asks for forced service (buffered input it does not consume) with nothing to show
	 * for it keeps the loop thread, so the whole daemon, at 100 % CPU. */
	while (open && lws_service_adjust_timeout(loop_context(), 1, 0) == 0) {
		bool progress = false;
		lws_service(loop_context(), -1);
		open = client_read(sv[0], &got, &progress);
		spins = progress ? 0 : spins + 1;
		if (spins > SPIN_LIMIT)
			box_fail("http: the loop spins with nothing to show for it",
				 "the server neither answers the input nor lets the loop sleep");
	}
	close(sv[0]);
	box_drain(IDLE_ROUNDS);
	check_head(data, size);
	check_utf8();
	return 0;
}
