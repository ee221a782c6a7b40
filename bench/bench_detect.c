/* bench_detect.c — the detector's cost: nanoseconds per point (median and p99 over batches),
 * points per second on one core, and bytes of state per series. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "detect.h"

#define SERIES 1000
#define BATCH 10000
#define BATCHES 300

static double
now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int
main(void)
{
	static struct detector *d[SERIES];
	static double ns[BATCHES];
	uint64_t rng = 88172645463325252ull;
	double sink = 0, ts = 1.7e9;

	for (int k = 0; k < SERIES; k++)
		d[k] = detect_new();
	/* a thousand series in turn, as a watcher feeds them: five-minute steps, a daily
	 * pattern, noise and now and then a spike */
	long i = 0;
	for (int b = 0; b < BATCHES; b++) {
		double t0 = now_ns();
		for (int j = 0; j < BATCH; j++, i++) {
			int k = (int)(i % SERIES);
			if (k == 0)
				ts += 300;
			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			double noise = (double)(rng >> 11) / 9007199254740992.0 - 0.5;
			double v = 50 + 20 * sin(ts / 86400.0 * 2 * M_PI + k) + 4 * noise +
				   ((rng & 1023) == 0 ? 40 : 0);
			sink += detect_update(d[k], ts, v, NULL);
		}
		ns[b] = (now_ns() - t0) / BATCH;
	}
	qsort(ns, BATCHES, sizeof(double), cmp);
	double med = ns[BATCHES / 2], p99 = ns[BATCHES * 99 / 100];
	printf("detector: %d series, %ld points: %.0f ns/point median, %.0f ns p99 (per batch of "
	       "%d); %.2f million points/s on one core\n",
	       SERIES, i, med, p99, BATCH, 1e3 / med);
	printf("state per series: %zu bytes\n", detect_state_size());
	for (int k = 0; k < SERIES; k++)
		detect_free(d[k]);
	return sink < 0; /* keeps the work from being optimised away */
}
