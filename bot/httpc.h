/* httpc.h — the HTTP client (the only libcurl user). Blocking: call it from a worker
 * thread (work_submit) or the command line, never from the loop thread. */
#ifndef HEALER_HTTPC_H
#define HEALER_HTTPC_H

#include <stddef.h>

struct httpc_req {
	const char *method;        /* default GET */
	const char *url;
	const char *const *headers; /* NULL-terminated "Name: value" list, may be NULL */
	const char *body;
	size_t body_len;
	long timeout_ms;           /* default 10000 */
	size_t max_response;       /* default 1 MiB; larger responses fail with "response too large" */
};

struct httpc_resp {
	long status;        /* 0 when no HTTP response */
	char *body;         /* NUL-terminated, owned */
	size_t body_len;
	long retry_after_s; /* from Retry-After, -1 if absent */
	char *content_type;
	char err[256];      /* transport error text when status == 0 */
};

/* Once at start: curl_global_init; reads HEALER_CA_FILE (extra trusted CA bundle). */
void httpc_global_init(void);
void httpc_global_cleanup(void);
/* Performs the request. Returns 0 when an HTTP response arrived (any status), -1 on a
 * transport error (resp->err says which). Only http and https; redirects not followed. */
int httpc_perform(const struct httpc_req *req, struct httpc_resp *resp);
void httpc_resp_free(struct httpc_resp *resp);
/* Percent-encodes s for a form or query value; owned. */
char *httpc_urlencode(const char *s);

#endif
