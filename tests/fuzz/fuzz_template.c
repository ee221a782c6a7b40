/* fuzz_template.c — "{{name}}" templates expanded from a fixed set of parameters, as every
 * step's argv, URL, headers and body are. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box.h"
#include "runbook_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static cJSON *params;
	char *tmpl = box_strndup(data, size), *out, err[256];
	char name[RB_MAX_NAME + 1];

	if (params == NULL) {
		params = cJSON_CreateObject();
		cJSON_AddStringToObject(params, "service", "api");
		cJSON_AddStringToObject(params, "incident", "INC-1");
		cJSON_AddStringToObject(params, "resource", "web-1");
		cJSON_AddStringToObject(params, "empty", "");
		cJSON_AddStringToObject(params, "braces", "{{service}}");
	}
	err[0] = '\0';
	out = template_expand(tmpl, params, err, sizeof(err));
	if (out == NULL && err[0] == '\0')
		box_fail("template: a refusal without a reason", tmpl);
	if (out != NULL && strlen(out) > RB_MAX_EXPANDED)
		box_fail("template: expansion over RB_MAX_EXPANDED", tmpl);
	free(out);
	/* the scanner the validator uses, at every "{{" */
	for (const char *p = strstr(tmpl, "{{"); p != NULL; p = strstr(p + 1, "{{"))
		if (template_token(p, name) > 0)
			(void)template_name_ok(name);
	free(tmpl);
	return 0;
}
