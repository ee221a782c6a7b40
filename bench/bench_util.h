/* bench_util.h — what the C benchmarks share: milliseconds since a monotonic start, and
 * sorting samples before their percentiles are read. */
#ifndef HEALER_BENCH_UTIL_H
#define HEALER_BENCH_UTIL_H

#include <stdlib.h>
#include <time.h>

/* Milliseconds from t0 (CLOCK_MONOTONIC) to now. */
static inline double
bench_ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static inline int
bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sorts n samples ascending, for v[n / 2], v[n * 99 / 100] and the like. */
static inline void
bench_sort(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), bench_cmp_double);
}

#endif
