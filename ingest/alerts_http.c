/* alerts_http.c — /alerts/{alertmanager,eventbridge,generic,sns}, /healthz and /metrics:
 * authenticate, parse, hand the alerts to the engine in one transaction, answer 202. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts_http.h"
#include "config.h"
#include "engine.h"
#include "http_server.h"
#include "httpc.h"
#include "ingest.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "sns.h"
#include "store.h"
#include "util.h"

#define SNS_CERT_CACHE 16
#define SNS_CERT_MAX (64 * 1024)

struct source_route {
	const char *path;
	enum alert_source src;
};

static const struct source_route routes[] = {
    {"/alerts/alertmanager", SRC_ALERTMANAGER},
    {"/alerts/eventbridge", SRC_EVENTBRIDGE},
    {"/alerts/generic", SRC_GENERIC},
};

static void
count(enum alert_source src, const char *result, int n)
{
	char lab[96];

	snprintf(lab, sizeof(lab), "source=\"%s\",result=\"%s\"", alert_source_name(src), result);
	if (n > 0)
		metrics_add("healer_alerts_received_total", "Alerts received by source and result",
			    lab, n);
}

static void
respond(struct http_response *resp, int status, char *body)
{
	resp->status = status;
	resp->content_type = "application/json";
	resp->body = body;
}

/* Parsed alerts → engine → the 202 body. */
static int
apply(enum alert_source src, struct alert_batch *batch, char **body)
{
	cJSON *incidents = cJSON_CreateArray(), *o;
	int accepted, dups, ignored;

	if (engine_ingest(batch, incidents, &accepted, &dups, &ignored) != ENGINE_OK) {
		cJSON_Delete(incidents);
		count(src, "error", (int)batch->n);
		*body = http_json_error("could not store the alerts; nothing was applied, retry");
		return 503;
	}
	count(src, "accepted", accepted);
	count(src, "duplicate", dups);
	count(src, "ignored", ignored);
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "accepted", accepted);
	cJSON_AddNumberToObject(o, "duplicates", dups);
	cJSON_AddNumberToObject(o, "ignored", ignored);
	cJSON_AddItemToObject(o, "incidents", incidents);
	*body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return 202;
}

static int
check_bearer(const struct http_request *req, char **body)
{
	const char *auth = http_request_header(req, "authorization");

	if (cfg.ingest_token == NULL) {
		*body = http_json_error("alert ingest is disabled: HEALER_INGEST_TOKEN is not set");
		return 401;
	}
	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0) {
		*body = http_json_error("missing bearer token (Authorization: Bearer …)");
		return 401;
	}
	auth += 7;
	if (!ct_equal(auth, strlen(auth), cfg.ingest_token, strlen(cfg.ingest_token))) {
		*body = http_json_error("invalid bearer token");
		return 401;
	}
	return 0;
}

static enum http_handled
alerts_handler(const struct http_request *req, struct http_response *resp, void *ctx)
{
	const struct source_route *r = ctx;
	struct alert_batch batch = {0};
	char err[256], *body = NULL;
	int status;

	if ((status = check_bearer(req, &body)) != 0) {
		count(r->src, "unauthorized", 1);
		respond(resp, status, body);
		return HTTP_DONE;
	}
	if (ingest_parse(r->src, req->body, req->body_len, NULL, &batch, err, sizeof(err)) != 0) {
		count(r->src, "invalid", 1);
		respond(resp, 400, http_json_error("%s", err));
		return HTTP_DONE;
	}
	status = apply(r->src, &batch, &body);
	alert_batch_free(&batch);
	respond(resp, status, body);
	return HTTP_DONE;
}

/* ---- SNS: signature with a fetched certificate, subscription confirmation ---- */

static struct {
	char *url, *pem;
	size_t len;
} cert_cache[SNS_CERT_CACHE];
static size_t cert_next;

static const char *
cert_cached(const char *url, size_t *len)
{
	for (size_t i = 0; i < SNS_CERT_CACHE; i++)
		if (cert_cache[i].url && strcmp(cert_cache[i].url, url) == 0) {
			*len = cert_cache[i].len;
			return cert_cache[i].pem;
		}
	return NULL;
}

static void
cert_store(const char *url, const char *pem, size_t len)
{
	size_t i = cert_next++ % SNS_CERT_CACHE;

	free(cert_cache[i].url);
	free(cert_cache[i].pem);
	cert_cache[i].url = xstrdup(url);
	cert_cache[i].pem = xstrndup(pem, len);
	cert_cache[i].len = len;
}

struct sns_job {
	uint64_t req_id;
	struct sns_message m;
	bool need_cert;
	struct httpc_resp cert;	   /* fetched certificate */
	struct httpc_resp confirm; /* SubscribeURL answer */
	int cert_rc, confirm_rc;
};

static void
sns_job_free(struct sns_job *j)
{
	sns_message_free(&j->m);
	httpc_resp_free(&j->cert);
	httpc_resp_free(&j->confirm);
	free(j);
}

/* Runs on the loop thread once the certificate is known: verify, then act. */
static void sns_verified(struct sns_job *j, const char *pem, size_t len);

static void
sns_confirm_work(void *arg)
{
	struct sns_job *j = arg;
	struct httpc_req rq = {.method = "GET",
			       .url = j->m.subscribe_url,
			       .timeout_ms = 10000,
			       .max_response = 64 * 1024};

	j->confirm_rc = httpc_perform(&rq, &j->confirm);
}

static void
sns_confirm_done(void *arg, enum work_status status)
{
	struct sns_job *j = arg;

	if (status == WORK_CANCELLED) { /* shutting down: the request goes with the server */
		sns_job_free(j);
		return;
	}
	if (j->confirm_rc == 0 && j->confirm.status == 200) {
		log_info("SNS subscription to %s confirmed", j->m.topic_arn);
		http_respond_later(j->req_id, 200, "application/json",
				   xstrdup("{\"confirmed\":true}"));
	} else {
		log_warnx("SNS subscription to %s: confirming failed: %s", j->m.topic_arn,
			  j->confirm_rc ? j->confirm.err : "unexpected status");
		http_respond_later(j->req_id, 502, "application/json",
				   http_json_error("could not confirm the subscription: %s",
						   j->confirm_rc
						       ? j->confirm.err
						       : "SubscribeURL answered non-200"));
	}
	sns_job_free(j);
}

static void
sns_cert_work(void *arg)
{
	struct sns_job *j = arg;
	struct httpc_req rq = {.method = "GET",
			       .url = j->m.signing_cert_url,
			       .timeout_ms = 10000,
			       .max_response = SNS_CERT_MAX};

	j->cert_rc = httpc_perform(&rq, &j->cert);
}

static void
sns_cert_done(void *arg, enum work_status status)
{
	struct sns_job *j = arg;

	if (status == WORK_CANCELLED) { /* shutting down: the request goes with the server */
		sns_job_free(j);
		return;
	}
	if (j->cert_rc != 0 || j->cert.status != 200) {
		log_warnx("SNS: cannot fetch signing certificate %s: %s", j->m.signing_cert_url,
			  j->cert_rc ? j->cert.err : "non-200");
		count(SRC_SNS, "unverified", 1);
		http_respond_later(j->req_id, 502, "application/json",
				   http_json_error("could not fetch the signing certificate"));
		sns_job_free(j);
		return;
	}
	cert_store(j->m.signing_cert_url, j->cert.body, j->cert.body_len);
	sns_verified(j, j->cert.body, j->cert.body_len);
}

static void
sns_verified(struct sns_job *j, const char *pem, size_t len)
{
	char err[256], *body = NULL;

	if (sns_verify(&j->m, pem, len, err, sizeof(err)) != 0) {
		log_warnx("SNS: rejected message %s: %s", j->m.message_id, err);
		count(SRC_SNS, "bad_signature", 1);
		http_respond_later(j->req_id, 403, "application/json",
				   http_json_error("signature verification failed: %s", err));
		sns_job_free(j);
		return;
	}
	if (j->m.type == SNS_SUBSCRIPTION_CONFIRMATION) {
		work_submit(WORK_IO, sns_confirm_work, sns_confirm_done, j);
		return;
	}
	if (j->m.type == SNS_UNSUBSCRIBE_CONFIRMATION) {
		log_warnx("SNS: topic %s unsubscribed this endpoint", j->m.topic_arn);
		http_respond_later(j->req_id, 200, "application/json", xstrdup("{}"));
		sns_job_free(j);
		return;
	}
	struct alert_batch batch = {0};
	if (ingest_parse(SRC_SNS, j->m.message, strlen(j->m.message), j->m.message_id, &batch, err,
			 sizeof(err)) != 0) {
		count(SRC_SNS, "invalid", 1);
		http_respond_later(j->req_id, 400, "application/json",
				   http_json_error("Message: %s", err));
		sns_job_free(j);
		return;
	}
	int status = apply(SRC_SNS, &batch, &body);
	alert_batch_free(&batch);
	http_respond_later(j->req_id, status, "application/json", body);
	sns_job_free(j);
}

static enum http_handled
sns_handler(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct sns_job *j;
	char err[256];
	const char *pem;
	size_t len;

	(void)ctx;
	j = xcalloc(1, sizeof(*j));
	j->req_id = req->id;
	if (sns_parse(req->body, req->body_len, &j->m, err, sizeof(err)) != 0) {
		count(SRC_SNS, "invalid", 1);
		respond(resp, 400, http_json_error("%s", err));
		goto refused;
	}
	if (sns_check_age(&j->m, now_ms(), err, sizeof(err)) != 0) {
		count(SRC_SNS, "invalid", 1);
		respond(resp, 400, http_json_error("%s", err));
		goto refused;
	}
	if (!sns_topic_allowed(j->m.topic_arn, cfg.sns_topics)) {
		count(SRC_SNS, "topic_refused", 1);
		respond(resp, 403,
			http_json_error("topic %s is not in HEALER_SNS_TOPICS", j->m.topic_arn));
		goto refused;
	}
	if (sns_check_cert_url(j->m.signing_cert_url, cfg.sns_cert_hosts, err, sizeof(err)) != 0) {
		count(SRC_SNS, "bad_signature", 1);
		respond(resp, 403, http_json_error("SigningCertURL refused: %s", err));
		goto refused;
	}
	if ((pem = cert_cached(j->m.signing_cert_url, &len)) != NULL)
		sns_verified(j, pem, len);
	else
		work_submit(WORK_IO, sns_cert_work, sns_cert_done, j);
	return HTTP_DEFERRED;
refused:
	sns_job_free(j);
	return HTTP_DONE;
}

static enum http_handled
healthz_handler(const struct http_request *req, struct http_response *resp, void *ctx)
{
	(void)req;
	(void)ctx;
	respond(resp, 200, xstrdup("{\"status\":\"ok\"}"));
	return HTTP_DONE;
}

void
alerts_http_register(void)
{
	alerts_retention_start();
	for (size_t i = 0; i < ARRAY_LEN(routes); i++)
		http_route(routes[i].path, "POST", alerts_handler, (void *)&routes[i]);
	http_route("/alerts/sns", "POST", sns_handler, NULL);
	http_route("/healthz", "GET", healthz_handler, NULL);
}
