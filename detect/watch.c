/* watch.c — the watcher: a timer per rule, its query on a WORK_FETCH worker, the points through
 * the series' detectors, fires and clears into the engine as `anomaly` alerts, /metrics. */
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "engine.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "store.h"
#include "util.h"
#include "watch_int.h"

#define EXPIRE_INTERVALS 10 /* a series absent this many intervals is forgotten */

static struct {
	struct watch_conf conf;
	struct watch_rt *rt;
	bool running, gauges;
} W;

static void rule_due(void *arg);

/* ---- alerts from fires and clears (worker side) ---- */

static const char *
series_resource(const struct watch_series *s, const struct watch_rule *r)
{
	static const char *const keys[] = {"instance", "InstanceId", "service", "job", "pod"};

	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		const char *v =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s->labels, keys[i]));
		if (v && *v)
			return v;
	}
	return r->name;
}

static char *
metric_text(const struct watch_rule *r)
{
	if (r->kind == WATCH_PROMETHEUS)
		return xstrdup(r->query);
	if (r->expression)
		return xasprintf("%s (period %ds)", r->expression, r->period_s);
	return xasprintf("%s %s %s (period %ds)", r->namespace, r->metric, r->stat, r->period_s);
}

/* One anomaly alert for the series' current episode: firing, or cleared. */
static void
alert_add(struct watch_job *j, const struct watch_series *s, bool firing, const char *gone)
{
	const struct watch_rule *r = j->rt->rule;
	struct alert *a = ingest_alert_new(&j->alerts, SRC_ANOMALY);
	double pts[WATCH_SPARK_POINTS];
	char spark[WATCH_SPARK_POINTS * 3 + 1], when[40], why[320];
	const cJSON *it;
	bool nolabels = strcmp(s->key, "{}") == 0;

	watch_sparkline(pts, watch_series_spark(s, pts), spark, sizeof(spark));
	a->fingerprint = xasprintf("watch:%s%s", r->name, s->key);
	a->dedup_key =
	    xasprintf("%s@%.3f:%s", a->fingerprint, s->last_ts, firing ? "firing" : "ok");
	/* why it fired, on every card: the title is what the console, Slack and Teams show */
	if (firing)
		detect_why_text_in(&s->res, s->last_ts, &r->unit, why, sizeof(why));
	else
		snprintf(why, sizeof(why), "%s", gone);
	char *base = xasprintf("%s %s %s%s%s", r->name, why, spark, nolabels ? "" : " ",
			       nolabels ? "" : s->key);
	a->title = ingest_title(base, NULL);
	free(base);
	a->severity = xstrdup(r->severity);
	a->resource = xstrdup(series_resource(s, r));
	a->firing = firing;
	a->starts_at_ms = (int64_t)(s->anomaly_ts * 1000);
	/* the series' labels, then the rule's: runbooks match on the rule's */
	a->labels = cJSON_Duplicate(s->labels, 1);
	cJSON_ArrayForEach(it, r->labels)
	{
		cJSON_DeleteItemFromObjectCaseSensitive(a->labels, it->string);
		cJSON_AddStringToObject(a->labels, it->string, it->valuestring);
	}
	cJSON_DeleteItemFromObjectCaseSensitive(a->labels, "watch_rule");
	cJSON_AddStringToObject(a->labels, "watch_rule", r->name);

	char value[32], value_text[40], expected[32], lo[32], hi[32], range[72], score[16];
	char *metric = metric_text(r);
	/* value and expected stay raw numbers for machines; the rest is for people */
	snprintf(value, sizeof(value), "%.6g", s->value);
	metric_unit_format(&r->unit, s->value, value_text, sizeof(value_text));
	snprintf(expected, sizeof(expected), "%.6g", s->res.expected);
	snprintf(range, sizeof(range), "%s–%s",
		 metric_unit_format(&r->unit, s->res.lo, lo, sizeof(lo)),
		 metric_unit_format(&r->unit, s->res.hi, hi, sizeof(hi)));
	snprintf(score, sizeof(score), "%.3f", s->res.score);
	time_format_iso(a->starts_at_ms, when, sizeof(when));
	const char *what = nolabels ? r->name : s->key;
	char *summary = xasprintf("%s %s", what, why);
	const struct {
		const char *name, *value;
	} notes[] = {
	    {"summary", summary},
	    {"metric", metric},
	    {"series", s->key},
	    {"value", value},
	    {"value_text", value_text},
	    {"expected", expected},
	    {"expected_range", range},
	    {"anomaly_score", score},
	    {"sparkline", spark},
	    {"anomaly_started_at", when},
	    {"anomaly_reason", firing ? detect_why_name(s->res.why.why) : "none"},
	};
	a->annotations = cJSON_CreateObject();
	for (size_t i = 0; i < ARRAY_LEN(notes); i++)
		cJSON_AddStringToObject(a->annotations, notes[i].name, notes[i].value);
	free(summary);
	free(metric);
}

struct watch_series *
watch_job_series(struct watch_job *j, const cJSON *labels)
{
	static const cJSON none;
	struct watch_rt *rt = j->rt;
	struct watch_series *s = watch_table_get(&rt->tab, labels ? labels : &none, j->now_ms);
	cJSON *was;

	/* an episode open before a restart goes on: its alert clears when the series is normal */
	if (s != NULL && rt->pending != NULL &&
	    (was = cJSON_DetachItemFromObjectCaseSensitive(rt->pending, s->key)) != NULL) {
		s->firing = true;
		s->normal_run = 0;
		s->anomaly_ts = was->valuedouble / 1000.0;
		cJSON_Delete(was);
	}
	if (s == NULL && j->err[0] == '\0')
		snprintf(j->err, sizeof(j->err),
			 "more than %d series: the rest are not watched (narrow the query)",
			 WATCH_MAX_SERIES);
	return s;
}

void
watch_job_point(struct watch_job *j, struct watch_series *s, double ts, double value)
{
	const struct watch_rule *r = j->rt->rule;

	j->npoints++;
	switch (watch_series_feed(s, ts, value, r->threshold, r->resolve_after, j->learning)) {
	case WATCH_FIRE:
		alert_add(j, s, true, NULL);
		break;
	case WATCH_CLEAR:
		alert_add(j, s, false, "is back to normal");
		break;
	case WATCH_NONE:
		break;
	}
}

/* A series that vanished while firing: its alert clears (nothing is left to watch). */
static void
series_gone(struct watch_series *s, void *ctx)
{
	if (s->firing)
		alert_add(ctx, s, false, "is gone from the source's answers");
}

/* A clear for an episode open before a restart whose series is no longer answered. */
static void
pending_gone(struct watch_job *j, const char *key, double starts_at_ms)
{
	const struct watch_rule *r = j->rt->rule;
	struct alert *a = ingest_alert_new(&j->alerts, SRC_ANOMALY);
	const cJSON *it;

	a->fingerprint = xasprintf("watch:%s%s", r->name, key);
	a->dedup_key = xasprintf("%s@gone:%lld", a->fingerprint, (long long)j->now_ms);
	a->title = ingest_title(r->name, NULL);
	a->severity = xstrdup(r->severity);
	a->resource = xstrdup(r->name);
	a->firing = false;
	a->starts_at_ms = (int64_t)starts_at_ms;
	a->labels = cJSON_CreateObject();
	cJSON_ArrayForEach(it, r->labels)
	    cJSON_AddStringToObject(a->labels, it->string, it->valuestring);
	cJSON_AddStringToObject(a->labels, "watch_rule", r->name);
	a->annotations = cJSON_CreateObject();
	char *summary = xasprintf("%s is gone from the source's answers", key);
	cJSON_AddStringToObject(a->annotations, "summary", summary);
	cJSON_AddStringToObject(a->annotations, "series", key);
	free(summary);
}

/* ---- one query cycle ---- */

static int
fetch(struct watch_job *j, int64_t from_ms, int64_t to_ms, bool instant)
{
	if (j->rt->rule->kind == WATCH_CLOUDWATCH)
		return watch_cw_fetch(j, from_ms, to_ms);
	return instant ? watch_prom_instant(j) : watch_prom_range(j, from_ms, to_ms);
}

static void job_cycle(struct watch_job *j);

static void
job_work(void *arg)
{
	struct watch_job *j = arg;

	job_cycle(j);
	/* a wide answer's parse tree went back to this worker's arena: give it to the system
	 * (here, not on the loop), or the daemon keeps the largest answer's peak for good */
	if (j->npoints > 10000)
		malloc_trim(0);
}

static void
job_cycle(struct watch_job *j)
{
	struct watch_rt *rt = j->rt;
	const struct watch_rule *r = rt->rule;
	int64_t now = j->now_ms = now_ms();

	if (!rt->learned) {
		j->learning = true;
		if (r->history_ms > 0 && fetch(j, now - r->history_ms, now, false) != 0)
			return;
		j->learning = false;
		rt->learned = true;
	}
	/* CloudWatch publishes late: look back a few periods; points already fed are skipped */
	int64_t back =
	    3 * (r->every_ms > r->period_s * 1000LL ? r->every_ms : r->period_s * 1000LL);
	if (fetch(j, now - back, now, true) != 0)
		return;
	watch_table_expire(&rt->tab, now - EXPIRE_INTERVALS * r->every_ms, series_gone, j);
	/* still pending after the history and a live answer: that series is gone */
	if (rt->pending != NULL) {
		const cJSON *it;
		cJSON_ArrayForEach(it, rt->pending) pending_gone(j, it->string, it->valuedouble);
	}
}

static void
schedule(struct watch_rt *rt, int64_t delay_ms)
{
	rt->timer = loop_timer_add(delay_ms < 0 ? 0 : delay_ms, rule_due, rt);
}

/* The store refused the batch: put each series back in the state it had before, so that
 * the next anomalous (or normal) points send the alert again. No job is out (loop thread). */
static void
undo(struct watch_rt *rt, const struct alert_batch *b)
{
	size_t skip = strlen("watch:") + strlen(rt->rule->name);

	for (size_t i = 0; i < b->n; i++) {
		struct watch_series *s =
		    strlen(b->v[i].fingerprint) > skip
			? watch_table_find(&rt->tab, b->v[i].fingerprint + skip)
			: NULL;
		if (s == NULL)
			continue;
		s->firing = !b->v[i].firing;
		s->normal_run = 0;
	}
}

static void
job_done(void *arg, enum work_status status)
{
	struct watch_job *j = arg;
	struct watch_rt *rt = j->rt;
	const struct watch_rule *r = rt->rule;
	char lab[96];

	rt->busy = false;
	if (status == WORK_CANCELLED) { /* shutting down: the next start learns the history */
		alert_batch_free(&j->alerts);
		free(j);
		return;
	}
	rt->nseries = rt->tab.n;
	if (rt->learned && j->err[0] == '\0') { /* the pending ones were all taken over */
		cJSON_Delete(rt->pending);
		rt->pending = NULL;
	}
	snprintf(lab, sizeof(lab), "rule=\"%s\"", r->name);
	if (j->err[0]) {
		metrics_inc("healer_watch_errors_total", "Failed watch queries by rule", lab);
		log_warnx("watch %s: %s", r->name, j->err);
	} else {
		rt->last_success_ms = j->now_ms;
	}
	if (j->alerts.n > 0) {
		cJSON *incidents = cJSON_CreateArray();
		int acc, dup, ign;
		metrics_add("healer_watch_alerts_total",
			    "Anomaly alerts (fires and clears) by rule", lab, (double)j->alerts.n);
		if (engine_ingest(&j->alerts, incidents, &acc, &dup, &ign) != ENGINE_OK) {
			log_warnx("watch %s: could not store %zu anomaly alert(s); they are sent "
				  "again on the next points",
				  r->name, j->alerts.n);
			metrics_inc("healer_watch_errors_total", "Failed watch queries by rule",
				    lab);
			undo(rt, &j->alerts);
		} else {
			char *list = cJSON_PrintUnformatted(incidents);
			log_info("watch %s: %zu anomaly alert(s) → %s", r->name, j->alerts.n, list);
			free(list);
		}
		cJSON_Delete(incidents);
	}
	alert_batch_free(&j->alerts);
	free(j);
	if (W.running)
		schedule(rt, r->every_ms);
}

static void
pending_add(const char *fingerprint, int64_t starts_at_ms, void *ctx)
{
	struct watch_rt *rt = ctx;
	const char *key = fingerprint + strlen("watch:") + strlen(rt->rule->name);

	if (cJSON_GetObjectItemCaseSensitive(rt->pending, key) == NULL)
		cJSON_AddNumberToObject(rt->pending, key, (double)starts_at_ms);
}

/* The rule's episodes still open in the store (a restart, or a history fetch that failed):
 * the first job resumes them. Loop thread: the store is read here, not on the worker. */
static void
pending_load(struct watch_rt *rt)
{
	char *prefix = xasprintf("watch:%s{", rt->rule->name);

	rt->pending = cJSON_CreateObject();
	if (store_anomaly_uncleared(prefix, pending_add, rt) != 0)
		log_warnx("watch %s: cannot read the open anomalies; a restart's open episodes "
			  "will not clear by themselves",
			  rt->rule->name);
	if (cJSON_GetArraySize(rt->pending) > 0)
		log_info("watch %s: %d anomaly episode(s) still open, resumed", rt->rule->name,
			 cJSON_GetArraySize(rt->pending));
	free(prefix);
}

static void
rule_due(void *arg)
{
	struct watch_rt *rt = arg;
	struct watch_job *j;

	rt->timer = 0;
	if (!W.running || rt->busy)
		return;
	if (!rt->learned && rt->pending == NULL)
		pending_load(rt);
	j = xcalloc(1, sizeof(*j));
	j->rt = rt;
	rt->busy = true; /* the worker owns rt->tab until job_done */
	work_submit(WORK_FETCH, job_work, job_done, j);
}

/* ---- /metrics ---- */

static void
gauges(struct buf *out, void *ctx)
{
	char lab[96];

	(void)ctx;
	if (!W.running || W.conf.n == 0)
		return;
	metrics_gauge_header(out, "healer_watch_series", "Series each watch rule follows");
	for (size_t i = 0; i < W.conf.n; i++) {
		snprintf(lab, sizeof(lab), "rule=\"%s\"", W.conf.v[i].name);
		metrics_line(out, "healer_watch_series", lab, (double)W.rt[i].nseries);
	}
	metrics_gauge_header(out, "healer_watch_last_success_timestamp_seconds",
			     "When each watch rule's query last succeeded (0 = never)");
	for (size_t i = 0; i < W.conf.n; i++) {
		snprintf(lab, sizeof(lab), "rule=\"%s\"", W.conf.v[i].name);
		metrics_line(out, "healer_watch_last_success_timestamp_seconds", lab,
			     (double)W.rt[i].last_success_ms / 1000.0);
	}
}

/* ---- start, stop ---- */

void
watch_start(struct watch_conf *conf)
{
	static const char *const secrets[] = {"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"};

	W.conf = *conf;
	memset(conf, 0, sizeof(*conf)); /* owned by the watcher now */
	W.rt = xcalloc(W.conf.n + 1, sizeof(*W.rt));
	W.running = true;
	for (size_t i = 0; i < ARRAY_LEN(secrets); i++)
		if (config_env(secrets[i]) && *config_env(secrets[i]))
			log_redact(config_env(secrets[i]));
	for (size_t i = 0; i < W.conf.n; i++) {
		const struct watch_rule *r = &W.conf.v[i];
		const char *env = r->bearer_token_env ? r->bearer_token_env : r->basic_auth_env;
		if (env && config_env(env) && *config_env(env))
			log_redact(config_env(env));
		W.rt[i].rule = r;
		schedule(&W.rt[i], 0);
	}
	if (!W.gauges) {
		W.gauges = true;
		metrics_register_gauges(gauges, NULL);
	}
	if (W.conf.n)
		log_info("watching %zu rule(s) from %s", W.conf.n, W.conf.file);
}

void
watch_stop(void)
{
	W.running = false;
	for (size_t i = 0; W.rt && i < W.conf.n; i++) {
		watch_table_free(&W.rt[i].tab);
		cJSON_Delete(W.rt[i].pending);
	}
	free(W.rt);
	W.rt = NULL;
	watch_conf_free(&W.conf);
}
