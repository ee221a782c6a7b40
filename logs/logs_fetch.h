/* logs_fetch.h — one query of one log source (Loki query_range, OpenSearch/Elasticsearch
 * _search, CloudWatch Logs FilterLogEvents) over a time window, its lines templated as they
 * arrive. Blocking: WORK_FETCH workers only. */
#ifndef HEALER_LOGS_FETCH_H
#define HEALER_LOGS_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "logs_config.h"
#include "logtemplate.h"

struct httpc_req;

#define LOGS_BYTES_MAX (8 * 1024 * 1024) /* response bytes of one fetch, all pages */
#define LOGS_PAGES_MAX 10		 /* CloudWatch pages of one fetch */
#define LOGS_TEMPLATES_MAX 200		 /* distinct templates one fetch keeps */

enum logs_status { LOGS_OK, LOGS_TIMEOUT, LOGS_FAILED };

struct logs_result {
	enum logs_status status;
	char error[256];	/* why, when not LOGS_OK; never holds a credential */
	struct logtpl_set *tpl; /* owned; the warnings and errors */
	long lines;		/* lines received */
	size_t bytes;		/* response bytes */
	bool capped;		/* a cap (lines, bytes, pages) cut the fetch short */
	int64_t took_ms;
};

/* What to ask: the source and its templates already expanded for the incident. */
struct logs_query {
	const struct logs_source *src;
	const char *query;  /* LogQL | Lucene | filter pattern (NULL: none) */
	const char *target; /* OpenSearch index | CloudWatch log group (NULL for Loki) */
	int64_t start_ms, end_ms;
	int64_t
	    not_after_mono; /* mono_ms() by which the fetch ends whatever its timeout (0: none) */
};

/* Fetches and templates; the whole fetch (every page) ends within the source's timeout.
 * Fills r (r->tpl allocated here, freed by logs_result_free). Returns r->status. */
enum logs_status logs_fetch(const struct logs_query *q, struct logs_result *r);
void logs_result_free(struct logs_result *r);

/* Internal to logs/: a backend's fetch, given the deadline (mono_ms) for every request. */
enum logs_status logs_fetch_loki(const struct logs_query *q, int64_t deadline,
				 struct logs_result *r);
enum logs_status logs_fetch_opensearch(const struct logs_query *q, int64_t deadline,
				       struct logs_result *r);
enum logs_status logs_fetch_cloudwatch(const struct logs_query *q, int64_t deadline,
				       struct logs_result *r);
/* Performs req, the answer's bytes counted in r->bytes: LOGS_OK with its JSON in *out (the
 * caller's to free), else a failure in r (logs_fail, or "the answer is not JSON"). */
enum logs_status logs_perform_json(const struct httpc_req *req, int64_t deadline,
				   struct logs_result *r, cJSON **out);
/* The status of a failed request: a timeout once the deadline passed, else a failure; the
 * error says which, with the source's name left to the caller. */
enum logs_status logs_fail(struct logs_result *r, int64_t deadline, long http_status,
			   const char *what);

/*
 * AWS Signature Version 4 (logs_aws.c). This is the one place a shared SigV4 signer can
 * replace: the Authorization header value for a request. `headers` are the further signed
 * headers as lower-case "name:value" strings in name order, none of them before "host"
 * except "content-type" (which is passed separately); host and x-amz-date (and
 * x-amz-security-token when a session token is given) are added here. Returns 0, or -1 when
 * out is too small.
 */
struct logs_sigv4_req {
	const char *method, *host, *path; /* host as sent, with :port when not the default */
	const char *region, *service;
	const char *access_key, *secret_key, *session_token; /* token may be NULL */
	const char *amz_date;				     /* "20260501T100000Z" */
	const char *content_type;			     /* NULL: not signed */
	const char *const *headers;			     /* NULL-terminated, may be NULL */
	const void *body;
	size_t body_len;
};
int logs_sigv4_sign(const struct logs_sigv4_req *r, char *out, size_t outlen);

#endif
