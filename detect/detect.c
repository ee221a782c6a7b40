/* detect.c — the streaming anomaly detector: forecasters and features, each deviation set
 * against what that feature usually reaches, a Gaussian tail probability, one alarm per episode.
 *
 * Per point: four forecasters (slow robust level, random walk with drift, time-of-day and
 * hour-of-week profiles) give the point deviation as the smallest of their errors in sigmas;
 * three more features measure sustained change (short mean against long, the residual of the
 * better profile averaged, the distance of recent behaviour from prototypes of behaviour seen
 * before). Each feature's deviation is divided by what it usually reaches (record of the
 * episode, usual deviation, record at this hour of day) and the largest becomes a tail
 * probability; its -log10 over SCORE_SPAN is the score. */
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
/* Hour-of-week profile: 168 bins, learned like the time-of-day one, week by week. */
#define WEEK_BINS 168
/* Sigmas beyond which a residual teaches the level and profile no more than this. */
#define HUBER 4.0
/* After an alarm, scores are multiplied by EPISODE_DAMP until the series has been calm (no
 * deviation beyond the usual one) for EPISODE_TIME seconds, counted as no fewer than
 * EPISODE_MIN and no more than EPISODE_MAX points: one episode, one alarm, however long the
 * disturbance lasts. That is half a day of five-minute samples; an hourly series gets 12
 * points instead of six days; a series sampled every few seconds is calm again after 144
 * points, so that a live anomaly minutes after an outlier is not muted; and a sparse or
 * irregular series does not leave an episode on a single gap. */
#define EPISODE_TIME (12 * 3600.0)
#define EPISODE_MIN 12
#define EPISODE_MAX 144
#define EPISODE_DAMP 0.5
/* The largest deviation a normal stretch of a well-behaved series shows (in sigmas). A feature
 * whose records are larger has its deviations divided by record / Z_NORMAL: a kind of event
 * seen before is less news. The records, never below Z_NORMAL:
 *   - the episode record decays by RECORD_DECAY per point and jumps to any larger deviation
 *     (only the onset of an episode is scored high). It halves in about 23 points, two hours
 *     of 5-minute points: a burst of activity lasting hours is one piece of news;
 *   - the usual deviation is the one exceeded by 1 - Q_LEVEL of the points, tracked in log
 *     scale by steps of Q_STEP (a series that spikes by nature);
 *   - the record of each hour of day decays by HOUR_DECAY per REF_SPACING of data in that
 *     hour and jumps to any larger deviation (a nightly job: the second night's run is no
 *     news, however large the first); reaching it counts HOUR_MARGIN times less, so that a
 *     deviation as large as the hour usually sees stays under the threshold. At 5-minute
 *     points an hour keeps 98.8 % of its record's excess a day: jobs run for weeks. */
#define Z_NORMAL 5.0
#define RECORD_DECAY 0.97
#define Q_LEVEL 0.995
#define Q_STEP 0.25
#define REF_SPACING 300.0
#define HOUR_MARGIN 1.25
#define HOUR_DECAY 0.999
/* An hour's deviation is also set against the records of the HOUR_SPREAD hours either side:
 * a daily job does not start at the same minute every day (it waits for its input, a
 * change to or from daylight saving time moves it by an hour against UTC). */
#define HOUR_SPREAD 2
/* Context prototypes: PROTOS kinds of recent behaviour in PDIM dimensions (fast level,
 * medium level, volatility, in long-run sigmas). A behaviour further than VIGILANCE from
 * every kind is a new kind; the nearest kind moves PROTO_RATE towards what it matches; the
 * least used kind (uses decaying by PROTO_DECAY per point) makes room for a new one. Uses
 * are remembered for about 2,000 points (a week of 5-minute points): a behaviour that lasts
 * a few points once a day (a nightly drop) gathers a week of uses, enough to outlive the
 * one-off novelties of a busy day instead of being replaced and found new again each night. */
#define PROTOS 24
#define PDIM 3
#define VIGILANCE 0.7
#define PROTO_RATE 0.05f
#define PROTO_DECAY 0.9995f
/* The averaged profile residual carries the profile's own error too (each bin is learned
 * from a few days): its deviations read SRES_WIDEN times narrower than they are. */
#define SRES_WIDEN 1.5
/* Decades of tail probability that map to a score of 1: the default threshold, 0.5, is a
 * one-in-a-million deviation. */
#define SCORE_SPAN 12.0
/* A scale never reads narrower than SLOW_FRAC of its slow twin, the plain mean absolute value
 * over about 1 / SLOW_RATE points, outliers included: after a quiet spell, a burst as large as
 * the bursts of the last week or two is not news, while in steady noise the two scales agree.
 * The memory (~3,300 points, 11 days of 5-minute points) outlasts the quiet spells of bursty
 * series, which often run for days. */
#define SLOW_FRAC 0.7
#define SLOW_RATE 0.0003

/* A feature's robust scale: the EWMA of its absolute value, where one point can at most
 * quadruple the scale, so one outlier does not blind the feature for long. */
struct scale {
	double mad, slow;
	long n;
};

/* What one feature's deviations (in sigmas) usually reach: the record of the episode (only its
 * onset is news), the usual deviation (a series that spikes by nature has its spikes scaled
 * down) and a record per hour of day (a nightly job). */
struct tail {
	double rec, usual;
	float hour[24]; /* what the deviations usually reach at each hour of the day */
};

struct detector {
	long n, seen;	    /* points learned; points fed (including NaN) */
	double last_ts, dt; /* clock and typical spacing (EWMA of gaps) */
	double raw_prev;    /* last raw value, for counters */
	int rises, nondec;  /* counter probe */
	int counter;	    /* 1 once the series is a counter: its rate is modelled */
	double prev;	    /* last modelled value */
	double quantum;	    /* smallest non-zero step seen: the series' resolution */
	double level;	    /* slow EWMA level */
	double drift;	    /* mean step of the random walk */
	double fast, slow;  /* EWMA levels for the sustained-shift feature */
	double sres;	    /* EWMA of the time-of-day residual (sustained deviation) */
	struct scale s_level, s_step, s_day, s_shift, s_sres;
	struct tail t_point, t_shift, t_sres, t_ctx;
	/* context: the recent behaviour (fast and medium level, volatility) in units of the
	 * series' long-run spread, against prototypes of behaviour seen before */
	double cf, cm, cv, gmean;
	struct scale s_glob, s_ctx;
	int nproto;
	float proto[PROTOS][PDIM];
	float pcount[PROTOS]; /* uses, in units of pweight (which grows instead of decaying) */
	float pweight;
	long quiet;			  /* calm points left in the alarm episode at most */
	double quiet_until;		  /* the time it may end (calm for EPISODE_TIME) */
	double hour_decay;		  /* per point, from the spacing (records forget in time) */
	float day[DAY_BINS];		  /* EWMA of the value per time-of-day bin */
	unsigned char day_n[DAY_BINS];	  /* days the bin agreed with the day before */
	unsigned char day_last[DAY_BINS]; /* the day last seen (day number mod 255, plus 1) */
	struct scale s_week;
	float week[WEEK_BINS]; /* the same per hour of the week */
	unsigned char week_n[WEEK_BINS], week_last[WEEK_BINS];
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

/* Two-sided tail probability of a Gaussian at z, as -log10 (so 6 means one in a million). */
static double
surprise(double z)
{
	double p = erfc(z / M_SQRT2);
	if (p < 1e-300)
		return 300;
	return -log10(p);
}

/* Deviation z scaled against what the feature usually reaches (Z_NORMAL when it is as large
 * as usual), then z is learned when `learn`. */
static double
tail_update(const struct detector *d, struct tail *t, double z, bool learn, int hour)
{

	if (t->rec < Z_NORMAL)
		t->rec = Z_NORMAL;
	if (t->usual < Z_NORMAL)
		t->usual = Z_NORMAL;
	double div = t->usual;
	if (t->rec > div)
		div = t->rec;
	if (hour >= 0) {
		/* the hour and its neighbours, as daily jobs wander */
		for (int k = -HOUR_SPREAD; k <= HOUR_SPREAD; k++) {
			double h = t->hour[(hour + 24 + k) % 24];
			h = Z_NORMAL + (h - Z_NORMAL) * HOUR_MARGIN;
			if (h > div)
				div = h;
		}
	}
	double ze = z * Z_NORMAL / div;
	if (!learn)
		return ze;
	if (hour >= 0) {
		float *h = &t->hour[hour];
		if (*h < Z_NORMAL)
			*h = Z_NORMAL;
		*h = (float)(Z_NORMAL + (*h - Z_NORMAL) * d->hour_decay);
		if (z > *h)
			*h = (float)z;
	}
	t->rec = Z_NORMAL + (t->rec - Z_NORMAL) * RECORD_DECAY;
	if (z > t->rec)
		t->rec = z;
	/* the deviation exceeded once in 1/(1 - Q_LEVEL) points, tracked in log scale */
	t->usual *= z > t->usual ? exp(Q_STEP * Q_LEVEL) : exp(-Q_STEP * (1 - Q_LEVEL));
	if (t->usual < Z_NORMAL)
		t->usual = Z_NORMAL;
	return ze;
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
			/* everything learned so far was totals: start again on rates */
			struct detector keep = *d;
			memset(d, 0, sizeof(*d));
			d->seen = keep.seen;
			d->last_ts = keep.last_ts;
			d->dt = keep.dt;
			d->raw_prev = keep.raw_prev;
			d->counter = 1;
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

/* |f| in units of the scale's sigma (mean absolute deviation * 1.2533), then learns |f|. */
static double
scale_z(struct scale *sc, double f, double alpha, double floor_)
{
	/* a scale learned from fewer than 16 points says nothing yet */
	double m = sc->mad > SLOW_FRAC * sc->slow ? sc->mad : SLOW_FRAC * sc->slow;
	double z = sc->n < 16 ? 0 : fabs(f) / (1.2533 * m + floor_);
	double a = sc->n < 1.0 / alpha ? 1.0 / (double)(sc->n + 1) : alpha;
	double as = sc->n < 1.0 / SLOW_RATE ? 1.0 / (double)(sc->n + 1) : SLOW_RATE;
	double v = fabs(f);
	/* the slow scale takes outliers whole: it remembers how large bursts get */
	sc->slow += as * (v - sc->slow);
	if (sc->n > 8 && v > 4 * sc->mad + floor_)
		v = 4 * sc->mad + floor_;
	sc->mad += a * (v - sc->mad);
	sc->n++;
	return z;
}

/* How far the recent behaviour is from every kind seen before (0 while learning the scale),
 * then learns it: the nearest prototype moves towards it, or a new kind is remembered in
 * place of the least seen one. *why gets what differs most from the nearest kind. */
static double
context_novelty(struct detector *d, double x, double fl, struct detect_reason *why)
{
	d->cv += 0.1 * (fabs(x - d->cf) - d->cv);
	d->cf += 0.3 * (x - d->cf);
	d->cm += 0.05 * (x - d->cm);
	double gs = 1.2533 * d->s_glob.mad + fl, g0 = d->gmean;
	float v[PDIM] = {(float)((d->cf - d->gmean) / gs), (float)((d->cm - d->gmean) / gs),
			 (float)(d->cv / gs)};
	double a = d->s_glob.n < 500 ? 1.0 / (double)(d->s_glob.n + 1) : 0.002;
	scale_z(&d->s_glob, x - d->gmean, 0.002, fl);
	d->gmean += a * (x - d->gmean);
	if (d->s_glob.n < 32)
		return 0;
	int best = -1, weakest = 0;
	double dmin = 1e300;
	for (int k = 0; k < d->nproto; k++) {
		double dd = 0;
		for (int j = 0; j < PDIM; j++)
			dd += (double)(v[j] - d->proto[k][j]) * (v[j] - d->proto[k][j]);
		if (dd < dmin) {
			dmin = dd;
			best = k;
		}
		if (d->pcount[k] < d->pcount[weakest])
			weakest = k;
	}
	dmin = best < 0 ? 0 : sqrt(dmin);
	if (best >= 0) {
		const float *p = d->proto[best];
		double dl = fmax(fabs(v[0] - p[0]), fabs(v[1] - p[1])), dv = fabs(v[2] - p[2]);
		/* swings half as large again (or two thirds as small) are the story a reader
		 * sees first, even when the level moved as many sigmas */
		bool vol = dv >= dl || (p[2] > 0 && (v[2] >= 1.5 * p[2] || 1.5 * v[2] <= p[2]));
		why->why = vol ? DETECT_WHY_NEW_VOLATILITY : DETECT_WHY_NEW_LEVEL;
		why->recent = vol ? d->cv : d->cf;
		why->usual = vol ? p[2] * gs : p[0] * gs + g0;
	}
	/* decaying every count is growing the weight of new uses instead */
	if (d->pweight == 0)
		d->pweight = 1;
	d->pweight /= PROTO_DECAY;
	if (d->pweight > 1e30f) {
		for (int k = 0; k < d->nproto; k++)
			d->pcount[k] /= d->pweight;
		d->pweight = 1;
	}
	if (best < 0 || dmin > VIGILANCE) {
		int k = d->nproto < PROTOS ? d->nproto++ : weakest;
		memcpy(d->proto[k], v, sizeof(v));
		d->pcount[k] = d->pweight;
	} else {
		for (int j = 0; j < PDIM; j++)
			d->proto[best][j] += PROTO_RATE * (v[j] - d->proto[best][j]);
		d->pcount[best] += d->pweight;
	}
	return scale_z(&d->s_ctx, dmin, 0.002, 0.05 * VIGILANCE);
}

/* Which of the four features (deviations zf, simplest story first) explains a point whose
 * largest deviation's surprise is u: the first that alone reaches the default threshold (a
 * spike that also moves the recent level is a spike), else the largest. */
static int
reason_pick(const double zf[4], double u)
{
	int best = 0;
	for (int i = 0; i < 4; i++) {
		if (u >= SCORE_SPAN / 2 && surprise(zf[i]) >= SCORE_SPAN / 2)
			return i; /* alone at the default threshold, 0.5 */
		if (zf[i] > zf[best])
			best = i;
	}
	return best;
}

/* The time-of-day bin of ts (the hour-of-week one is bin / 12 + 24 * weekday), or -1 when
 * the spacing is too wide for a profile. */
static int
day_bin(const struct detector *d, double ts)
{
	if (d->dt <= 0 || d->dt > DAY_MAX_SPACING)
		return -1;
	double sod = fmod(ts, 86400.0);
	if (sod < 0)
		sod += 86400.0;
	int bin = (int)(sod / (86400.0 / DAY_BINS));
	return bin < DAY_BINS ? bin : DAY_BINS - 1;
}

/* r limited to HUBER sigmas of the scale (the scale's own first points pass unclipped). */
static double
huber(double r, const struct scale *sc, double floor_)
{
	double c = HUBER * (1.2533 * sc->mad + floor_);
	if (sc->n < 8)
		return r;
	return r > c ? c : r < -c ? -c : r;
}

/* Teaches bin `bin` of a seasonal profile (values v, agreements n, period last seen) the
 * value x seen in period number `period`. A bin is confirmed when a new period agrees with
 * it within `tol`; a bin that has never agreed starts again from the new period (a one-off
 * spike is not a pattern). Young bins move fast, confirmed ones robustly. */
static void
profile_learn(float *v, unsigned char *n, unsigned char *last, int bin, double period, double x,
	      double tol, const struct scale *sc, double fl)
{
	long long p = (long long)floor(period);
	unsigned char now = (unsigned char)((p % 255 + 255) % 255 + 1);
	double r = x - v[bin];

	if (last[bin] == 0) {
		v[bin] = (float)x;
		last[bin] = now;
		return;
	}
	if (last[bin] != now) {
		if (fabs(r) <= tol) {
			if (n[bin] < 255)
				n[bin]++;
		} else if (n[bin] == 0) {
			v[bin] = (float)x;
			last[bin] = now;
			return;
		}
	}
	v[bin] += n[bin] < 3 ? 0.5f * (float)r : 0.25f * (float)huber(r, sc, fl);
	last[bin] = now;
}

/* The alarm episode (re)starts its calm count at ts. */
static void
episode_extend(struct detector *d, double ts)
{
	d->quiet = EPISODE_MAX;
	d->quiet_until = ts + EPISODE_TIME;
}

/* Whether the point at ts is still inside the alarm episode; the episode ends once it has
 * been calm for EPISODE_TIME and EPISODE_MIN points, or for EPISODE_MAX points. */
static bool
episode_goes_on(struct detector *d, double ts)
{
	if (d->quiet <= 0)
		return false;
	if (d->quiet > EPISODE_MAX - EPISODE_MIN || ts <= d->quiet_until)
		return true;
	d->quiet = 0;
	return false;
}

double
detect_update(struct detector *d, double ts, double value, struct detect_result *out)
{
	struct detect_result r = {0};
	struct detect_reason ctx = {0};
	bool skip, reset = false;

	r.expected = d->level;
	r.lo = d->level - Z_NORMAL * 1.2533 * d->s_level.mad;
	r.hi = d->level + Z_NORMAL * 1.2533 * d->s_level.mad;
	if (isnan(value)) {
		r.warming = d->n < WARMUP;
		if (out)
			*out = r;
		return 0;
	}
	double x = counter_input(d, ts, value, &skip);
	reset = d->counter && value < d->raw_prev;
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
		d->level = d->prev = d->fast = d->slow = d->cf = d->cm = d->gmean = x;
		d->n = 1;
		r.warming = true;
		goto done;
	}
	if ((d->n & 63) == 1) {
		/* records forget per unit of time, not per point: refreshed now and then */
		double k = d->dt > 0 ? d->dt / REF_SPACING : 1;
		d->hour_decay = pow(HOUR_DECAY, k);
	}
	double steps = d->dt > 0 && gap > 0 ? gap / d->dt : 1;
	if (steps < 1)
		steps = 1;
	double fl = (d->quantum > 0 ? d->quantum : 1e-9) + 1e-9 * fabs(d->level);

	/* point forecasts: the point is as surprising as the best of them finds it, and that
	 * one's forecast is what the card shows as expected */
	double sig = 1.2533 * d->s_level.mad + fl, sd = 1.2533 * d->s_step.mad + fl;
	double rl = x - d->level, pd = d->prev + d->drift * steps, rd = x - pd;
	double z = scale_z(&d->s_level, rl, 0.02, fl);
	double zd = scale_z(&d->s_step, steps == 1 ? rd : rd / sqrt(steps), 0.02, fl);
	r.expected = d->level;
	if (zd < z) {
		z = zd;
		r.expected = pd;
		sig = sd * sqrt(steps);
	}
	int bin = day_bin(d, ts), wbin = -1;
	double zs_sust = 0, rs = NAN, rsig = 0, rref = 0;
	bool rweek = false;
	if (bin >= 0) {
		double week = fmod(ts, 7 * 86400.0);
		wbin = (int)((week < 0 ? week + 7 * 86400.0 : week) / 3600.0) % WEEK_BINS;
	}
	if (bin >= 0 && d->day_n[bin] >= 1) {
		double ss = 1.2533 * d->s_day.mad + fl;
		rs = x - d->day[bin];
		rsig = ss;
		rref = d->day[bin];
		double zs = scale_z(&d->s_day, rs, 0.01, fl);
		if (zs < z) {
			z = zs;
			r.expected = d->day[bin];
			sig = ss;
		}
	}
	if (wbin >= 0 && d->week_n[wbin] >= 2) {
		double rw = x - d->week[wbin], sw = 1.2533 * d->s_week.mad + fl;
		/* the sustained residual follows whichever profile forecasts better */
		if (isnan(rs) || d->s_week.mad < d->s_day.mad) {
			rs = rw;
			rsig = sw;
			rref = d->week[wbin];
			rweek = true;
		}
		double zw = scale_z(&d->s_week, rw, 0.01, fl);
		if (zw < z) {
			z = zw;
			r.expected = d->week[wbin];
			sig = sw;
		}
	}
	if (!isnan(rs)) {
		/* one point counts for at most HUBER of its profile's sigmas: a single odd point
		 * (or a bin that learned one) is the point deviation's business */
		double c = HUBER * rsig;
		d->sres += 0.1 * ((rs > c ? c : rs < -c ? -c : rs) - d->sres);
		zs_sust = scale_z(&d->s_sres, d->sres, 0.005, fl);
	}
	/* sustained shift: a short mean against a long one, in units of its own history */
	d->fast += 0.1 * (x - d->fast);
	d->slow += 0.005 * (x - d->slow);
	double zsh = scale_z(&d->s_shift, d->fast - d->slow, 0.005, fl);
	double zc = context_novelty(d, x, fl, &ctx);
	r.warming = d->n < WARMUP;
	r.lo = r.expected - Z_NORMAL * sig;
	r.hi = r.expected + Z_NORMAL * sig;
	int hour = bin >= 0 ? bin * 24 / DAY_BINS : -1;
	double zp = tail_update(d, &d->t_point, z, !r.warming, hour);
	double zx = tail_update(d, &d->t_ctx, zc, !r.warming, hour);
	double zh = tail_update(d, &d->t_shift, zsh, !r.warming, hour);
	double zr = tail_update(d, &d->t_sres, zs_sust / SRES_WIDEN, !r.warming, hour);
	/* the surprise is monotone in the deviation: only the largest needs the tail */
	double ze = zp > zh ? zp : zh;
	if (zr > ze)
		ze = zr;
	if (zx > ze)
		ze = zx;
	double u = surprise(ze);
	if (!r.warming) {
		/* zf in the order of the simplest story: a point, a shift, a pattern, novelty */
		double zf[] = {zp, zh, zr, zx};
		struct detect_reason *w = &r.why;
		switch (reason_pick(zf, u)) {
		case 0:
			w->why = x >= r.expected ? DETECT_WHY_SPIKE : DETECT_WHY_DIP;
			w->sigmas = z;
			break;
		case 1: /* the fast mean weighs 0.1 a point: about the last ten */
			w->why = d->fast >= d->slow ? DETECT_WHY_SHIFT_UP : DETECT_WHY_SHIFT_DOWN;
			w->sigmas = zsh;
			w->recent = d->fast, w->usual = d->slow, w->recent_s = 10 * d->dt;
			break;
		case 2:
			w->why = d->sres >= 0 ? DETECT_WHY_PATTERN_HIGH : DETECT_WHY_PATTERN_LOW;
			w->sigmas = zs_sust / SRES_WIDEN;
			w->usual = rref, w->spread = Z_NORMAL * rsig, w->weekly = rweek;
			break;
		default:
			*w = ctx;
			w->sigmas = zc;
		}
		w->value = x;
		if (reset)
			w->why = DETECT_WHY_RESET;
		double e = u / SCORE_SPAN;
		r.score = e > 1 ? 1 : e;
		if (episode_goes_on(d, ts)) {
			d->quiet--;
			if (ze > Z_NORMAL)
				episode_extend(d, ts);
			r.score *= EPISODE_DAMP;
		} else if (r.score >= detect_default_threshold()) {
			episode_extend(d, ts);
		}
	}

	/* learning */
	double al = d->n < 50 ? 1.0 / (double)(d->n + 1) : 0.02;
	double step = x - d->prev;
	if (step != 0 && (d->quantum == 0 || fabs(step) < d->quantum))
		d->quantum = fabs(step);
	/* outliers move the level and the profile by at most HUBER sigmas */
	d->level += al * huber(x - d->level, &d->s_level, fl);
	d->drift += al * 0.5 * (step / steps - d->drift);
	if (bin >= 0) {
		double sy = d->s_day.mad > d->s_level.mad ? d->s_day.mad : d->s_level.mad;
		double sw = d->s_week.mad > d->s_level.mad ? d->s_week.mad : d->s_level.mad;
		profile_learn(d->day, d->day_n, d->day_last, bin, ts / 86400.0, x,
			      HUBER * (1.2533 * sy + fl), &d->s_day, fl);
		profile_learn(d->week, d->week_n, d->week_last, wbin, ts / (7 * 86400.0), x,
			      HUBER * (1.2533 * sw + fl), &d->s_week, fl);
	}
	d->prev = x;
	d->n++;
done:
	if (out)
		*out = r;
	return r.score;
}
