/* watch_int.h — internal to detect/watch*.c: a rule at run time, one query cycle ("job") and
 * the sources' entry points. A job runs on a WORK_FETCH worker and owns its rule's series table
 * while it runs; the loop thread touches the table only when no job of that rule is out. */
#ifndef HEALER_WATCH_INT_H
#define HEALER_WATCH_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "ingest.h"
#include "watch.h"
#include "watch_series.h"

#define WATCH_MAX_RESPONSE (64u * 1024 * 1024) /* one answer from a metrics source */
#define WATCH_ERR 256

struct watch_rt {
	const struct watch_rule *rule;
	struct watch_table tab;
	bool busy;    /* a job is out: the worker owns tab */
	bool learned; /* the history was read */
	uint64_t timer;
	int64_t last_success_ms; /* wall clock; 0 = never */
	size_t nseries;		 /* copy of tab.n for /metrics, set on the loop thread */
	/* series key → starts_at ms of the episodes open in the store before the start; the
	 * first job takes them over, the loop frees what is left after it */
	cJSON *pending;
};

struct watch_job {
	struct watch_rt *rt;
	bool learning; /* feeding the history: nothing fires */
	int64_t now_ms;
	struct alert_batch alerts; /* what the engine gets when the job is back on the loop */
	size_t npoints;
	char err[WATCH_ERR]; /* the first error; "" = the cycle succeeded */
};

/* The series of this label set in the job's rule (created on first sight); NULL when the
 * table is full (counted and logged once per job). */
struct watch_series *watch_job_series(struct watch_job *j, const cJSON *labels);
/* Feeds one point and turns a fire or clear into an alert in j->alerts. */
void watch_job_point(struct watch_job *j, struct watch_series *s, double ts, double value);

/* Prometheus: the history by query_range in chunks under 11,000 points a series, then one
 * instant query at now. 0, or -1 with j->err. Blocking (worker). */
int watch_prom_range(struct watch_job *j, int64_t from_ms, int64_t to_ms);
int watch_prom_instant(struct watch_job *j);

/* CloudWatch GetMetricData over [from, to), every page, throttling retried. 0 or -1 + err. */
int watch_cw_fetch(struct watch_job *j, int64_t from_ms, int64_t to_ms);

#endif
