/* watch_cw.c — CloudWatch GetMetricData as a watch source: the AWS JSON 1.0 protocol the
 * current AWS SDKs use for CloudWatch, SigV4-signed, every page, throttling retried. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "httpc.h"
#include "sigv4.h"
#include "util.h"
#include "watch_int.h"

#define CW_TARGET "GraniteServiceVersion20100801.GetMetricData"
#define CW_MAX_PAGES 200
#define CW_RETRY_AFTER_CAP_MS 10000

/* Waits between attempts when CloudWatch throttles or fails: the last is repeated. */
static const int backoff_ms[] = {250, 500, 1000, 2000, 4000};
#define CW_ATTEMPTS 6

struct cw_endpoint {
	char *url;  /* POST target */
	char *host; /* Host header: host[:port] as in the URL */
	char *path; /* "/" or the URL's path */
};

static void
endpoint_free(struct cw_endpoint *e)
{
	free(e->url);
	free(e->host);
	free(e->path);
}

/* AWS_ENDPOINT_URL_CLOUDWATCH, then AWS_ENDPOINT_URL (as the SDKs read them), else the
 * regional endpoint. 0 or -1 when the URL is not http(s)://host[...]. */
static int
endpoint_get(const char *region, struct cw_endpoint *e)
{
	const char *u = config_get("AWS_ENDPOINT_URL_CLOUDWATCH");
	const char *p;

	if (u == NULL || *u == '\0')
		u = config_get("AWS_ENDPOINT_URL");
	if (u == NULL || *u == '\0') {
		e->url = xasprintf("https://monitoring.%s.amazonaws.com/", region);
		e->host = xasprintf("monitoring.%s.amazonaws.com", region);
		e->path = xstrdup("/");
		return 0;
	}
	if (strncmp(u, "http://", 7) == 0)
		p = u + 7;
	else if (strncmp(u, "https://", 8) == 0)
		p = u + 8;
	else
		return -1;
	size_t hl = strcspn(p, "/?#");
	if (hl == 0)
		return -1;
	e->host = xstrndup(p, hl);
	e->path = p[hl] == '/' ? xstrndup(p + hl, strcspn(p + hl, "?#")) : xstrdup("/");
	e->url = xasprintf("%.*s%s", (int)(p - u + hl), u, e->path);
	return 0;
}

static cJSON *
request_body(const struct watch_rule *r, int64_t from_ms, int64_t to_ms, const char *next)
{
	cJSON *b = cJSON_CreateObject(), *qs = cJSON_AddArrayToObject(b, "MetricDataQueries");
	cJSON *q = cJSON_CreateObject();
	int64_t period_ms = r->period_s * 1000LL;
	const cJSON *it;

	cJSON_AddItemToArray(qs, q);
	cJSON_AddStringToObject(q, "Id", "m0");
	if (r->expression) {
		cJSON_AddStringToObject(q, "Expression", r->expression);
		cJSON_AddNumberToObject(q, "Period", r->period_s);
	} else {
		cJSON *ms = cJSON_AddObjectToObject(q, "MetricStat");
		cJSON *m = cJSON_AddObjectToObject(ms, "Metric");
		cJSON_AddStringToObject(m, "Namespace", r->namespace);
		cJSON_AddStringToObject(m, "MetricName", r->metric);
		cJSON *dims = cJSON_AddArrayToObject(m, "Dimensions");
		cJSON_ArrayForEach(it, r->dimensions)
		{
			cJSON *d = cJSON_CreateObject();
			cJSON_AddStringToObject(d, "Name", it->string);
			cJSON_AddStringToObject(d, "Value", it->valuestring);
			cJSON_AddItemToArray(dims, d);
		}
		cJSON_AddNumberToObject(ms, "Period", r->period_s);
		cJSON_AddStringToObject(ms, "Stat", r->stat);
	}
	cJSON_AddBoolToObject(q, "ReturnData", true);
	/* whole periods: CloudWatch aligns the buckets to the period anyway */
	cJSON_AddNumberToObject(b, "StartTime", (double)(from_ms / period_ms * period_ms / 1000));
	cJSON_AddNumberToObject(b, "EndTime",
				(double)((to_ms + period_ms - 1) / period_ms * period_ms / 1000));
	cJSON_AddStringToObject(b, "ScanBy", "TimestampAscending");
	if (next)
		cJSON_AddStringToObject(b, "NextToken", next);
	return b;
}

/* Epoch seconds (the JSON protocol's timestamps) or an ISO 8601 string. NAN if neither. */
static double
timestamp(const cJSON *t)
{
	int64_t ms;

	if (cJSON_IsNumber(t))
		return t->valuedouble;
	if (cJSON_IsString(t) && time_parse_iso(t->valuestring, &ms) == 0)
		return (double)ms / 1000.0;
	return NAN;
}

/* Feeds one page's MetricDataResults. A SEARCH returns one result per metric, told apart by
 * its Label; a plain metric is named by its dimensions. */
static int
feed_page(struct watch_job *j, const cJSON *root)
{
	const struct watch_rule *r = j->rt->rule;
	const cJSON *res, *results = cJSON_GetObjectItemCaseSensitive(root, "MetricDataResults");

	if (!cJSON_IsArray(results)) {
		snprintf(j->err, sizeof(j->err), "CloudWatch answer has no MetricDataResults");
		return -1;
	}
	cJSON_ArrayForEach(res, results)
	{
		const cJSON *ts = cJSON_GetObjectItemCaseSensitive(res, "Timestamps");
		const cJSON *vs = cJSON_GetObjectItemCaseSensitive(res, "Values");
		const char *code =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "StatusCode"));
		const char *label =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "Label"));
		cJSON *labels;

		if (code && strcmp(code, "Complete") != 0 && strcmp(code, "PartialData") != 0) {
			snprintf(j->err, sizeof(j->err), "CloudWatch: the query's status is %.60s",
				 code);
			return -1;
		}
		if (r->expression) {
			labels = cJSON_CreateObject();
			cJSON_AddStringToObject(labels, "label", label ? label : "");
		} else {
			labels = r->dimensions ? cJSON_Duplicate(r->dimensions, 1)
					       : cJSON_CreateObject();
		}
		struct watch_series *s = watch_job_series(j, labels);
		cJSON_Delete(labels);
		if (s == NULL)
			continue;
		int n = cJSON_GetArraySize(ts);
		if (n != cJSON_GetArraySize(vs)) {
			snprintf(j->err, sizeof(j->err),
				 "CloudWatch: Timestamps and Values differ in length");
			return -1;
		}
		const cJSON *t = ts ? ts->child : NULL, *v = vs ? vs->child : NULL;
		for (; t && v; t = t->next, v = v->next)
			watch_job_point(j, s, timestamp(t),
					cJSON_IsNumber(v) ? v->valuedouble : NAN);
	}
	return 0;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0)
		;
}

/* 400 with a Throttling error code, 429 and 5xx are worth another try. */
static bool
retryable(const struct httpc_resp *resp, const cJSON *err)
{
	const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(err, "__type"));

	if (resp->status == 429 || (resp->status >= 500 && resp->status <= 504))
		return true;
	return resp->status == 400 && type && strstr(type, "Throttling") != NULL;
}

/* One signed POST, retried while throttled. Returns the parsed answer or NULL + j->err. */
static cJSON *
post_signed(struct watch_job *j, const struct cw_endpoint *e, const char *region, const char *body)
{
	const char *ak = config_get("AWS_ACCESS_KEY_ID"), *sk = config_get("AWS_SECRET_ACCESS_KEY");
	const char *tok = config_get("AWS_SESSION_TOKEN");
	char date[17], auth[512], err[128], why[WATCH_ERR] = "";
	cJSON *root = NULL;

	if (ak == NULL || *ak == '\0' || sk == NULL || *sk == '\0') {
		snprintf(j->err, sizeof(j->err),
			 "CloudWatch: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set");
		return NULL;
	}
	for (int attempt = 0; attempt < CW_ATTEMPTS; attempt++) {
		struct httpc_resp resp = {0};
		char *host = xasprintf("Host: %s", e->host), *xdate, *xtok = NULL, *xauth;
		sigv4_amz_date(now_ms() / 1000, date);
		xdate = xasprintf("X-Amz-Date: %s", date);
		if (tok && *tok)
			xtok = xasprintf("X-Amz-Security-Token: %s", tok);
		const char *sign[] = {"Content-Type: application/x-amz-json-1.0",
				      "X-Amz-Target: " CW_TARGET,
				      host,
				      xdate,
				      xtok,
				      NULL};
		struct sigv4_req sr = {.method = "POST",
				       .path = e->path,
				       .headers = sign,
				       .body = body,
				       .body_len = strlen(body),
				       .region = region,
				       .service = "monitoring",
				       .access_key = ak,
				       .secret_key = sk,
				       .amz_date = date};
		int src = sigv4_sign(&sr, auth, sizeof(auth));
		xauth = xasprintf("Authorization: %s", auth);
		const char *send[] = {sign[0], sign[1], host, xdate, xauth, xtok, NULL};
		struct httpc_req req = {.method = "POST",
					.url = e->url,
					.headers = send,
					.body = body,
					.body_len = strlen(body),
					.timeout_ms = j->rt->rule->timeout_ms,
					.max_response = WATCH_MAX_RESPONSE};
		int hrc = src == 0 ? httpc_perform(&req, &resp) : -1;
		free(host);
		free(xdate);
		free(xtok);
		memset(xauth, 0, strlen(xauth));
		free(xauth);
		if (src != 0) {
			snprintf(why, sizeof(why), "CloudWatch: cannot sign the request");
			break;
		}
		if (hrc != 0) {
			snprintf(why, sizeof(why), "CloudWatch %.80s: %.140s", e->url, resp.err);
			httpc_resp_free(&resp);
			break;
		}
		root =
		    json_parse_capped(resp.body, resp.body_len, INGEST_MAX_DEPTH, err, sizeof(err));
		if (resp.status == 200 && root != NULL) {
			httpc_resp_free(&resp);
			return root;
		}
		const char *type =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "__type"));
		const char *msg =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "message"));
		if (msg == NULL)
			msg =
			    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "Message"));
		if (resp.status == 200)
			snprintf(why, sizeof(why), "CloudWatch: %.160s", err);
		else
			snprintf(why, sizeof(why), "CloudWatch: HTTP %ld %.60s%s%.120s",
				 resp.status, type ? type : "", msg ? ": " : "", msg ? msg : "");
		bool again = retryable(&resp, root);
		long wait = backoff_ms[attempt < (int)ARRAY_LEN(backoff_ms)
					   ? attempt
					   : (int)ARRAY_LEN(backoff_ms) - 1];
		if (resp.retry_after_s > 0)
			wait = resp.retry_after_s * 1000 > CW_RETRY_AFTER_CAP_MS
				   ? CW_RETRY_AFTER_CAP_MS
				   : resp.retry_after_s * 1000;
		cJSON_Delete(root);
		root = NULL;
		httpc_resp_free(&resp);
		if (!again || attempt + 1 == CW_ATTEMPTS)
			break;
		sleep_ms(wait);
	}
	snprintf(j->err, sizeof(j->err), "%s", why);
	return NULL;
}

int
watch_cw_fetch(struct watch_job *j, int64_t from_ms, int64_t to_ms)
{
	const struct watch_rule *r = j->rt->rule;
	const char *region = r->region ? r->region : config_get("AWS_REGION");
	struct cw_endpoint e = {0};
	char *next = NULL;
	int rc = -1;

	if (region == NULL || *region == '\0')
		region = config_get("AWS_DEFAULT_REGION");
	if (region == NULL || *region == '\0') {
		snprintf(j->err, sizeof(j->err), "CloudWatch: no region (set AWS_REGION)");
		return -1;
	}
	if (endpoint_get(region, &e) != 0) {
		snprintf(j->err, sizeof(j->err),
			 "CloudWatch: the endpoint URL is not http(s)://host");
		goto out;
	}
	for (int page = 0; page < CW_MAX_PAGES; page++) {
		cJSON *req = request_body(r, from_ms, to_ms, next);
		char *body = cJSON_PrintUnformatted(req);
		cJSON_Delete(req);
		cJSON *root = post_signed(j, &e, region, body);
		free(body);
		if (root == NULL || feed_page(j, root) != 0) {
			cJSON_Delete(root);
			goto out;
		}
		const char *tok =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "NextToken"));
		free(next);
		next = tok && *tok ? xstrdup(tok) : NULL;
		cJSON_Delete(root);
		if (next == NULL) {
			rc = 0;
			goto out;
		}
	}
	snprintf(j->err, sizeof(j->err), "CloudWatch: more than %d pages; narrow the query",
		 CW_MAX_PAGES);
out:
	free(next);
	endpoint_free(&e);
	return rc;
}
