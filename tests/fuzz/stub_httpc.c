/* stub_httpc.c — httpc.h for the fuzz targets: every request fails at once as a transport
 * error, so whatever a fuzz input names (a service URL, a response_url, a certificate URL)
 * is never contacted, and each such path is still exercised on its error branch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpc.h"
#include "util.h"

void
httpc_global_init(void)
{
}

void
httpc_global_cleanup(void)
{
}

int
httpc_perform(const struct httpc_req *req, struct httpc_resp *resp)
{
	(void)req;
	memset(resp, 0, sizeof(*resp));
	resp->retry_after_s = -1;
	snprintf(resp->err, sizeof(resp->err), "no network in fuzzing");
	return -1;
}

void
httpc_resp_free(struct httpc_resp *resp)
{
	free(resp->body);
	free(resp->content_type);
	resp->body = NULL;
	resp->content_type = NULL;
	resp->body_len = 0;
}

/* Unreserved characters as they are, everything else %XX (RFC 3986), as the real one does. */
char *
httpc_urlencode(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = xmalloc(strlen(s) * 3 + 1), *o = out;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

/* No mail leaves a fuzz run either: every send fails as an unreachable server would. */
int
httpc_smtp_send(const struct httpc_mail *m, long *code, char *err, size_t errlen)
{
	(void)m;
	*code = 0;
	snprintf(err, errlen, "network disabled in fuzzing");
	return -1;
}

/* A session that never connects: every send through it fails as above. */
struct httpc_smtp {
	int unused;
};

struct httpc_smtp *
httpc_smtp_open(void)
{
	return calloc(1, sizeof(struct httpc_smtp));
}

void
httpc_smtp_close(struct httpc_smtp *s)
{
	free(s);
}

bool
httpc_url_is_loopback(const char *url)
{
	(void)url;
	return true;
}
