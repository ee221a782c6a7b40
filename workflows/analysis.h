/* analysis.h — what is probably wrong and what to do about it: the runbook a rule chose, else
 * the best text-search hit (low confidence), the similar past incidents, what history says
 * about the choice, and the optional LLM pass (analysis_llm.c) that may pick among the
 * candidates. Loop thread; the pure helpers are marked. See docs/internals/analysis.md. */
#ifndef HEALER_ANALYSIS_H
#define HEALER_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "llm.h"
#include "runbook.h"
#include "store.h"

#define ANALYSIS_MAX_TERMS 32
#define ANALYSIS_MAX_CANDIDATES 5
#define ANALYSIS_SIMILAR 3
#define ANALYSIS_SEARCH_CONFIDENCE 0.3 /* a text-search suggestion: a human decides */
#define ANALYSIS_SUCCESS_STEP 0.05     /* confidence per past success of the same choice */
#define ANALYSIS_CONFIDENCE_MAX 0.99
#define ANALYSIS_HISTORY_DAYS 90

/* The words an incident is searched by. */
struct analysis_terms {
	char *v[ANALYSIS_MAX_TERMS]; /* owned, lower-case, unique */
	size_t n;
};

/* Words of the title, then the label values, then the annotation values: lower-case ASCII
 * (other UTF-8 bytes kept as they are), unique, at most ANALYSIS_MAX_TERMS; label keys,
 * one-letter words, stopwords ("the", "alert", "warning", …), long hex ids and words over
 * 40 bytes are left out. Pure. */
void analysis_terms(const char *title, const cJSON *labels, const cJSON *annotations,
		    struct analysis_terms *out);
void analysis_terms_free(struct analysis_terms *t);

/* The terms found in the runbook's indexed text (title, id, description, step names, match
 * labels), as "disk, full, var" into out. Returns how many. Pure. */
size_t analysis_matching_terms(const struct runbook *rb, const struct analysis_terms *t, char *out,
			       size_t outlen);

/* Confidence after `successes` past successes: base + ANALYSIS_SUCCESS_STEP each, at most
 * ANALYSIS_CONFIDENCE_MAX; never lowered. Pure. */
double analysis_history_confidence(double base, int successes);

/* Indexes the runbooks for search when this connection has not indexed this set yet (one
 * transaction). Also registers the stats gauges for /metrics once. */
void analysis_setup(const struct runbook_set *rbs);

struct analysis {
	const struct runbook *rb; /* the proposal; NULL: nothing to propose */
	char source[8];		  /* "rules" | "search" | "request" | "llm" */
	double confidence;
	char why[1024]; /* the analysis text on the card */
	/* what the LLM may choose from: the rule's runbooks, then the search hits */
	const struct runbook *candidates[ANALYSIS_MAX_CANDIDATES];
	size_t ncandidates;
	struct store_similar similar[ANALYSIS_SIMILAR];
	size_t nsimilar;
	int successes; /* of rb for this alert, last ANALYSIS_HISTORY_DAYS days */
};

/*
 * Completes an analysis whose rule step already ran: `rb` is the runbook a rule (or a human,
 * source "request") chose, with `why` and `confidence`, or NULL. With NULL, the runbook index
 * is searched with the incident's terms and the best hit whose parameters bind from the
 * alert becomes the proposal, source "search", confidence ANALYSIS_SEARCH_CONFIDENCE but
 * always below min_confidence (so never autopilot), with the matching words in `why`. Then
 * the similar incidents, the candidates, and history: each past success of a rule's choice
 * for the same alert adds ANALYSIS_SUCCESS_STEP of confidence, with a reason line. When
 * nothing is proposed, `why` says what was tried.
 */
void analysis_run(const struct incident *inc, const struct runbook_set *rbs,
		  const struct runbook *rb, const char *source, const char *why, double confidence,
		  double min_confidence, struct analysis *out);

/* Inside the caller's transaction: stores the analysis source and the similar incidents on
 * the incident, and posts the similar incidents (analysis_similar_text) to the incident's
 * thread on every enabled adapter. */
int analysis_record(int64_t id, const struct analysis *an);

/* The similar incidents of a view ("similar") as one thread line:
 * "Similar past incidents: INC-3 resolved with restart-service in 40 s (same resource):
 * <its outcome>; …".
 * NULL when there are none. Owned. Pure. */
char *analysis_similar_text(const cJSON *similar);

/* ---- the LLM pass (analysis_llm.c) ---- */

/* One LLM analysis in flight. The engine reads the result fields in its done callback. */
struct llm_job {
	int64_t incident_id, action_id, call_id;
	const struct runbook *candidates[ANALYSIS_MAX_CANDIDATES];
	size_t ncandidates;
	int64_t similar[ANALYSIS_SIMILAR];
	size_t nsimilar;
	char model[128];
	/* result */
	enum llm_status status;
	char why[400]; /* why the answer was not used */
	struct llm_answer answer;
	double cost_usd;
	/* private to analysis_llm.c */
	struct analysis_llm_run *run;
	void (*done)(struct llm_job *job);
};

/* True when LLM_API_URL is set (read once). */
bool analysis_llm_enabled(void);
/*
 * Prepares the model's pass for the proposal action_id (the call is recorded as begun, so a
 * restart shows it interrupted). Returns NULL if it cannot be recorded. Once the engine has
 * run the proposal's diagnostics, analysis_llm_ask sends the alert, their output, the
 * candidates and the similar incidents off the loop thread, bounded by LLM_TIMEOUT; done(job)
 * then runs on the loop thread with the job's status and answer (unvalidated: the caller
 * applies llm_validate); the caller frees the job with analysis_llm_free. If the incident
 * moved on meanwhile (closed, or another action), done sees status LLM_ABANDONED at once.
 */
struct llm_job *analysis_llm_prepare(int64_t action_id, const struct analysis *an,
				     void (*done)(struct llm_job *job));
void analysis_llm_ask(struct llm_job *job);
void analysis_llm_free(struct llm_job *job);

#endif
