/* metric_unit.c — a watched metric's unit: its names, inferring it, and numbers written in it. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "metric_unit.h"
#include "util.h"

static const struct {
	const char *name;
	enum metric_unit_kind kind;
} names[] = {
    {"seconds", UNIT_SECONDS}, {"bytes", UNIT_BYTES},		{"percent", UNIT_PERCENT},
    {"ratio", UNIT_RATIO},     {"per_second", UNIT_PER_SECOND}, {"count", UNIT_COUNT},
};

const char metric_unit_names[] = "seconds, bytes, percent, ratio, per_second, count";

/* One scale of a unit: values at or above `from` (in the base unit) are divided by `div` and
 * written with `sym`. Rows largest first; the last row takes everything below. */
struct scale {
	double from, div;
	const char *sym;
};

static const struct scale seconds[] = {
    {3600, 3600, " h"}, {60, 60, " min"}, {1, 1, " s"}, {1e-3, 1e-3, " ms"}, {0, 1e-6, " µs"},
};
static const struct scale bytes[] = {
    {1099511627776.0, 1099511627776.0, " TiB"},
    {1073741824.0, 1073741824.0, " GiB"},
    {1048576.0, 1048576.0, " MiB"},
    {1024, 1024, " KiB"},
    {0, 1, " B"},
};
static const struct scale per_second[] = {
    {1e9, 1e9, "G/s"},
    {1e6, 1e6, "M/s"},
    {1e3, 1e3, "k/s"},
    {0, 1, "/s"},
};
static const struct scale count[] = {
    {1e9, 1e9, "G"},
    {1e6, 1e6, "M"},
    {1e3, 1e3, "k"},
    {0, 1, ""},
};
static const struct scale percent[] = {{0, 1, " %"}};
static const struct scale ratio[] = {{0, 0.01, " %"}};

static const struct {
	enum metric_unit_kind kind;
	const struct scale *v;
	size_t n;
} scales[] = {
    {UNIT_SECONDS, seconds, ARRAY_LEN(seconds)},	  {UNIT_BYTES, bytes, ARRAY_LEN(bytes)},
    {UNIT_PERCENT, percent, ARRAY_LEN(percent)},	  {UNIT_RATIO, ratio, ARRAY_LEN(ratio)},
    {UNIT_PER_SECOND, per_second, ARRAY_LEN(per_second)}, {UNIT_COUNT, count, ARRAY_LEN(count)},
};

int
metric_unit_parse(const char *s, struct metric_unit *u)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		if (strcmp(s, names[i].name) == 0) {
			memset(u, 0, sizeof(*u));
			u->kind = names[i].kind;
			return 0;
		}
	if (n == 0 || n >= METRIC_UNIT_SUFFIX)
		return -1;
	/* a word that starts like a name is a misspelt name ("second", "percentage"), not a
	 * suffix; "ms" or "rpm" are suffixes */
	if (strspn(s, "abcdefghijklmnopqrstuvwxyz_") == n)
		for (size_t i = 0; i < ARRAY_LEN(names); i++)
			if (strncmp(s, names[i].name, n < 3 ? n : 3) == 0)
				return -1;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return -1;
	memset(u, 0, sizeof(*u));
	u->kind = UNIT_SUFFIX;
	memcpy(u->suffix, s, n + 1);
	return 0;
}

static bool
ends_with(const char *s, size_t n, const char *end)
{
	size_t e = strlen(end);

	return n > e && memcmp(s + n - e, end, e) == 0;
}

struct metric_unit
metric_unit_prom(const char *query)
{
	/* the suffixes of the Prometheus naming conventions, whose values are the base unit */
	static const struct {
		const char *end;
		enum metric_unit_kind kind;
	} ends[] = {
	    {"_seconds", UNIT_SECONDS},
	    {"_bytes", UNIT_BYTES},
	    {"_ratio", UNIT_RATIO},
	    {"_percent", UNIT_PERCENT},
	};
	struct metric_unit u = {UNIT_NONE, ""};
	size_t n;

	if (query == NULL)
		return u;
	while (*query == ' ')
		query++;
	/* a bare name, optionally with a label selector; anything else is an expression whose
	 * unit the name does not tell (rate(), sums, divisions) */
	n = strspn(query, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:");
	if (n == 0 || (query[n] != '\0' && query[n] != '{' && query[n] != ' '))
		return u;
	if (query[n] == '{' && strchr(query + n, '}') != NULL) {
		const char *rest = strchr(query + n, '}') + 1;
		if (rest[strspn(rest, " ")] != '\0')
			return u;
	} else if (query[n] != '\0' && query[n + strspn(query + n, " ")] != '\0')
		return u;
	for (size_t i = 0; i < ARRAY_LEN(ends); i++)
		if (ends_with(query, n, ends[i].end))
			u.kind = ends[i].kind;
	return u;
}

struct metric_unit
metric_unit_cw(const char *namespace, const char *metric, const char *stat)
{
	/* metrics whose unit AWS documents and that are common on alert rules; NULL namespace
	 * rows hold in every namespace */
	static const struct {
		const char *ns, *metric;
		enum metric_unit_kind kind;
	} known[] = {
	    {NULL, "CPUUtilization", UNIT_PERCENT},
	    {NULL, "MemoryUtilization", UNIT_PERCENT},
	    {"AWS/ApplicationELB", "TargetResponseTime", UNIT_SECONDS},
	    {"AWS/ELB", "Latency", UNIT_SECONDS},
	    {"AWS/RDS", "ReadLatency", UNIT_SECONDS},
	    {"AWS/RDS", "WriteLatency", UNIT_SECONDS},
	    {"AWS/RDS", "FreeStorageSpace", UNIT_BYTES},
	    {"AWS/RDS", "FreeableMemory", UNIT_BYTES},
	};
	struct metric_unit u = {UNIT_NONE, ""};

	if (stat && strcmp(stat, "SampleCount") == 0) {
		u.kind = UNIT_COUNT;
		return u;
	}
	if (metric == NULL)
		return u;
	for (size_t i = 0; i < ARRAY_LEN(known); i++)
		if (strcmp(metric, known[i].metric) == 0 &&
		    (known[i].ns == NULL || (namespace && strcmp(namespace, known[i].ns) == 0)))
			u.kind = known[i].kind;
	return u;
}

/* About three significant digits without an exponent: "812", "48.1", "0.05", "123457". */
static void
digits(double x, const char *sym, char *out, size_t outlen)
{
	double a = fabs(x);

	if (a >= 999.5)
		snprintf(out, outlen, "%.0f%s", x, sym);
	else if (a < 0.0005) /* below what three digits of the scale show: zero */
		snprintf(out, outlen, "0%s", sym);
	else
		snprintf(out, outlen, "%.3g%s", x, sym);
}

char *
metric_unit_format(const struct metric_unit *u, double x, char *out, size_t outlen)
{
	enum metric_unit_kind k = u ? u->kind : UNIT_NONE;

	if (outlen == 0)
		return out;
	if (!isfinite(x)) {
		snprintf(out, outlen, "n/a");
		return out;
	}
	if (k == UNIT_NONE) {
		snprintf(out, outlen, "%.4g", x);
		return out;
	}
	if (k == UNIT_SUFFIX) {
		char sym[METRIC_UNIT_SUFFIX + 1];
		snprintf(sym, sizeof(sym), " %s", u->suffix);
		digits(x, sym, out, outlen);
		return out;
	}
	for (size_t i = 0; i < ARRAY_LEN(scales); i++) {
		const struct scale *s = scales[i].v;
		size_t j = 0;
		if (scales[i].kind != k)
			continue;
		/* 999.7 ms is "1 s", not "1000 ms": the row is picked on the rounded value;
		 * zero is written in the base unit ("0 s", not "0 µs") */
		while (j + 1 < scales[i].n && fabs(x) < s[j].from * 0.9995 &&
		       !(x == 0 && s[j].div == 1))
			j++;
		digits(x / s[j].div, s[j].sym, out, outlen);
		return out;
	}
	snprintf(out, outlen, "%.4g", x);
	return out;
}
