/* test_metric_unit.c — numbers in a metric's unit: each unit's scales, edge values (zero,
 * negative, huge, tiny, NaN), unit names and suffixes, and the units inferred from Prometheus
 * names and CloudWatch metrics. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "detect.h"
#include "metric_unit.h"

static void
is(const char *name, double x, const char *want)
{
	struct metric_unit u = {UNIT_NONE, ""};
	char out[48];

	if (name)
		assert_int_equal(metric_unit_parse(name, &u), 0);
	metric_unit_format(name ? &u : NULL, x, out, sizeof(out));
	if (strcmp(out, want) != 0)
		fail_msg("%s %g: got '%s', want '%s'", name ? name : "bare", x, out, want);
}

static void
test_seconds(void **state)
{
	(void)state;
	is("seconds", 0.812, "812 ms");
	is("seconds", 0.0481234, "48.1 ms");
	is("seconds", 0.0000052, "5.2 µs");
	is("seconds", 0.9997, "1 s");
	is("seconds", 2.5, "2.5 s");
	is("seconds", 90, "1.5 min");
	is("seconds", 7200, "2 h");
	is("seconds", 0, "0 s");
	is("seconds", -0.25, "-250 ms");
	is("seconds", 1e9, "277778 h");
	is("seconds", 1e-12, "0 µs");
}

static void
test_bytes_percent_ratio(void **state)
{
	(void)state;
	is("bytes", 1.2 * 1073741824.0, "1.2 GiB");
	is("bytes", 512, "512 B");
	is("bytes", 1536, "1.5 KiB");
	is("bytes", 3 * 1048576.0, "3 MiB");
	is("bytes", 2.5 * 1099511627776.0, "2.5 TiB");
	is("bytes", 1e18, "909495 TiB");
	is("bytes", 0, "0 B");
	is("bytes", -2048, "-2 KiB");
	is("percent", 93.54, "93.5 %");
	is("percent", 100, "100 %");
	is("percent", 0, "0 %");
	is("ratio", 0.935, "93.5 %");
	is("ratio", 1, "100 %");
	is("ratio", -0.02, "-2 %");
}

static void
test_rates_counts_suffixes(void **state)
{
	(void)state;
	is("per_second", 340, "340/s");
	is("per_second", 1234, "1.23k/s");
	is("per_second", 2.5e6, "2.5M/s");
	is("per_second", 0.05, "0.05/s");
	is("per_second", 0, "0/s");
	is("count", 12, "12");
	is("count", 45600, "45.6k");
	is("count", 7e12, "7000G");
	is("°C", 21.456, "21.5 °C");
	is("ms", 812, "812 ms");
	is("req/s", -3, "-3 req/s");
	/* bare keeps the detector's four digits */
	is(NULL, 0.0481234, "0.04812");
	is(NULL, 500, "500");
}

static void
test_nan_is_never_printed(void **state)
{
	const char *units[] = {NULL,	"seconds",    "bytes", "percent",
			       "ratio", "per_second", "count", "°C"};
	const double bad[] = {NAN, -NAN, INFINITY, -INFINITY};
	(void)state;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		for (size_t j = 0; j < sizeof(bad) / sizeof(bad[0]); j++)
			is(units[i], bad[j], "n/a");
}

static void
test_names_and_suffixes(void **state)
{
	struct metric_unit u = {UNIT_SECONDS, ""};
	(void)state;
	/* a misspelt name is refused, not taken as a suffix; *u stays as it was */
	assert_int_equal(metric_unit_parse("second", &u), -1);
	assert_int_equal(metric_unit_parse("percentage", &u), -1);
	assert_int_equal(metric_unit_parse("byte", &u), -1);
	assert_int_equal(metric_unit_parse("", &u), -1);
	assert_int_equal(metric_unit_parse("a-very-long-suffix", &u), -1);
	assert_int_equal(metric_unit_parse("m\ns", &u), -1);
	assert_int_equal(u.kind, UNIT_SECONDS);
	assert_int_equal(metric_unit_parse("per_second", &u), 0);
	assert_int_equal(u.kind, UNIT_PER_SECOND);
	assert_int_equal(metric_unit_parse("rpm", &u), 0);
	assert_int_equal(u.kind, UNIT_SUFFIX);
	assert_string_equal(u.suffix, "rpm");
}

static void
test_inferred(void **state)
{
	static const struct {
		const char *query;
		enum metric_unit_kind kind;
	} prom[] = {
	    {"http_request_duration_seconds", UNIT_SECONDS},
	    {"node_memory_MemAvailable_bytes{instance=\"a:9100\"}", UNIT_BYTES},
	    {" cache_hit_ratio ", UNIT_RATIO},
	    {"disk_used_percent{mount=\"/\"}", UNIT_PERCENT},
	    /* a counter's rate, a sum, a division: the name does not say the unit */
	    {"http_requests_total", UNIT_NONE},
	    {"process_cpu_seconds_total", UNIT_NONE},
	    {"rate(http_request_duration_seconds_sum[5m])", UNIT_NONE},
	    {"a_seconds / b_seconds", UNIT_NONE},
	    {"sum(x_bytes)", UNIT_NONE},
	    {"checkout_latency{job=\"checkout\"}", UNIT_NONE},
	    {"x_seconds{a=\"b\"} > 1", UNIT_NONE},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(prom) / sizeof(prom[0]); i++)
		if (metric_unit_prom(prom[i].query).kind != prom[i].kind)
			fail_msg("%s: unit %d, want %d", prom[i].query,
				 metric_unit_prom(prom[i].query).kind, prom[i].kind);
	assert_int_equal(metric_unit_prom(NULL).kind, UNIT_NONE);
	assert_int_equal(metric_unit_cw("AWS/EC2", "CPUUtilization", "Average").kind, UNIT_PERCENT);
	assert_int_equal(metric_unit_cw("AWS/EC2", "CPUUtilization", "SampleCount").kind,
			 UNIT_COUNT);
	assert_int_equal(metric_unit_cw("AWS/ApplicationELB", "TargetResponseTime", "p99").kind,
			 UNIT_SECONDS);
	/* API Gateway's Latency is milliseconds, not ELB's seconds: bare */
	assert_int_equal(metric_unit_cw("AWS/ApiGateway", "Latency", "Average").kind, UNIT_NONE);
	assert_int_equal(metric_unit_cw("Custom/App", "Orders", "Sum").kind, UNIT_NONE);
	assert_int_equal(metric_unit_cw(NULL, NULL, "Average").kind, UNIT_NONE);
}

/* The reason's figures all speak the unit. */
static void
test_why_in_the_unit(void **state)
{
	struct detect_result r = {.expected = 0.0481234, .lo = 0.040, .hi = 0.0552};
	struct metric_unit u;
	char t[256];
	(void)state;
	assert_int_equal(metric_unit_parse("seconds", &u), 0);
	r.why.why = DETECT_WHY_SPIKE;
	r.why.value = 0.812;
	r.why.sigmas = 14.2;
	assert_string_equal(detect_why_text_in(&r, 0, &u, t, sizeof(t)),
			    "jumped to 812 ms — 14× its usual deviation above the forecast 48.1 "
			    "ms (expected 40 ms–55.2 ms)");
	r.why.why = DETECT_WHY_RESET;
	r.why.value = 340;
	assert_int_equal(metric_unit_parse("per_second", &u), 0);
	assert_non_null(strstr(detect_why_text_in(&r, 0, &u, t, sizeof(t)), "its rate is 340/s,"));
	r.why.why = DETECT_WHY_NONE;
	r.why.value = NAN;
	assert_string_equal(detect_why_text_in(&r, 0, &u, t, sizeof(t)),
			    "is n/a, outside the expected 0.04/s–0.0552/s");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_seconds),
	    cmocka_unit_test(test_bytes_percent_ratio),
	    cmocka_unit_test(test_rates_counts_suffixes),
	    cmocka_unit_test(test_nan_is_never_printed),
	    cmocka_unit_test(test_names_and_suffixes),
	    cmocka_unit_test(test_inferred),
	    cmocka_unit_test(test_why_in_the_unit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
