/* llm.h — an OpenAI-compatible chat-completions client for incident analysis: the request
 * (prompt and JSON schema), the response parser and the guardrails as pure functions, and
 * the blocking call (a WORK_FETCH worker). The model picks at most one of the candidate
 * runbooks and fills its declared parameters; it never supplies commands. */
#ifndef HEALER_LLM_H
#define HEALER_LLM_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "runbook.h"

#define LLM_DEFAULT_TIMEOUT_MS 20000
#define LLM_MAX_RESPONSE (256 * 1024)
#define LLM_MAX_TEXT 600 /* bytes of summary and of root cause kept */

struct llm_config {
	char *url; /* the full …/chat/completions URL */
	char *key; /* may be NULL (local servers) */
	char *model;
	long timeout_ms;
	double usd_in_per_1k, usd_out_per_1k;
};
/* From LLM_API_URL, LLM_API_KEY, LLM_MODEL (default "gpt-4o-mini"), LLM_TIMEOUT (a
 * duration, default 20 s), LLM_USD_PER_1K_INPUT and LLM_USD_PER_1K_OUTPUT (default 0).
 * Returns false, with *c zeroed, when LLM_API_URL is unset. A malformed value is logged and
 * its default used. */
bool llm_config_load(struct llm_config *c);
void llm_config_free(struct llm_config *c);
/* The chat-completions URL for a base: ".../chat/completions" (with any query, e.g. Azure's
 * ?api-version=) is kept; ".../v1" gets "/chat/completions"; anything else
 * "/v1/chat/completions". Owned. Pure. */
char *llm_endpoint(const char *base);

/* The request body: a system message with the rules, a user message with `context` (the
 * incident, diagnostics, candidates, similar incidents; see analysis_llm.c), temperature 0,
 * and response_format json_schema (or json_object when json_schema is false). Owned. Pure. */
char *llm_request_body(const char *model, const cJSON *context, bool json_schema);

enum llm_status {
	LLM_OK,
	LLM_TIMEOUT,
	LLM_RATE_LIMITED, /* 429 */
	LLM_HTTP_ERROR,	  /* any other non-2xx */
	LLM_MALFORMED,	  /* not the JSON we asked for */
	LLM_REFUSED,	  /* the model declined (refusal, content filter) */
	LLM_TRANSPORT,	  /* no HTTP answer */
	LLM_DISCARDED,	  /* answered, but the guardrails refused it */
	LLM_ABANDONED	  /* the incident moved on before the answer was needed */
};
/* "ok" "timeout" "rate_limited" "http_error" "malformed" "refused" "error" "discarded"
 * "abandoned" */
const char *llm_status_name(enum llm_status s);

struct llm_answer {
	char *summary, *root_cause; /* owned, at most LLM_MAX_TEXT bytes, no control characters */
	char *runbook;		    /* owned; NULL: the model found no candidate that fits */
	cJSON *params;		    /* owned object, as the model gave it (validate before use) */
	double confidence;	    /* 0..1 */
	int prompt_tokens, completion_tokens; /* from usage, also on refusals */
};
void llm_answer_free(struct llm_answer *a);

/* Parses one HTTP exchange: http_status 0 means no answer (transport_err says why; "timed
 * out" in it means LLM_TIMEOUT). The message content must be a JSON object (a ```json fence
 * is tolerated) with exactly the keys summary, root_cause, runbook, params, confidence.
 * Returns LLM_OK with *out filled, or the failure with why ("HTTP 503", "answer is not
 * JSON", …); tokens are filled whenever usage was present. Pure. */
enum llm_status llm_parse_response(long http_status, const char *body, const char *transport_err,
				   struct llm_answer *out, char *why, size_t whylen);

/* The guardrails: the runbook must be one of the candidates; every parameter must be a
 * string, declared by that runbook, and pass its pattern (runbook_bind_params with them as
 * overrides; the rest come from the alert as usual). Returns 0 with *rb (NULL when the
 * model chose none; then *params is NULL) and the bound *params (owned), or -1 with why,
 * e.g. "runbook 'rm-rf' is not one of the candidates". Pure. */
int llm_validate(const struct llm_answer *a, const struct runbook *const *candidates,
		 size_t ncandidates, const cJSON *labels, const cJSON *annotations,
		 const struct runbook **rb, cJSON **params, char *why, size_t whylen);

/* Estimated dollars of a call from its tokens and the configured prices. Pure. */
double llm_cost(const struct llm_config *c, int prompt_tokens, int completion_tokens);

/* Blocking (a WORK_FETCH worker): posts the request and parses the answer. A 400 to the
 * json_schema request is retried once with json_object (servers without structured output),
 * within the same LLM_TIMEOUT budget. */
enum llm_status llm_call(const struct llm_config *c, const cJSON *context, struct llm_answer *out,
			 char *why, size_t whylen);

#endif
