/* logs_aws.c — CloudWatch Logs FilterLogEvents (JSON protocol, nextToken pages) and the AWS
 * Signature Version 4 that signs it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "crypto.h"
#include "httpc.h"
#include "logs_fetch.h"
#include "util.h"

#define CW_TARGET "Logs_20140328.FilterLogEvents"
#define CW_CONTENT_TYPE "application/x-amz-json-1.1"
#define SIGV4_CANON_MAX 8192

static void
hex_of(const uint8_t *d, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * n] = '\0';
}

/*
 * The signer. A shared SigV4 module can take its place: the caller below needs only the
 * Authorization value for (method, host, path, signed headers, body, date, credentials).
 */
int
logs_sigv4_sign(const struct logs_sigv4_req *r, char *out, size_t outlen)
{
	char canon[SIGV4_CANON_MAX], signed_names[512], body_hash[65], canon_hash[65];
	char sts[512], date[9], key[128], sig[65];
	uint8_t k1[32], k2[32], k3[32], k4[32], mac[32];
	size_t off = 0, soff = 0;
	int n;

	crypto_sha256_hex(r->body ? r->body : "", r->body_len, body_hash);
	n = snprintf(canon, sizeof(canon), "%s\n%s\n\n", r->method, r->path);
	off = (size_t)n;
	/* canonical headers in name order: content-type, host, the caller's x-amz-* ones merged
	 * with x-amz-date and x-amz-security-token */
	const char *names[16], *values[16];
	char owned[16][256];
	size_t nh = 0;
	if (r->content_type) {
		names[nh] = "content-type";
		values[nh++] = r->content_type;
	}
	names[nh] = "host";
	values[nh++] = r->host;
	names[nh] = "x-amz-date";
	values[nh++] = r->amz_date;
	if (r->session_token) {
		names[nh] = "x-amz-security-token";
		values[nh++] = r->session_token;
	}
	for (size_t i = 0; r->headers && r->headers[i] && nh < ARRAY_LEN(names); i++) {
		const char *colon = strchr(r->headers[i], ':');
		if (colon == NULL || (size_t)(colon - r->headers[i]) >= sizeof(owned[0]))
			return -1;
		snprintf(owned[nh], sizeof(owned[nh]), "%.*s", (int)(colon - r->headers[i]),
			 r->headers[i]);
		names[nh] = owned[nh];
		values[nh++] = colon + 1;
	}
	/* insertion sort: a handful of names */
	for (size_t i = 1; i < nh; i++)
		for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			const char *t = names[j];
			names[j] = names[j - 1];
			names[j - 1] = t;
			t = values[j];
			values[j] = values[j - 1];
			values[j - 1] = t;
		}
	for (size_t i = 0; i < nh; i++) {
		n = snprintf(canon + off, sizeof(canon) - off, "%s:%s\n", names[i], values[i]);
		if (n < 0 || (size_t)n >= sizeof(canon) - off)
			return -1;
		off += (size_t)n;
		n = snprintf(signed_names + soff, sizeof(signed_names) - soff, "%s%s", i ? ";" : "",
			     names[i]);
		if (n < 0 || (size_t)n >= sizeof(signed_names) - soff)
			return -1;
		soff += (size_t)n;
	}
	n = snprintf(canon + off, sizeof(canon) - off, "\n%s\n%s", signed_names, body_hash);
	if (n < 0 || (size_t)n >= sizeof(canon) - off)
		return -1;
	off += (size_t)n;
	crypto_sha256_hex(canon, off, canon_hash);

	snprintf(date, sizeof(date), "%.8s", r->amz_date);
	snprintf(sts, sizeof(sts), "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s", r->amz_date,
		 date, r->region, r->service, canon_hash);
	n = snprintf(key, sizeof(key), "AWS4%s", r->secret_key);
	if (n < 0 || (size_t)n >= sizeof(key))
		return -1;
	crypto_hmac_sha256(key, (size_t)n, date, strlen(date), k1);
	crypto_hmac_sha256(k1, 32, r->region, strlen(r->region), k2);
	crypto_hmac_sha256(k2, 32, r->service, strlen(r->service), k3);
	crypto_hmac_sha256(k3, 32, "aws4_request", 12, k4);
	crypto_hmac_sha256(k4, 32, sts, strlen(sts), mac);
	hex_of(mac, 32, sig);
	explicit_bzero(key, sizeof(key));
	explicit_bzero(k4, sizeof(k4));
	n = snprintf(out, outlen,
		     "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=%s, "
		     "Signature=%s",
		     r->access_key, date, r->region, r->service, signed_names, sig);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
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
		struct httpc_resp resp = {0};
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
		int rc = httpc_perform(&req, &resp);
		free(body);
		explicit_bzero(h_auth, sizeof(h_auth));
		explicit_bzero(auth, sizeof(auth));
		if (rc != 0 || resp.status != 200) {
			st = logs_fail(r, deadline, resp.status,
				       resp.status ? (resp.body ? resp.body : "") : resp.err);
			httpc_resp_free(&resp);
			break;
		}
		r->bytes += resp.body_len;
		j = cJSON_ParseWithLength(resp.body, resp.body_len);
		httpc_resp_free(&resp);
		if (j == NULL) {
			snprintf(r->error, sizeof(r->error), "the answer is not JSON");
			st = LOGS_FAILED;
			break;
		}
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
