/* metrics.c — labelled counters and render-time gauges as Prometheus text exposition. */
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "metrics.h"
#include "util.h"

/* Label values can come from peers (alert sources, statuses): bound the number of series. */
#define SERIES_MAX 4096
#define GAUGES_MAX 16

struct counter {
	char *name;
	char *labels;
	char *help;
	double v;
};

struct gauge {
	metrics_gauge_fn fn;
	void *ctx;
};

/* Kept grouped by name (a new series goes after the last one of its name), so rendering
 * writes each HELP/TYPE pair once in a single pass. Workers increment too: one mutex. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct counter *counters;
static size_t ncounters, acounters;
static bool full_warned;
static struct gauge gauges[GAUGES_MAX];
static size_t ngauges;

static struct counter *
counter_get(const char *name, const char *help, const char *labels)
{
	struct counter *c;
	size_t i, pos = ncounters;
	bool seen = false;

	for (i = 0; i < ncounters; i++) {
		if (strcmp(counters[i].name, name) != 0) {
			if (seen)
				break;
			continue;
		}
		seen = true;
		pos = i + 1;
		if (strcmp(counters[i].labels, labels) == 0)
			return &counters[i];
	}
	if (ncounters == SERIES_MAX) {
		if (!full_warned)
			log_warnx("metrics: more than %d series; new ones are not counted",
				  SERIES_MAX);
		full_warned = true;
		return NULL;
	}
	if (ncounters == acounters) {
		acounters = acounters ? acounters * 2 : 32;
		counters = xrealloc(counters, acounters * sizeof(*counters));
	}
	memmove(&counters[pos + 1], &counters[pos], (ncounters - pos) * sizeof(*counters));
	ncounters++;
	c = &counters[pos];
	c->name = xstrdup(name);
	c->labels = xstrdup(labels != NULL ? labels : "");
	c->help = xstrdup(help != NULL ? help : "");
	c->v = 0;
	return c;
}

void
metrics_add(const char *name, const char *help, const char *labels, double v)
{
	struct counter *c;

	pthread_mutex_lock(&mu);
	if ((c = counter_get(name, help, labels != NULL ? labels : "")) != NULL)
		c->v += v;
	pthread_mutex_unlock(&mu);
}

void
metrics_inc(const char *name, const char *help, const char *labels)
{
	metrics_add(name, help, labels, 1);
}

void
metrics_register_gauges(metrics_gauge_fn fn, void *ctx)
{
	pthread_mutex_lock(&mu);
	if (ngauges == GAUGES_MAX)
		fatalx("metrics: more than %d gauge callbacks", GAUGES_MAX);
	gauges[ngauges].fn = fn;
	gauges[ngauges].ctx = ctx;
	ngauges++;
	pthread_mutex_unlock(&mu);
}

/* HELP text escapes backslash and newline, per the exposition format. */
static void
help_append(struct buf *out, const char *help)
{
	const char *p;

	for (p = help; *p != '\0'; p++) {
		if (*p == '\\')
			buf_append(out, "\\\\", 2);
		else if (*p == '\n')
			buf_append(out, "\\n", 2);
		else
			buf_append(out, p, 1);
	}
}

static void
header_append(struct buf *out, const char *name, const char *help, const char *type)
{
	buf_printf(out, "# HELP %s ", name);
	help_append(out, help);
	buf_printf(out, "\n# TYPE %s %s\n", name, type);
}

void
metrics_gauge_header(struct buf *out, const char *name, const char *help)
{
	header_append(out, name, help, "gauge");
}

void
metrics_line(struct buf *out, const char *name, const char *labels, double v)
{
	char num[64];

	/* Whole numbers print as integers ("3", not "3.000000" or "3e+00"). */
	if (isfinite(v) && v == floor(v) && fabs(v) < 1e15)
		snprintf(num, sizeof(num), "%.0f", v);
	else
		snprintf(num, sizeof(num), "%.15g", v);
	if (labels != NULL && *labels != '\0')
		buf_printf(out, "%s{%s} %s\n", name, labels, num);
	else
		buf_printf(out, "%s %s\n", name, num);
}

char *
metrics_render(void)
{
	struct gauge snap[GAUGES_MAX];
	struct buf out;
	size_t i, n;

	buf_init(&out, 0);
	pthread_mutex_lock(&mu);
	for (i = 0; i < ncounters; i++) {
		if (i == 0 || strcmp(counters[i - 1].name, counters[i].name) != 0)
			header_append(&out, counters[i].name, counters[i].help, "counter");
		metrics_line(&out, counters[i].name, counters[i].labels, counters[i].v);
	}
	n = ngauges;
	memcpy(snap, gauges, n * sizeof(*snap));
	pthread_mutex_unlock(&mu);

	/* Outside the lock: a gauge callback may query the store or count something itself. */
	for (i = 0; i < n; i++)
		snap[i].fn(&out, snap[i].ctx);
	return buf_steal(&out);
}

void
metrics_reset(void)
{
	size_t i;

	pthread_mutex_lock(&mu);
	for (i = 0; i < ncounters; i++) {
		free(counters[i].name);
		free(counters[i].labels);
		free(counters[i].help);
	}
	free(counters);
	counters = NULL;
	ncounters = acounters = 0;
	full_warned = false;
	ngauges = 0;
	pthread_mutex_unlock(&mu);
}
