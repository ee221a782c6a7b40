/* fuzz_runbook.c — a runbook file read as YAML and as JSON, validated, and when valid
 * matched, bound to an alert's labels and its steps expanded and described. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box.h"
#include "runbook_int.h"

static void
exercise(const struct runbook *rb)
{
	cJSON *labels = cJSON_CreateObject(), *ann = cJSON_CreateObject(), *params = NULL;
	char err[256];
	const struct {
		struct step *v;
		size_t n;
	} sections[] = {{rb->diagnostics, rb->ndiagnostics},
			{rb->steps, rb->nsteps},
			{rb->verify, rb->nverify},
			{rb->rollback, rb->nrollback}};

	cJSON_AddStringToObject(labels, "alertname", "ServiceDown");
	cJSON_AddStringToObject(labels, "service", "api");
	cJSON_AddStringToObject(labels, "instance", "web-1:9100");
	cJSON_AddStringToObject(ann, "summary", "api is down on web-1");
	(void)runbook_matches(rb, labels);
	if (runbook_bind_params(rb, labels, ann, NULL, &params, err, sizeof(err)) == 0) {
		/* the engine sets these two itself */
		cJSON_AddStringToObject(params, "incident", "INC-1");
		cJSON_AddStringToObject(params, "resource", "api");
		for (size_t s = 0; s < sizeof(sections) / sizeof(sections[0]); s++)
			for (size_t i = 0; i < sections[s].n; i++) {
				struct bound_step bs;
				if (runbook_bind_step(&sections[s].v[i], params, &bs, err,
						      sizeof(err)) != 0)
					continue;
				free(step_describe(&bs));
				bound_step_free(&bs);
			}
		cJSON_Delete(params);
	}
	cJSON_Delete(labels);
	cJSON_Delete(ann);
}

static void
load(const char *file, const char *text, size_t len, bool is_json)
{
	struct diag_list errs = {0};
	struct rb_node *root = rb_doc_parse(file, text, len, is_json, &errs);
	struct runbook *rb = NULL;
	int id_line, nerr;

	if (root == NULL) {
		if (errs.n == 0)
			box_fail("runbook: a refused document without a message", file);
		diag_free(&errs);
		return;
	}
	nerr = rb_build(file, root, &rb, &id_line, &errs);
	rb_node_free(root);
	if (nerr == 0 && rb == NULL)
		box_fail("runbook: no error and no runbook", file);
	if (nerr > 0 && (rb != NULL || errs.n == 0))
		box_fail("runbook: errors without messages, or a runbook despite them", file);
	if (rb != NULL) {
		exercise(rb);
		runbook_free(rb);
	}
	diag_free(&errs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = box_strndup(data, size);

	load("fuzz.yaml", text, size, false);
	load("fuzz.json", text, size, true);
	free(text);
	return 0;
}
