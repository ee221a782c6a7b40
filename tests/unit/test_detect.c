/* test_detect.c — the streaming detector on synthetic series, one per pattern real metrics
 * show, plus its contract: scores in [0,1], no lookahead, bounded state. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "detect.h"

#define T0 1396310400.0 /* 2014-04-01 00:00:00 UTC */
#define STEP 300.0      /* five-minute samples */
#define LEN 4000

/* A deterministic Gaussian (xorshift + Box-Muller), so tests never flake. */
static uint64_t rng = 88172645463325252ull;
static double
uniform(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return ((double)(rng >> 11) + 0.5) / 9007199254740992.0;
}
static double
gauss(void)
{
	return sqrt(-2 * log(uniform())) * cos(2 * M_PI * uniform());
}

/* Scores a whole series; ts NULL means regular five-minute steps. */
static void
score_all(const double *ts, const double *v, size_t n, double *out)
{
	struct detector *d = detect_new();
	for (size_t i = 0; i < n; i++) {
		struct detect_result r;
		out[i] = detect_update(d, ts ? ts[i] : T0 + STEP * (double)i, v[i], &r);
		assert_true(out[i] == r.score);
		assert_true(out[i] >= 0.0 && out[i] <= 1.0);
	}
	detect_free(d);
}

static double
max_in(const double *s, size_t from, size_t to)
{
	double m = 0;
	for (size_t i = from; i < to; i++)
		if (s[i] > m)
			m = s[i];
	return m;
}

static void
test_spike_in_noise(void **state)
{
	double *v = malloc(LEN * sizeof(double)), *s = malloc(LEN * sizeof(double));
	(void)state;
	for (int i = 0; i < LEN; i++)
		v[i] = 50 + 2 * gauss();
	v[3000] = 80;
	score_all(NULL, v, LEN, s);
	double thr = detect_default_threshold();
	assert_true(s[3000] >= thr);
	assert_true(max_in(s, 200, 2990) < thr);
	assert_true(max_in(s, 3010, LEN) < thr);
	free(v);
	free(s);
}

static void
test_prefix_gives_same_scores(void **state)
{
	double *v = malloc(LEN * sizeof(double)), *a = malloc(LEN * sizeof(double));
	double *b = malloc(LEN * sizeof(double));
	(void)state;
	for (int i = 0; i < LEN; i++)
		v[i] = 100 + 20 * sin(2 * M_PI * i / 288.0) + gauss() + (i > 3000 ? 30 : 0);
	v[1234] = NAN;
	score_all(NULL, v, LEN, a);
	size_t n60 = LEN * 6 / 10;
	score_all(NULL, v, n60, b);
	assert_memory_equal(a, b, n60 * sizeof(double));
	free(v);
	free(a);
	free(b);
}

static void
test_state_is_small(void **state)
{
	(void)state;
	assert_true(detect_state_size() <= 4096);
	assert_true(detect_default_threshold() > 0 && detect_default_threshold() <= 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_spike_in_noise),
	    cmocka_unit_test(test_prefix_gives_same_scores),
	    cmocka_unit_test(test_state_is_small),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
