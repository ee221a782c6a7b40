/* engine.c — alerts into incidents, analysis, the policy decision, timers and recovery. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chat.h"
#include "analysis.h"
#include "engine_int.h"
#include "estimate.h"
#include "ingest.h"
#include "log.h"
#include "logctx.h"
#include "loop.h"
#include "metrics.h"
#include "state.h"
#include "util.h"

struct runbook_set *eng_rbs;
struct policy *eng_pol;

#define RULE_CONFIDENCE 0.9
#define BLOCKED_RECHECK_MS 60000
#define DAY_MS 86400000LL

void
incident_key(int64_t id, char *out, size_t outlen)
{
	snprintf(out, outlen, "INC-%lld", (long long)id);
}

void
engine_init(struct runbook_set *runbooks, struct policy *policy)
{
	eng_rbs = runbooks;
	eng_pol = policy;
}

const struct runbook_set *
engine_runbooks(void)
{
	return eng_rbs;
}

const struct policy *
engine_policy(void)
{
	return eng_pol;
}

int
eng_notify(int64_t id)
{
	return chat_notify(id, CHAT_CARD);
}

int
eng_commit(int rc)
{
	if (rc == 0)
		rc = store_commit();
	else
		store_rollback();
	if (rc == 0)
		chat_kick();
	return rc;
}

int
eng_transition(int64_t id, const char *from, const char *to, const char *actor, const char *why)
{
	char msg[512];
	int rc;

	/* the table is the only judge: a change it does not list is a bug, never a write */
	if (!state_can_transition_name(from, to)) {
		log_warnx("INC-%lld: refused state change %s → %s: not in the transition table",
			  (long long)id, from, to);
		metrics_inc("healer_transitions_refused_total",
			    "State changes refused by the transition table", "");
		return STORE_ERROR;
	}
	if ((rc = store_incident_cas(id, from, to)) != 0)
		return rc;
	snprintf(msg, sizeof(msg), "%s → %s%s%s", from, to, why ? ": " : "", why ? why : "");
	cJSON *data = cJSON_CreateObject();
	cJSON_AddStringToObject(data, "from", from);
	cJSON_AddStringToObject(data, "to", to);
	rc = store_audit(actor, id, "incident.state", msg, data);
	cJSON_Delete(data);
	if (rc == 0)
		rc = eng_notify(id);
	return rc;
}

int
eng_transition_tx(int64_t id, const char *from, const char *to, const char *actor, const char *why,
		  const char *outcome)
{
	return eng_transition_action_tx(id, from, to, actor, why, outcome, 0, NULL, NULL);
}

int
eng_transition_action_tx(int64_t id, const char *from, const char *to, const char *actor,
			 const char *why, const char *outcome, int64_t action_id,
			 const char *action_status, const char *action_result)
{
	int rc = store_begin();

	if (rc == 0)
		rc = eng_transition(id, from, to, actor, why);
	if (rc == 0 && outcome)
		rc = store_incident_set_outcome(id, outcome);
	if (rc == 0 && strcmp(to, "needs_attention") == 0 && why)
		rc = store_incident_set_attention(id, why);
	if (rc == 0 && action_id)
		rc = store_action_set_status(action_id, action_status, action_result);
	return eng_commit(rc);
}

/* ---- ingest ---- */

static int
ingest_one(const struct alert *a, cJSON *incidents, int64_t *new_id, int64_t *related, bool *dup)
{
	char key[32], msg[512];
	int64_t id = 0;
	int rc;

	*new_id = *related = 0;
	*dup = false;
	if (a->dedup_key && store_alert_seen(a->dedup_key) == STORE_DUPLICATE) {
		*dup = true;
		return 0;
	}
	rc = store_incident_find_open(a->fingerprint, &id);
	if (rc == STORE_NOTFOUND && (rc = eng_correlate(a, &id)) == 0) {
		/* a related alert: eng_correlate recorded it on the incident it belongs with */
		*related = id;
	} else if (rc == STORE_NOTFOUND && !a->firing) {
		/* The source agrees the problem is gone after healer finished: record that on
		 * the incident it belonged to; a resolved alert never opens anything. */
		struct incident inc;
		if ((rc = store_incident_find_latest(a->fingerprint, &id)) != 0)
			return rc == STORE_NOTFOUND ? 1 : rc;
		if ((rc = store_incident_get(id, &inc)) != 0)
			return rc;
		bool cleared = inc.alert_cleared;
		incident_free(&inc);
		if (cleared)
			return 1;
		rc = store_incident_add_alert(id, a);
		if (rc == 0)
			rc = store_audit(ENGINE_ACTOR, id, "alert.received",
					 "alert resolved at the source (after the incident ended)",
					 NULL);
		if (rc == 0)
			rc = eng_notify(id);
	} else if (rc == STORE_NOTFOUND) {
		if ((rc = store_incident_create(a, NULL, &id)) != 0)
			return rc;
		snprintf(msg, sizeof(msg), "opened from %s alert: %s", alert_source_name(a->source),
			 a->title);
		if ((rc = store_audit(ENGINE_ACTOR, id, "incident.opened", msg, NULL)) != 0)
			return rc;
		*new_id = id;
	} else if (rc == 0) {
		struct incident inc;
		if ((rc = store_incident_add_alert(id, a)) != 0)
			return rc;
		if ((rc = store_incident_get(id, &inc)) != 0)
			return rc;
		if (a->firing)
			snprintf(msg, sizeof(msg), "alert fired again (%d occurrences)",
				 inc.occurrences);
		else
			snprintf(msg, sizeof(msg), "alert resolved at the source");
		rc = store_audit(ENGINE_ACTOR, id, "alert.received", msg, NULL);
		/* Nothing ran yet: the problem went away by itself. */
		static const char *const idle[] = {"open", "awaiting_approval", "blocked",
						   "needs_attention"};
		for (size_t i = 0; rc == 0 && !a->firing && i < ARRAY_LEN(idle); i++)
			if (strcmp(inc.state, idle[i]) == 0) {
				rc = eng_transition(id, inc.state, "closed", ENGINE_ACTOR,
						    "alert cleared before anything ran");
				if (rc == 0)
					rc = store_incident_set_outcome(
					    id, "Closed: the alert cleared before anything ran");
			}
		incident_free(&inc);
		if (rc == 0) /* a verified fix may have waited for this alert to clear */
			rc = eng_wait_check_tx(id);
		if (rc == 0)
			rc = eng_notify(id);
	} else {
		return rc;
	}
	if (rc == 0) {
		incident_key(id, key, sizeof(key));
		bool seen = false;
		cJSON *it;
		cJSON_ArrayForEach(it, incidents) seen |= strcmp(it->valuestring, key) == 0;
		if (!seen)
			cJSON_AddItemToArray(incidents, cJSON_CreateString(key));
	}
	return rc;
}

/* The log context is in: analyse, unless a human moved the incident on meanwhile. */
static void
analyze_after_logs(int64_t id)
{
	struct incident inc;

	if (store_incident_get(id, &inc) != 0)
		return;
	if (strcmp(inc.state, "open") == 0 && inc.action_id == 0)
		eng_analyze(id, NULL, NULL, RULE_CONFIDENCE);
	incident_free(&inc);
}

static const struct logctx_hooks logs_hooks = {eng_notify, eng_commit, analyze_after_logs};

int
engine_ingest(const struct alert_batch *batch, cJSON *incidents, int *accepted, int *duplicates,
	      int *ignored)
{
	int64_t *fresh = xcalloc(batch->n + 1, sizeof(*fresh)),
		*joined = xcalloc(batch->n + 1, sizeof(*joined));
	size_t nfresh = 0, njoined = 0;
	int rc = store_begin();

	*accepted = *duplicates = *ignored = 0;
	for (size_t i = 0; rc == 0 && i < batch->n; i++) {
		int64_t id, rel;
		bool dup;
		int r = ingest_one(&batch->v[i], incidents, &id, &rel, &dup);
		if (r < 0) {
			rc = r;
			break;
		}
		if (dup)
			(*duplicates)++;
		else if (r == 1)
			(*ignored)++;
		else
			(*accepted)++;
		if (id)
			fresh[nfresh++] = id;
		if (rel)
			joined[njoined++] = rel;
	}
	rc = eng_commit(rc);
	if (rc != 0) {
		free(fresh);
		free(joined);
		*accepted = *duplicates = *ignored = 0;
		return ENGINE_ERROR;
	}
	/* with log sources, the analysis waits for their context (at most their timeout) */
	for (size_t i = 0; i < nfresh; i++)
		if (!logctx_incident_opened(fresh[i], &logs_hooks))
			eng_analyze(fresh[i], NULL, NULL, RULE_CONFIDENCE);
	/* a related alert may be the incident's new probable cause */
	for (size_t i = 0; i < njoined; i++)
		eng_cause_check(joined[i]);
	free(fresh);
	free(joined);
	return ENGINE_OK;
}

/* ---- analysis ---- */

static void
describe_rule(const struct runbook *rb, const cJSON *labels, char *out, size_t outlen)
{
	size_t off = 0;

	out[0] = '\0';
	for (size_t r = 0; r < rb->nmatch; r++) {
		struct runbook one = *rb;
		one.match = &rb->match[r];
		one.nmatch = 1;
		if (!runbook_matches(&one, labels))
			continue;
		for (size_t l = 0; l < rb->match[r].nlabels && off < outlen; l++) {
			const struct label_match *m = &rb->match[r].labels[l];
			off += (size_t)snprintf(out + off, outlen - off, "%s%s%s%s", l ? ", " : "",
						m->key, m->is_regex ? "=~" : "=", m->value);
		}
		return;
	}
}

static const struct runbook *
choose_runbook(const struct incident *inc, char *why, size_t whylen)
{
	char rule[256];

	for (size_t i = 0; i < eng_rbs->n; i++) {
		if (runbook_matches(eng_rbs->v[i], inc->labels)) {
			describe_rule(eng_rbs->v[i], inc->labels, rule, sizeof(rule));
			snprintf(why, whylen, "Matched runbook %s by rule {%s}", eng_rbs->v[i]->id,
				 rule);
			return eng_rbs->v[i];
		}
	}
	return NULL;
}

static void
labels_text(const cJSON *labels, char *out, size_t outlen)
{
	size_t off = 0;
	const cJSON *l;

	out[0] = '\0';
	cJSON_ArrayForEach(l, labels)
	{
		if (off >= outlen)
			break;
		off += (size_t)snprintf(out + off, outlen - off, "%s%s=%s", off ? ", " : "",
					l->string, cJSON_IsString(l) ? l->valuestring : "?");
	}
}

/* Refuses analysis into needs_attention, with an audit row of `kind`. */
static void
analysis_refused(int64_t id, const char *kind, const char *why, const char *actor)
{
	int rc = store_begin();

	if (rc == 0)
		rc = store_audit(actor, id, kind, why, NULL);
	if (rc == 0)
		rc = eng_transition(id, "open", "needs_attention", ENGINE_ACTOR, why);
	if (rc == 0)
		rc = store_incident_set_attention(id, why);
	if (eng_commit(rc) != 0)
		log_warnx("INC-%lld: could not record: %s", (long long)id, why);
	metrics_inc("healer_analysis_total", "Analyses by result", "result=\"needs_attention\"");
}

void
eng_action_propose(struct action *act, int64_t incident_id, const struct runbook *rb, cJSON *params,
		   struct estimate *est, char *requester)
{
	memset(act, 0, sizeof(*act));
	act->incident_id = incident_id;
	act->runbook_id = rb->id;
	act->params = params;
	act->cost_usd = est->cost_usd;
	act->cost_formula = est->cost_formula;
	act->risk_score = est->risk_score;
	snprintf(act->risk_level, sizeof(act->risk_level), "%s", risk_level_name(est->risk_level));
	act->risk_reasons = estimate_reasons_json(est);
	act->requester = requester;
	snprintf(act->status, sizeof(act->status), "proposed");
}

void
eng_analyze(int64_t id, const char *runbook_id, const cJSON *overrides, double confidence)
{
	struct incident inc;
	const struct runbook *rb;
	struct analysis an;
	char why[512], err[512], lbl[400];
	cJSON *params = NULL;
	struct estimate est;
	struct action act;
	char note[200] = "", *fix_for;
	int rc;

	if (store_incident_get(id, &inc) != 0)
		return;
	analysis_setup(eng_rbs);
	/* a correlated incident is analysed for its probable cause; a human's pick is not */
	fix_for =
	    runbook_id ? xstrdup(inc.fingerprint) : eng_cause_subject(&inc, note, sizeof(note));
	if (runbook_id) {
		rb = runbook_find(eng_rbs, runbook_id);
		snprintf(why, sizeof(why), "Runbook %s requested by %s", runbook_id,
			 inc.requester ? inc.requester : "a user");
	} else {
		rb = choose_runbook(&inc, why, sizeof(why));
		if (rb && note[0]) {
			char *w = xasprintf("%s%s", note, why);
			snprintf(why, sizeof(why), "%s", w);
			free(w);
		}
	}
	/* no rule: text search; then similar incidents and what history says */
	logctx_evidence(id, inc.annotations); /* the log templates' words are searched too */
	analysis_run(&inc, eng_rbs, rb, runbook_id ? "request" : "rules", why, confidence,
		     eng_pol->ap_min_confidence, &an);
	cJSON_DeleteItemFromObjectCaseSensitive(inc.annotations, LOGCTX_EVIDENCE_KEY);
	rb = an.rb;
	if (rb == NULL) {
		labels_text(inc.labels, lbl, sizeof(lbl));
		char *m = xasprintf("no runbook matches labels {%s}; %s", lbl, an.why);
		if (store_begin() == 0)
			eng_commit(analysis_record(id, &an));
		analysis_refused(id, "analysis.no_runbook", m, ENGINE_ACTOR);
		free(m);
		goto out;
	}
	if (runbook_bind_params(rb, inc.labels, inc.annotations, overrides, &params, err,
				sizeof(err)) != 0) {
		char *m = xasprintf("runbook %s refused: %s", rb->id, err);
		analysis_refused(id, "param.refused", m,
				 inc.requester ? inc.requester : ENGINE_ACTOR);
		free(m);
		goto out;
	}
	char key[32];
	incident_key(id, key, sizeof(key));
	cJSON_AddStringToObject(params, "incident", key);
	/* the resource comes from the alert too: a runbook that uses it gets it checked */
	if (runbook_bind_resource(rb, params, inc.resource, err, sizeof(err)) != 0) {
		char *m = xasprintf("runbook %s refused: %s", rb->id, err);
		analysis_refused(id, "param.refused", m,
				 inc.requester ? inc.requester : ENGINE_ACTOR);
		free(m);
		goto out;
	}

	int failures = 0;
	store_recent_failures(rb->id, inc.resource, now_ms() - 7 * DAY_MS, &failures);
	struct risk_inputs in = {
	    .severity = inc.severity,
	    .confidence = an.confidence,
	    .in_freeze = policy_in_freeze(eng_pol, now_ms(), NULL),
	    .recent_failures = failures,
	};
	if (estimate_compute(rb, params, &in, &est, err, sizeof(err)) != 0) {
		char *m = xasprintf("runbook %s: %s", rb->id, err);
		analysis_refused(id, "param.refused", m, ENGINE_ACTOR);
		free(m);
		goto out;
	}
	eng_action_propose(&act, id, rb, params, &est, inc.requester);
	rc = store_begin();
	if (rc == 0)
		rc = store_action_create(&act);
	if (rc == 0)
		rc = store_incident_set_action(id, act.id);
	if (rc == 0)
		rc = store_cause_set_fix(id, fix_for);
	if (rc == 0)
		rc = store_incident_set_analysis(id, an.why, an.confidence);
	if (rc == 0)
		rc = analysis_record(id, &an);
	if (rc == 0) {
		char *m = xasprintf("proposed %s (%s, confidence %.2f): cost %s, risk %d (%s)",
				    rb->id, an.source, an.confidence, est.cost_formula,
				    est.risk_score, act.risk_level);
		rc = store_audit(ENGINE_ACTOR, id, "analysis.proposed", m, act.risk_reasons);
		free(m);
	}
	if (rc == 0)
		rc = eng_notify(id);
	cJSON_Delete(act.risk_reasons);
	if (eng_commit(rc) != 0)
		goto out;
	char lab[64];
	metrics_inc("healer_analysis_total", "Analyses by result", "result=\"proposed\"");
	snprintf(lab, sizeof(lab), "source=\"%s\"", an.source);
	metrics_inc("healer_analysis_proposals_total", "Proposals by where they came from", lab);
	/* The card shows this proposal now; the model, if any, answers before the decision.
	 * A human's explicit request is not second-guessed. */
	if (runbook_id == NULL && an.ncandidates > 0 && analysis_llm_enabled())
		eng_llm_pending_add(analysis_llm_prepare(act.id, &an, eng_llm_done));
	eng_run_diagnostics(act.id);
out:
	free(fix_for);
	cJSON_Delete(params);
	incident_free(&inc);
}

/* ---- decision ---- */

static int64_t
local_day_start(int64_t now)
{
	time_t t = (time_t)(now / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	return (int64_t)mktime(&tm) * 1000;
}

/* The timer argument is the incident id itself: nothing to free when the daemon stops
 * with expiries still pending. */
static void
expiry_fire(void *arg)
{
	int64_t id = (int64_t)(intptr_t)arg;
	struct incident inc;
	struct action act;

	if (store_incident_get(id, &inc) == 0) {
		if (strcmp(inc.state, "awaiting_approval") == 0 &&
		    store_action_get(inc.action_id, &act) == 0) {
			if (act.expires_at > 0 && act.expires_at <= now_ms()) {
				char d[64], why[160];
				duration_format(eng_pol->approval_ttl_ms, d, sizeof(d));
				snprintf(why, sizeof(why),
					 "no decision within the approval TTL (%s)", d);
				eng_transition_action_tx(id, "awaiting_approval", "expired",
							 ENGINE_ACTOR, why,
							 "Expired: nobody approved in time", act.id,
							 "cancelled", "expired");
			} else if (act.expires_at > 0) {
				eng_schedule_expiry(id, act.expires_at);
			}
			action_free(&act);
		}
		incident_free(&inc);
	}
}

void
eng_schedule_expiry(int64_t incident_id, int64_t expires_at)
{
	int64_t delay = expires_at - now_ms();

	loop_timer_add(delay > 0 ? delay + 5 : 0, expiry_fire, (void *)(intptr_t)incident_id);
}

static uint64_t blocked_timer;

static void
blocked_fire(void *arg)
{
	(void)arg;
	blocked_timer = 0;
	eng_reconsider_blocked();
}

static void
schedule_blocked(int64_t delay_ms)
{
	if (blocked_timer)
		loop_timer_cancel(blocked_timer);
	blocked_timer = loop_timer_add(delay_ms, blocked_fire, NULL);
}

/* The policy's decision for an action as things stand; ctx->now_ms is when it was made. */
static void
decision_make(const struct action *act, const struct incident *inc, struct decision_ctx *ctx,
	      struct decision *d)
{
	cJSON *mem = cJSON_CreateObject();

	memset(ctx, 0, sizeof(*ctx));
	ctx->now_ms = now_ms();
	ctx->autopilot_enabled = engine_autopilot_enabled();
	ctx->resource = inc->resource;
	if (store_view_memory(inc->id, mem) == 0)
		ctx->analysis_source =
		    cJSON_GetStringValue(cJSON_GetObjectItem(mem, "analysis_source"));
	store_policy_counts(inc->resource, ctx->now_ms, local_day_start(ctx->now_ms),
			    &ctx->usd_autopilot_today, &ctx->runs_last_hour, &ctx->running,
			    &ctx->last_run_on_resource_ms);
	int lvl = risk_level_from_name(act->risk_level);
	/* `run` by a human gets the same policy as an alert: cheap and low-risk runs itself. */
	policy_decide(eng_pol, lvl < 0 ? RISK_CRITICAL : (enum risk_level)lvl, act->cost_usd,
		      inc->confidence, ctx, d);
	ctx->analysis_source = NULL; /* borrowed from mem */
	cJSON_Delete(mem);
}

int
eng_decision_preview(int64_t action_id, struct decision *d)
{
	struct decision_ctx ctx;
	struct action act;
	struct incident inc;

	if (store_action_get(action_id, &act) != 0)
		return -1;
	if (store_incident_get(act.incident_id, &inc) != 0) {
		action_free(&act);
		return -1;
	}
	decision_make(&act, &inc, &ctx, d);
	incident_free(&inc);
	action_free(&act);
	return 0;
}

void
eng_decide(int64_t action_id)
{
	struct action act;
	struct incident inc;
	struct decision d;
	struct decision_ctx ctx;
	const char *next;
	int rc;

	if (store_action_get(action_id, &act) != 0)
		return;
	if (store_incident_get(act.incident_id, &inc) != 0) {
		action_free(&act);
		return;
	}
	/* withdrawn meanwhile (the probable cause changed): its diagnostics ended late */
	if (inc.action_id != act.id)
		goto out;
	decision_make(&act, &inc, &ctx, &d);
	next = d.kind == DECIDE_AUTOPILOT  ? "approved"
	       : d.kind == DECIDE_APPROVAL ? "awaiting_approval"
					   : "blocked";
	int64_t expires = d.kind == DECIDE_APPROVAL ? ctx.now_ms + eng_pol->approval_ttl_ms : 0;
	if (strcmp(inc.state, next) == 0 && d.kind == DECIDE_BLOCKED) {
		/* still blocked: no new audit row, just try again later */
		schedule_blocked(d.blocked_until_ms > ctx.now_ms ? d.blocked_until_ms - ctx.now_ms
								 : BLOCKED_RECHECK_MS);
		goto out;
	}
	rc = store_begin();
	if (rc == 0)
		rc = store_action_set_decision(act.id, decision_kind_name(d.kind), d.reason,
					       d.approvals_needed, d.roles, d.requester_may_approve,
					       expires);
	if (rc == 0 && d.kind == DECIDE_AUTOPILOT)
		rc = store_action_set_autopilot(act.id, true);
	if (rc == 0)
		rc = store_audit(ENGINE_ACTOR, inc.id, "policy.decision", d.reason, NULL);
	if (rc == 0)
		rc = eng_transition(inc.id, inc.state, next, ENGINE_ACTOR, NULL);
	if (eng_commit(rc) != 0) {
		log_warnx("INC-%lld: decision not recorded (state changed meanwhile?)",
			  (long long)inc.id);
		goto out;
	}
	char lab[64];
	snprintf(lab, sizeof(lab), "decision=\"%s\"", decision_kind_name(d.kind));
	metrics_inc("healer_decisions_total", "Policy decisions by kind", lab);
	if (d.kind == DECIDE_AUTOPILOT)
		eng_execute(act.id);
	else if (d.kind == DECIDE_APPROVAL)
		eng_schedule_expiry(inc.id, expires);
	else
		schedule_blocked(d.blocked_until_ms > ctx.now_ms ? d.blocked_until_ms - ctx.now_ms
								 : BLOCKED_RECHECK_MS);
out:
	incident_free(&inc);
	action_free(&act);
}

void
eng_reconsider_blocked(void)
{
	int64_t *ids = NULL;
	size_t n = 0;

	if (store_incidents_in_state("blocked", &ids, &n) != 0)
		return;
	for (size_t i = 0; i < n; i++) {
		struct incident inc;
		if (store_incident_get(ids[i], &inc) != 0)
			continue;
		if (inc.action_id)
			eng_decide(inc.action_id);
		incident_free(&inc);
	}
	free(ids);
}

bool
engine_autopilot_enabled(void)
{
	char v[8];

	return store_setting_get("autopilot", v, sizeof(v)) != 0 || strcmp(v, "off") != 0;
}
