/* estimate.c — an action's cost in USD with its formula, and its 0–100 risk score with reasons. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimate.h"
#include "log.h"
#include "util.h"

/* docs/internals/architecture.md "Risk score": one row per contribution. */
static const int risk_points[RISK__COUNT] = {
    [RISK_LOW] = 10, [RISK_MEDIUM] = 30, [RISK_HIGH] = 55, [RISK_CRITICAL] = 80};

static const struct {
	const char *severity;
	int points;
} severity_points[] = {{"sev1", 10}, {"sev2", 5}};

#define BLAST_POINTS_EACH 3
#define BLAST_POINTS_MAX 15
#define FREEZE_POINTS 15
#define FAILURE_POINTS_EACH 10
#define FAILURE_POINTS_MAX 20

static const struct {
	double below;
	int points;
} confidence_points[] = {{0.5, 15}, {0.8, 5}}; /* first match wins */

enum risk_level
risk_level_from_score(int score)
{
	if (score < 25)
		return RISK_LOW;
	if (score < 50)
		return RISK_MEDIUM;
	if (score < 75)
		return RISK_HIGH;
	return RISK_CRITICAL;
}

static void __attribute__((format(printf, 3, 4)))
add_reason(struct estimate *e, int points, const char *fmt, ...)
{
	char text[128];
	va_list ap;

	if (points == 0 || e->nreasons == ESTIMATE_MAX_REASONS)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	snprintf(e->reasons[e->nreasons++], sizeof(e->reasons[0]), "+%d %s", points, text);
	e->risk_score += points;
}

static void
estimate_risk(const struct runbook *rb, const struct risk_inputs *in, struct estimate *e)
{
	enum risk_level base = rb->risk;
	int blast, failures;
	size_t i;

	if ((int)base < 0 || base >= RISK__COUNT)
		base = RISK_CRITICAL;
	add_reason(e, risk_points[base], "runbook risk %s", risk_level_name(base));
	/* capped before multiplying: a huge radius must not overflow */
	if (rb->blast_radius > 1) {
		blast = rb->blast_radius > 1 + BLAST_POINTS_MAX / BLAST_POINTS_EACH
			    ? BLAST_POINTS_MAX
			    : (rb->blast_radius - 1) * BLAST_POINTS_EACH;
		add_reason(e, blast, "blast radius %d", rb->blast_radius);
	}
	for (i = 0; in->severity != NULL && i < ARRAY_LEN(severity_points); i++)
		if (strcmp(in->severity, severity_points[i].severity) == 0)
			add_reason(e, severity_points[i].points, "severity %s", in->severity);
	if (in->in_freeze)
		add_reason(e, FREEZE_POINTS, "change freeze");
	for (i = 0; i < ARRAY_LEN(confidence_points); i++) {
		if (in->confidence < confidence_points[i].below) {
			add_reason(e, confidence_points[i].points, "confidence %.2f < %.2f",
				   in->confidence, confidence_points[i].below);
			break;
		}
	}
	if (in->recent_failures > 0) {
		failures = in->recent_failures >= FAILURE_POINTS_MAX / FAILURE_POINTS_EACH
			       ? FAILURE_POINTS_MAX
			       : in->recent_failures * FAILURE_POINTS_EACH;
		add_reason(e, failures, "failed %d %s on this resource in 7 days",
			   in->recent_failures, in->recent_failures == 1 ? "time" : "times");
	}
	if (e->risk_score > 100)
		e->risk_score = 100;
	if (e->risk_score < 0)
		e->risk_score = 0;
	e->risk_level = risk_level_from_score(e->risk_score);
}

/* A number as short as it reads: 3 → "3", 2.5 → "2.5", 0.096 → "0.096". */
static void
format_plain(double v, char *out, size_t outlen)
{
	snprintf(out, outlen, "%.6g", v);
}

/* A price per hour keeps its cents but also any finer digits: 2 → "2.00", 0.096 → "0.096". */
static void
format_rate(double v, char *out, size_t outlen)
{
	char *dot;
	size_t len;

	snprintf(out, outlen, "%.6f", v);
	if ((dot = strchr(out, '.')) == NULL)
		return;
	len = strlen(out);
	while (len - (size_t)(dot - out) - 1 > 2 && out[len - 1] == '0')
		out[--len] = '\0';
}

/* Quantity from its template: a plain non-negative decimal number, else an error. */
static int
estimate_quantity(const struct runbook *rb, const cJSON *params, double *qty, char *err,
		  size_t errlen)
{
	char terr[200], *text, *end;
	int rc = -1;

	if (rb->quantity == NULL) {
		*qty = 1;
		return 0;
	}
	if ((text = template_expand(rb->quantity, params, terr, sizeof(terr))) == NULL) {
		snprintf(err, errlen, "cost quantity: %s", terr);
		return -1;
	}
	errno = 0;
	*qty = strtod(text, &end);
	if (*text == '\0' || *end != '\0' || errno != 0 || !isfinite(*qty) ||
	    strspn(text, "0123456789.eE+-") != strlen(text)) {
		snprintf(err, errlen, "cost quantity '%s' is not a number", text);
		goto out;
	}
	if (*qty < 0) {
		snprintf(err, errlen, "cost quantity '%s' is negative", text);
		goto out;
	}
	rc = 0;
out:
	free(text);
	return rc;
}

static int
estimate_cost(const struct runbook *rb, const cJSON *params, struct estimate *e, char *err,
	      size_t errlen)
{
	char rate[32], qty_text[32], hours[32];
	double qty, raw;

	if (!rb->cost_hourly) {
		if (!isfinite(rb->cost_usd) || rb->cost_usd < 0) {
			snprintf(err, errlen, "cost %g is not a non-negative number", rb->cost_usd);
			return -1;
		}
		e->cost_usd = round(rb->cost_usd * 100) / 100;
		snprintf(e->cost_formula, sizeof(e->cost_formula), "fixed $%.2f", e->cost_usd);
		return 0;
	}
	if (estimate_quantity(rb, params, &qty, err, errlen) < 0)
		return -1;
	raw = rb->usd_per_hour * qty * rb->hours;
	if (!isfinite(raw) || raw < 0) {
		snprintf(err, errlen, "cost $%g/h × %g × %g h is not a non-negative number",
			 rb->usd_per_hour, qty, rb->hours);
		return -1;
	}
	/* whole cents, so the total shown is the total summed into the daily budget */
	e->cost_usd = round(raw * 100) / 100;
	format_rate(rb->usd_per_hour, rate, sizeof(rate));
	format_plain(qty, qty_text, sizeof(qty_text));
	format_plain(rb->hours, hours, sizeof(hours));
	snprintf(e->cost_formula, sizeof(e->cost_formula), "$%s/h × %s × %s h = $%.2f", rate,
		 qty_text, hours, e->cost_usd);
	return 0;
}

int
estimate_compute(const struct runbook *rb, const cJSON *params, const struct risk_inputs *in,
		 struct estimate *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (estimate_cost(rb, params, out, err, errlen) < 0)
		return -1;
	estimate_risk(rb, in, out);
	return 0;
}

cJSON *
estimate_reasons_json(const struct estimate *e)
{
	cJSON *arr = cJSON_CreateArray(), *s;
	size_t i;

	if (arr == NULL)
		fatalx("estimate: out of memory");
	for (i = 0; i < e->nreasons; i++) {
		if ((s = cJSON_CreateString(e->reasons[i])) == NULL)
			fatalx("estimate: out of memory");
		cJSON_AddItemToArray(arr, s);
	}
	return arr;
}
