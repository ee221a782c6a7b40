/* metric_unit.h — a watched metric's unit: parsed from watch.yaml, inferred from a Prometheus
 * metric name or a CloudWatch metric, and numbers written in it as a reader reads them. */
#ifndef HEALER_METRIC_UNIT_H
#define HEALER_METRIC_UNIT_H

#include <stddef.h>

#define METRIC_UNIT_SUFFIX 16 /* bytes of a free-form suffix, NUL included */

enum metric_unit_kind {
	UNIT_NONE, /* bare numbers */
	UNIT_SECONDS,
	UNIT_BYTES,
	UNIT_PERCENT,
	UNIT_RATIO,
	UNIT_PER_SECOND,
	UNIT_COUNT,
	UNIT_SUFFIX, /* a free-form suffix: "°C" */
};

struct metric_unit {
	enum metric_unit_kind kind;
	char suffix[METRIC_UNIT_SUFFIX]; /* for UNIT_SUFFIX */
};

/* The names a rule's unit: takes, for error messages: "seconds, bytes, …". */
extern const char metric_unit_names[];

/* A unit from watch.yaml's text: one of metric_unit_names, or a suffix of 1-15 bytes of
 * printable text ("ms", "°C"); a lowercase word starting like a name ("second") is refused, as
 * a misspelt name must not quietly become a suffix.
 * 0, or -1 with *u unchanged. */
int metric_unit_parse(const char *s, struct metric_unit *u);

/* The unit a bare Prometheus metric name implies by its suffix (_seconds, _bytes, _ratio,
 * _percent); UNIT_NONE for an expression or a name whose unit is not sure (a counter). */
struct metric_unit metric_unit_prom(const char *query);

/* The conventional unit of a CloudWatch metric (CPUUtilization: percent); UNIT_NONE when not
 * known. stat SampleCount is a count whatever the metric. Any argument may be NULL. */
struct metric_unit metric_unit_cw(const char *namespace, const char *metric, const char *stat);

/* x in the unit, about three significant digits, scaled to fit ("48.1 ms", "1.2 GiB",
 * "93.5 %", "1.2k/s"); a bare number keeps "%.4g". NaN and infinities are "n/a": a card
 * never shows "nan". u may be NULL (bare). Writes at most outlen bytes; returns out. */
char *metric_unit_format(const struct metric_unit *u, double x, char *out, size_t outlen);

#endif
