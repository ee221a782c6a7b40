/* test_estimate.c — cost arithmetic and formulas, the risk score table, levels and reasons. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "estimate.h"

/* A runbook built by hand: only the fields the estimate reads. */
static struct runbook
rb_make(enum risk_level risk, int blast)
{
	struct runbook rb;

	memset(&rb, 0, sizeof(rb));
	rb.id = "restart-service";
	rb.risk = risk;
	rb.blast_radius = blast;
	return rb;
}

static struct runbook
rb_hourly(double per_hour, const char *quantity, double hours)
{
	struct runbook rb = rb_make(RISK_LOW, 1);

	rb.cost_hourly = true;
	rb.usd_per_hour = per_hour;
	rb.quantity = (char *)quantity;
	rb.hours = hours;
	return rb;
}

/* Confident, quiet inputs that add nothing to the score. */
static const struct risk_inputs calm = {.severity = "sev3", .confidence = 0.9};

/* The reasons joined by " | ", to compare in one assertion. */
static const char *
reasons(const struct estimate *e)
{
	static char out[1024];
	size_t i;

	out[0] = '\0';
	for (i = 0; i < e->nreasons; i++) {
		if (i > 0)
			strcat(out, " | ");
		strcat(out, e->reasons[i]);
	}
	return out;
}

static void
test_cost_fixed(void **state)
{
	struct runbook rb = rb_make(RISK_LOW, 1);
	struct estimate e;
	char err[200] = "";

	(void)state;
	assert_int_equal(estimate_compute(&rb, NULL, &calm, &e, err, sizeof(err)), 0);
	assert_true(e.cost_usd == 0);
	assert_string_equal(e.cost_formula, "fixed $0.00");
	rb.cost_usd = 12;
	assert_int_equal(estimate_compute(&rb, NULL, &calm, &e, err, sizeof(err)), 0);
	assert_true(e.cost_usd == 12);
	assert_string_equal(e.cost_formula, "fixed $12.00");
	rb.cost_usd = -1;
	assert_int_equal(estimate_compute(&rb, NULL, &calm, &e, err, sizeof(err)), -1);
	assert_string_equal(err, "cost -1 is not a non-negative number");
}

static void
test_cost_hourly(void **state)
{
	cJSON *params = cJSON_CreateObject();
	struct runbook rb;
	struct estimate e;
	char err[200] = "";

	(void)state;
	cJSON_AddStringToObject(params, "count", "3");
	cJSON_AddStringToObject(params, "half", "2.5");
	cJSON_AddStringToObject(params, "zero", "0");

	rb = rb_hourly(0.096, "{{count}}", 24);
	assert_int_equal(estimate_compute(&rb, params, &calm, &e, err, sizeof(err)), 0);
	assert_string_equal(e.cost_formula, "$0.096/h × 3 × 24 h = $6.91");
	assert_true(e.cost_usd == 6.91); /* whole cents: 6.912 is shown and summed as 6.91 */

	rb = rb_hourly(2, "{{half}}", 0.5);
	assert_int_equal(estimate_compute(&rb, params, &calm, &e, err, sizeof(err)), 0);
	assert_string_equal(e.cost_formula, "$2.00/h × 2.5 × 0.5 h = $2.50");
	assert_true(e.cost_usd == 2.5);

	/* 0.4 × 8 × 18 = 57.6, the figure on the autopilot-limit card */
	rb = rb_hourly(0.4, "8", 18);
	assert_int_equal(estimate_compute(&rb, params, &calm, &e, err, sizeof(err)), 0);
	assert_string_equal(e.cost_formula, "$0.40/h × 8 × 18 h = $57.60");
	assert_true(e.cost_usd == 57.6);

	/* no quantity = one of it */
	rb = rb_hourly(0.0416, NULL, 10);
	assert_int_equal(estimate_compute(&rb, params, &calm, &e, err, sizeof(err)), 0);
	assert_string_equal(e.cost_formula, "$0.0416/h × 1 × 10 h = $0.42");

	rb = rb_hourly(0.096, "{{zero}}", 24);
	assert_int_equal(estimate_compute(&rb, params, &calm, &e, err, sizeof(err)), 0);
	assert_string_equal(e.cost_formula, "$0.096/h × 0 × 24 h = $0.00");
	cJSON_Delete(params);
}

static void
test_cost_bad_quantity(void **state)
{
	static const struct {
		const char *value, *err;
	} bad[] = {
	    {"three", "cost quantity 'three' is not a number"},
	    {"", "cost quantity '' is not a number"},
	    {"3 ", "cost quantity '3 ' is not a number"},
	    {"0x10", "cost quantity '0x10' is not a number"},
	    {"inf", "cost quantity 'inf' is not a number"},
	    {"1e999", "cost quantity '1e999' is not a number"},
	    {"-2", "cost quantity '-2' is negative"},
	};
	struct runbook rb = rb_hourly(0.096, "{{count}}", 24);
	struct estimate e;
	char err[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cJSON *params = cJSON_CreateObject();

		cJSON_AddStringToObject(params, "count", bad[i].value);
		err[0] = '\0';
		assert_int_equal(estimate_compute(&rb, params, &calm, &e, err, sizeof(err)), -1);
		assert_string_equal(err, bad[i].err);
		cJSON_Delete(params);
	}
	/* a parameter the template names but the binding lacks */
	assert_int_equal(estimate_compute(&rb, NULL, &calm, &e, err, sizeof(err)), -1);
	assert_string_equal(err, "cost quantity: no value for parameter 'count'");
}

struct risk_case {
	enum risk_level risk;
	int blast;
	const char *severity;
	double confidence;
	bool freeze;
	int failures;
	int score;
	enum risk_level level;
	const char *reasons;
};

static void
test_risk_table(void **state)
{
	static const struct risk_case cases[] = {
	    {RISK_LOW, 1, "sev3", 0.9, false, 0, 10, RISK_LOW, "+10 runbook risk low"},
	    {RISK_MEDIUM, 1, "sev4", 0.8, false, 0, 30, RISK_MEDIUM, "+30 runbook risk medium"},
	    {RISK_HIGH, 1, NULL, 1.0, false, 0, 55, RISK_HIGH, "+55 runbook risk high"},
	    {RISK_CRITICAL, 0, "sev3", 0.9, false, 0, 80, RISK_CRITICAL,
	     "+80 runbook risk critical"},
	    {RISK_LOW, 3, "sev2", 0.9, false, 0, 21, RISK_LOW,
	     "+10 runbook risk low | +6 blast radius 3 | +5 severity sev2"},
	    /* blast radius caps at +15 */
	    {RISK_LOW, 6, "sev3", 0.9, false, 0, 25, RISK_MEDIUM,
	     "+10 runbook risk low | +15 blast radius 6"},
	    {RISK_LOW, 1000000, "sev3", 0.9, false, 0, 25, RISK_MEDIUM,
	     "+10 runbook risk low | +15 blast radius 1000000"},
	    {RISK_LOW, 1, "sev1", 0.9, true, 0, 35, RISK_MEDIUM,
	     "+10 runbook risk low | +10 severity sev1 | +15 change freeze"},
	    {RISK_LOW, 1, "sev3", 0.7, false, 0, 15, RISK_LOW,
	     "+10 runbook risk low | +5 confidence 0.70 < 0.80"},
	    {RISK_LOW, 1, "sev3", 0.49, false, 0, 25, RISK_MEDIUM,
	     "+10 runbook risk low | +15 confidence 0.49 < 0.50"},
	    {RISK_LOW, 1, "sev3", 0.5, false, 0, 15, RISK_LOW,
	     "+10 runbook risk low | +5 confidence 0.50 < 0.80"},
	    {RISK_LOW, 1, "sev3", 0.9, false, 1, 20, RISK_LOW,
	     "+10 runbook risk low | +10 failed 1 time on this resource in 7 days"},
	    {RISK_LOW, 1, "sev3", 0.9, false, 2, 30, RISK_MEDIUM,
	     "+10 runbook risk low | +20 failed 2 times on this resource in 7 days"},
	    /* failures cap at +20 */
	    {RISK_LOW, 1, "sev3", 0.9, false, 7, 30, RISK_MEDIUM,
	     "+10 runbook risk low | +20 failed 7 times on this resource in 7 days"},
	    /* everything at once: 80+15+10+15+15+20 = 155, clamped */
	    {RISK_CRITICAL, 9, "sev1", 0.1, true, 3, 100, RISK_CRITICAL,
	     "+80 runbook risk critical | +15 blast radius 9 | +10 severity sev1 | +15 change "
	     "freeze | +15 confidence 0.10 < 0.50 | +20 failed 3 times on this resource in 7 "
	     "days"},
	    /* level boundaries 24/25, 49/50, 74/75 */
	    {RISK_LOW, 4, "sev2", 0.9, false, 0, 24, RISK_LOW,
	     "+10 runbook risk low | +9 blast radius 4 | +5 severity sev2"},
	    {RISK_LOW, 1, "sev3", 0.9, true, 0, 25, RISK_MEDIUM,
	     "+10 runbook risk low | +15 change freeze"},
	    {RISK_MEDIUM, 4, "sev1", 0.9, false, 0, 49, RISK_MEDIUM,
	     "+30 runbook risk medium | +9 blast radius 4 | +10 severity sev1"},
	    {RISK_MEDIUM, 1, "sev2", 0.9, true, 0, 50, RISK_HIGH,
	     "+30 runbook risk medium | +5 severity sev2 | +15 change freeze"},
	    {RISK_HIGH, 4, "sev1", 0.9, false, 0, 74, RISK_HIGH,
	     "+55 runbook risk high | +9 blast radius 4 | +10 severity sev1"},
	    {RISK_HIGH, 1, "sev2", 0.9, true, 0, 75, RISK_CRITICAL,
	     "+55 runbook risk high | +5 severity sev2 | +15 change freeze"},
	};
	struct estimate e;
	char err[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct risk_case *c = &cases[i];
		struct runbook rb = rb_make(c->risk, c->blast);
		struct risk_inputs in = {c->severity, c->confidence, c->freeze, c->failures};

		assert_int_equal(estimate_compute(&rb, NULL, &in, &e, err, sizeof(err)), 0);
		if (strcmp(reasons(&e), c->reasons) != 0 || e.risk_score != c->score ||
		    e.risk_level != c->level)
			fail_msg("case %zu: score %d level %d reasons \"%s\"; want %d %d \"%s\"", i,
				 e.risk_score, e.risk_level, reasons(&e), c->score, c->level,
				 c->reasons);
	}
}

static void
test_level_from_score(void **state)
{
	(void)state;
	assert_int_equal(risk_level_from_score(0), RISK_LOW);
	assert_int_equal(risk_level_from_score(24), RISK_LOW);
	assert_int_equal(risk_level_from_score(25), RISK_MEDIUM);
	assert_int_equal(risk_level_from_score(49), RISK_MEDIUM);
	assert_int_equal(risk_level_from_score(50), RISK_HIGH);
	assert_int_equal(risk_level_from_score(74), RISK_HIGH);
	assert_int_equal(risk_level_from_score(75), RISK_CRITICAL);
	assert_int_equal(risk_level_from_score(100), RISK_CRITICAL);
}

static void
test_reasons_json(void **state)
{
	struct runbook rb = rb_make(RISK_LOW, 1);
	struct risk_inputs in = {.severity = "sev2", .confidence = 0.9};
	struct estimate e;
	char err[200], *text;
	cJSON *arr;

	(void)state;
	assert_int_equal(estimate_compute(&rb, NULL, &in, &e, err, sizeof(err)), 0);
	assert_int_equal(e.risk_score, 15);
	arr = estimate_reasons_json(&e);
	text = cJSON_PrintUnformatted(arr);
	assert_string_equal(text, "[\"+10 runbook risk low\",\"+5 severity sev2\"]");
	free(text);
	cJSON_Delete(arr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cost_fixed),	      cmocka_unit_test(test_cost_hourly),
	    cmocka_unit_test(test_cost_bad_quantity), cmocka_unit_test(test_risk_table),
	    cmocka_unit_test(test_level_from_score),  cmocka_unit_test(test_reasons_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
