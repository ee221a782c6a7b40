/* detect_csv.c — reading `timestamp,value` series and `healer detect score`. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "detect_csv.h"
#include "util.h"

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Hinnant's algorithm),
 * so no timegm and no TZ. */
static long
days_from_civil(long y, long m, long d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
digits(const char *s, size_t n, long *out)
{
	long v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

size_t
detect_time_parse(const char *s, size_t len, double *out)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	long y, mo, d, h, mi, se;

	if (len < 19 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') ||
	    s[13] != ':' || s[16] != ':')
		return 0;
	if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
	    digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &se))
		return 0;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || se > 60)
		return 0;
	size_t used = 19;
	double frac = 0, scale = 0.1;
	if (used < len && s[used] == '.') {
		used++;
		while (used < len && s[used] >= '0' && s[used] <= '9') {
			frac += (s[used++] - '0') * scale;
			scale /= 10;
		}
	}
	*out =
	    (double)days_from_civil(y, mo, d) * 86400.0 + (double)(h * 3600 + mi * 60 + se) + frac;
	return used;
}

/* The `idx`th comma-separated field of line [p, end) as [*f, *f + *flen). */
static int
field(const char *p, const char *end, int idx, const char **f, size_t *flen)
{
	for (int i = 0; i < idx; i++) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		if (c == NULL)
			return -1;
		p = c + 1;
	}
	const char *c = memchr(p, ',', (size_t)(end - p));
	*f = p;
	*flen = (size_t)((c ? c : end) - p);
	while (*flen > 0 && (p[*flen - 1] == ' ' || p[*flen - 1] == '"'))
		(*flen)--;
	while (*flen > 0 && (**f == ' ' || **f == '"')) {
		(*f)++;
		(*flen)--;
	}
	return 0;
}

/* A finite number filling the whole field; an empty field is a missing point (NaN). */
static int
number(const char *f, size_t flen, double *out)
{
	char tmp[64], *endp;
	if (flen == 0) {
		*out = NAN;
		return 0;
	}
	if (flen >= sizeof(tmp))
		return -1;
	memcpy(tmp, f, flen);
	tmp[flen] = '\0';
	errno = 0;
	*out = strtod(tmp, &endp);
	return *endp != '\0' || errno == ERANGE || !isfinite(*out) ? -1 : 0;
}

static int
header_ok(const char *p, const char *end, bool want_score)
{
	static const char *names[] = {"timestamp", "value", "anomaly_score"};
	for (int i = 0; i < (want_score ? 3 : 2); i++) {
		const char *f;
		size_t flen;
		if (field(p, end, i, &f, &flen) != 0 || flen != strlen(names[i]) ||
		    strncmp(f, names[i], flen) != 0)
			return 0;
	}
	return 1;
}

int
detect_csv_read(const char *path, bool want_score, struct detect_series *s, char *err,
		size_t errlen)
{
	char *text = NULL;
	size_t len = 0, cap = 0, line = 0;
	int rc = -1;

	memset(s, 0, sizeof(*s));
	if (file_read_all(path, DETECT_CSV_MAX, &text, &len) != 0) {
		snprintf(err, errlen, "%s: %s", path,
			 errno == EFBIG ? "file too large" : strerror(errno));
		return -1;
	}
	for (const char *p = text, *end; p < text + len; p = end + 1) {
		end = memchr(p, '\n', (size_t)(text + len - p));
		if (end == NULL)
			end = text + len;
		line++;
		const char *e = end > p && end[-1] == '\r' ? end - 1 : end;
		if (line == 1) {
			if (!header_ok(p, e, want_score)) {
				snprintf(err, errlen, "%s:1: header must be timestamp,value%s",
					 path, want_score ? ",anomaly_score" : "");
				goto out;
			}
			continue;
		}
		if (e == p)
			continue; /* blank line */
		const char *f;
		size_t flen;
		double ts, v, sc = 0;
		if (field(p, e, 0, &f, &flen) != 0 || detect_time_parse(f, flen, &ts) != flen) {
			snprintf(err, errlen, "%s:%zu: bad timestamp (want YYYY-MM-DD HH:MM:SS)",
				 path, line);
			goto out;
		}
		if (field(p, e, 1, &f, &flen) != 0 || number(f, flen, &v) != 0) {
			snprintf(err, errlen, "%s:%zu: bad number in the value column", path, line);
			goto out;
		}
		if (want_score &&
		    (field(p, e, 2, &f, &flen) != 0 || number(f, flen, &sc) != 0 || isnan(sc))) {
			snprintf(err, errlen, "%s:%zu: bad number in the anomaly_score column",
				 path, line);
			goto out;
		}
		if (s->n == cap) {
			cap = cap ? cap * 2 : 1024;
			s->ts = xrealloc(s->ts, cap * sizeof(double));
			s->val = xrealloc(s->val, cap * sizeof(double));
			if (want_score)
				s->score = xrealloc(s->score, cap * sizeof(double));
		}
		s->ts[s->n] = ts;
		s->val[s->n] = v;
		if (want_score)
			s->score[s->n] = sc;
		s->n++;
	}
	if (line == 0) {
		snprintf(err, errlen, "%s:1: empty file, header timestamp,value expected", path);
		goto out;
	}
	rc = 0;
out:
	free(text);
	if (rc != 0)
		detect_series_free(s);
	return rc;
}

void
detect_series_free(struct detect_series *s)
{
	free(s->ts);
	free(s->val);
	free(s->score);
	memset(s, 0, sizeof(*s));
}

/* Seconds since the epoch as "YYYY-MM-DD HH:MM:SS" UTC (Hinnant's civil_from_days). */
static void
time_format(double ts, char *out, size_t outlen)
{
	long long t = (long long)floor(ts);
	long long days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400), sod = t - days * 86400;
	long long z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	long long doe = z - era * 146097;
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	long long dd = doy - (153 * mp + 2) / 5 + 1, mm = mp < 10 ? mp + 3 : mp - 9;
	long long yy = yoe + era * 400 + (mm <= 2);
	snprintf(out, outlen, "%04lld-%02lld-%02lld %02lld:%02lld:%02lld", yy, mm, dd, sod / 3600,
		 sod / 60 % 60, sod % 60);
}

int
detect_cli_score(int argc, char **argv)
{
	struct detect_series s;
	struct detect_result r;
	char err[512];
	bool why = argc == 2 && strcmp(argv[0], "--why") == 0;

	if (argc != 1 && !why) {
		fprintf(stderr, "usage: healer detect score [--why] FILE.csv\n");
		return 2;
	}
	if (detect_csv_read(argv[argc - 1], false, &s, err, sizeof(err)) != 0) {
		fprintf(stderr, "healer: %s\n", err);
		return 1;
	}
	struct detector *d = detect_new();
	printf("timestamp,value,anomaly_score%s\n", why ? ",reason" : "");
	for (size_t i = 0; i < s.n; i++) {
		double sc = detect_update(d, s.ts[i], s.val[i], &r);
		char when[80];
		time_format(s.ts[i], when, sizeof(when));
		printf("%s,", when);
		if (isnan(s.val[i]))
			printf(",%.8f", sc);
		else
			printf("%.15g,%.8f", s.val[i], sc);
		/* the names are plain words: nothing to quote */
		printf(why ? ",%s\n" : "\n", detect_why_name(r.why.why));
	}
	detect_free(d);
	detect_series_free(&s);
	return fflush(stdout) == 0 ? 0 : 1;
}
