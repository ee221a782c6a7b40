/* test_metrics.c — counters, labels, gauges and the Prometheus text they render to. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "util.h"

static void
gauges(struct buf *out, void *ctx)
{
	metrics_gauge_header(out, "healer_incidents", ctx);
	metrics_line(out, "healer_incidents", "state=\"open\"", 3);
	metrics_line(out, "healer_incidents", "state=\"resolved\"", 0);
}

static void
test_render_format(void **state)
{
	char *m;

	(void)state;
	metrics_reset();
	metrics_inc("healer_alerts_total", "Alerts received.", "source=\"sns\"");
	metrics_inc("healer_up_total", "Starts.\nWith a \\ in help.", "");
	metrics_inc("healer_alerts_total", "ignored second help", "source=\"am\"");
	metrics_inc("healer_alerts_total", NULL, "source=\"sns\"");
	metrics_add("healer_step_seconds_total", "Seconds in steps.", "", 0.25);
	metrics_add("healer_step_seconds_total", NULL, "", 1);
	metrics_register_gauges(gauges, "Incidents by state.");
	m = metrics_render();
	assert_string_equal(m, "# HELP healer_alerts_total Alerts received.\n"
			       "# TYPE healer_alerts_total counter\n"
			       "healer_alerts_total{source=\"sns\"} 2\n"
			       "healer_alerts_total{source=\"am\"} 1\n"
			       "# HELP healer_up_total Starts.\\nWith a \\\\ in help.\n"
			       "# TYPE healer_up_total counter\n"
			       "healer_up_total 1\n"
			       "# HELP healer_step_seconds_total Seconds in steps.\n"
			       "# TYPE healer_step_seconds_total counter\n"
			       "healer_step_seconds_total 1.25\n"
			       "# HELP healer_incidents Incidents by state.\n"
			       "# TYPE healer_incidents gauge\n"
			       "healer_incidents{state=\"open\"} 3\n"
			       "healer_incidents{state=\"resolved\"} 0\n");
	free(m);
	metrics_reset();
	m = metrics_render();
	assert_string_equal(m, "");
	free(m);
}

#define THREADS 4
#define INCS 5000

static void *
incrementer(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < INCS; i++)
		metrics_inc("healer_worker_total", "From workers.",
			    i % 2 ? "k=\"odd\"" : "k=\"even\"");
	return NULL;
}

/* Workers count too: no increment may be lost. */
static void
test_inc_from_threads(void **state)
{
	pthread_t t[THREADS];
	char *m;
	int i;

	(void)state;
	metrics_reset();
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, incrementer, NULL), 0);
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	m = metrics_render();
	assert_string_equal(m, "# HELP healer_worker_total From workers.\n"
			       "# TYPE healer_worker_total counter\n"
			       "healer_worker_total{k=\"even\"} 10000\n"
			       "healer_worker_total{k=\"odd\"} 10000\n");
	free(m);
	metrics_reset();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_render_format),
	    cmocka_unit_test(test_inc_from_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
