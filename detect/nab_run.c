/* nab_run.c — `healer detect nab DIR`: runs the detector over a NAB-layout directory (data/ and
 * the windows JSON) and prints the three normalised scores and the time taken. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cjson/cJSON.h>

#include "detect.h"
#include "detect_csv.h"
#include "nab.h"
#include "util.h"

#define NAB_MAX_FILES 4096
#define NAB_WINDOWS_MAX (16u << 20)

struct nab_entry {
	char *name; /* path relative to data/ */
	struct detect_series s;
	double *scores; /* the detector's, or s.score */
	struct nab_window *win;
	size_t nwin;
};

static double
mono_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A name from the JSON becomes a path under DIR: no absolute paths, no "..". */
static int
name_safe(const char *n)
{
	return n[0] != '\0' && n[0] != '/' && strstr(n, "..") == NULL;
}

static int
row_of(const struct detect_series *s, const char *when, size_t *row)
{
	double ts;
	size_t len = strlen(when);
	if (detect_time_parse(when, len, &ts) != len)
		return -1;
	size_t lo = 0, hi = s->n;
	while (lo < hi) { /* first row at or after ts; rows are in time order */
		size_t mid = lo + (hi - lo) / 2;
		if (s->ts[mid] < ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == s->n || s->ts[lo] != ts)
		return -1;
	*row = lo;
	return 0;
}

/* Reads one file, its windows and its scores (running the detector when results is NULL). */
static int
entry_load(struct nab_entry *e, const cJSON *wins, const char *dir, const char *results)
{
	char path[4096], err[512];
	int n = results ? snprintf(path, sizeof(path), "%s/%s", results, e->name)
			: snprintf(path, sizeof(path), "%s/data/%s", dir, e->name);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		fprintf(stderr, "healer: %s: path too long\n", e->name);
		return -1;
	}
	if (detect_csv_read(path, results != NULL, &e->s, err, sizeof(err)) != 0) {
		fprintf(stderr, "healer: %s\n", err);
		return -1;
	}
	if (results) {
		e->scores = e->s.score;
	} else {
		struct detector *d = detect_new();
		e->scores = xcalloc(e->s.n ? e->s.n : 1, sizeof(double));
		for (size_t i = 0; i < e->s.n; i++)
			e->scores[i] = detect_update(d, e->s.ts[i], e->s.val[i], NULL);
		detect_free(d);
	}
	e->nwin = (size_t)cJSON_GetArraySize(wins);
	e->win = xcalloc(e->nwin ? e->nwin : 1, sizeof(*e->win));
	for (size_t w = 0; w < e->nwin; w++) {
		const cJSON *pair = cJSON_GetArrayItem(wins, (int)w);
		const cJSON *a = cJSON_GetArrayItem(pair, 0), *b = cJSON_GetArrayItem(pair, 1);
		if (!cJSON_IsString(a) || !cJSON_IsString(b) ||
		    row_of(&e->s, a->valuestring, &e->win[w].first) != 0 ||
		    row_of(&e->s, b->valuestring, &e->win[w].last) != 0) {
			fprintf(stderr, "healer: %s: window %zu names a time not in the file\n",
				e->name, w + 1);
			return -1;
		}
	}
	return 0;
}

static cJSON *
windows_load(const char *dir)
{
	static const char *names[] = {"combined_windows_dev.json", "combined_windows.json"};
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		char path[4096], *text;
		size_t len;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (file_read_all(path, NAB_WINDOWS_MAX, &text, &len) != 0)
			continue;
		cJSON *j = cJSON_ParseWithLength(text, len);
		free(text);
		if (!cJSON_IsObject(j)) {
			fprintf(stderr, "healer: %s: not a JSON object of windows\n", path);
			cJSON_Delete(j);
			return NULL;
		}
		return j;
	}
	fprintf(stderr, "healer: %s: no combined_windows_dev.json or combined_windows.json\n", dir);
	return NULL;
}

static void
print_files(const struct nab_entry *es, const struct nab_file *fs, size_t n, double thr)
{
	for (size_t k = 0; k < n; k++) {
		struct nab_result r;
		nab_score_at(&fs[k], 1, &nab_profiles[0], thr, &r);
		printf("  %-58s %zu/%zu windows, %zu false alarms, %+.2f\n", es[k].name, r.tp,
		       r.windows, r.fp, r.raw - r.null_score);
	}
}

int
detect_cli_nab(int argc, char **argv)
{
	int verbose = argc > 0 && strcmp(argv[0], "-v") == 0;
	if (verbose) {
		argc--;
		argv++;
	}
	if (argc < 1 || argc > 2) {
		fprintf(stderr, "usage: healer detect nab [-v] DIR [RESULTS]\n");
		return 2;
	}
	const char *dir = argv[0], *results = argc > 1 ? argv[1] : NULL;
	cJSON *wins = windows_load(dir);
	if (wins == NULL)
		return 1;
	size_t n = (size_t)cJSON_GetArraySize(wins), rows = 0;
	int rc = 1;
	if (n == 0 || n > NAB_MAX_FILES) {
		fprintf(stderr, "healer: %s: between 1 and %d files expected\n", dir,
			NAB_MAX_FILES);
		cJSON_Delete(wins);
		return 1;
	}
	struct nab_entry *es = xcalloc(n, sizeof(*es));
	struct nab_file *fs = xcalloc(n, sizeof(*fs));
	double t0 = mono_s();
	size_t k = 0, nw = 0;
	for (const cJSON *it = wins->child; it; it = it->next, k++) {
		if (!name_safe(it->string) || !cJSON_IsArray(it)) {
			fprintf(stderr, "healer: %s: bad entry '%s' in the windows JSON\n", dir,
				it->string);
			goto out;
		}
		es[k].name = xstrdup(it->string);
		if (entry_load(&es[k], it, dir, results) != 0)
			goto out;
		fs[k] = (struct nab_file){es[k].s.n, es[k].scores, es[k].nwin, es[k].win};
		rows += es[k].s.n;
		nw += es[k].nwin;
	}
	double t1 = mono_s();
	printf("NAB: %zu files, %zu windows, %zu rows; %s in %.2f s\n", n, nw, rows,
	       results ? "scores read" : "detector run", t1 - t0);
	printf("%-20s %9s %10s %9s %13s\n", "profile", "score", "threshold", "detected",
	       "false alarms");
	for (size_t p = 0; p < ARRAY_LEN(nab_profiles); p++) {
		struct nab_result r;
		if (nab_score(fs, n, &nab_profiles[p], &r) != 0) {
			fprintf(stderr, "healer: %s: overlapping or unordered windows\n", dir);
			goto out;
		}
		printf("%-20s %9.1f %10.6f %6zu/%-2zu %13zu\n", nab_profiles[p].name, r.normalised,
		       r.threshold, r.tp, r.windows, r.fp);
		if (verbose && p == 0)
			print_files(es, fs, n, r.threshold);
	}
	printf("scoring took %.2f s; whole run %.2f s\n", mono_s() - t1, mono_s() - t0);
	rc = 0;
out:
	for (size_t i = 0; i < n; i++) {
		if (es[i].scores != es[i].s.score)
			free(es[i].scores);
		detect_series_free(&es[i].s);
		free(es[i].win);
		free(es[i].name);
	}
	free(es);
	free(fs);
	cJSON_Delete(wins);
	return rc;
}
