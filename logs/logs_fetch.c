/* logs_fetch.c — one fetch of a log source: the dispatch by backend, the deadline, and the
 * Loki and OpenSearch/Elasticsearch queries and answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "crypto.h"
#include "httpc.h"
#include "logs_fetch.h"
#include "util.h"

typedef enum logs_status fetch_fn(const struct logs_query *, int64_t, struct logs_result *);

static fetch_fn *const fetchers[] = {
    [LOGS_LOKI] = logs_fetch_loki,
    [LOGS_OPENSEARCH] = logs_fetch_opensearch,
    [LOGS_CLOUDWATCH] = logs_fetch_cloudwatch,
};

enum logs_status
logs_fetch(const struct logs_query *q, struct logs_result *r)
{
	int64_t t0 = mono_ms();

	memset(r, 0, sizeof(*r));
	r->tpl = logtpl_new(LOGS_TEMPLATES_MAX);
	int64_t deadline = t0 + q->src->timeout_ms;

	if (q->not_after_mono > 0 && q->not_after_mono < deadline)
		deadline = q->not_after_mono;
	r->status = fetchers[q->src->kind](q, deadline, r);
	r->took_ms = mono_ms() - t0;
	return r->status;
}

void
logs_result_free(struct logs_result *r)
{
	logtpl_free(r->tpl);
	r->tpl = NULL;
}

enum logs_status
logs_fail(struct logs_result *r, int64_t deadline, long http_status, const char *what)
{
	if (http_status == 0 && mono_ms() >= deadline - 50) {
		snprintf(r->error, sizeof(r->error), "timed out");
		return LOGS_TIMEOUT;
	}
	if (http_status > 0)
		snprintf(r->error, sizeof(r->error), "HTTP %ld: %.200s", http_status, what);
	else
		snprintf(r->error, sizeof(r->error), "%.240s", what);
	/* the peer's text goes on a card line */
	for (char *p = r->error; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	return LOGS_FAILED;
}

enum logs_status
logs_perform_json(const struct httpc_req *req, int64_t deadline, struct logs_result *r, cJSON **out)
{
	struct httpc_resp resp = {0};
	enum logs_status st = LOGS_OK;

	*out = NULL;
	if (httpc_perform(req, &resp) != 0 || resp.status != 200) {
		st = logs_fail(r, deadline, resp.status,
			       resp.status ? (resp.body ? resp.body : "") : resp.err);
	} else {
		r->bytes += resp.body_len;
		if ((*out = cJSON_ParseWithLength(resp.body, resp.body_len)) == NULL) {
			snprintf(r->error, sizeof(r->error), "the answer is not JSON");
			st = LOGS_FAILED;
		}
	}
	httpc_resp_free(&resp);
	return st;
}

/* One line into the templates, within the source's limit. False once the limit is reached. */
static bool
take(struct logs_result *r, const struct logs_query *q, const char *line, int64_t ts_ms,
     const char *level)
{
	if (r->lines >= q->src->limit) {
		r->capped = true;
		return false;
	}
	r->lines++;
	logtpl_add(r->tpl, line, strlen(line), ts_ms, level);
	return true;
}

/* Time left before the deadline, for one request (at least 1 ms). */
static long
left_ms(int64_t deadline)
{
	int64_t l = deadline - mono_ms();

	return l > 1 ? (long)l : 1;
}

/* ---- Loki: GET /loki/api/v1/query_range ---- */

enum logs_status
logs_fetch_loki(const struct logs_query *q, int64_t deadline, struct logs_result *r)
{
	char *query = httpc_urlencode(q->query ? q->query : "");
	char *url = xasprintf("%s/loki/api/v1/query_range?query=%s&start=%lld000000&end=%lld000000"
			      "&limit=%d&direction=backward",
			      q->src->url, query, (long long)q->start_ms, (long long)q->end_ms,
			      q->src->limit);
	struct httpc_req req = {
	    .url = url, .timeout_ms = left_ms(deadline), .max_response = LOGS_BYTES_MAX};
	enum logs_status st = LOGS_OK;
	cJSON *j = NULL, *stream;

	free(query);
	if ((st = logs_perform_json(&req, deadline, r, &j)) != LOGS_OK)
		goto out;
	cJSON_ArrayForEach(stream, cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "result"))
	{
		const cJSON *labels = cJSON_GetObjectItem(stream, "stream"), *v;
		const char *level = cJSON_GetStringValue(cJSON_GetObjectItem(labels, "level"));
		if (level == NULL)
			level = cJSON_GetStringValue(cJSON_GetObjectItem(labels, "detected_level"));
		cJSON_ArrayForEach(v, cJSON_GetObjectItem(stream, "values"))
		{
			const char *ns = cJSON_GetStringValue(cJSON_GetArrayItem(v, 0));
			const char *line = cJSON_GetStringValue(cJSON_GetArrayItem(v, 1));
			if (line == NULL)
				continue;
			/* nanoseconds as a decimal string: drop the last six digits */
			int64_t ts = ns && strlen(ns) > 6 ? strtoll(ns, NULL, 10) / 1000000 : 0;
			if (!take(r, q, line, ts, level))
				goto out;
		}
	}
out:
	cJSON_Delete(j);
	free(url);
	return st;
}

/* ---- OpenSearch / Elasticsearch: POST /{index}/_search ---- */

/* The Authorization header from the variables the source names, or NULL; -1 when a named
 * variable is unset. */
static int
os_auth(const struct logs_source *src, char **header, char *err, size_t errlen)
{
	*header = NULL;
	if (src->api_key_env) {
		const char *k = getenv(src->api_key_env);
		if (k == NULL || *k == '\0')
			goto unset;
		*header = xasprintf("Authorization: ApiKey %s", k);
	} else if (src->user_env) {
		const char *u = getenv(src->user_env);
		const char *p = src->password_env ? getenv(src->password_env) : "";
		if (u == NULL || p == NULL)
			goto unset;
		char *up = xasprintf("%s:%s", u, p);
		char *b64 = crypto_b64_encode((const uint8_t *)up, strlen(up), false);
		*header = xasprintf("Authorization: Basic %s", b64);
		explicit_bzero(up, strlen(up));
		free(up);
		free(b64);
	}
	return 0;
unset:
	snprintf(err, errlen, "a credential variable (%s) is not set",
		 src->api_key_env ? src->api_key_env : src->user_env);
	return -1;
}

static cJSON *
os_body(const struct logs_query *q)
{
	cJSON *b = cJSON_CreateObject(), *bool_q, *filter, *range, *ts, *sort, *qs;

	cJSON_AddNumberToObject(b, "size", q->src->limit);
	sort = cJSON_AddArrayToObject(b, "sort");
	cJSON *s = cJSON_CreateObject();
	cJSON_AddStringToObject(cJSON_AddObjectToObject(s, "@timestamp"), "order", "desc");
	cJSON_AddItemToArray(sort, s);
	bool_q = cJSON_AddObjectToObject(cJSON_AddObjectToObject(b, "query"), "bool");
	filter = cJSON_AddArrayToObject(bool_q, "filter");
	range = cJSON_CreateObject();
	ts = cJSON_AddObjectToObject(cJSON_AddObjectToObject(range, "range"), "@timestamp");
	cJSON_AddNumberToObject(ts, "gte", (double)q->start_ms);
	cJSON_AddNumberToObject(ts, "lte", (double)q->end_ms);
	cJSON_AddStringToObject(ts, "format", "epoch_millis");
	cJSON_AddItemToArray(filter, range);
	if (q->query && *q->query) {
		qs = cJSON_CreateObject();
		cJSON_AddStringToObject(cJSON_AddObjectToObject(qs, "query_string"), "query",
					q->query);
		cJSON_AddItemToArray(filter, qs);
	}
	return b;
}

/* A field of _source by dotted path ("log.level") or as a flat key. */
static const char *
src_str(const cJSON *src, const char *path)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(src, path));
	const char *dot = strchr(path, '.');

	if (v == NULL && dot != NULL) {
		char head[32];
		snprintf(head, sizeof(head), "%.*s", (int)(dot - path), path);
		v = cJSON_GetStringValue(
		    cJSON_GetObjectItem(cJSON_GetObjectItem(src, head), dot + 1));
	}
	return v;
}

enum logs_status
logs_fetch_opensearch(const struct logs_query *q, int64_t deadline, struct logs_result *r)
{
	static const char *const msg_keys[] = {"message", "msg", "log", "event.original"};
	static const char *const level_keys[] = {"level", "log.level", "severity"};
	char *auth = NULL, *body = NULL, *url = NULL;
	const char *headers[3] = {"Content-Type: application/json", NULL, NULL};
	enum logs_status st = LOGS_OK;
	cJSON *j = NULL, *b, *hit;

	if (os_auth(q->src, &auth, r->error, sizeof(r->error)) != 0)
		return LOGS_FAILED;
	headers[1] = auth;
	b = os_body(q);
	body = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
	url = xasprintf("%s/%s/_search", q->src->url, q->target);
	struct httpc_req req = {.method = "POST",
				.url = url,
				.headers = headers,
				.body = body,
				.body_len = strlen(body),
				.timeout_ms = left_ms(deadline),
				.max_response = LOGS_BYTES_MAX};
	if ((st = logs_perform_json(&req, deadline, r, &j)) != LOGS_OK)
		goto out;
	cJSON_ArrayForEach(hit, cJSON_GetObjectItem(cJSON_GetObjectItem(j, "hits"), "hits"))
	{
		const cJSON *src = cJSON_GetObjectItem(hit, "_source");
		const char *line = NULL, *level = NULL, *at;
		int64_t ts = 0;
		for (size_t i = 0; i < ARRAY_LEN(msg_keys) && line == NULL; i++)
			line = src_str(src, msg_keys[i]);
		for (size_t i = 0; i < ARRAY_LEN(level_keys) && level == NULL; i++)
			level = src_str(src, level_keys[i]);
		if (line == NULL)
			continue;
		if ((at = src_str(src, "@timestamp")) != NULL)
			time_parse_iso(at, &ts);
		if (!take(r, q, line, ts, level))
			goto out;
	}
out:
	cJSON_Delete(j);
	if (auth)
		explicit_bzero(auth, strlen(auth));
	free(auth);
	free(body);
	free(url);
	return st;
}
