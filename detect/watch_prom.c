/* watch_prom.c — the Prometheus HTTP API as a watch source: query_range for the history,
 * query for each interval, bearer or basic auth from the environment. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "crypto.h"
#include "httpc.h"
#include "util.h"
#include "watch_int.h"

/* Prometheus refuses a range query of more than 11,000 points a series. */
#define PROM_MAX_POINTS 10000
/* Points in one history answer (all series): bounds the parse's memory (~100 B a point). */
#define PROM_CHUNK_POINTS 200000L

/* "Authorization: …" from the variable the rule names, or NULL. Owned. */
static char *
auth_header(const struct watch_rule *r)
{
	const char *v;

	if (r->bearer_token_env && (v = config_env(r->bearer_token_env)) != NULL)
		return xasprintf("Authorization: Bearer %s", v);
	if (r->basic_auth_env && (v = config_env(r->basic_auth_env)) != NULL) {
		char *b64 = crypto_b64_encode((const uint8_t *)v, strlen(v), false);
		char *h = xasprintf("Authorization: Basic %s", b64);
		free(b64);
		return h;
	}
	return NULL;
}

/* A sample value: Prometheus sends numbers as strings ("1.5", "NaN", "+Inf"). */
static double
sample_value(const cJSON *v)
{
	char *end;
	double d;

	if (!cJSON_IsString(v))
		return NAN;
	d = strtod(v->valuestring, &end);
	return *end == '\0' && isfinite(d) ? d : NAN;
}

static void
feed_pair(struct watch_job *j, struct watch_series *s, const cJSON *pair)
{
	const cJSON *ts = cJSON_GetArrayItem(pair, 0);

	if (cJSON_IsNumber(ts))
		watch_job_point(j, s, ts->valuedouble, sample_value(cJSON_GetArrayItem(pair, 1)));
}

/* Feeds a success answer's matrix or vector. */
static int
feed_result(struct watch_job *j, const cJSON *root)
{
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
	const cJSON *result = cJSON_GetObjectItemCaseSensitive(data, "result");
	const char *type =
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(data, "resultType"));
	const cJSON *it, *p;

	if (!cJSON_IsArray(result) || type == NULL) {
		snprintf(j->err, sizeof(j->err), "Prometheus answer has no data.result");
		return -1;
	}
	if (strcmp(type, "matrix") != 0 && strcmp(type, "vector") != 0) {
		snprintf(j->err, sizeof(j->err),
			 "the query returns a %s; it must return series (a vector)", type);
		return -1;
	}
	cJSON_ArrayForEach(it, result)
	{
		const cJSON *metric = cJSON_GetObjectItemCaseSensitive(it, "metric");
		struct watch_series *s =
		    watch_job_series(j, cJSON_IsObject(metric) ? metric : NULL);
		if (s == NULL)
			continue;
		if ((p = cJSON_GetObjectItemCaseSensitive(it, "value")) != NULL)
			feed_pair(j, s, p);
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(it, "values"))
		    feed_pair(j, s, p);
	}
	return 0;
}

/* GET base + path_and_query: the parsed success answer in *out. *too_big (may be NULL)
 * tells an answer over WATCH_MAX_RESPONSE from other errors. 0 or -1 + j->err. */
static int
prom_fetch(struct watch_job *j, const char *path_and_query, cJSON **out, bool *too_big)
{
	const struct watch_rule *r = j->rt->rule;
	size_t blen = strlen(r->url);
	char *url, *auth = auth_header(r), err[128];
	const char *headers[3] = {"Accept: application/json", auth, NULL};
	struct httpc_resp resp = {0};
	cJSON *root = NULL;
	int rc = -1;

	*out = NULL;
	while (blen > 0 && r->url[blen - 1] == '/')
		blen--;
	url = xasprintf("%.*s%s", (int)blen, r->url, path_and_query);
	struct httpc_req req = {.url = url,
				.headers = headers,
				.timeout_ms = r->timeout_ms,
				.max_response = WATCH_MAX_RESPONSE};
	if (httpc_perform(&req, &resp) != 0) {
		if (too_big)
			*too_big = strstr(resp.err, "too large") != NULL;
		snprintf(j->err, sizeof(j->err), "Prometheus %.100s: %.140s", r->url, resp.err);
		goto out;
	}
	root = json_parse_capped(resp.body, resp.body_len, INGEST_MAX_DEPTH, err, sizeof(err));
	if (resp.status != 200) {
		const char *e =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "error"));
		snprintf(j->err, sizeof(j->err), "Prometheus %.100s: HTTP %ld%s%.120s", r->url,
			 resp.status, e ? ": " : "", e ? e : "");
		goto out;
	}
	if (root == NULL) {
		snprintf(j->err, sizeof(j->err), "Prometheus %.100s: %.120s", r->url, err);
		goto out;
	}
	*out = root;
	root = NULL; /* the caller's now */
	rc = 0;
out:
	cJSON_Delete(root);
	httpc_resp_free(&resp);
	free(url);
	free(auth);
	return rc;
}

static int
prom_get(struct watch_job *j, const char *path_and_query, bool *too_big)
{
	cJSON *root;
	int rc = prom_fetch(j, path_and_query, &root, too_big);

	if (rc == 0)
		rc = feed_result(j, root);
	cJSON_Delete(root);
	return rc;
}

/* How many series the query returns now (count() of it), so that the history comes in
 * answers of about PROM_CHUNK_POINTS points whatever the width. 1 when unknown. */
static long
prom_width(struct watch_job *j, const char *q_encoded, int64_t at_ms)
{
	char *path =
	    xasprintf("/api/v1/query?query=count%%28%s%%29&time=%.3f", q_encoded, at_ms / 1000.0);
	cJSON *root;
	long n = 1;

	if (prom_fetch(j, path, &root, NULL) == 0) {
		const cJSON *res = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(root, "data"), "result");
		const cJSON *v = cJSON_GetArrayItem(
		    cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(res, 0), "value"), 1);
		if (cJSON_IsString(v) && atol(v->valuestring) > 1)
			n = atol(v->valuestring);
		cJSON_Delete(root);
	}
	j->err[0] = '\0'; /* only a hint: the range query says what is wrong, if anything */
	free(path);
	return n;
}

int
watch_prom_range(struct watch_job *j, int64_t from_ms, int64_t to_ms)
{
	const struct watch_rule *r = j->rt->rule;
	int64_t step_ms = (r->every_ms / 1000 > 0 ? r->every_ms / 1000 : 1) * 1000;
	char *q = httpc_urlencode(r->query);
	long width = prom_width(j, q, to_ms), steps = PROM_CHUNK_POINTS / width;
	int64_t span_ms = step_ms * ((steps < 10		? 10
				      : steps > PROM_MAX_POINTS ? PROM_MAX_POINTS
								: steps) -
				     1);
	int rc = 0;

	for (int64_t start = from_ms; rc == 0 && start < to_ms;) {
		int64_t end = start + span_ms < to_ms ? start + span_ms : to_ms;
		char *path =
		    xasprintf("/api/v1/query_range?query=%s&start=%.3f&end=%.3f&step=%llds", q,
			      start / 1000.0, end / 1000.0, (long long)(step_ms / 1000));
		bool too_big = false;
		rc = prom_get(j, path, &too_big);
		free(path);
		/* many series: the same window in smaller chunks, down to a few points each */
		if (rc != 0 && too_big && span_ms >= 16 * step_ms) {
			span_ms /= 4;
			j->err[0] = '\0';
			rc = 0;
			continue;
		}
		start = end + step_ms;
	}
	free(q);
	return rc;
}

int
watch_prom_instant(struct watch_job *j)
{
	char *q = httpc_urlencode(j->rt->rule->query);
	char *path = xasprintf("/api/v1/query?query=%s&time=%.3f", q, j->now_ms / 1000.0);
	int rc = prom_get(j, path, NULL);

	free(path);
	free(q);
	return rc;
}
