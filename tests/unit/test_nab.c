/* test_nab.c — NAB scoring on tiny hand-computed cases: windows, sigmoid, probation, sweep. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "nab.h"

#define N 20

/* 20 rows, probation 3 rows, one window on rows 10..14 (width 5). */
static const struct nab_window win = {10, 14};

static struct nab_result
run(const double *scores, int profile)
{
	struct nab_file f = {N, scores, 1, &win};
	struct nab_result r;
	assert_int_equal(nab_score(&f, 1, &nab_profiles[profile], &r), 0);
	return r;
}

static void
test_sigmoid_and_probation(void **state)
{
	(void)state;
	assert_true(fabs(nab_sigmoid(-1.0) - 0.986614) < 1e-6);
	assert_true(fabs(nab_sigmoid(0.0)) < 1e-12);
	assert_true(fabs(nab_sigmoid(1.0) + 0.986614) < 1e-6);
	assert_true(nab_sigmoid(3.5) == -1.0);
	assert_int_equal(nab_probation(20), 3);
	assert_int_equal(nab_probation(4033), 604);
	assert_int_equal(nab_probation(100000), 750);
}

static void
test_first_row_of_window_is_perfect(void **state)
{
	double s[N] = {0};
	(void)state;
	s[10] = 1.0;
	s[11] = 1.0; /* later alarms in the same window change nothing */
	struct nab_result r = run(s, 0);
	assert_true(fabs(r.null_score + 1.0) < 1e-12);
	assert_true(fabs(r.perfect - 1.0) < 1e-12);
	assert_true(fabs(r.normalised - 100.0) < 1e-9);
	assert_true(r.threshold == 1.0);
	assert_int_equal(r.tp, 1);
	assert_int_equal(r.fp, 0);
}

static void
test_late_detection_earns_less(void **state)
{
	double s[N] = {0};
	(void)state;
	s[12] = 0.7; /* position -(14-12+1)/5 = -0.6: 2/(1+e^-3)-1 = 0.905148, / 0.986614 */
	struct nab_result r = run(s, 0);
	assert_true(fabs(r.raw - 0.905148 / 0.986614) < 1e-5);
	assert_true(fabs(r.normalised - 100 * (1 + 0.917428) / 2) < 1e-3);
	assert_true(r.threshold == 0.7);
}

static void
test_false_positives_and_threshold(void **state)
{
	double s[N] = {0};
	(void)state;
	s[5] = 1.0;  /* before any window: full cost 0.11 */
	s[10] = 0.9; /* the window's first row */
	struct nab_result r = run(s, 0);
	assert_true(r.threshold == 0.9);
	assert_true(fabs(r.raw - 0.89) < 1e-9);
	assert_int_equal(r.fp, 1);
	/* reward_low_FP_rate doubles the cost */
	r = run(s, 1);
	assert_true(fabs(r.raw - 0.78) < 1e-9);
	/* reward_low_FN_rate: null is -2, perfect 1 */
	r = run(s, 2);
	assert_true(fabs(r.null_score + 2.0) < 1e-12);
	assert_true(fabs(r.normalised - 100 * (0.89 + 2) / 3) < 1e-9);
}

static void
test_alarm_after_window_costs_by_distance(void **state)
{
	double s[N] = {0};
	(void)state;
	s[10] = 1.0;
	s[16] = 1.0; /* (16-14)/(5-1) = 0.5 widths past: 2/(1+e^2.5)-1 = -0.848284 */
	struct nab_result r = run(s, 0);
	assert_true(fabs(r.raw - (1.0 - 0.11 * 0.848284)) < 1e-6);
	s[16] = 0;
	s[15] = 1.0; /* right after the end: 0.25 widths, cheap */
	r = run(s, 0);
	assert_true(fabs(r.raw - (1.0 + 0.11 * (2 / (1 + exp(1.25)) - 1))) < 1e-9);
}

static void
test_probation_and_null(void **state)
{
	double s[N] = {0};
	(void)state;
	s[1] = 1.0; /* in probation: neither rewarded nor penalised */
	struct nab_file f = {N, s, 1, &win};
	struct nab_result r;
	assert_int_equal(nab_score_at(&f, 1, &nab_profiles[0], 0.5, &r), 0);
	assert_true(fabs(r.raw + 1.0) < 1e-12);
	assert_true(r.normalised == 0.0);
	assert_int_equal(r.fp, 0);
	/* alarming on every row (threshold 0): 7 full-cost false alarms before the window,
	 * the window's first row, then 5 rows past it costing by distance */
	assert_int_equal(nab_score_at(&f, 1, &nab_profiles[0], 0.0, &r), 0);
	double want = 1.0 - 7 * 0.11;
	for (int i = 15; i < N; i++)
		want += 0.11 * nab_sigmoid((i - 14) / 4.0);
	assert_true(fabs(r.raw - want) < 1e-9);
	assert_int_equal(r.fp, 12);
}

static void
test_threshold_over_files_and_bad_windows(void **state)
{
	double a[N] = {0}, b[N] = {0};
	struct nab_window none = {0, 0};
	(void)state;
	a[10] = 0.8;
	b[8] = 0.9; /* a file without windows: one false alarm costs 0.11 */
	struct nab_file fs[2] = {{N, a, 1, &win}, {N, b, 0, &none}};
	struct nab_result r;
	assert_int_equal(nab_score(fs, 2, &nab_profiles[0], &r), 0);
	assert_true(r.threshold == 0.8);
	assert_true(fabs(r.raw - 0.89) < 1e-9);
	assert_int_equal(nab_score_at(fs, 2, &nab_profiles[0], 0.85, &r), 0);
	assert_true(fabs(r.raw + 1.11) < 1e-9);
	struct nab_window bad = {15, 25};
	fs[0].win = &bad;
	assert_int_equal(nab_score(fs, 2, &nab_profiles[0], &r), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sigmoid_and_probation),
	    cmocka_unit_test(test_first_row_of_window_is_perfect),
	    cmocka_unit_test(test_late_detection_earns_less),
	    cmocka_unit_test(test_false_positives_and_threshold),
	    cmocka_unit_test(test_alarm_after_window_costs_by_distance),
	    cmocka_unit_test(test_probation_and_null),
	    cmocka_unit_test(test_threshold_over_files_and_bad_windows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
