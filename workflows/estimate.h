/* estimate.h — cost in dollars (with its formula) and the 0–100 risk score with reasons. Pure. */
#ifndef HEALER_ESTIMATE_H
#define HEALER_ESTIMATE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include "runbook.h"

#define ESTIMATE_MAX_REASONS 10

struct estimate {
	double cost_usd;
	char cost_formula[200]; /* "$0.096/h × 3 × 24 h = $6.91" or "fixed $0.00" */
	int risk_score;         /* 0..100 */
	enum risk_level risk_level;
	char reasons[ESTIMATE_MAX_REASONS][160]; /* "+30 runbook risk medium", … */
	size_t nreasons;
};

struct risk_inputs {
	const char *severity; /* "sev1".."sev4" */
	double confidence;    /* 0..1 */
	bool in_freeze;
	int recent_failures;  /* this runbook on this resource, last 7 days */
};

/* Level from score: <25 low, <50 medium, <75 high, else critical. */
enum risk_level risk_level_from_score(int score);

/* Computes cost (quantity template expanded from params; a non-numeric or negative quantity
 * is an error) and risk. Returns 0, or -1 with err. */
int estimate_compute(const struct runbook *rb, const cJSON *params, const struct risk_inputs *in,
		     struct estimate *out, char *err, size_t errlen);

/* cJSON array of the reason strings. */
cJSON *estimate_reasons_json(const struct estimate *e);

#endif
