/* executor_http.c — the http step kind through httpc, and capped output shared with exec. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor.h"
#include "httpc.h"
#include "util.h"

/* httpc fails a larger response outright; below this we keep the first EXEC_MAX_OUTPUT. */
#define HTTP_MAX_RESPONSE (1024 * 1024)

char *
exec_output_take(struct buf *b, bool *truncated)
{
	size_t len = b->len, back = 0, need;
	unsigned char lead;
	char *s, *t;

	if (!b->overflow)
		return buf_steal(b);
	*truncated = true;
	s = buf_steal(b);
	/* Walk back over continuation bytes to the last character's lead byte. */
	while (back < 3 && back < len && ((unsigned char)s[len - 1 - back] & 0xC0) == 0x80)
		back++;
	if (back < len && ((lead = (unsigned char)s[len - 1 - back]) & 0xC0) == 0xC0) {
		need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
		if (need > back + 1)
			s[len - 1 - back] = '\0';
	}
	t = xasprintf("%s%s", s, EXEC_TRUNC_MARK);
	free(s);
	return t;
}

void
executor_http_run(const struct bound_step *s, struct exec_result *r)
{
	struct httpc_req req = {0};
	struct httpc_resp resp = {0};
	struct buf body;

	buf_init(&body, EXEC_MAX_OUTPUT);
	req.method = s->method;
	req.url = s->url;
	req.headers = (const char *const *)s->headers;
	req.body = s->body;
	req.body_len = s->body != NULL ? strlen(s->body) : 0;
	req.timeout_ms = s->timeout_ms > 0 ? s->timeout_ms : EXEC_DEFAULT_TIMEOUT_MS;
	req.max_response = HTTP_MAX_RESPONSE;
	r->status = EXEC_ERROR;
	if (s->url == NULL || *s->url == '\0') {
		snprintf(r->error, sizeof(r->error), "http step without a url");
		goto out;
	}
	if (httpc_perform(&req, &resp) == -1) {
		snprintf(r->error, sizeof(r->error), "%s",
			 resp.err[0] != '\0' ? resp.err : "HTTP request failed");
		goto out;
	}
	r->http_status = resp.status;
	if (resp.body != NULL)
		buf_append_trunc(&body, resp.body, resp.body_len);
	r->status = EXEC_FAILED;
	if (s->expect_status == 0 && (resp.status < 200 || resp.status > 299))
		snprintf(r->error, sizeof(r->error), "HTTP %ld, expected 2xx", resp.status);
	else if (s->expect_status != 0 && resp.status != s->expect_status)
		snprintf(r->error, sizeof(r->error), "HTTP %ld, expected %d", resp.status,
			 s->expect_status);
	else
		r->status = EXEC_OK;
out:
	httpc_resp_free(&resp);
	r->out = exec_output_take(&body, &r->truncated);
	r->err = xstrdup("");
}
