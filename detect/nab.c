/* nab.c — NAB scoring: per-row rewards from windows, the threshold sweep, normalisation. */
#include <math.h>
#include <stdlib.h>

#include "nab.h"
#include "util.h"

const struct nab_profile nab_profiles[3] = {
    {"standard", 1.0, 1.0, 0.11},
    {"reward_low_FP_rate", 1.0, 1.0, 0.22},
    {"reward_low_FN_rate", 1.0, 2.0, 0.11},
};

/* One scorable row: its detector score, what an alarm there is worth, and its window
 * (an index over all files) or -1 outside every window. */
struct nab_row {
	double score, reward;
	long win;
};

double
nab_sigmoid(double x)
{
	if (x > 3.0)
		return -1.0;
	return 2.0 / (1.0 + exp(5.0 * x)) - 1.0;
}

size_t
nab_probation(size_t n)
{
	double p = floor(0.15 * (double)n);
	return p < 750.0 ? (size_t)p : 750;
}

static int
windows_valid(const struct nab_file *f)
{
	for (size_t w = 0; w < f->nwin; w++) {
		if (f->win[w].first > f->win[w].last || f->win[w].last >= f->n)
			return 0;
		if (w > 0 && f->win[w].first <= f->win[w - 1].last)
			return 0;
	}
	return 1;
}

/* Appends one file's scorable rows. Inside a window an alarm earns the sigmoid of its place
 * (full weight on the first row, almost nothing on the last); outside, it costs the sigmoid
 * of its distance past the previous window in widths, or the full weight before any window.
 * This is NAB's sweeper row by row, so that the same scores give the same totals. */
static void
file_rows(const struct nab_file *f, const struct nab_profile *p, long win_base,
	  struct nab_row *rows, size_t *nrows, long *nscored_win, double *perfect)
{
	double max_tp = nab_sigmoid(-1.0);
	size_t prob = nab_probation(f->n), w = 0;
	long prev_last = -1;
	double prev_width = 0;
	long seen = -1; /* last window counted as scorable */

	for (size_t i = 0; i < f->n; i++) {
		while (w < f->nwin && f->win[w].last < i) {
			prev_last = (long)f->win[w].last;
			prev_width = (double)(f->win[w].last - f->win[w].first + 1);
			w++;
		}
		int inside = w < f->nwin && f->win[w].first <= i;
		double reward;
		if (inside) {
			double width = (double)(f->win[w].last - f->win[w].first + 1);
			double pos = -((double)(f->win[w].last - i) + 1.0) / width;
			reward = nab_sigmoid(pos) * p->tp / max_tp;
		} else if (prev_last < 0 || prev_width <= 1.0) {
			reward = -p->fp;
		} else {
			double pos = (double)((long)i - prev_last) / (prev_width - 1.0);
			reward = nab_sigmoid(pos) * p->fp;
		}
		if (i < prob)
			continue;
		struct nab_row *r = &rows[(*nrows)++];
		r->score = f->scores[i];
		r->reward = reward;
		r->win = inside ? win_base + (long)w : -1;
		if (inside && seen != (long)w) {
			/* the first scorable row of a window is the perfect detector's alarm */
			seen = (long)w;
			(*nscored_win)++;
			*perfect += reward;
		}
	}
}

static int
row_cmp(const void *a, const void *b)
{
	const struct nab_row *x = a, *y = b;
	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return 0;
}

/* The sweep behind nab_score and nab_score_at: `fixed` is NAN to optimise the threshold. */
static int
score(const struct nab_file *files, size_t nfiles, const struct nab_profile *p, double fixed,
      struct nab_result *out)
{
	size_t total = 0, nrows = 0;
	long nwin = 0, nscored = 0;
	double perfect = 0;

	for (size_t k = 0; k < nfiles; k++) {
		if (!windows_valid(&files[k]))
			return -1;
		total += files[k].n;
		nwin += (long)files[k].nwin;
	}
	struct nab_row *rows = xcalloc(total ? total : 1, sizeof(*rows));
	double *part = xcalloc(nwin ? (size_t)nwin : 1, sizeof(*part));
	char *scorable = xcalloc(nwin ? (size_t)nwin : 1, 1);
	long base = 0;
	for (size_t k = 0; k < nfiles; k++) {
		file_rows(&files[k], p, base, rows, &nrows, &nscored, &perfect);
		base += (long)files[k].nwin;
	}
	for (size_t i = 0; i < nrows; i++)
		if (rows[i].win >= 0)
			scorable[rows[i].win] = 1;
	for (long w = 0; w < nwin; w++)
		part[w] = scorable[w] ? -p->fn : 0;
	qsort(rows, nrows, sizeof(*rows), row_cmp);

	/* Lower the threshold one distinct score at a time: the rows at that score start to
	 * alarm; a window keeps its best (earliest) alarm, false alarms add up. */
	double null_score = -p->fn * (double)nscored, cur = null_score, best = cur;
	double best_thr = 1.1;
	size_t tp = 0, fp = 0, best_tp = 0, best_fp = 0;
	for (size_t i = 0; i < nrows;) {
		double thr = rows[i].score;
		if (!isnan(fixed) && thr < fixed)
			break;
		for (; i < nrows && rows[i].score == thr; i++) {
			struct nab_row *r = &rows[i];
			if (r->win < 0) {
				cur += r->reward;
				fp++;
			} else if (r->reward > part[r->win]) {
				if (part[r->win] == -p->fn)
					tp++;
				cur += r->reward - part[r->win];
				part[r->win] = r->reward;
			}
		}
		if (cur > best || !isnan(fixed)) {
			best = cur;
			best_thr = thr;
			best_tp = tp;
			best_fp = fp;
		}
	}
	free(rows);
	free(part);
	free(scorable);
	out->threshold = isnan(fixed) ? best_thr : fixed;
	out->raw = best;
	out->null_score = null_score;
	out->perfect = perfect;
	out->normalised =
	    perfect > null_score ? 100.0 * (best - null_score) / (perfect - null_score) : 0;
	out->tp = best_tp;
	out->fp = best_fp;
	out->windows = (size_t)nscored;
	return 0;
}

int
nab_score(const struct nab_file *files, size_t nfiles, const struct nab_profile *p,
	  struct nab_result *out)
{
	return score(files, nfiles, p, NAN, out);
}

int
nab_score_at(const struct nab_file *files, size_t nfiles, const struct nab_profile *p,
	     double threshold, struct nab_result *out)
{
	return score(files, nfiles, p, threshold, out);
}
