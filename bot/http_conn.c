/* http_conn.c — admission of HTTP connections: caps in total and per peer address, and an
 * idle timeout, so that thousands of idle sockets cannot starve /healthz or the fd table. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include <libwebsockets.h>
#include <linux/tcp.h> /* after lws: tcpi_bytes_received is not in glibc's struct */

#include "http_int.h"
#include "http_server.h"
#include "log.h"
#include "metrics.h"
#include "util.h"

#define PEER_BUCKETS 1024
#define CONN_BUCKETS 1024
/* Descriptors kept back from the cap for the store, logs, chat and LLM clients, children. */
#define FD_RESERVE 64
#define WARN_EVERY_S 60

struct peer {
	struct peer *next;
	char addr[INET6_ADDRSTRLEN];
	int n;
};

/* One open connection; found by wsi only while lws holds it (destroy removes it first). */
struct conn {
	struct conn *next;
	struct lws *wsi;
	struct peer *peer;
	int requests; /* seen so far on this connection */
};

static struct http_limits limits = {HTTP_DEFAULT_MAX_CONNS, HTTP_DEFAULT_MAX_CONNS_PER_PEER,
				    HTTP_DEFAULT_IDLE_S};
static int max_total = HTTP_DEFAULT_MAX_CONNS; /* limits.max_conns within RLIMIT_NOFILE */
static struct peer *peers[PEER_BUCKETS];
static struct conn *conns[CONN_BUCKETS];
static int total;
static time_t last_warn;

static unsigned
hash_str(const char *s)
{
	unsigned h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static struct peer **
peer_slot(const char *addr)
{
	struct peer **pp = &peers[hash_str(addr) % PEER_BUCKETS];

	while (*pp != NULL && strcmp((*pp)->addr, addr) != 0)
		pp = &(*pp)->next;
	return pp;
}

static struct conn **
conn_slot(const struct lws *wsi)
{
	struct conn **cp = &conns[((uintptr_t)wsi >> 4) % CONN_BUCKETS];

	while (*cp != NULL && (*cp)->wsi != wsi)
		cp = &(*cp)->next;
	return cp;
}

/* "?" when the socket has no inet peer (never expected for the TCP listener). */
static void
peer_of_fd(int fd, char *out, size_t n)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const void *a = NULL;

	snprintf(out, n, "?");
	if (getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
		return;
	if (ss.ss_family == AF_INET)
		a = &((struct sockaddr_in *)&ss)->sin_addr;
	else if (ss.ss_family == AF_INET6)
		a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
	if (a == NULL || inet_ntop(ss.ss_family, a, out, (socklen_t)n) == NULL)
		snprintf(out, n, "?");
}

void
http_server_limits(const struct http_limits *l)
{
	struct rlimit rl;

	if (l != NULL) {
		if (l->max_conns > 0)
			limits.max_conns = l->max_conns;
		if (l->max_conns_per_peer > 0)
			limits.max_conns_per_peer = l->max_conns_per_peer;
		if (l->idle_s > 0)
			limits.idle_s = l->idle_s;
	}
	max_total = limits.max_conns;
	/* Past the descriptor limit accept() fails and the listener stays readable: every new
	 * connection, /healthz included, would wait for an idle one to time out. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (rlim_t)max_total + FD_RESERVE > rl.rlim_cur) {
		max_total = rl.rlim_cur > 2 * FD_RESERVE ? (int)(rl.rlim_cur - FD_RESERVE)
							 : (int)(rl.rlim_cur / 2);
		log_warnx("http: %d connections asked, but the descriptor limit is %llu: "
			  "capping at %d (raise it with ulimit -n)",
			  limits.max_conns, (unsigned long long)rl.rlim_cur, max_total);
	}
}

const struct http_limits *
http_conn_limits(void)
{
	return &limits;
}

int
http_conn_filter(int fd)
{
	char addr[INET6_ADDRSTRLEN];
	struct peer *p;
	const char *why;
	time_t now = time(NULL);

	peer_of_fd(fd, addr, sizeof(addr));
	p = *peer_slot(addr);
	if (total >= max_total)
		why = "total";
	else if (p != NULL && p->n >= limits.max_conns_per_peer)
		why = "per_peer";
	else
		return 0;
	metrics_inc("healer_http_connections_refused_total",
		    "HTTP connections closed at accept because a cap was reached.",
		    why[0] == 't' ? "reason=\"total\"" : "reason=\"per_peer\"");
	if (now - last_warn >= WARN_EVERY_S) {
		last_warn = now;
		log_warnx("http: refusing connections (%s from %s, %d open): cap of %d reached; "
			  "more are counted in healer_http_connections_refused_total",
			  why[0] == 't' ? "total" : "per peer", addr, total,
			  why[0] == 't' ? max_total : limits.max_conns_per_peer);
	}
	return -1;
}

void
http_conn_opened(struct lws *wsi)
{
	char addr[INET6_ADDRSTRLEN];
	struct peer **pp;
	struct conn *c;

	if (*conn_slot(wsi) != NULL)
		return;
	peer_of_fd(lws_get_socket_fd(wsi), addr, sizeof(addr));
	pp = peer_slot(addr);
	if (*pp == NULL) {
		*pp = xcalloc(1, sizeof(**pp));
		snprintf((*pp)->addr, sizeof((*pp)->addr), "%s", addr);
	}
	(*pp)->n++;
	c = xcalloc(1, sizeof(*c));
	c->wsi = wsi;
	c->peer = *pp;
	c->next = conns[((uintptr_t)wsi >> 4) % CONN_BUCKETS];
	conns[((uintptr_t)wsi >> 4) % CONN_BUCKETS] = c;
	total++;
	/* lws replaces this with its own timeouts once the first bytes arrive. */
	lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_KEEPALIVE_IDLE, limits.idle_s);
}

void
http_conn_closed(struct lws *wsi)
{
	struct conn **cp = conn_slot(wsi), *c = *cp;
	struct peer **pp;

	if (c == NULL)
		return;
	*cp = c->next;
	total--;
	if (--c->peer->n == 0) {
		pp = peer_slot(c->peer->addr);
		*pp = c->peer->next;
		free(c->peer);
	}
	free(c);
}

int
http_conn_request(struct lws *wsi)
{
	struct conn *c = *conn_slot(wsi);

	return c != NULL ? ++c->requests : 0;
}

long long
http_conn_bytes_in(struct lws *wsi)
{
	struct tcp_info ti;
	socklen_t n = sizeof(ti);

	if (getsockopt(lws_get_socket_fd(wsi), IPPROTO_TCP, TCP_INFO, &ti, &n) != 0 ||
	    n < offsetof(struct tcp_info, tcpi_bytes_received) + sizeof(ti.tcpi_bytes_received))
		return -1;
	return (long long)ti.tcpi_bytes_received;
}

int
http_conn_count(const char *peer)
{
	struct peer *p;

	if (peer == NULL)
		return total;
	p = *peer_slot(peer);
	return p != NULL ? p->n : 0;
}
