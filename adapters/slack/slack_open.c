/* slack_open.c — apps.connections.open on a worker: the Socket Mode URL, split and resolved
 * there because lws would resolve on the loop thread. */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "slack_int.h"
#include "util.h"

/* Splits ws[s]://host[:port]/path?query. Returns 0 or -1 with why. */
int
slack_url_split(const char *url, struct slack_open *j)
{
	const char *p, *hs, *he, *slash;

	if (strncmp(url, "wss://", 6) == 0) {
		j->tls = true;
		j->port = 443;
		p = url + 6;
	} else if (strncmp(url, "ws://", 5) == 0) {
		j->tls = false;
		j->port = 80;
		p = url + 5;
	} else {
		snprintf(j->why, sizeof(j->why), "not a ws:// or wss:// URL");
		return -1;
	}
	slash = p + strcspn(p, "/?");
	hs = p;
	he = slash;
	if (*hs == '[') { /* IPv6 literal */
		const char *rb = memchr(hs, ']', (size_t)(slash - hs));
		if (rb == NULL)
			goto bad;
		hs++;
		he = rb;
		p = rb + 1;
	} else {
		const char *colon = memchr(hs, ':', (size_t)(slash - hs));
		if (colon)
			he = colon;
		p = colon ? colon : slash;
	}
	if (*p == ':') {
		char *end;
		long port = strtol(p + 1, &end, 10);
		if (end != slash || port <= 0 || port > 65535)
			goto bad;
		j->port = (int)port;
	}
	if (he <= hs || (size_t)(he - hs) >= sizeof(j->host))
		goto bad;
	memcpy(j->host, hs, (size_t)(he - hs));
	j->host[he - hs] = '\0';
	snprintf(j->path, sizeof(j->path), "%s%s", *slash == '/' ? "" : "/", slash);
	return 0;
bad:
	snprintf(j->why, sizeof(j->why), "malformed host or port in the URL");
	return -1;
}

void
slack_open_work(void *arg)
{
	struct slack_open *j = arg;
	struct addrinfo hints, *ai = NULL;
	char *url = xasprintf("%sapps.connections.open", slack_conf.api_url);
	const char *wss;
	int rc;

	slack_api_perform(url, slack_conf.app_token, NULL, &j->res);
	free(url);
	if (!j->res.ok)
		return;
	wss = cJSON_GetStringValue(cJSON_GetObjectItem(j->res.json, "url"));
	if (wss == NULL || strlen(wss) >= SLACK_URL_MAX || slack_url_split(wss, j) != 0) {
		if (!j->why[0])
			snprintf(j->why, sizeof(j->why), "no usable \"url\" in the answer");
		return;
	}
	/* lws resolves on the loop thread and would stall it: resolve here */
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_family = AF_UNSPEC;
	if ((rc = getaddrinfo(j->host, NULL, &hints, &ai)) != 0) {
		snprintf(j->why, sizeof(j->why), "cannot resolve %s: %s", j->host,
			 gai_strerror(rc));
		return;
	}
	/* the first address; IPv4 first when both, as loopback fakes listen there */
	const struct addrinfo *pick = ai;
	for (const struct addrinfo *a = ai; a; a = a->ai_next)
		if (a->ai_family == AF_INET) {
			pick = a;
			break;
		}
	if (pick->ai_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)pick->ai_addr)->sin_addr, j->ip,
			  sizeof(j->ip));
	else
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)pick->ai_addr)->sin6_addr, j->ip,
			  sizeof(j->ip));
	freeaddrinfo(ai);
}
