/* watch_series.h — internal to detect/watch*.c: one rule's series (label set → detector state,
 * the last points for the sparkline, the open/clear episode) and the pure step that feeds a
 * point. Not thread-safe: a rule's table is touched by one thread at a time (the worker that
 * runs its query; the watcher never runs two queries of one rule at once). */
#ifndef HEALER_WATCH_SERIES_H
#define HEALER_WATCH_SERIES_H

#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "detect.h"
#include "watch.h"

struct watch_series {
	char *key;     /* watch_series_key(labels) */
	cJSON *labels; /* owned; "__"-prefixed names already left out */
	struct detector *det;
	double last_ts; /* newest point fed; older or equal points are skipped */
	double spark[WATCH_SPARK_POINTS];
	unsigned nspark, spark_head;
	int64_t seen_ms;   /* wall clock of the last answer that had this series */
	bool firing;	   /* an anomaly alert is open */
	int normal_run;	   /* normal points in a row while firing */
	double anomaly_ts; /* first anomalous point of the open episode */
	double value;	   /* last point */
	struct detect_result res;
};

struct watch_table {
	struct watch_series **v; /* sorted by key */
	size_t n;
};

/* The series of this label set, created (with a new detector) when absent and the table has
 * fewer than WATCH_MAX_SERIES; NULL when full. `seen_ms` is stamped on it. */
struct watch_series *watch_table_get(struct watch_table *t, const cJSON *labels, int64_t seen_ms);
/* The series with this key (watch_series_key), or NULL. */
struct watch_series *watch_table_find(const struct watch_table *t, const char *key);
/* Drops series not seen since `before_ms`; gone(s, ctx) runs first for each (may be NULL).
 * Returns how many went. */
size_t watch_table_expire(struct watch_table *t, int64_t before_ms,
			  void (*gone)(struct watch_series *s, void *ctx), void *ctx);
void watch_table_free(struct watch_table *t);

enum watch_event { WATCH_NONE, WATCH_FIRE, WATCH_CLEAR };

/* Feeds one point. While `learning` (the history at start) the detector learns and nothing
 * fires. Otherwise a score >= threshold on a warm detector opens an episode (WATCH_FIRE,
 * once), and `resolve_after` normal points in a row close it (WATCH_CLEAR). A missing point
 * (NaN) neither fires nor counts as normal. A point not newer than the last is ignored. */
enum watch_event watch_series_feed(struct watch_series *s, double ts, double value,
				   double threshold, int resolve_after, bool learning);

/* The sparkline's points, oldest first, into v (WATCH_SPARK_POINTS at most); returns n. */
size_t watch_series_spark(const struct watch_series *s, double *v);

#endif
