/* engine_view.c — the incident view completed with what only the engine knows: the title
 * of the proposed runbook and its steps bound to the incident's parameters. */
#include <stdlib.h>

#include "config.h"
#include "engine_int.h"
#include "util.h"

cJSON *
engine_incident_view(int64_t id)
{
	cJSON *view = NULL, *act, *steps;
	char err[256];

	if (store_incident_view(id, &view) != 0)
		return NULL;
	cJSON_AddItemToObject(view, "ladder", eng_ladder_view(id, view));
	eng_related_view(id, view);
	/* a verified fix waiting for related alerts: when it resolves regardless */
	struct incident_cause ic;
	char at[40];
	int64_t until = store_cause_get(id, &ic) == 0 ? ic.wait_until : 0;
	incident_cause_free(&ic);
	time_format_iso(until, at, sizeof(at));
	cJSON_AddItemToObject(view, "wait_until",
			      until > 0 ? cJSON_CreateString(at) : cJSON_CreateNull());
	/* where a card's "and N more" leads: the incident's web page */
	if (cfg.public_url && *cfg.public_url) {
		char *url = xasprintf("%s/ui/incidents/%lld", cfg.public_url, (long long)id);
		cJSON_AddStringToObject(view, "url", url);
		free(url);
	} else {
		cJSON_AddNullToObject(view, "url");
	}
	act = cJSON_GetObjectItem(view, "action");
	if (!cJSON_IsObject(act))
		return view;
	const char *rbid = cJSON_GetStringValue(cJSON_GetObjectItem(act, "runbook"));
	const struct runbook *rb = rbid ? runbook_find(eng_rbs, rbid) : NULL;
	cJSON_DeleteItemFromObject(act, "runbook_title");
	cJSON_AddItemToObject(act, "runbook_title",
			      rb ? cJSON_CreateString(rb->title) : cJSON_CreateNull());
	steps = cJSON_CreateArray();
	const cJSON *params = cJSON_GetObjectItem(act, "params");
	for (size_t i = 0; rb && i < rb->nsteps; i++) {
		struct bound_step b;
		if (runbook_bind_step(&rb->steps[i], params, &b, err, sizeof(err)) != 0) {
			cJSON_AddItemToArray(steps, cJSON_CreateString(rb->steps[i].name));
			continue;
		}
		char *d = step_describe(&b);
		char *line = xasprintf("%s: %s", b.name, d);
		cJSON_AddItemToArray(steps, cJSON_CreateString(line));
		free(line);
		free(d);
		bound_step_free(&b);
	}
	cJSON_DeleteItemFromObject(act, "steps");
	cJSON_AddItemToObject(act, "steps", steps);
	return view;
}
