/* detect_csv.h — series as `timestamp,value[,anomaly_score]` CSV files, and the `healer detect`
 * commands that read them (score one file, measure on NAB). */
#ifndef HEALER_DETECT_CSV_H
#define HEALER_DETECT_CSV_H

#include <stdbool.h>
#include <stddef.h>

/* Largest CSV read (bytes): a year of one-minute samples fits ten times over. */
#define DETECT_CSV_MAX (256u << 20)

struct detect_series {
	size_t n;
	double *ts;    /* seconds since the epoch, UTC */
	double *val;   /* NaN where the value field is empty (a missing point) */
	double *score; /* third column, only when asked for; else NULL */
};

/* Parses "YYYY-MM-DD HH:MM:SS" (optionally "T" for the space, fractional seconds after) as
 * UTC into *out seconds. Returns the characters consumed, or 0 when it is not such a time. */
size_t detect_time_parse(const char *s, size_t len, double *out);

/* Reads `path`: a header whose first two columns are timestamp,value (and anomaly_score third
 * when want_score), then one row per sample; extra columns are ignored. Returns 0, or -1 with
 * "FILE:LINE: problem" in err (no header, bad timestamp, bad number, too big, unreadable);
 * on error *s holds nothing to free. */
int detect_csv_read(const char *path, bool want_score, struct detect_series *s, char *err,
		    size_t errlen);
void detect_series_free(struct detect_series *s);

/* `healer detect score FILE.csv`: timestamp,value,anomaly_score on stdout, one row per input
 * row. Returns the exit status (0; 1 on bad input, with the error on stderr; 2 on usage). */
int detect_cli_score(int argc, char **argv);
/* `healer detect nab DIR [RESULTS]`: the three normalised NAB scores of the detector (or of the
 * score files under RESULTS, same layout as DIR/data) and the time taken. Exit status as above. */
int detect_cli_nab(int argc, char **argv);

#endif
