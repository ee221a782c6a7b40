/* test_stats_detect.c — time to detect: the first anomalous point (the watcher's alert
 * starts_at) to the incident, for incidents of source anomaly only; in store_stats, the
 * durations list and the stats text. */
#include "store_fixture.h"
#include "stats.h"

static int64_t
incident_from(enum alert_source src, const char *fp, int64_t starts_at)
{
	struct alert a;
	int64_t id = 0;

	alert_init(&a, fp, NULL, true);
	a.source = src;
	a.starts_at_ms = starts_at;
	assert_int_equal(store_incident_create(&a, NULL, &id), STORE_OK);
	alert_done(&a);
	return id;
}

static void
test_time_to_detect(void **state)
{
	int64_t now = now_ms();
	double *v;
	size_t n;
	cJSON *s;
	(void)state;

	incident_from(SRC_ANOMALY, "watch:a{i=\"1\"}", now - 12000);
	incident_from(SRC_ANOMALY, "watch:a{i=\"2\"}", now - 3000);
	/* not counted: an Alertmanager alert's startsAt is not our detection */
	incident_from(SRC_ALERTMANAGER, "am", now - 600000);
	/* not counted: a point dated after the incident (a skewed clock) */
	incident_from(SRC_ANOMALY, "watch:a{i=\"3\"}", now + 3600000);

	assert_int_equal(store_durations(STORE_DUR_DETECT, now - 60000, now + 60000, &v, &n),
			 STORE_OK);
	assert_int_equal(n, 2);
	assert_true(v[0] >= 3 && v[0] < 4 && v[1] >= 12 && v[1] < 13);
	free(v);

	assert_int_equal(store_stats(now - 60000, now + 60000, &s), STORE_OK);
	cJSON *ttd = cJSON_GetObjectItem(s, "time_to_detect_s");
	assert_non_null(ttd);
	assert_int_equal(cJSON_GetObjectItem(ttd, "count")->valueint, 2);
	assert_true(cJSON_GetObjectItem(ttd, "p90")->valuedouble >= 12);
	assert_int_equal(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(s, "by_source"), "anomaly")->valueint, 3);
	char *t = stats_text(s);
	if (strstr(t, "Time to detect:") == NULL || strstr(t, "(2 incidents)") == NULL)
		fail_msg("no time to detect line:\n%s", t);
	free(t);
	cJSON_Delete(s);
}

static void
test_no_line_without_anomalies(void **state)
{
	int64_t now = now_ms();
	cJSON *s;
	(void)state;

	incident_from(SRC_ALERTMANAGER, "am", now - 1000);
	assert_int_equal(store_stats(now - 60000, now + 60000, &s), STORE_OK);
	char *t = stats_text(s);
	assert_null(strstr(t, "Time to detect"));
	free(t);
	cJSON_Delete(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_time_to_detect, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_line_without_anomalies, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
