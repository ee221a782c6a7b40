/* test_watch_conf.c — watch.yaml: values and defaults, "file:line: message" errors, secrets
 * refused; and the watcher's pure parts: sparklines, series keys, the fire/clear step, expiry. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "runbook.h"
#include "util.h"
#include "watch.h"
#include "watch_series.h"

static char path[96];

static int
setup(void **state)
{
	(void)state;
	snprintf(path, sizeof(path), "/tmp/test_watch_conf.%ld.yaml", (long)getpid());
	setenv("AWS_REGION", "us-east-1", 1);
	setenv("PROM_TOKEN", "s3cret", 1);
	unsetenv("HEALER_TEST_UNSET");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

/* Loads text; returns the error count and the messages joined by "\n" with the path as "P". */
static int
load(const char *text, struct watch_conf *c, char **msgs)
{
	FILE *f = fopen(path, "w");
	struct diag_list d = {0};
	struct buf b;
	size_t plen = strlen(path);
	int n;

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	n = watch_conf_load(path, true, c, &d);
	buf_init(&b, 0);
	for (size_t i = 0; i < d.n; i++)
		buf_printf(&b, "%s%s%s", i ? "\n" : "",
			   strncmp(d.msgs[i], path, plen) == 0 ? "P" : "",
			   d.msgs[i] + (strncmp(d.msgs[i], path, plen) == 0 ? plen : 0));
	*msgs = buf_steal(&b);
	diag_free(&d);
	return n;
}

static void
expect_error(const char *text, const char *want)
{
	struct watch_conf c;
	char *msgs;
	int n = load(text, &c, &msgs);

	if (n == 0 || strstr(msgs, want) == NULL)
		fail_msg("want an error containing \"%s\"; got %d: %s", want, n, msgs);
	assert_int_equal(c.n, 0); /* nothing half-loaded */
	free(msgs);
	watch_conf_free(&c);
}

static void
test_full_example(void **state)
{
	struct watch_conf c;
	char *msgs;
	(void)state;

	assert_int_equal(
	    load("rules:\n"
		 "  - name: checkout-latency\n"
		 "    prometheus: {url: \"http://127.0.0.1:9090\", query: "
		 "'job:latency_p99:5m{job=\"checkout\"}',\n"
		 "                 bearer_token_env: PROM_TOKEN}\n"
		 "    every: 60s\n"
		 "    history: 14d\n"
		 "    severity: sev3\n"
		 "    labels: {alertname: LatencyAnomaly, service: checkout}\n"
		 "    threshold: 0.97\n"
		 "    resolve_after: 5\n"
		 "  - name: ec2-cpu\n"
		 "    cloudwatch: {region: us-east-1, namespace: AWS/EC2, metric: CPUUtilization,\n"
		 "                 dimensions: {InstanceId: i-0123456789abcdef0}, stat: Average, "
		 "period: 300}\n"
		 "    every: 5m\n"
		 "    severity: sev1\n",
		 &c, &msgs),
	    0);
	assert_string_equal(msgs, "");
	free(msgs);
	assert_int_equal(c.n, 2);
	const struct watch_rule *p = &c.v[0], *w = &c.v[1];
	assert_string_equal(p->name, "checkout-latency");
	assert_int_equal(p->kind, WATCH_PROMETHEUS);
	assert_int_equal(p->line, 2);
	assert_string_equal(p->query, "job:latency_p99:5m{job=\"checkout\"}");
	assert_string_equal(p->bearer_token_env, "PROM_TOKEN");
	assert_int_equal(p->every_ms, 60000);
	assert_int_equal(p->history_ms, 14LL * 86400000);
	assert_true(fabs(p->threshold - 0.97) < 1e-9);
	assert_int_equal(p->resolve_after, 5);
	assert_string_equal(cJSON_GetObjectItem(p->labels, "service")->valuestring, "checkout");
	assert_int_equal(w->kind, WATCH_CLOUDWATCH);
	assert_string_equal(w->namespace, "AWS/EC2");
	assert_string_equal(w->stat, "Average");
	assert_int_equal(w->period_s, 300);
	assert_string_equal(cJSON_GetObjectItem(w->dimensions, "InstanceId")->valuestring,
			    "i-0123456789abcdef0");
	assert_string_equal(w->severity, "sev1");
	/* defaults: a day of history, an alertname the runbooks can match */
	assert_int_equal(w->history_ms, 86400000);
	assert_string_equal(cJSON_GetObjectItem(w->labels, "alertname")->valuestring, "Anomaly");
	assert_int_equal(w->resolve_after, 5);
	/* no unit: the recording rule's name says none; CPUUtilization is a percentage */
	assert_int_equal(p->unit.kind, UNIT_NONE);
	assert_int_equal(w->unit.kind, UNIT_PERCENT);
	watch_conf_free(&c);
}

/* unit: names a unit or a suffix, wins over the inferred one; a wrong one names the line and
 * the allowed names. */
static void
test_units(void **state)
{
	struct watch_conf c;
	char *msgs;
	(void)state;

	assert_int_equal(load("rules:\n"
			      "  - name: lat\n"
			      "    prometheus: {url: \"http://x\", query: rpc_duration_seconds}\n"
			      "  - name: mem\n"
			      "    prometheus: {url: \"http://x\", query: mem_bytes}\n"
			      "    unit: ratio\n"
			      "  - name: temp\n"
			      "    prometheus: {url: \"http://x\", query: temp}\n"
			      "    unit: \"°C\"\n"
			      "  - name: cpu\n"
			      "    cloudwatch: {namespace: AWS/EC2, metric: CPUUtilization, stat: "
			      "SampleCount}\n",
			      &c, &msgs),
			 0);
	assert_string_equal(msgs, "");
	free(msgs);
	assert_int_equal(c.n, 4);
	assert_int_equal(c.v[0].unit.kind, UNIT_SECONDS);
	assert_int_equal(c.v[1].unit.kind, UNIT_RATIO);
	assert_int_equal(c.v[2].unit.kind, UNIT_SUFFIX);
	assert_string_equal(c.v[2].unit.suffix, "°C");
	assert_int_equal(c.v[3].unit.kind, UNIT_COUNT);
	watch_conf_free(&c);

	expect_error("rules:\n  - name: a\n    prometheus: {url: \"http://x\", query: up}\n"
		     "    unit: second\n",
		     "P:4: rules[0].unit: 'second' is not a unit: use one of seconds, bytes, "
		     "percent, ratio, per_second, count, or a suffix of up to 15 bytes");
	expect_error("rules:\n  - name: a\n    prometheus: {url: \"http://x\", query: up}\n"
		     "    unit: \"kilowatt-hours/day\"\n",
		     "P:4: rules[0].unit: 'kilowatt-hours/day' is not a unit");
	expect_error("rules:\n  - name: a\n    prometheus: {url: \"http://x\", query: up}\n"
		     "    unit: [ms]\n",
		     "P:4: rules[0].unit must be a single non-empty value");
}

static void
test_missing_and_empty(void **state)
{
	struct watch_conf c;
	struct diag_list d = {0};
	char *msgs;
	(void)state;

	unlink(path);
	assert_int_equal(watch_conf_load(path, false, &c, &d), 0);
	assert_int_equal(c.n, 0);
	watch_conf_free(&c);
	assert_int_equal(watch_conf_load(path, true, &c, &d), 1);
	assert_non_null(strstr(d.msgs[0], "cannot read the watch rules"));
	diag_free(&d);
	watch_conf_free(&c);
	assert_int_equal(load("", &c, &msgs), 0);
	free(msgs);
	watch_conf_free(&c);
}

static void
test_errors_name_the_line(void **state)
{
	(void)state;
	expect_error("rules:\n  - name: a\n    prometheus: {url: \"ftp://x\", query: up}\n",
		     "P:3: rules[0].prometheus.url: 'ftp://x' is not an http:// or https:// URL");
	expect_error("rules:\n  - name: a\n    prometheus: {url: \"http://x\", query: up}\n"
		     "    every: soon\n",
		     "P:4: rules[0].every: bad duration 'soon'");
	expect_error("rules:\n  - name: a\n    prometheus: {url: \"http://x\", query: up}\n"
		     "    every: 500ms\n",
		     "P:4: rules[0].every: must be at least 1s");
	expect_error("rules:\n  - name: a\n    prometheus: {url: \"http://x\", query: up}\n"
		     "    threshold: 1.5\n",
		     "P:4: rules[0].threshold: '1.5' is not a number above 0 and at most 1");
	expect_error("rules:\n  - name: a\n    prometheus: {url: \"http://x\", query: up}\n"
		     "    resolve_after: 0\n",
		     "P:4: rules[0].resolve_after: '0' is not an integer from 1 to 1000");
	expect_error("rules:\n  - name: a\n    prometheus: {url: \"http://x\", query: up}\n"
		     "    colour: blue\n",
		     "P:4: rules[0]: unknown key 'colour' (expected name, prometheus, cloudwatch");
	expect_error("rules:\n  - name: a\n    every: 1m\n", "P:2: rules[0]: needs a source");
	expect_error("rules:\n  - prometheus: {url: \"http://x\", query: up}\n",
		     "P:2: rules[0]: missing 'name'");
	expect_error("rules:\n  - name: a\n    prometheus: {url: \"http://x\"}\n",
		     "P:2: rules[0].prometheus: missing 'query'");
	expect_error("rules:\n  - name: a\n    prometheus: {url: \"http://x\", query: up}\n"
		     "  - name: a\n    prometheus: {url: \"http://x\", query: up}\n",
		     "P:4: rules[1]: the name 'a' is already used at line 2");
	expect_error(
	    "rules:\n  - name: \"bad name\"\n    prometheus: {url: \"http://x\", query: up}\n",
	    "P:2: rules[0].name: 'bad name' must be 1-64 letters");
	expect_error("rules:\n  - name: a\n    prometheus: {url: \"http://x\", query: up}\n"
		     "    cloudwatch: {namespace: N, metric: M}\n",
		     "P:4: rules[0]: a rule has one source");
	expect_error(
	    "rules:\n  - name: c\n    cloudwatch: {namespace: AWS/EC2, metric: CPU, period: 45}\n",
	    "P:3: rules[0].cloudwatch.period: 45 is not 1, 5, 10, 30 or a multiple of 60");
	expect_error(
	    "rules:\n  - name: c\n    cloudwatch: {namespace: AWS/EC2}\n",
	    "P:2: rules[0].cloudwatch: needs 'namespace' and 'metric' (or an 'expression')");
	expect_error(
	    "rules:\n  - name: c\n    cloudwatch: {expression: 'SEARCH(x)', metric: M}\n",
	    "P:2: rules[0].cloudwatch: 'expression' replaces namespace, metric and dimensions");
	expect_error("rules:\n  - name: a\n    prometheus: {url: \"http://x\", query: up}\n"
		     "    labels: {alertname: [x]}\n",
		     "P:4: rules[0].labels.alertname must be text");
	expect_error("rules:\n  - name: a\n    prometheus: {url: \"http://x\", query: up}\n"
		     "    severity: critical\n",
		     "P:4: rules[0].severity: 'critical' is not sev1, sev2, sev3 or sev4");
	expect_error("rules: [\n", "P:2: YAML:");
	expect_error("- a\n", "P:1: watch.yaml must be a mapping with 'rules:'");
	expect_error("rules: {}\n", "P:1: rules must be a list of rules");
	expect_error("rule:\n  - name: a\n", "P:1: unknown key 'rule' (expected rules or logs)");
}

static void
test_secrets_stay_out_of_the_file(void **state)
{
	(void)state;
	expect_error("rules:\n  - name: a\n    prometheus: {url: \"http://x\", query: up,\n"
		     "                 token: abc}\n",
		     "P:4: rules[0].prometheus: 'token': secrets never go in this file");
	expect_error("rules:\n  - name: a\n    prometheus: {url: \"http://x\", query: up,\n"
		     "                 bearer_token_env: HEALER_TEST_UNSET}\n",
		     "P:4: rules[0].prometheus.bearer_token_env: the environment variable "
		     "HEALER_TEST_UNSET is not set");
	expect_error("rules:\n  - name: a\n    prometheus: {url: \"http://x\", query: up,\n"
		     "      bearer_token_env: PROM_TOKEN, basic_auth_env: PROM_TOKEN}\n",
		     "rules[0].prometheus: bearer_token_env or basic_auth_env, not both");
}

static void
test_sparkline(void **state)
{
	double up[8] = {0, 1, 2, 3, 4, 5, 6, 7}, flat[3] = {5, 5, 5};
	double gap[3] = {1, NAN, 3};
	char out[WATCH_SPARK_POINTS * 3 + 1], small[8];
	(void)state;

	watch_sparkline(up, 8, out, sizeof(out));
	assert_string_equal(out, "▁▂▃▄▅▆▇█");
	watch_sparkline(flat, 3, out, sizeof(out));
	assert_string_equal(out, "▁▁▁");
	watch_sparkline(gap, 3, out, sizeof(out));
	assert_string_equal(out, "▁ █");
	/* cut on a whole block, never inside one */
	watch_sparkline(up, 8, small, sizeof(small));
	assert_string_equal(small, "▁▂");
	watch_sparkline(up, 0, out, sizeof(out));
	assert_string_equal(out, "");
}

static void
test_series_key(void **state)
{
	cJSON *l = cJSON_Parse("{\"job\":\"a\\\"b\",\"__name__\":\"up\",\"instance\":\"h:1\"}");
	char *k = watch_series_key(l);
	(void)state;

	assert_string_equal(k, "{instance=\"h:1\",job=\"a\\\"b\"}");
	free(k);
	cJSON_Delete(l);
	l = cJSON_CreateObject();
	k = watch_series_key(l);
	assert_string_equal(k, "{}");
	free(k);
	cJSON_Delete(l);
}

static void
test_feed_fires_once_and_clears(void **state)
{
	struct watch_table t = {0};
	cJSON *l = cJSON_Parse("{\"job\":\"a\"}");
	struct watch_series *s = watch_table_get(&t, l, 1000);
	double ts = 0;
	(void)state;

	assert_non_null(s);
	assert_ptr_equal(watch_table_get(&t, l, 2000), s); /* same label set, same state */
	assert_int_equal(s->seen_ms, 2000);
	/* the history: learns, never fires (not even on its outlier) */
	for (int i = 0; i < 1000; i++)
		assert_int_equal(
		    watch_series_feed(s, ++ts, i == 900 ? 500 : 50 + (i % 5), 0.5, 2, true),
		    WATCH_NONE);
	for (int i = 0; i < 50; i++)
		watch_series_feed(s, ++ts, 50 + (i % 3), 0.99, 2, false);
	assert_false(s->firing);
	assert_int_equal(watch_series_feed(s, ++ts, 1e6, 0.99, 2, false), WATCH_FIRE);
	assert_true(s->firing);
	assert_true(s->anomaly_ts == ts);
	/* an old point is ignored; a missing one neither fires nor counts as normal */
	assert_int_equal(watch_series_feed(s, ts - 5, 50, 0.99, 2, false), WATCH_NONE);
	assert_int_equal(watch_series_feed(s, ++ts, NAN, 0.99, 2, false), WATCH_NONE);
	assert_int_equal(s->normal_run, 0);
	int n = 0;
	enum watch_event e = WATCH_NONE;
	while (e != WATCH_CLEAR && n++ < 100)
		e = watch_series_feed(s, ++ts, 50, 0.99, 2, false);
	assert_int_equal(e, WATCH_CLEAR);
	assert_false(s->firing);

	double pts[WATCH_SPARK_POINTS];
	assert_int_equal(watch_series_spark(s, pts), WATCH_SPARK_POINTS);
	assert_true(pts[WATCH_SPARK_POINTS - 1] == 50);
	cJSON_Delete(l);
	watch_table_free(&t);
}

static int gone_calls;
static void
gone(struct watch_series *s, void *ctx)
{
	(void)s;
	(void)ctx;
	gone_calls++;
}

static void
test_vanished_series_expire(void **state)
{
	struct watch_table t = {0};
	cJSON *a = cJSON_Parse("{\"i\":\"a\"}"), *b = cJSON_Parse("{\"i\":\"b\"}");
	cJSON *c = cJSON_Parse("{\"i\":\"c\"}");
	(void)state;

	watch_table_get(&t, b, 100);
	watch_table_get(&t, a, 100);
	watch_table_get(&t, c, 500);
	assert_int_equal(t.n, 3);
	assert_string_equal(t.v[0]->key, "{i=\"a\"}"); /* kept sorted */
	assert_string_equal(t.v[2]->key, "{i=\"c\"}");
	watch_table_get(&t, a, 400);
	assert_int_equal(watch_table_expire(&t, 300, gone, NULL), 1); /* b */
	assert_int_equal(gone_calls, 1);
	assert_int_equal(t.n, 2);
	assert_string_equal(t.v[0]->key, "{i=\"a\"}");
	assert_string_equal(t.v[1]->key, "{i=\"c\"}");
	cJSON_Delete(a);
	cJSON_Delete(b);
	cJSON_Delete(c);
	watch_table_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_full_example, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missing_and_empty, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_units, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_errors_name_the_line, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_secrets_stay_out_of_the_file, setup, teardown),
	    cmocka_unit_test(test_sparkline),
	    cmocka_unit_test(test_series_key),
	    cmocka_unit_test(test_feed_fires_once_and_clears),
	    cmocka_unit_test(test_vanished_series_expire),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
