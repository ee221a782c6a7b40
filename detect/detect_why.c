/* detect_why.c — why the detector scored a point high, as a name and as a sentence. */
#include <math.h>
#include <stdio.h>

#include "detect.h"
#include "metric_unit.h"
#include "util.h"

/* One row per reason: its name, and the words for it. */
static const struct {
	enum detect_why why;
	const char *name, *words;
} reasons[] = {
    {DETECT_WHY_NONE, "none", "outside the expected"},
    {DETECT_WHY_SPIKE, "spike", "above"},
    {DETECT_WHY_DIP, "dip", "below"},
    {DETECT_WHY_SHIFT_UP, "level_shift_up", "up"},
    {DETECT_WHY_SHIFT_DOWN, "level_shift_down", "down"},
    {DETECT_WHY_PATTERN_HIGH, "unusual_high", "higher"},
    {DETECT_WHY_PATTERN_LOW, "unusual_low", "lower"},
    {DETECT_WHY_NEW_VOLATILITY, "new_volatility", "volatility"},
    {DETECT_WHY_NEW_LEVEL, "new_level", "level"},
    {DETECT_WHY_RESET, "counter_reset", "reset"},
};

static size_t
row(enum detect_why why)
{
	for (size_t i = 0; i < ARRAY_LEN(reasons); i++)
		if (reasons[i].why == why)
			return i;
	return 0;
}

const char *
detect_why_name(enum detect_why why)
{
	return reasons[row(why)].name;
}

/* "14×", "2.5×": a ratio as a reader compares it (whole numbers once they are large). */
static void
times(double x, char *out, size_t outlen)
{
	snprintf(out, outlen, x >= 10 ? "%.0f×" : "%.2g×", x);
}

/* A span in the unit a reader thinks in: "50 min", "2 h", "30 s". */
static void
span(double s, char *out, size_t outlen)
{
	if (s >= 2 * 3600)
		snprintf(out, outlen, "%.0f h", s / 3600);
	else if (s >= 120)
		snprintf(out, outlen, "%.0f min", s / 60);
	else
		snprintf(out, outlen, "%.0f s", s > 1 ? s : 1);
}

/* "Tuesday 14:00 UTC" (the hour of the week) or "14:05 UTC" (the five minutes of the day). */
static void
when(double ts, bool weekly, char *out, size_t outlen)
{
	static const char *const days[] = {"Thursday", "Friday",  "Saturday", "Sunday",
					   "Monday",   "Tuesday", "Wednesday"};
	long long t = (long long)floor(ts), day = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	long long sod = t - day * 86400;

	if (weekly)
		snprintf(out, outlen, "%s %02lld:00 UTC", days[(day % 7 + 7) % 7], sod / 3600);
	else
		snprintf(out, outlen, "%02lld:%02lld UTC", sod / 3600, sod / 300 * 5 % 60);
}

char *
detect_why_text(const struct detect_result *r, double ts, char *out, size_t outlen)
{
	return detect_why_text_in(r, ts, NULL, out, outlen);
}

char *
detect_why_text_in(const struct detect_result *r, double ts, const struct metric_unit *u, char *out,
		   size_t outlen)
{
	const struct detect_reason *w = &r->why;
	const char *words = reasons[row(w->why)].words;
	char k[32], t[48], v[32], a[32], b[32], c[32];

	times(w->sigmas, k, sizeof(k));
	metric_unit_format(u, w->value, v, sizeof(v));
	switch (w->why) {
	case DETECT_WHY_SPIKE:
	case DETECT_WHY_DIP:
		snprintf(out, outlen,
			 "%s to %s — %s its usual deviation %s the forecast %s (expected %s–%s)",
			 w->why == DETECT_WHY_SPIKE ? "jumped" : "dropped", v, k, words,
			 metric_unit_format(u, r->expected, a, sizeof(a)),
			 metric_unit_format(u, r->lo, b, sizeof(b)),
			 metric_unit_format(u, r->hi, c, sizeof(c)));
		break;
	case DETECT_WHY_SHIFT_UP:
	case DETECT_WHY_SHIFT_DOWN:
		span(w->recent_s, t, sizeof(t));
		snprintf(out, outlen,
			 "is %s — level shifted %s: the last %s average %s against %s before", v,
			 words, t, metric_unit_format(u, w->recent, a, sizeof(a)),
			 metric_unit_format(u, w->usual, b, sizeof(b)));
		break;
	case DETECT_WHY_PATTERN_HIGH:
	case DETECT_WHY_PATTERN_LOW:
		when(ts, w->weekly, t, sizeof(t));
		snprintf(out, outlen, "is %s — %s than usual for %s (usually %s–%s)", v, words, t,
			 metric_unit_format(u, w->usual - w->spread, a, sizeof(a)),
			 metric_unit_format(u, w->usual + w->spread, b, sizeof(b)));
		break;
	case DETECT_WHY_NEW_VOLATILITY:
	case DETECT_WHY_NEW_LEVEL:
		if (w->why == DETECT_WHY_NEW_LEVEL || w->usual <= 0)
			snprintf(out, outlen,
				 "is %s — behaving in a way not seen in the learned history "
				 "(%s %s against %s usually)",
				 v, words, metric_unit_format(u, w->recent, a, sizeof(a)),
				 metric_unit_format(u, w->usual, b, sizeof(b)));
		else {
			times(w->recent / w->usual, t, sizeof(t));
			snprintf(out, outlen,
				 "is %s — behaving in a way not seen in the learned history "
				 "(volatility %s usual)",
				 v, t);
		}
		break;
	case DETECT_WHY_RESET:
		/* the rate of a counter: a per-second unit already says "/s" */
		snprintf(out, outlen,
			 "was reset (a counter fell to a lower total, e.g. a restart): its rate is "
			 "%s%s, which is what is watched",
			 v, u && u->kind == UNIT_PER_SECOND ? "" : "/s");
		break;
	case DETECT_WHY_NONE:
	default:
		snprintf(out, outlen, "is %s, %s %s–%s", v, words,
			 metric_unit_format(u, r->lo, a, sizeof(a)),
			 metric_unit_format(u, r->hi, b, sizeof(b)));
		break;
	}
	return out;
}
