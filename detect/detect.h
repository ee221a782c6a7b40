/* detect.h — the streaming anomaly detector: one state per series, updated point by point in
 * O(1) time and bounded memory. A point's score in [0,1] is computed only from the points at
 * or before it (no lookahead). Pure: no I/O, no clock, no allocation after detect_new.
 *
 * The contract below is what the watcher (detect/watch*.c) and `healer detect score` rely on;
 * the detector's internals may change freely behind it. */
#ifndef HEALER_DETECT_H
#define HEALER_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct detector;

/* Which feature drove a point's score and its direction: of the features whose deviation
 * (set against what it usually reaches) alone reaches the default threshold, the simplest
 * story (a point, a shift, a time-of-day pattern, new behaviour in that order); when none
 * does, the largest. Never changes the score. DETECT_WHY_NONE while warming or for a missing
 * point; DETECT_WHY_RESET for a counter's reset, which is modelled, not news. */
enum detect_why {
	DETECT_WHY_NONE,
	DETECT_WHY_SPIKE,	   /* the point is above the forecast */
	DETECT_WHY_DIP,		   /* the point is below the forecast */
	DETECT_WHY_SHIFT_UP,	   /* the recent mean is above the long-run level */
	DETECT_WHY_SHIFT_DOWN,	   /* the recent mean is below the long-run level */
	DETECT_WHY_PATTERN_HIGH,   /* above the usual for this time of day (week) */
	DETECT_WHY_PATTERN_LOW,	   /* below the usual: a missing daily peak, a flat day */
	DETECT_WHY_NEW_VOLATILITY, /* swings (or calm) not seen in the learned history */
	DETECT_WHY_NEW_LEVEL,	   /* a level not seen in the learned history */
	DETECT_WHY_RESET,	   /* a counter fell to a lower total: a restart, not news */
};

/* The figures that explain the reason, in the series' units (a rate per second for a
 * counter). `sigmas` is the feature's deviation in its usual deviations; then by reason:
 *   - SPIKE, DIP: the forecast is detect_result.expected; recent and usual are 0;
 *   - SHIFT_*: `recent` is the mean of about the last `recent_s` seconds, `usual` the level
 *     before;
 *   - PATTERN_*: `usual` is what this time usually is, `usual` ± `spread` its usual range;
 *     `weekly` when the hour-of-week profile (not the time-of-day one) is the reference;
 *   - NEW_VOLATILITY: `recent` is the recent mean absolute swing, `usual` the swing of the
 *     nearest behaviour seen before; NEW_LEVEL: the recent level against the nearest one. */
struct detect_reason {
	enum detect_why why;
	double value; /* the point as modelled (a counter's rate per second) */
	double sigmas;
	double recent, usual, spread;
	double recent_s;
	bool weekly;
};

/* What one point told the detector. `expected`, `lo` and `hi` are the range the detector
 * expected the value in (for the card: "expected 40–55"): the best forecaster's forecast and
 * five of its sigmas either side. For a counter (a series that only rises, with resets) they
 * are a rate per second, as the detector models the rate. `warming` is true until the state
 * has seen enough points to score (scores are 0 meanwhile). */
struct detect_result {
	double score; /* [0,1] */
	double expected, lo, hi;
	bool warming;
	struct detect_reason why; /* the feature behind the score */
};

/* The reason's name for CSV columns and annotations ("spike", "level_shift_down", …). */
const char *detect_why_name(enum detect_why why);

/* The reason in words an on-call engineer reads, without the metric's name: "jumped to 812 —
 * 14× its usual deviation above the forecast 48 (expected 40–55)". `ts` is the point's time
 * (for "usual for Tuesday 14:00 UTC"). Writes at most outlen bytes, always terminated; returns
 * out. Pure. */
char *detect_why_text(const struct detect_result *r, double ts, char *out, size_t outlen);
/* The same with every figure in the metric's unit ("jumped to 812 ms — …"); u NULL is bare. A
 * NaN or infinite figure reads "n/a". Pure. */
struct metric_unit;
char *detect_why_text_in(const struct detect_result *r, double ts, const struct metric_unit *u,
			 char *out, size_t outlen);

/* A new state with the one set of defaults. Never NULL (OOM aborts). */
struct detector *detect_new(void);
void detect_free(struct detector *d);

/* Feeds one point: `ts` in seconds since the epoch (non-decreasing; an older or repeated
 * timestamp is scored but does not move the clock), `value` finite. A NaN value is a missing
 * point: it is not learned, and scores 0. Returns the score, also in *out when out != NULL. */
double detect_update(struct detector *d, double ts, double value, struct detect_result *out);

/* The score at or above which a point is an anomaly, for rules that set no threshold. */
double detect_default_threshold(void);

/* Bytes of state one series costs (the struct and anything it owns). */
size_t detect_state_size(void);

#endif
