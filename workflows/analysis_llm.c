/* analysis_llm.c — the LLM pass of an analysis: prepared when the proposal is made, asked
 * once the engine has run the proposal's diagnostics (their output is evidence for the
 * model), one chat-completions call on a WORK_FETCH worker; the engine's callback merges the
 * answer before the policy decides. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "engine_int.h"
#include "log.h"
#include "loop.h"
#include "util.h"

#define DIAG_OUT_MAX 2000   /* bytes of one diagnostic's output in the prompt */
#define DIAG_TOTAL_MAX 8000 /* bytes of all of them */
#define TEXT_MAX 1500	    /* bytes of a runbook description or an annotation */

struct analysis_llm_run {
	cJSON *context; /* what the model is shown */
};

static struct llm_config llm_cfg;
static int llm_on = -1; /* -1: not read yet */

bool
analysis_llm_enabled(void)
{
	if (llm_on < 0) {
		llm_on = llm_config_load(&llm_cfg);
		if (llm_on)
			log_info("LLM analysis on: model %s at %s, timeout %ld ms", llm_cfg.model,
				 llm_cfg.url, llm_cfg.timeout_ms);
	}
	return llm_on == 1;
}

void
analysis_llm_free(struct llm_job *job)
{
	if (job == NULL)
		return;
	if (job->run) {
		cJSON_Delete(job->run->context);
		free(job->run);
	}
	llm_answer_free(&job->answer);
	free(job);
}

/* The incident is still waiting for this analysis: open, with this proposal. */
static bool
job_current(const struct llm_job *job)
{
	struct incident inc;
	bool cur;

	if (store_incident_get(job->incident_id, &inc) != 0)
		return false;
	cur = strcmp(inc.state, "open") == 0 && inc.action_id == job->action_id;
	incident_free(&inc);
	return cur;
}

static void
job_finish(struct llm_job *job, enum llm_status st, const char *why)
{
	job->status = st;
	if (why)
		snprintf(job->why, sizeof(job->why), "%s", why);
	job->done(job);
}

/* ---- the context the model sees ---- */

static char *
capped(const char *s, size_t max)
{
	return utf8_truncate(s ? s : "", max);
}

static void
add_capped(cJSON *o, const char *k, const char *s, size_t max)
{
	char *c = capped(s, max);

	cJSON_AddStringToObject(o, k, c);
	free(c);
}

static cJSON *
candidate_json(const struct runbook *rb)
{
	cJSON *o = cJSON_CreateObject(), *ps = cJSON_CreateArray();

	cJSON_AddStringToObject(o, "id", rb->id);
	cJSON_AddStringToObject(o, "title", rb->title);
	add_capped(o, "description", rb->description, TEXT_MAX);
	cJSON_AddStringToObject(o, "risk", risk_level_name(rb->risk));
	for (size_t i = 0; i < rb->nparams; i++) {
		const struct param_spec *p = &rb->params[i];
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "name", p->name);
		cJSON_AddStringToObject(j, "pattern", p->pattern);
		cJSON_AddBoolToObject(j, "required", p->required);
		if (p->from)
			cJSON_AddStringToObject(j, "from", p->from);
		cJSON_AddItemToArray(ps, j);
	}
	cJSON_AddItemToObject(o, "params", ps);
	return o;
}

/* From the view: the alert, the diagnostics of the proposal, the similar incidents. */
static cJSON *
context_build(const struct llm_job *job)
{
	cJSON *view = engine_incident_view(job->incident_id), *ctx, *it, *arr;
	static const char *const keys[] = {"key",    "title",	    "severity", "resource",
					   "source", "occurrences", "analysis"};
	size_t total = 0;

	ctx = cJSON_CreateObject();
	if (view == NULL)
		return ctx;
	cJSON *inc = cJSON_AddObjectToObject(ctx, "incident");
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		cJSON_AddItemToObject(inc, keys[i],
				      cJSON_Duplicate(cJSON_GetObjectItem(view, keys[i]), 1));
	cJSON_AddItemToObject(ctx, "labels",
			      cJSON_Duplicate(cJSON_GetObjectItem(view, "labels"), 1));
	arr = cJSON_AddObjectToObject(ctx, "annotations");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(view, "annotations"))
	{
		if (cJSON_IsString(it))
			add_capped(arr, it->string, it->valuestring, TEXT_MAX);
	}
	arr = cJSON_AddArrayToObject(ctx, "diagnostics");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(view, "step_runs"))
	{
		const char *ph = cJSON_GetStringValue(cJSON_GetObjectItem(it, "phase"));
		const char *out = cJSON_GetStringValue(cJSON_GetObjectItem(it, "output"));
		if (ph == NULL || strcmp(ph, "diagnostic") != 0 || total >= DIAG_TOTAL_MAX)
			continue;
		cJSON *d = cJSON_CreateObject();
		cJSON_AddItemToObject(d, "name",
				      cJSON_Duplicate(cJSON_GetObjectItem(it, "name"), 1));
		cJSON_AddItemToObject(d, "status",
				      cJSON_Duplicate(cJSON_GetObjectItem(it, "status"), 1));
		size_t room = DIAG_TOTAL_MAX - total;
		char *o = capped(out, room < DIAG_OUT_MAX ? room : DIAG_OUT_MAX);
		total += strlen(o);
		cJSON_AddStringToObject(d, "output", o);
		free(o);
		cJSON_AddItemToObject(d, "error",
				      cJSON_Duplicate(cJSON_GetObjectItem(it, "error"), 1));
		cJSON_AddItemToArray(arr, d);
	}
	/* the log templates of the incident's sources (logs/logctx.c), already capped */
	cJSON_AddItemToObject(ctx, "log_context",
			      cJSON_Duplicate(cJSON_GetObjectItem(view, "log_context"), 1));
	arr = cJSON_AddArrayToObject(ctx, "candidates");
	for (size_t i = 0; i < job->ncandidates; i++)
		cJSON_AddItemToArray(arr, candidate_json(job->candidates[i]));
	arr = cJSON_AddArrayToObject(ctx, "similar_incidents");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(view, "similar"))
	{
		static const char *const sk[] = {"key",	    "title",	 "state",	 "runbook",
						 "outcome", "resolve_s", "same_resource"};
		cJSON *s = cJSON_CreateObject();
		for (size_t i = 0; i < ARRAY_LEN(sk); i++)
			cJSON_AddItemToObject(s, sk[i],
					      cJSON_Duplicate(cJSON_GetObjectItem(it, sk[i]), 1));
		cJSON_AddItemToArray(arr, s);
	}
	cJSON_Delete(view);
	return ctx;
}

/* ---- the call ---- */

static void
llm_work(void *arg)
{
	struct llm_job *job = arg;

	job->status =
	    llm_call(&llm_cfg, job->run->context, &job->answer, job->why, sizeof(job->why));
}

static void
llm_done(void *arg, enum work_status status)
{
	struct llm_job *job = arg;

	if (status == WORK_CANCELLED) { /* the restart decides on the rule-based proposal */
		analysis_llm_free(job);
		return;
	}
	job->cost_usd =
	    llm_cost(&llm_cfg, job->answer.prompt_tokens, job->answer.completion_tokens);
	job->done(job);
}

void
analysis_llm_ask(struct llm_job *job)
{
	if (loop_stopping())
		return; /* the restart decides on the rule-based proposal */
	if (!job_current(job)) {
		job_finish(job, LLM_ABANDONED, "the incident moved on before the analysis ended");
		return;
	}
	job->run->context = context_build(job);
	work_submit(WORK_FETCH, llm_work, llm_done, job);
}

struct llm_job *
analysis_llm_prepare(int64_t action_id, const struct analysis *an,
		     void (*done)(struct llm_job *job))
{
	struct llm_job *job = xcalloc(1, sizeof(*job));
	struct action act;

	job->done = done;
	job->action_id = action_id;
	job->run = xcalloc(1, sizeof(*job->run));
	memcpy(job->candidates, an->candidates, sizeof(job->candidates));
	job->ncandidates = an->ncandidates;
	for (size_t i = 0; i < an->nsimilar; i++)
		job->similar[i] = an->similar[i].id;
	job->nsimilar = an->nsimilar;
	analysis_llm_enabled();
	snprintf(job->model, sizeof(job->model), "%s", llm_cfg.model ? llm_cfg.model : "");
	if (store_action_get(action_id, &act) != 0) {
		analysis_llm_free(job);
		return NULL;
	}
	job->incident_id = act.incident_id;
	action_free(&act);
	int rc = store_begin();
	if (rc == 0)
		rc = store_llm_begin(job->incident_id, job->model, &job->call_id);
	if (rc == 0)
		rc = eng_notify(job->incident_id);
	if (eng_commit(rc) != 0) {
		analysis_llm_free(job);
		return NULL;
	}
	return job;
}
