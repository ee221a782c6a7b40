/* fuzz_llm.c — a chat-completions answer body: parsed as the LLM client parses it, then put
 * through the guardrails against one candidate runbook (restart-service's shape). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box.h"
#include "llm.h"
#include "runbook_int.h"

static const char candidate_yaml[] =
    "id: restart-service\n"
    "title: Restart a systemd service\n"
    "match:\n"
    "  - labels: {alertname: ServiceDown}\n"
    "params:\n"
    "  service: {from: labels.service, pattern: '^[a-z0-9@._-]{1,64}$'}\n"
    "risk: low\n"
    "steps:\n"
    "  - name: restart\n"
    "    exec: [systemctl, restart, '{{service}}']\n";

static struct runbook *
candidate(void)
{
	static struct runbook *rb;
	struct diag_list errs = {0};
	struct rb_node *root;
	int id_line;

	if (rb != NULL)
		return rb;
	root = rb_doc_parse("candidate.yaml", candidate_yaml, strlen(candidate_yaml), false,
			    &errs);
	if (root == NULL || rb_build("candidate.yaml", root, &rb, &id_line, &errs) != 0)
		box_fail("llm: the candidate runbook does not load",
			 errs.n ? errs.msgs[0] : "");
	rb_node_free(root);
	diag_free(&errs);
	return rb;
}

static void
check_text(const char *s, const char *what)
{
	if (s == NULL)
		return;
	if (strlen(s) > LLM_MAX_TEXT)
		box_fail(what, "longer than LLM_MAX_TEXT");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			box_fail(what, "a control character was kept");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct runbook *cands[1], *chosen = NULL;
	char *body = box_strndup(data, size), why[256];
	struct llm_answer a;
	cJSON *labels = cJSON_CreateObject(), *params = NULL;
	enum llm_status st;

	cands[0] = candidate();
	cJSON_AddStringToObject(labels, "service", "api");
	memset(&a, 0, sizeof(a));
	why[0] = '\0';
	st = llm_parse_response(200, body, NULL, &a, why, sizeof(why));
	if (st == LLM_OK) {
		check_text(a.summary, "llm: summary");
		check_text(a.root_cause, "llm: root_cause");
		if (a.confidence < 0 || a.confidence > 1)
			box_fail("llm: confidence outside 0..1", body);
		if (llm_validate(&a, cands, 1, labels, NULL, &chosen, &params, why, sizeof(why)) ==
		    0)
			cJSON_Delete(params);
	} else if (why[0] == '\0') {
		box_fail("llm: a failure without a reason", llm_status_name(st));
	}
	if (a.prompt_tokens < 0 || a.completion_tokens < 0)
		box_fail("llm: negative token counts", body);
	llm_answer_free(&a);
	cJSON_Delete(labels);
	free(body);
	return 0;
}
