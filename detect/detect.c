/* detect.c — placeholder detector (an exponentially weighted z-score) until the real one lands. */
#include <math.h>
#include <stdlib.h>

#include "detect.h"
#include "util.h"

struct detector {
	double mean, var;
	long n;
};

struct detector *
detect_new(void)
{
	return xcalloc(1, sizeof(struct detector));
}

void
detect_free(struct detector *d)
{
	free(d);
}

double
detect_default_threshold(void)
{
	return 0.99;
}

size_t
detect_state_size(void)
{
	return sizeof(struct detector);
}

double
detect_update(struct detector *d, double ts, double value, struct detect_result *out)
{
	struct detect_result r = {0};
	(void)ts;
	if (isnan(value)) {
		if (out)
			*out = r;
		return 0;
	}
	double sd = sqrt(d->var) + 1e-9;
	r.expected = d->mean;
	r.lo = d->mean - 3 * sd;
	r.hi = d->mean + 3 * sd;
	r.warming = d->n < 10;
	if (!r.warming) {
		double z = fabs(value - d->mean) / sd;
		r.score = 1.0 - exp(-z * z / 18.0);
	}
	double a = d->n < 10 ? 1.0 / (double)(d->n + 1) : 0.05, delta = value - d->mean;
	d->mean += a * delta;
	d->var = (1 - a) * (d->var + a * delta * delta);
	d->n++;
	if (out)
		*out = r;
	return r.score;
}
