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

/* What one point told the detector. `expected`, `lo` and `hi` are the range the detector
 * expected the value in (for the card: "expected 40–55"): the best forecaster's forecast and
 * five of its sigmas either side. For a counter (a series that only rises, with resets) they
 * are a rate per second, as the detector models the rate. `warming` is true until the state
 * has seen enough points to score (scores are 0 meanwhile). */
struct detect_result {
	double score; /* [0,1] */
	double expected, lo, hi;
	bool warming;
};

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
