/* engine_llm.c — the optional model's pass between a proposal's diagnostics and the
 * decision: waiting passes, and merging an answer under the guardrails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "engine_int.h"
#include "estimate.h"
#include "log.h"
#include "metrics.h"
#include "util.h"

#define DAY_MS 86400000LL

/* LLM passes prepared at proposal time, waiting for their action's diagnostics. In memory
 * only: after a restart the rule-based proposal is decided (the call shows as interrupted). */
static struct llm_job *llm_pending[64];

void
eng_llm_pending_add(struct llm_job *job)
{
	for (size_t i = 0; job && i < ARRAY_LEN(llm_pending); i++)
		if (llm_pending[i] == NULL) {
			llm_pending[i] = job;
			return;
		}
	if (job) {
		log_warnx("INC-%lld: too many LLM analyses in flight; deciding on the rules",
			  (long long)job->incident_id);
		analysis_llm_free(job);
	}
}

void
eng_diagnostics_done(int64_t action_id)
{
	for (size_t i = 0; i < ARRAY_LEN(llm_pending); i++)
		if (llm_pending[i] && llm_pending[i]->action_id == action_id) {
			struct llm_job *job = llm_pending[i];
			llm_pending[i] = NULL;
			analysis_llm_ask(job);
			return;
		}
	eng_decide(action_id);
}

/*
 * The LLM's answer (or its failure) for an incident whose proposal is on the card and whose
 * diagnostics ran. The call is recorded whatever became of it. The answer
 * is adopted only when the incident still waits for it and the guardrails pass: a new action,
 * estimated with the model's confidence, replaces the proposal and its own diagnostics run
 * before the decision. Otherwise the proposal on the card stands and is decided now.
 */
void
eng_llm_done(struct llm_job *job)
{
	struct incident inc;
	const struct runbook *rb = NULL;
	cJSON *params = NULL;
	struct estimate est;
	struct action act;
	char err[300], lab[64], key[32];
	char *text = NULL, *audit = NULL;
	const struct llm_answer *a = &job->answer;
	int rc;

	memset(&act, 0, sizeof(act));
	if (store_incident_get(job->incident_id, &inc) != 0) {
		analysis_llm_free(job);
		return;
	}
	bool current = strcmp(inc.state, "open") == 0 && inc.action_id == job->action_id;
	if (job->status == LLM_OK &&
	    llm_validate(a, job->candidates, job->ncandidates, inc.labels, inc.annotations, &rb,
			 &params, job->why, sizeof(job->why)) != 0)
		job->status = LLM_DISCARDED;
	/* the model is held to the rules' "no loop": a fix tried on the incident stays tried */
	int tried = job->status == LLM_OK && rb ? eng_runbook_tried(inc.id, rb->id, job->action_id)
						 : 0;
	if (tried != 0) {
		snprintf(job->why, sizeof(job->why), "it chose runbook %s, which %s", rb->id,
			 tried > 0 ? "was already tried on this incident"
				   : "could not be checked against the incident's actions");
		job->status = LLM_DISCARDED;
	}
	bool adopt = current && job->status == LLM_OK && rb != NULL;
	if (adopt) {
		incident_key(inc.id, key, sizeof(key));
		cJSON_AddStringToObject(params, "incident", key);
		int failures = 0;
		store_recent_failures(rb->id, inc.resource, now_ms() - 7 * DAY_MS, &failures);
		struct risk_inputs in = {
		    .severity = inc.severity,
		    .confidence = a->confidence,
		    .in_freeze = policy_in_freeze(eng_pol, now_ms(), NULL),
		    .recent_failures = failures,
		};
		if (runbook_bind_resource(rb, params, inc.resource, err, sizeof(err)) != 0 ||
		    estimate_compute(rb, params, &in, &est, err, sizeof(err)) != 0) {
			snprintf(job->why, sizeof(job->why), "runbook %s: %s", rb->id, err);
			job->status = LLM_DISCARDED;
			adopt = false;
		}
	}
	if (job->status == LLM_OK) {
		text =
		    xasprintf("%s\nProbable cause: %s\nModel %s %s%s (confidence %.2f); guardrails "
			      "passed",
			      a->summary, *a->root_cause ? a->root_cause : "not given", job->model,
			      rb ? "chose runbook " : "found no candidate runbook that fits",
			      rb ? rb->id : "; the proposal above stands", a->confidence);
		audit = xasprintf("LLM %s: %s", job->model,
				  !current ? "answered after the incident moved on; not used"
				  : rb	   ? "its choice was adopted"
					   : "no candidate fits; proposal kept");
	} else {
		log_warnx("INC-%lld: LLM analysis not used (%s): %s", (long long)inc.id,
			  llm_status_name(job->status), job->why);
		text = xasprintf("LLM analysis not used (%s: %s); the analysis above stands",
				 llm_status_name(job->status), job->why);
		audit = xasprintf("LLM answer not used (%s): %s", llm_status_name(job->status),
				  job->why);
	}
	struct store_llm_result res = {
	    .status = llm_status_name(job->status),
	    .error = job->status == LLM_OK ? NULL : job->why,
	    .prompt_tokens = a->prompt_tokens,
	    .completion_tokens = a->completion_tokens,
	    .cost_usd = job->cost_usd,
	};
	rc = store_begin();
	if (rc == 0 && job->call_id &&
	    (rc = store_llm_finish(job->call_id, &res)) == STORE_NOTFOUND)
		rc = 0;
	if (rc == 0)
		rc = store_audit(ENGINE_ACTOR, inc.id, "analysis.llm", audit, NULL);
	if (rc == 0 && current && adopt) {
		eng_action_propose(&act, inc.id, rb, params, &est, inc.requester);
		rc = store_action_create(&act);
		if (rc == 0)
			rc = store_action_set_status(job->action_id, "cancelled",
						     "superseded by the model's proposal");
		if (rc == 0)
			rc = store_incident_set_action(inc.id, act.id);
		if (rc == 0)
			rc = store_incident_set_analysis(inc.id, text, a->confidence);
		if (rc == 0)
			rc = store_incident_set_memory(inc.id, "llm", job->similar, job->nsimilar);
		cJSON_Delete(act.risk_reasons);
	} else if (rc == 0 && current) {
		char *both = xasprintf("%s\n%s", inc.analysis ? inc.analysis : "", text);
		rc = store_incident_set_analysis(inc.id, both, inc.confidence);
		free(both);
	}
	if (rc == 0)
		rc = eng_notify(inc.id);
	if (eng_commit(rc) != 0)
		log_warnx("INC-%lld: LLM analysis not recorded", (long long)inc.id);
	snprintf(lab, sizeof(lab), "result=\"%s\"", llm_status_name(job->status));
	metrics_inc("healer_llm_requests_total", "LLM analyses by result", lab);
	metrics_add("healer_llm_tokens_total", "LLM tokens used", "kind=\"prompt\"",
		    a->prompt_tokens);
	metrics_add("healer_llm_tokens_total", NULL, "kind=\"completion\"", a->completion_tokens);
	metrics_add("healer_llm_cost_usd_total", "Estimated dollars of LLM calls", "",
		    job->cost_usd);
	if (rc == 0 && current) {
		if (adopt)
			eng_run_diagnostics(act.id);
		else
			eng_decide(job->action_id);
	}
	free(text);
	free(audit);
	cJSON_Delete(params);
	incident_free(&inc);
	analysis_llm_free(job);
}
