/* nab.h — the Numenta Anomaly Benchmark's scoring rules: windows, sigmoid rewards, profiles,
 * one threshold optimised over a whole set of files, normalisation against null and perfect.
 * Pure: the caller reads files and runs the detector; this module only counts. */
#ifndef HEALER_NAB_H
#define HEALER_NAB_H

#include <stddef.h>

/* One labelled series: a score per row and its anomaly windows as inclusive row ranges
 * (first <= last < n, in time order, not overlapping). Borrowed by nab_score. */
struct nab_window {
	size_t first, last;
};
struct nab_file {
	size_t n;
	const double *scores;
	size_t nwin;
	const struct nab_window *win;
};

/* A cost profile: the weight of a detected window, a missed one, a false alarm. */
struct nab_profile {
	const char *name;
	double tp, fn, fp;
};
/* NAB's three profiles: standard, reward_low_FP_rate, reward_low_FN_rate. */
extern const struct nab_profile nab_profiles[3];

struct nab_result {
	double threshold;  /* best threshold (a row alarms when its score >= it); 1.1 = none */
	double raw;	   /* total at that threshold */
	double null_score; /* total of a detector that never alarms */
	double perfect;	   /* total of one alarm on the first scored row of every window */
	double normalised; /* 100 * (raw - null) / (perfect - null) */
	size_t tp, fp;	   /* windows detected, alarms outside every window */
	size_t windows;	   /* windows with at least one row after the probationary period */
};

/* NAB's scaled sigmoid: 2 / (1 + e^(5x)) - 1, and -1 beyond x = 3. */
double nab_sigmoid(double x);
/* Rows at the start of a file of n rows neither rewarded nor penalised: 15 %, at most 750. */
size_t nab_probation(size_t n);

/* Scores `nfiles` files under profile `p` with the one threshold that maximises the total over
 * all of them (ties keep the higher threshold). Returns 0, or -1 when a file's windows are
 * malformed (out of range, unordered or overlapping; *out then untouched). */
int nab_score(const struct nab_file *files, size_t nfiles, const struct nab_profile *p,
	      struct nab_result *out);
/* The same at a given threshold (no optimisation): out->threshold is `threshold`. */
int nab_score_at(const struct nab_file *files, size_t nfiles, const struct nab_profile *p,
		 double threshold, struct nab_result *out);

#endif
