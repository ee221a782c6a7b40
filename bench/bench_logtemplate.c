/* bench_logtemplate.c — log lines templated per second on one core (logs/logtemplate.c): level
 * detection, masking and grouping of realistic lines, in batches of 10,000, reporting the
 * median and p99 batch rate. Usage: bench_logtemplate [lines] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "logtemplate.h"
#include "util.h"
#include "bench_util.h"

#define BATCH 10000

static const char *const shapes[] = {
    "%s ERROR db: connection to 10.0.%d.%d:5432 refused after %dms (attempt %d)",
    "%s WARN  pool exhausted: %d/32 connections busy for request %08x-9a4d-4e21-8b6f-0c5d2e7a9b10",
    "%s INFO  GET /api/v1/orders/%d 200 in %d ms user=\"u%d\" ip=192.168.%d.%d",
    "{\"ts\":\"%s\",\"level\":\"error\",\"msg\":\"payment %d declined: card %d "
    "expired\",\"req\":%d,\"x\":%d}",
    "%s ERROR worker-%d panicked at 0x7ffd%04x: index out of range [%d] with length %d",
    "%s INFO  cache hit ratio %d.%d%% over %d keys (shard %d)",
};

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000000;
	size_t nb = (size_t)(n / BATCH), nshapes = sizeof(shapes) / sizeof(shapes[0]);
	char **lines = xcalloc(BATCH, sizeof(*lines));
	double *rates = xcalloc(nb ? nb : 1, sizeof(*rates));
	const struct logtpl *top[10];
	long seen, kept, dropped;
	size_t bytes = 0, distinct;

	if (nb == 0)
		nb = 1;
	srand(42);
	for (size_t i = 0; i < BATCH; i++) {
		char ts[40];
		snprintf(ts, sizeof(ts), "2026-05-01T10:%02d:%02d.%03dZ", rand() % 60, rand() % 60,
			 rand() % 1000);
		lines[i] = xasprintf(shapes[i % nshapes], ts, rand() % 256, rand() % 256,
				     rand() % 9000, rand() % 9, rand() % 99999);
		bytes += strlen(lines[i]);
	}
	struct logtpl_set *s = logtpl_new(0);
	for (size_t b = 0; b < nb; b++) {
		struct timespec a, z;
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (size_t i = 0; i < BATCH; i++)
			logtpl_add(s, lines[i], strlen(lines[i]), 1000 + (int64_t)i, NULL);
		clock_gettime(CLOCK_MONOTONIC, &z);
		double secs = (double)(z.tv_sec - a.tv_sec) + (double)(z.tv_nsec - a.tv_nsec) / 1e9;
		rates[b] = BATCH / (secs > 0 ? secs : 1e-9);
	}
	logtpl_top(s, top, 10, &distinct);
	logtpl_counts(s, &seen, &kept, &dropped);
	bench_sort(rates, nb);
	/* p99 of the rate is the slow end: the 1st percentile of lines per second */
	printf("log lines templated on one core: median %.0f lines/s, p99 (slowest 1%% of batches)"
	       " %.0f lines/s\n",
	       rates[nb / 2], rates[nb / 100]);
	printf("  %ld lines (%zu batches of %d, %.0f bytes/line), %ld warnings/errors kept, %zu "
	       "templates, %ld dropped by the cap\n",
	       seen, nb, BATCH, (double)bytes / BATCH, kept, distinct, dropped);
	logtpl_free(s);
	for (size_t i = 0; i < BATCH; i++)
		free(lines[i]);
	free(lines);
	free(rates);
	return 0;
}
