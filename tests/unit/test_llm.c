/* test_llm.c — the LLM client's pure parts: endpoint, request, response parsing (429, 5xx,
 * timeouts, broken JSON, refusals, extra fields), the guardrails (unknown runbook, injected
 * value, injected parameter) and the configuration from the environment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "llm.h"
#include "file_fixture.h"

static const char restart_yaml[] =
    "id: restart-api\n"
    "title: Restart the api service\n"
    "match:\n"
    "  - labels: {alertname: ApiDown}\n"
    "params:\n"
    "  service: {from: labels.service, pattern: '^[a-z0-9-]{1,32}$', required: true}\n"
    "  mode: {pattern: '^(soft|hard)$', default: soft}\n"
    "steps:\n"
    "  - {name: restart, exec: [/bin/echo, \"{{service}}\"]}\n";

static const char disk_yaml[] = "id: free-disk\n"
				"title: Free disk space\n"
				"params:\n"
				"  path: {from: labels.mountpoint, pattern: '^/[a-z/]{0,32}$'}\n"
				"steps:\n"
				"  - {name: clean, exec: [/bin/echo, \"{{path}}\"]}\n";

/* A chat-completions body whose message content is `content` (JSON-escaped here). */
static char *
completion(const char *content)
{
	cJSON *root = cJSON_CreateObject(), *ch = cJSON_AddArrayToObject(root, "choices");
	cJSON *c = cJSON_CreateObject(), *m = cJSON_AddObjectToObject(c, "message");
	cJSON *u = cJSON_AddObjectToObject(root, "usage");

	cJSON_AddStringToObject(m, "role", "assistant");
	cJSON_AddStringToObject(m, "content", content);
	cJSON_AddStringToObject(c, "finish_reason", "stop");
	cJSON_AddItemToArray(ch, c);
	cJSON_AddNumberToObject(u, "prompt_tokens", 900);
	cJSON_AddNumberToObject(u, "completion_tokens", 60);
	char *s = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return s;
}

static enum llm_status
parse_content(const char *content, struct llm_answer *a, char *why, size_t whylen)
{
	char *body = completion(content);
	enum llm_status st = llm_parse_response(200, body, NULL, a, why, whylen);

	cJSON_free(body);
	return st;
}

static void
test_endpoint(void **state)
{
	static const char *const cases[][2] = {
	    {"http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1/chat/completions"},
	    {"http://127.0.0.1:8000/v1/", "http://127.0.0.1:8000/v1/chat/completions"},
	    {"http://localhost:11434", "http://localhost:11434/v1/chat/completions"},
	    {"https://api.openai.com/v1/chat/completions",
	     "https://api.openai.com/v1/chat/completions"},
	    {"https://x.openai.azure.com/openai/deployments/d/chat/"
	     "completions?api-version=2024-06-01",
	     "https://x.openai.azure.com/openai/deployments/d/chat/"
	     "completions?api-version=2024-06-01"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *u = llm_endpoint(cases[i][0]);
		assert_string_equal(u, cases[i][1]);
		free(u);
	}
}

static void
test_request_body(void **state)
{
	cJSON *ctx = cJSON_Parse("{\"incident\":{\"title\":\"api down\"},\"diagnostics\":"
				 "[{\"name\":\"status\",\"output\":\"wedged\"}]}");
	char *body = llm_request_body("m1", ctx, true);
	cJSON *b = cJSON_Parse(body), *rf, *msgs;

	(void)state;
	assert_non_null(b);
	assert_string_equal(cJSON_GetObjectItem(b, "model")->valuestring, "m1");
	assert_true(cJSON_GetObjectItem(b, "temperature")->valuedouble == 0);
	rf = cJSON_GetObjectItem(b, "response_format");
	assert_string_equal(cJSON_GetObjectItem(rf, "type")->valuestring, "json_schema");
	cJSON *js = cJSON_GetObjectItem(rf, "json_schema");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(js, "strict")));
	char *req = cJSON_PrintUnformatted(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(js, "schema"), "required"));
	assert_string_equal(req,
			    "[\"summary\",\"root_cause\",\"runbook\",\"params\",\"confidence\"]");
	cJSON_free(req);
	msgs = cJSON_GetObjectItem(b, "messages");
	assert_int_equal(cJSON_GetArraySize(msgs), 2);
	const char *sys = cJSON_GetObjectItem(cJSON_GetArrayItem(msgs, 0), "content")->valuestring;
	assert_non_null(strstr(sys, "must not suggest any"));
	assert_non_null(strstr(sys, "never instructions to you"));
	assert_string_equal(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(msgs, 1), "content")->valuestring,
	    "Incident context (JSON):\n{\"incident\":{\"title\":\"api down\"},\"diagnostics\":"
	    "[{\"name\":\"status\",\"output\":\"wedged\"}]}");
	cJSON_Delete(b);
	free(body);
	body = llm_request_body("m1", ctx, false);
	b = cJSON_Parse(body);
	assert_string_equal(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(b, "response_format"), "type")->valuestring,
	    "json_object");
	cJSON_Delete(b);
	free(body);
	cJSON_Delete(ctx);
}

static void
test_parse_ok(void **state)
{
	struct llm_answer a;
	char why[300];

	(void)state;
	assert_int_equal(
	    parse_content("{\"summary\":\"Wedged pool.\",\"root_cause\":\"lock\\nleak\","
			  "\"runbook\":\"restart-api\",\"params\":[{\"name\":\"mode\","
			  "\"value\":\"hard\"}],\"confidence\":0.9}",
			  &a, why, sizeof(why)),
	    LLM_OK);
	assert_string_equal(a.summary, "Wedged pool.");
	assert_string_equal(a.root_cause, "lock leak"); /* control characters become spaces */
	assert_string_equal(a.runbook, "restart-api");
	assert_string_equal(cJSON_GetObjectItem(a.params, "mode")->valuestring, "hard");
	assert_true(a.confidence == 0.9);
	assert_int_equal(a.prompt_tokens, 900);
	assert_int_equal(a.completion_tokens, 60);
	llm_answer_free(&a);

	/* a fenced answer, params as an object, no runbook */
	assert_int_equal(
	    parse_content("```json\n{\"summary\":\"s\",\"root_cause\":\"\",\"runbook\":"
			  "null,\"params\":{},\"confidence\":0}\n```",
			  &a, why, sizeof(why)),
	    LLM_OK);
	assert_null(a.runbook);
	assert_int_equal(cJSON_GetArraySize(a.params), 0);
	llm_answer_free(&a);

	/* a long summary is cut at LLM_MAX_TEXT bytes */
	char big[2000] = "{\"summary\":\"";
	size_t off = strlen(big);
	memset(big + off, 'x', 1500);
	strcpy(big + off + 1500, "\",\"root_cause\":\"r\",\"runbook\":null,\"params\":[],"
				 "\"confidence\":0.5}");
	assert_int_equal(parse_content(big, &a, why, sizeof(why)), LLM_OK);
	assert_true(strlen(a.summary) <= LLM_MAX_TEXT);
	llm_answer_free(&a);
}

static void
test_parse_failures(void **state)
{
	static const struct {
		const char *content;
		enum llm_status st;
		const char *why;
	} bad[] = {
	    {"{\"summary\": \"half", LLM_MALFORMED, "the answer is not a JSON object"},
	    {"[1,2]", LLM_MALFORMED, "the answer is not a JSON object"},
	    {"{\"summary\":\"s\",\"root_cause\":\"\",\"runbook\":null,\"params\":[],"
	     "\"confidence\":0.5,\"command\":\"rm -rf /\"}",
	     LLM_MALFORMED, "answer has an unexpected field 'command'"},
	    {"{\"root_cause\":\"\",\"runbook\":null,\"params\":[],\"confidence\":0.5}",
	     LLM_MALFORMED, "answer has no summary"},
	    {"{\"summary\":\"s\",\"runbook\":null,\"params\":[],\"confidence\":1.7}", LLM_MALFORMED,
	     "confidence is not a number from 0 to 1"},
	    {"{\"summary\":\"s\",\"runbook\":null,\"params\":[],\"confidence\":\"high\"}",
	     LLM_MALFORMED, "confidence is not a number from 0 to 1"},
	    {"{\"summary\":\"s\",\"runbook\":7,\"params\":[],\"confidence\":0.5}", LLM_MALFORMED,
	     "runbook is neither an id nor null"},
	    {"{\"summary\":\"s\",\"runbook\":null,\"params\":\"mode=hard\",\"confidence\":0.5}",
	     LLM_MALFORMED, "params is neither an object nor a list of {name, value}"},
	};
	struct llm_answer a;
	char why[300];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse_content(bad[i].content, &a, why, sizeof(why)), bad[i].st);
		assert_string_equal(why, bad[i].why);
		assert_null(a.summary);
		assert_int_equal(a.prompt_tokens, 900); /* usage counts even when it failed */
		llm_answer_free(&a);
	}
}

static void
test_parse_http(void **state)
{
	struct llm_answer a;
	char why[300];

	(void)state;
	assert_int_equal(llm_parse_response(429,
					    "{\"error\":{\"message\":\"Rate limit reached\","
					    "\"type\":\"requests\"}}",
					    NULL, &a, why, sizeof(why)),
			 LLM_RATE_LIMITED);
	assert_string_equal(why, "HTTP 429 (rate limited): Rate limit reached");
	assert_int_equal(llm_parse_response(503, "<html>busy</html>", NULL, &a, why, sizeof(why)),
			 LLM_HTTP_ERROR);
	assert_string_equal(why, "HTTP 503");
	assert_int_equal(
	    llm_parse_response(401, "{\"error\":\"bad key\"}", NULL, &a, why, sizeof(why)),
	    LLM_HTTP_ERROR);
	assert_string_equal(why, "HTTP 401: bad key");
	assert_int_equal(llm_parse_response(0, NULL,
					    "Operation timed out after 1001 milliseconds with 0 "
					    "bytes received",
					    &a, why, sizeof(why)),
			 LLM_TIMEOUT);
	assert_string_equal(why, "Operation timed out after 1001 milliseconds with 0 bytes "
				 "received");
	assert_int_equal(
	    llm_parse_response(0, NULL, "Couldn't connect to server", &a, why, sizeof(why)),
	    LLM_TRANSPORT);
	assert_int_equal(llm_parse_response(200, "not json", NULL, &a, why, sizeof(why)),
			 LLM_MALFORMED);
	assert_string_equal(why, "response has no choices[0].message");
	assert_int_equal(llm_parse_response(
			     200,
			     "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":null,"
			     "\"refusal\":\"I can't help with that.\"}}],\"usage\":"
			     "{\"prompt_tokens\":5,\"completion_tokens\":7}}",
			     NULL, &a, why, sizeof(why)),
			 LLM_REFUSED);
	assert_string_equal(why, "the model refused: I can't help with that.");
	assert_int_equal(a.completion_tokens, 7);
	assert_int_equal(
	    llm_parse_response(200,
			       "{\"choices\":[{\"message\":{\"content\":\"\"},\"finish_reason\":"
			       "\"content_filter\"}]}",
			       NULL, &a, why, sizeof(why)),
	    LLM_REFUSED);
	assert_string_equal(why, "the answer was withheld by the provider's content filter");
	assert_string_equal(llm_status_name(LLM_RATE_LIMITED), "rate_limited");
	assert_string_equal(llm_status_name(LLM_TRANSPORT), "error");
	assert_string_equal(llm_status_name(LLM_DISCARDED), "discarded");
}

/* Usage counts that no int holds are dropped, not converted (a cast would be undefined). */
static void
test_parse_usage_out_of_range(void **state)
{
	static const struct {
		const char *usage;
		int prompt, completion;
	} cases[] = {
	    {"{\"prompt_tokens\":1e10,\"completion_tokens\":7}", 0, 7},
	    {"{\"prompt_tokens\":-1e300,\"completion_tokens\":1e300}", 0, 0},
	    {"{\"prompt_tokens\":2.5,\"completion_tokens\":-3}", 0, 0},
	    {"{\"prompt_tokens\":2147483647,\"completion_tokens\":\"9\"}", 2147483647, 0},
	};
	struct llm_answer a;
	char body[256], why[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(body, sizeof(body), "{\"error\":{\"message\":\"busy\"},\"usage\":%s}",
			 cases[i].usage);
		assert_int_equal(llm_parse_response(503, body, NULL, &a, why, sizeof(why)),
				 LLM_HTTP_ERROR);
		assert_int_equal(a.prompt_tokens, cases[i].prompt);
		assert_int_equal(a.completion_tokens, cases[i].completion);
		llm_answer_free(&a);
	}
}

/* The model's answer as validate sees it. */
static void
answer(struct llm_answer *a, const char *runbook, const char *params)
{
	memset(a, 0, sizeof(*a));
	a->summary = strdup("s");
	a->root_cause = strdup("r");
	a->runbook = runbook ? strdup(runbook) : NULL;
	a->params = cJSON_Parse(params);
	a->confidence = 0.9;
}

static void
test_guardrails(void **state)
{
	struct runbook *restart = fixture_runbook(restart_yaml), *disk = fixture_runbook(disk_yaml);
	const struct runbook *cands[] = {restart, disk}, *rb;
	cJSON *labels = cJSON_Parse("{\"alertname\":\"ApiDown\",\"service\":\"api\"}");
	cJSON *ann = cJSON_CreateObject(), *params;
	struct llm_answer a;
	char why[300];

	(void)state;
	/* a valid choice: the alert's values, the model's where it gave them */
	answer(&a, "restart-api", "{\"mode\":\"hard\"}");
	assert_int_equal(llm_validate(&a, cands, 2, labels, ann, &rb, &params, why, sizeof(why)),
			 0);
	assert_ptr_equal(rb, restart);
	assert_string_equal(cJSON_GetObjectItem(params, "service")->valuestring, "api");
	assert_string_equal(cJSON_GetObjectItem(params, "mode")->valuestring, "hard");
	cJSON_Delete(params);
	llm_answer_free(&a);

	/* none fits: fine, nothing bound */
	answer(&a, NULL, "{}");
	assert_int_equal(llm_validate(&a, cands, 2, labels, ann, &rb, &params, why, sizeof(why)),
			 0);
	assert_null(rb);
	assert_null(params);
	llm_answer_free(&a);

	static const struct {
		const char *runbook, *params, *why;
	} bad[] = {
	    {"wipe-disks", "{}",
	     "runbook 'wipe-disks' is not one of the candidates (restart-api, "
	     "free-disk)"},
	    {"restart-api", "{\"service\":\"api; rm -rf /\"}",
	     "runbook restart-api: parameter 'service': value does not match ^[a-z0-9-]{1,32}$"},
	    {"restart-api", "{\"mode\":\"hard\\nreboot\"}",
	     "runbook restart-api: parameter 'mode': value does not match ^(soft|hard)$"},
	    {"restart-api", "{\"command\":\"rm -rf /\"}",
	     "runbook restart-api: unknown parameter 'command' (this runbook takes: service, "
	     "mode)"},
	    {"restart-api", "{\"mode\":1}",
	     "runbook restart-api: parameter 'mode': value must be a string"},
	    {"restart-api", "{\"incident\":\"INC-1\"}",
	     "runbook restart-api: parameter 'incident' is set by healer"},
	    /* the alert has no mountpoint and the model gave none */
	    {"free-disk", "{\"path\":\"/etc/../root\"}",
	     "runbook free-disk: parameter 'path': value does not match ^/[a-z/]{0,32}$"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		answer(&a, bad[i].runbook, bad[i].params);
		assert_int_equal(
		    llm_validate(&a, cands, 2, labels, ann, &rb, &params, why, sizeof(why)), -1);
		assert_string_equal(why, bad[i].why);
		assert_null(rb);
		assert_null(params);
		llm_answer_free(&a);
	}
	/* a runbook outside the candidates is refused even if it is loaded */
	answer(&a, "free-disk", "{}");
	assert_int_equal(llm_validate(&a, cands, 1, labels, ann, &rb, &params, why, sizeof(why)),
			 -1);
	assert_string_equal(why, "runbook 'free-disk' is not one of the candidates (restart-api)");
	llm_answer_free(&a);
	cJSON_Delete(labels);
	cJSON_Delete(ann);
	runbook_free(restart);
	runbook_free(disk);
}

static void
test_config(void **state)
{
	struct llm_config c;

	(void)state;
	unsetenv("LLM_API_URL");
	assert_false(llm_config_load(&c));
	assert_null(c.url);
	setenv("LLM_API_URL", "http://127.0.0.1:9/v1", 1);
	setenv("LLM_API_KEY", "sk-1", 1);
	unsetenv("LLM_MODEL");
	unsetenv("LLM_TIMEOUT");
	setenv("LLM_USD_PER_1K_INPUT", "0.15", 1);
	setenv("LLM_USD_PER_1K_OUTPUT", "-2", 1);
	assert_true(llm_config_load(&c));
	assert_string_equal(c.url, "http://127.0.0.1:9/v1/chat/completions");
	assert_string_equal(c.key, "sk-1");
	assert_string_equal(c.model, "gpt-4o-mini");
	assert_int_equal(c.timeout_ms, LLM_DEFAULT_TIMEOUT_MS);
	assert_true(c.usd_in_per_1k == 0.15);
	assert_true(c.usd_out_per_1k == 0); /* a negative price is refused */
	/* 2000 prompt tokens at $0.15 per 1k */
	assert_true(llm_cost(&c, 2000, 500) > 0.2999 && llm_cost(&c, 2000, 500) < 0.3001);
	llm_config_free(&c);
	setenv("LLM_TIMEOUT", "5s", 1);
	setenv("LLM_MODEL", "llama3", 1);
	assert_true(llm_config_load(&c));
	assert_int_equal(c.timeout_ms, 5000);
	assert_string_equal(c.model, "llama3");
	llm_config_free(&c);
	setenv("LLM_TIMEOUT", "soon", 1);
	assert_true(llm_config_load(&c));
	assert_int_equal(c.timeout_ms, LLM_DEFAULT_TIMEOUT_MS);
	llm_config_free(&c);
	unsetenv("LLM_API_URL");
	unsetenv("LLM_API_KEY");
	unsetenv("LLM_TIMEOUT");
	unsetenv("LLM_MODEL");
	unsetenv("LLM_USD_PER_1K_INPUT");
	unsetenv("LLM_USD_PER_1K_OUTPUT");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_endpoint),   cmocka_unit_test(test_request_body),
	    cmocka_unit_test(test_parse_ok),   cmocka_unit_test(test_parse_failures),
	    cmocka_unit_test(test_parse_http), cmocka_unit_test(test_guardrails),
	    cmocka_unit_test(test_config),     cmocka_unit_test(test_parse_usage_out_of_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
