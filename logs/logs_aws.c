/* logs_aws.c — CloudWatch Logs FilterLogEvents (JSON protocol, nextToken pages), signed
 * with SigV4. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "crypto.h"
#include "httpc.h"
#include "logs_fetch.h"
#include "sigv4.h"
#include "util.h"

#define CW_TARGET "Logs_20140328.FilterLogEvents"
#define CW_CONTENT_TYPE "application/x-amz-json-1.1"
#define SIGV4_CANON_MAX 8192

/* The request's signature by the one SigV4 signer (bot/sigv4.c): the headers it signs are
 * content-type (when given), host, x-amz-date, the session token and the caller's own. */
int
logs_sigv4_sign(const struct logs_sigv4_req *r, char *out, size_t outlen)
{
	const char *lines[SIGV4_MAX_HEADERS + 1];
	char ctype[256], host[300], date[40], token[4200];
	size_t n = 0;

	if (r->content_type) {
		snprintf(ctype, sizeof(ctype), "Content-Type: %s", r->content_type);
		lines[n++] = ctype;
	}
	snprintf(host, sizeof(host), "Host: %s", r->host);
	lines[n++] = host;
	snprintf(date, sizeof(date), "X-Amz-Date: %s", r->amz_date);
	lines[n++] = date;
	if (r->session_token) {
		if (snprintf(token, sizeof(token), "X-Amz-Security-Token: %s", r->session_token) >=
		    (int)sizeof(token))
			return -1;
		lines[n++] = token;
	}
	for (size_t i = 0; r->headers && r->headers[i] && n < SIGV4_MAX_HEADERS; i++)
		lines[n++] = r->headers[i];
	lines[n] = NULL;
	struct sigv4_req sr = {.method = r->method,
			       .path = r->path,
			       .headers = lines,
			       .body = r->body,
			       .body_len = r->body_len,
			       .region = r->region,
			       .service = r->service,
			       .access_key = r->access_key,
			       .secret_key = r->secret_key,
			       .amz_date = r->amz_date};
	return sigv4_sign(&sr, out, outlen);
}

/* "host[:port]" of an http(s) URL, as curl sends it in Host. */
static void
url_host(const char *url, char *out, size_t outlen)
{
	const char *h = strstr(url, "://");

	h = h ? h + 3 : url;
	snprintf(out, outlen, "%.*s", (int)strcspn(h, "/?#"), h);
}

static cJSON *
cw_body(const struct logs_query *q, const char *token, int limit)
{
	cJSON *b = cJSON_CreateObject();

	cJSON_AddStringToObject(b, "logGroupName", q->target);
	cJSON_AddNumberToObject(b, "startTime", (double)q->start_ms);
	cJSON_AddNumberToObject(b, "endTime", (double)q->end_ms);
	if (q->query && *q->query)
		cJSON_AddStringToObject(b, "filterPattern", q->query);
	cJSON_AddNumberToObject(b, "limit", limit);
	if (token)
		cJSON_AddStringToObject(b, "nextToken", token);
	return b;
}

enum logs_status
logs_fetch_cloudwatch(const struct logs_query *q, int64_t deadline, struct logs_result *r)
{
	const char *ak = getenv("AWS_ACCESS_KEY_ID"), *sk = getenv("AWS_SECRET_ACCESS_KEY");
	const char *tok = getenv("AWS_SESSION_TOKEN");
	char *url, *token = NULL;
	char host[256], amz_date[32], auth[1024];
	enum logs_status st = LOGS_OK;

	if (ak == NULL || *ak == '\0' || sk == NULL || *sk == '\0') {
		snprintf(r->error, sizeof(r->error),
			 "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set");
		return LOGS_FAILED;
	}
	if (tok && *tok == '\0')
		tok = NULL;
	url = q->src->url ? xasprintf("%s/", q->src->url)
			  : xasprintf("https://logs.%s.amazonaws.com/", q->src->region);
	url_host(url, host, sizeof(host));
	for (int page = 0; page < LOGS_PAGES_MAX; page++) {
		time_t now = time(NULL);
		struct tm tm;
		cJSON *b = cw_body(q, token, q->src->limit - (int)r->lines), *j, *ev;
		char *body = cJSON_PrintUnformatted(b);
		cJSON_Delete(b);
		gmtime_r(&now, &tm);
		strftime(amz_date, sizeof(amz_date), "%Y%m%dT%H%M%SZ", &tm);
		const char *sh[] = {"x-amz-target:" CW_TARGET, NULL};
		struct logs_sigv4_req sr = {.method = "POST",
					    .host = host,
					    .path = "/",
					    .region = q->src->region,
					    .service = "logs",
					    .access_key = ak,
					    .secret_key = sk,
					    .session_token = tok,
					    .amz_date = amz_date,
					    .content_type = CW_CONTENT_TYPE,
					    .headers = sh,
					    .body = body,
					    .body_len = strlen(body)};
		char h_auth[1100], h_date[64], h_tok[4096];
		const char *headers[6] = {"Content-Type: " CW_CONTENT_TYPE,
					  "X-Amz-Target: " CW_TARGET,
					  h_date,
					  h_auth,
					  NULL,
					  NULL};
		if (logs_sigv4_sign(&sr, auth, sizeof(auth)) != 0) {
			free(body);
			snprintf(r->error, sizeof(r->error), "cannot sign the request");
			st = LOGS_FAILED;
			break;
		}
		snprintf(h_auth, sizeof(h_auth), "Authorization: %s", auth);
		snprintf(h_date, sizeof(h_date), "X-Amz-Date: %s", amz_date);
		if (tok) {
			snprintf(h_tok, sizeof(h_tok), "X-Amz-Security-Token: %s", tok);
			headers[4] = h_tok;
		}
		struct httpc_req req = {
		    .method = "POST",
		    .url = url,
		    .headers = headers,
		    .body = body,
		    .body_len = strlen(body),
		    .timeout_ms = (deadline - mono_ms()) > 1 ? (long)(deadline - mono_ms()) : 1,
		    .max_response = LOGS_BYTES_MAX - r->bytes};
		st = logs_perform_json(&req, deadline, r, &j);
		free(body);
		explicit_bzero(h_auth, sizeof(h_auth));
		explicit_bzero(auth, sizeof(auth));
		if (st != LOGS_OK)
			break;
		bool full = false;
		cJSON_ArrayForEach(ev, cJSON_GetObjectItem(j, "events"))
		{
			const char *m = cJSON_GetStringValue(cJSON_GetObjectItem(ev, "message"));
			const cJSON *t = cJSON_GetObjectItem(ev, "timestamp");
			if (m == NULL)
				continue;
			if (r->lines >= q->src->limit) {
				full = true;
				break;
			}
			r->lines++;
			logtpl_add(r->tpl, m, strlen(m),
				   cJSON_IsNumber(t) ? (int64_t)t->valuedouble : 0, NULL);
		}
		free(token);
		token = xstrdup(cJSON_GetStringValue(cJSON_GetObjectItem(j, "nextToken")));
		cJSON_Delete(j);
		if (token == NULL)
			break;
		if (full || r->lines >= q->src->limit || r->bytes >= LOGS_BYTES_MAX ||
		    page == LOGS_PAGES_MAX - 1) {
			r->capped = true;
			break;
		}
		if (mono_ms() >= deadline) {
			snprintf(r->error, sizeof(r->error), "timed out");
			st = LOGS_TIMEOUT;
			break;
		}
	}
	free(token);
	free(url);
	return st;
}
