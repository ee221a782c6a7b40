/* watch.h — healer watching metrics itself: watch.yaml's rules (Prometheus queries and
 * CloudWatch GetMetricData), one streaming detector per series, anomalies into incidents
 * through the engine's alert entry. Design: docs/internals/detect.md. */
#ifndef HEALER_WATCH_H
#define HEALER_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "metric_unit.h"

struct diag_list;

#define WATCH_MAX_RULES 256
#define WATCH_MAX_SERIES 50000 /* per rule: a query returning more is cut (and logged) */
#define WATCH_SPARK_POINTS 30  /* points in a card's sparkline */

enum watch_kind { WATCH_PROMETHEUS, WATCH_CLOUDWATCH };

struct watch_rule {
	char *name;
	enum watch_kind kind;
	int line; /* where the rule starts in watch.yaml */
	/* prometheus */
	char *url, *query;
	char *bearer_token_env, *basic_auth_env; /* names of environment variables */
	/* cloudwatch */
	char *region;			 /* NULL = AWS_REGION */
	char *namespace, *metric, *stat; /* or: */
	char *expression;		 /* a SEARCH(...) or metric math expression */
	cJSON *dimensions;		 /* object of strings, owned; may be NULL */
	int period_s;
	/* common */
	int64_t every_ms, history_ms, timeout_ms;
	char *severity;	   /* sev1..sev4 */
	cJSON *labels;	   /* object of strings, owned; has "alertname" */
	double threshold;  /* [0,1] */
	int resolve_after; /* normal intervals before the alert clears */
	struct metric_unit unit; /* unit:, or inferred from the metric; UNIT_NONE = bare */
	bool unit_set;		 /* unit: was given (nothing is inferred) */
};

struct watch_conf {
	char *file;
	struct watch_rule *v;
	size_t n;
};

/* Reads and checks watch.yaml. A missing file is no error unless must_exist (the variable
 * HEALER_WATCH was set). Every problem is added to errs as "file:line: message". Returns the
 * number of problems; on any, *out is empty (nothing half-loaded). A credential variable a
 * rule names (bearer_token_env, basic_auth_env) must be set in the environment. */
int watch_conf_load(const char *path, bool must_exist, struct watch_conf *out,
		    struct diag_list *errs);
void watch_conf_free(struct watch_conf *c);

/* The last points as Unicode blocks "▁▂▃▄▅▆▇█", scaled between their min and max (a flat line
 * is all "▁"; a NaN, a missing point, is a space). Writes at most outlen bytes, NUL
 * included (each block is 3 bytes). Pure. */
void watch_sparkline(const double *v, size_t n, char *out, size_t outlen);

/* A series' label set as canonical text `{a="x",b="y"}` (names sorted, "__"-prefixed ones
 * left out, quotes and backslashes escaped). Owned. Pure. */
char *watch_series_key(const cJSON *labels);

/* Starts the watcher on the loop thread: learns each rule's history, then queries every
 * interval on WORK_FETCH workers. Takes ownership of conf. Call after engine_start. */
void watch_start(struct watch_conf *conf);
/* Frees the watcher. Call after loop_shutdown (the workers joined, the timers gone with the
 * context): no query is then still feeding a series. */
void watch_stop(void);

#endif
