/* detect.c — the streaming anomaly detector: an ensemble of small forecasters, a calibrated
 * tail probability of the best one's error, and suppression of repeated alarms per episode. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "util.h"

/* Points learned before scores are given: a few hours at typical scrape intervals. */
#define WARMUP 48
/* Points looked at to decide whether the series is a counter (only ever rises, resets). */
#define COUNTER_PROBE 32
/* Time-of-day profile: 288 bins of 5 minutes; spacings above an hour skip the profile. */
#define DAY_BINS 288
#define DAY_MAX_SPACING 3600.0
/* Points an alarm silences further alarms for: one episode, one alarm. */
#define EPISODE 144

struct forecaster {
	double pred;  /* forecast of the point being scored */
	double scale; /* mean absolute error, EWMA */
	bool ready;
};

struct detector {
	long n, seen;          /* points learned; points fed (including NaN) */
	double last_ts, dt;    /* clock and typical spacing (EWMA of gaps) */
	double raw_prev;       /* last raw value, for counters */
	int rises, nondec;     /* counter probe */
	int counter;           /* 1 once the series is a counter: its rate is modelled */
	double prev;           /* last modelled value */
	double level, lscale;  /* slow EWMA level and its mean absolute error */
	double drift, dscale;  /* random walk with drift: mean step and step error */
	double quantum;        /* smallest non-zero step seen: the series' resolution */
	double sres, sscale;   /* seasonal residual EWMA (sustained deviation) and error */
	long quiet;            /* points left in the current alarm episode */
	float day[DAY_BINS];   /* EWMA of the value per time-of-day bin */
	unsigned char day_n[DAY_BINS];    /* days the bin was seen, up to 255 */
	unsigned char day_last[DAY_BINS]; /* the last of them (day number mod 255, plus 1) */
	double dscale_season;
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
	return 0.5;
}

size_t
detect_state_size(void)
{
	return sizeof(struct detector);
}

static void
ewma(double *m, double x, double a)
{
	*m += a * (x - *m);
}

/* Two-sided tail probability of a Gaussian at z, as -log10 (so 6 means one in a million). */
static double
surprise(double z)
{
	double p = erfc(z / M_SQRT2);
	if (p < 1e-300)
		return 300;
	return -log10(p);
}

/* The counter probe: a series whose first points only rise is a counter (requests total,
 * bytes sent); its rate per second is what is modelled, and a fall is a reset, not news. */
static double
counter_input(struct detector *d, double ts, double v, bool *skip)
{
	*skip = false;
	if (d->seen > 0 && d->seen <= COUNTER_PROBE) {
		d->nondec += v >= d->raw_prev;
		d->rises += v > d->raw_prev;
		if (d->seen == COUNTER_PROBE && d->nondec == COUNTER_PROBE &&
		    d->rises >= COUNTER_PROBE * 3 / 4) {
			d->counter = 1;
			d->n = 0; /* relearn on rates */
		}
	}
	if (!d->counter)
		return v;
	double gap = ts - d->last_ts;
	if (gap <= 0) {
		*skip = true;
		return 0;
	}
	return (v >= d->raw_prev ? v - d->raw_prev : v) / gap;
}

double
detect_update(struct detector *d, double ts, double value, struct detect_result *out)
{
	struct detect_result r = {0};
	bool skip;

	r.expected = d->level;
	r.lo = d->level - 3 * 1.2533 * d->lscale;
	r.hi = d->level + 3 * 1.2533 * d->lscale;
	if (isnan(value)) {
		r.warming = d->n < WARMUP;
		if (out)
			*out = r;
		return 0;
	}
	double x = counter_input(d, ts, value, &skip);
	d->seen++;
	d->raw_prev = value;
	double gap = d->n > 0 && ts > d->last_ts ? ts - d->last_ts : 0;
	if (ts > d->last_ts || d->seen == 1)
		d->last_ts = ts;
	if (skip)
		goto done;
	if (gap > 0)
		d->dt = d->dt == 0 ? gap : d->dt + 0.05 * (gap - d->dt);

	if (d->n == 0) {
		d->level = d->prev = x;
		d->n = 1;
		r.warming = true;
		goto done;
	}
	double steps = d->dt > 0 && gap > 0 ? gap / d->dt : 1;
	if (steps < 1)
		steps = 1;
	double fl = d->quantum > 0 ? d->quantum : 1e-9 * (fabs(d->level) + 1e-9);
	fl += 1e-9 * fabs(d->level);

	/* forecasts */
	double rl = x - d->level, rd = x - (d->prev + d->drift * steps);
	double zl = fabs(rl) / (1.2533 * d->lscale + fl);
	double zd = fabs(rd) / (1.2533 * d->dscale * sqrt(steps) + fl);
	double z = zl < zd ? zl : zd;
	int bin = -1;
	double zs_sust = 0;
	if (d->dt > 0 && d->dt <= DAY_MAX_SPACING) {
		double sod = fmod(ts, 86400.0);
		if (sod < 0)
			sod += 86400.0;
		bin = (int)(sod / (86400.0 / DAY_BINS));
		if (bin >= DAY_BINS)
			bin = DAY_BINS - 1;
		if (d->day_n[bin] >= 2) {
			double rs = x - d->day[bin];
			double zs = fabs(rs) / (1.2533 * d->dscale_season + fl);
			if (zs < z)
				z = zs;
			ewma(&d->sres, rs, 0.1);
			zs_sust = fabs(d->sres) / (1.2533 * d->dscale_season / 2.0 + fl);
			ewma(&d->dscale_season, fabs(rs), 0.01);
		}
	}
	if (zs_sust > z)
		z = zs_sust;
	r.warming = d->n < WARMUP;
	if (!r.warming) {
		double s = surprise(z) / 12.0;
		r.score = s > 1 ? 1 : s;
		if (d->quiet > 0) {
			d->quiet--;
			r.score *= 0.5;
		} else if (r.score >= detect_default_threshold()) {
			d->quiet = EPISODE;
		}
	}

	/* learning */
	double al = d->n < 20 ? 1.0 / (double)(d->n + 1) : 0.02;
	double step = x - d->prev;
	if (step != 0 && (d->quantum == 0 || fabs(step) < d->quantum))
		d->quantum = fabs(step);
	ewma(&d->lscale, fabs(rl), al);
	ewma(&d->level, x, al);
	ewma(&d->dscale, fabs(rd) / sqrt(steps), al);
	ewma(&d->drift, step / steps, al * 0.5);
	if (bin >= 0) {
		if (d->day_n[bin] == 0) {
			d->day[bin] = (float)x;
			if (d->dscale_season == 0)
				d->dscale_season = d->lscale;
		} else {
			d->day[bin] += 0.25f * (float)(x - d->day[bin]);
		}
		unsigned char today = (unsigned char)(fmod(floor(ts / 86400.0), 255.0) + 1);
		if (d->day_last[bin] != today && d->day_n[bin] < 255)
			d->day_n[bin]++;
		d->day_last[bin] = today;
	}
	d->prev = x;
	d->n++;
done:
	if (out)
		*out = r;
	return r.score;
}
