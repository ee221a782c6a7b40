/* bench_ws_floor.c — the floor of a Socket Mode ack: a bare libwebsockets client that connects
 * to a ws:// URL and answers every frame carrying an envelope_id with {"envelope_id":…} at
 * once, nothing else. bench_slack.py points it at the same fake and rate as the daemon, so
 * the daemon's ack latency can be read against what lws and the fake alone cost. */
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_QUEUE 8192

static char queue[MAX_QUEUE][64]; /* pending ack ids, written in order */
static size_t qhead, qtail;
static int interrupted;

static void
queue_ack(const char *msg, size_t len)
{
	static const char key[] = "\"envelope_id\"";
	const char *p = memmem(msg, len, key, sizeof(key) - 1), *end = msg + len, *q;

	if (p == NULL || (qtail + 1) % MAX_QUEUE == qhead)
		return;
	p += sizeof(key) - 1;
	while (p < end && *p != '"')
		p++;
	if (p >= end)
		return;
	p++;
	for (q = p; q < end && *q != '"'; q++)
		;
	if ((size_t)(q - p) >= sizeof(queue[0]))
		return;
	memcpy(queue[qtail], p, (size_t)(q - p));
	queue[qtail][q - p] = '\0';
	qtail = (qtail + 1) % MAX_QUEUE;
}

static int
callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	unsigned char out[LWS_PRE + 128];
	int n;

	(void)user;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_RECEIVE:
		queue_ack(in, len);
		if (qhead != qtail)
			lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (qhead == qtail)
			break;
		n = snprintf((char *)out + LWS_PRE, sizeof(out) - LWS_PRE,
			     "{\"envelope_id\":\"%s\"}", queue[qhead]);
		qhead = (qhead + 1) % MAX_QUEUE;
		if (lws_write(wsi, out + LWS_PRE, (size_t)n, LWS_WRITE_TEXT) < n)
			return -1;
		if (qhead != qtail)
			lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
	case LWS_CALLBACK_CLIENT_CLOSED:
		interrupted = 1;
		break;
	default:
		break;
	}
	return 0;
}

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

int
main(int argc, char **argv)
{
	static const struct lws_protocols protocols[] = {{"floor", callback, 0, 65536, 0, NULL, 0},
							 {NULL, NULL, 0, 0, 0, NULL, 0}};
	struct lws_context_creation_info info;
	struct lws_client_connect_info ci;
	struct lws_context *ctx;
	const char *prot, *path;
	char url[512];

	if (argc != 2 || strlen(argv[1]) >= sizeof(url)) {
		fprintf(stderr, "usage: bench_ws_floor ws://127.0.0.1:PORT/PATH\n");
		return 2;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	if ((ctx = lws_create_context(&info)) == NULL)
		return 1;
	memset(&ci, 0, sizeof(ci));
	snprintf(url, sizeof(url), "%s", argv[1]);
	if (lws_parse_uri(url, &prot, &ci.address, &ci.port, &path) != 0)
		return 2;
	char fullpath[512];
	snprintf(fullpath, sizeof(fullpath), "/%s", path);
	ci.context = ctx;
	ci.path = fullpath;
	ci.host = ci.address;
	ci.origin = ci.address;
	ci.protocol = NULL;
	ci.local_protocol_name = "floor";
	if (lws_client_connect_via_info(&ci) == NULL)
		return 1;
	while (!interrupted && lws_service(ctx, 0) >= 0)
		;
	lws_context_destroy(ctx);
	return 0;
}
