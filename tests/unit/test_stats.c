/* test_stats.c — the stats arithmetic on a fixed history written straight into the tables:
 * counts, mean and p90 durations, autopilot share and success, rejections, dollars, the
 * noisiest alerts; the window; the text and the histogram buckets. */
#include "store_fixture.h"
#include "stats.h"

#define T0 1700000000000LL
#define S 1000LL
#define DAY (86400 * S)

/*
 * Seven incidents, one of them outside the window:
 *  1 alertmanager sev2 resolved     ApiDown ×3  autopilot ran at +10 s, verified, $2, resolved +100
 * s 2 alertmanager sev3 resolved     ApiDown ×2  approval asked +20 s, approved +60 s, ran +61 s,
 * $5, resolved +300 s 3 sns          sev1 rolled_back  "CPU high"   autopilot ran +5 s, verify
 * failed, rolled back, $10 4 generic      sev2 rejected     "Queue backlog" acked +30 s, rejected
 * +120 s, $7 (never ran) 5 alertmanager sev3 needs_attention DiskFull ×7, no action 6 alertmanager
 * sev3 resolved     ApiDown ×100, ten days before the window 7 alertmanager sev4 running ApiDown ×1
 * autopilot ran +2 s, $4, steps still running
 */
static void
seed(void)
{
	char sql[8192];

	snprintf(
	    sql, sizeof(sql),
	    "INSERT INTO incidents (id, state, severity, title, resource, source, fingerprint,"
	    " labels, occurrences, created_at, updated_at, last_seen_at, acked_at, resolved_at)"
	    " VALUES"
	    " (1, 'resolved', 'sev2', 'api down', 'api', 'alertmanager', 'f1',"
	    "  '{\"alertname\":\"ApiDown\"}', 3, %lld, 0, 0, NULL, %lld),"
	    " (2, 'resolved', 'sev3', 'api down', 'api', 'alertmanager', 'f2',"
	    "  '{\"alertname\":\"ApiDown\"}', 2, %lld, 0, 0, NULL, %lld),"
	    " (3, 'rolled_back', 'sev1', 'CPU high', 'i-1', 'sns', 'f3', '{}', 1, %lld, 0, 0,"
	    "  NULL, %lld),"
	    " (4, 'rejected', 'sev2', 'Queue backlog', 'q', 'generic', 'f4', '{}', 1, %lld, 0, 0,"
	    "  %lld, %lld),"
	    " (5, 'needs_attention', 'sev3', 'disk', 'db', 'alertmanager', 'f5',"
	    "  '{\"alertname\":\"DiskFull\"}', 7, %lld, 0, 0, NULL, NULL),"
	    " (6, 'resolved', 'sev3', 'api down', 'api', 'alertmanager', 'f6',"
	    "  '{\"alertname\":\"ApiDown\"}', 100, %lld, 0, 0, %lld, %lld),"
	    " (7, 'running', 'sev4', 'api down', 'api', 'alertmanager', 'f7',"
	    "  '{\"alertname\":\"ApiDown\"}', 1, %lld, 0, 0, NULL, NULL);",
	    T0, T0 + 100 * S, T0 + 1000 * S, T0 + 1300 * S, T0 + 2000 * S, T0 + 2200 * S,
	    T0 + 3000 * S, T0 + 3030 * S, T0 + 3120 * S, T0 + 4000 * S, T0 - 10 * DAY,
	    T0 - 10 * DAY + S, T0 - 10 * DAY + 50 * S, T0 + 5000 * S);
	raw_exec(sql);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO actions (id, incident_id, runbook_id, cost_usd, decision, autopilot,"
		 " created_at, started_at, finished_at, status) VALUES"
		 " (1, 1, 'restart', 2, 'autopilot', 1, %lld, %lld, %lld, 'succeeded'),"
		 " (2, 2, 'restart', 5, 'approval', 0, %lld, %lld, %lld, 'succeeded'),"
		 " (3, 3, 'scale', 10, 'autopilot', 1, %lld, %lld, %lld, 'rolled_back'),"
		 " (4, 4, 'drain', 7, 'approval', 0, %lld, NULL, %lld, 'cancelled'),"
		 " (6, 6, 'restart', 1, 'autopilot', 1, %lld, %lld, %lld, 'succeeded'),"
		 " (7, 7, 'restart', 4, 'autopilot', 1, %lld, %lld, NULL, 'running');"
		 "UPDATE incidents SET action_id = id WHERE id <> 5;",
		 T0 + 1 * S, T0 + 10 * S, T0 + 90 * S, T0 + 1001 * S, T0 + 1061 * S, T0 + 1290 * S,
		 T0 + 2001 * S, T0 + 2005 * S, T0 + 2190 * S, T0 + 3001 * S, T0 + 3120 * S,
		 T0 - 10 * DAY, T0 - 10 * DAY + S, T0 - 10 * DAY + 40 * S, T0 + 5001 * S,
		 T0 + 5002 * S);
	raw_exec(sql);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO approvals (action_id, user, decision, reason, at) VALUES"
		 " (2, 'console:eve', 'approve', NULL, %lld),"
		 " (4, 'console:lead1', 'reject', 'not now', %lld);"
		 "INSERT INTO audit (at, actor, incident_id, kind, message, prev_hash, hash) VALUES"
		 " (%lld, 'healer', 2, 'policy.decision', 'needs 1 approval', '', ''),"
		 " (%lld, 'console:eve', 2, 'approval.granted', 'approval 1 of 1', '', ''),"
		 " (%lld, 'console:eve', 2, 'command', 'show INC-2', '', ''),"
		 " (%lld, 'healer', 3, 'policy.decision', 'autopilot', '', ''),"
		 " (%lld, 'console:lead1', 4, 'approval.rejected', 'Rejected', '', ''),"
		 " (%lld, 'console:lead1', 4, 'incident.state', 'awaiting → rejected', '', '');"
		 "INSERT INTO step_runs (action_id, phase, idx, name, status, started_at) VALUES"
		 " (1, 'verify', 0, 'health', 'ok', 0), (2, 'verify', 0, 'health', 'ok', 0),"
		 " (3, 'verify', 0, 'health', 'failed', 0), (3, 'rollback', 0, 'undo', 'ok', 0),"
		 " (7, 'step', 0, 'restart', 'running', 0);",
		 T0 + 1060 * S, T0 + 3120 * S, T0 + 1020 * S, T0 + 1060 * S, T0 + 1005 * S,
		 T0 + 2004 * S, T0 + 3120 * S, T0 + 3120 * S);
	raw_exec(sql);
}

static double
num(const cJSON *o, const char *path1, const char *path2)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, path1);

	if (path2)
		v = cJSON_GetObjectItemCaseSensitive(v, path2);
	assert_true(cJSON_IsNumber(v));
	return v->valuedouble;
}

static char *
compact(const cJSON *o)
{
	return cJSON_PrintUnformatted(o);
}

static void
assert_json(const cJSON *o, const char *want)
{
	char *s = compact(o);

	assert_string_equal(s, want);
	cJSON_free(s);
}

static void
test_figures(void **state)
{
	cJSON *s = NULL;

	(void)state;
	seed();
	assert_int_equal(store_stats(T0, T0 + DAY, &s), STORE_OK);
	assert_int_equal((int)num(s, "incidents", NULL), 6);
	assert_json(cJSON_GetObjectItem(s, "by_source"),
		    "{\"alertmanager\":4,\"generic\":1,\"sns\":1}");
	assert_json(cJSON_GetObjectItem(s, "by_severity"),
		    "{\"sev1\":1,\"sev2\":2,\"sev3\":2,\"sev4\":1}");
	assert_json(cJSON_GetObjectItem(s, "by_state"),
		    "{\"resolved\":2,\"needs_attention\":1,\"rejected\":1,\"rolled_back\":1,"
		    "\"running\":1}");
	/* acknowledged: autopilot runs at 2, 5, 10 s; the ack at 30 s (before the rejection);
	 * the approval at 60 s (the "show" command by eve at 5 s is not an act on it) */
	assert_json(cJSON_GetObjectItem(s, "time_to_acknowledge_s"),
		    "{\"count\":5,\"mean\":21.4,\"p90\":60}");
	/* resolved: only the two resolved ones (the rolled-back one is not a resolution) */
	assert_json(cJSON_GetObjectItem(s, "time_to_resolve_s"),
		    "{\"count\":2,\"mean\":200,\"p90\":300}");
	/* asked at +20 s, ran at +61 s */
	assert_json(cJSON_GetObjectItem(s, "approval_latency_s"),
		    "{\"count\":1,\"mean\":41,\"p90\":41}");
	assert_json(
	    cJSON_GetObjectItem(s, "actions"),
	    "{\"proposed\":5,\"ran\":4,\"autopilot\":3,\"autopilot_share\":0.75,"
	    "\"autopilot_succeeded\":1,\"autopilot_failed\":1,\"autopilot_success_rate\":0.5,"
	    "\"verification_failures\":1,\"rollbacks\":1,\"human_approved\":1,\"rejected\":1,"
	    "\"false_positive_rate\":0.5}");
	/* approved: everything that got the go (2 + 5 + 10 + 4); spent: what changed things */
	assert_json(cJSON_GetObjectItem(s, "usd"), "{\"approved\":21,\"spent\":17}");
	assert_json(cJSON_GetObjectItem(s, "noisiest_alerts"),
		    "[{\"alert\":\"DiskFull\",\"occurrences\":7,\"incidents\":1},"
		    "{\"alert\":\"ApiDown\",\"occurrences\":6,\"incidents\":3},"
		    "{\"alert\":\"CPU high\",\"occurrences\":1,\"incidents\":1},"
		    "{\"alert\":\"Queue backlog\",\"occurrences\":1,\"incidents\":1}]");

	cJSON_AddStringToObject(s, "window", "24h");
	cJSON_AddBoolToObject(s, "autopilot_enabled", true);
	char *t = stats_text(s);
	assert_non_null(strstr(t, "Stats for the last 24h (incidents opened since "
				  "2023-11-14T22:13:20.000Z)\n"));
	assert_non_null(strstr(t, "Incidents:            6 (alertmanager 4, generic 1, sns 1)\n"));
	assert_non_null(
	    strstr(t, "Time to acknowledge:  mean 21 s, p90 1 min 0 s (5 incidents)\n"));
	assert_non_null(
	    strstr(t, "Time to resolve:      mean 3 min 20 s, p90 5 min 0 s (2 incidents)\n"));
	assert_non_null(strstr(t, "Autopilot:            3 of 4 runs (75%), 50% succeeded (1 ok, 1 "
				  "failed); switch on\n"));
	assert_non_null(strstr(t, "Rejected proposals:   1 of 2 human verdicts (50% false "
				  "positives)\n"));
	assert_non_null(strstr(t, "Dollars:              $21.00 approved, $17.00 spent\n"));
	assert_non_null(strstr(t, "Noisiest alerts:      DiskFull 7 (1 incident), ApiDown 6 (3 "
				  "incidents)"));
	free(t);
	cJSON_Delete(s);

	/* the window: only the old incident */
	assert_int_equal(store_stats(T0 - 11 * DAY, T0, &s), STORE_OK);
	assert_int_equal((int)num(s, "incidents", NULL), 1);
	assert_json(cJSON_GetObjectItem(s, "time_to_resolve_s"),
		    "{\"count\":1,\"mean\":50,\"p90\":50}");
	cJSON_Delete(s);
}

static void
test_empty_window(void **state)
{
	cJSON *s = NULL;

	(void)state;
	assert_int_equal(store_stats(T0, T0 + DAY, &s), STORE_OK);
	assert_int_equal((int)num(s, "incidents", NULL), 0);
	assert_json(cJSON_GetObjectItem(s, "time_to_resolve_s"),
		    "{\"count\":0,\"mean\":null,\"p90\":null}");
	assert_true(cJSON_IsNull(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(s, "actions"), "autopilot_share")));
	assert_json(cJSON_GetObjectItem(s, "noisiest_alerts"), "[]");
	char *t = stats_text(s);
	assert_non_null(strstr(t, "Time to resolve:      -\n"));
	assert_non_null(strstr(t, "Autopilot:            0 of 0 runs (-), - succeeded"));
	assert_non_null(strstr(t, "Noisiest alerts:      none\n"));
	free(t);
	cJSON_Delete(s);
}

static void
test_durations_sorted(void **state)
{
	double *v = NULL;
	size_t n = 0;

	(void)state;
	seed();
	assert_int_equal(store_durations(STORE_DUR_ACK, 0, T0 + DAY, &v, &n), STORE_OK);
	assert_int_equal(n, 6); /* with the old one: its run started 1 s in */
	double want[] = {1, 2, 5, 10, 30, 60};
	for (size_t i = 0; i < n; i++)
		assert_true(v[i] == want[i]);
	free(v);
}

static void
test_histogram_and_window(void **state)
{
	const double v[] = {1, 10, 10.5, 60, 7200};
	const double le[] = {10, 60, 3600};
	uint64_t counts[4];
	double sum;
	int64_t ms;

	(void)state;
	stats_histogram(v, 5, le, 3, counts, &sum);
	assert_int_equal(counts[0], 2); /* ≤ 10 */
	assert_int_equal(counts[1], 4); /* ≤ 60 */
	assert_int_equal(counts[2], 4); /* ≤ 3600 */
	assert_int_equal(counts[3], 5); /* +Inf */
	assert_true(sum == 7281.5);
	stats_histogram(NULL, 0, le, 3, counts, &sum);
	assert_int_equal(counts[3], 0);
	assert_true(sum == 0);

	assert_int_equal(stats_window_parse("24h", &ms), 0);
	assert_int_equal(ms, DAY);
	assert_int_equal(stats_window_parse("7d", &ms), 0);
	assert_int_equal(ms, 7 * DAY);
	assert_int_equal(stats_window_parse("30d", &ms), 0);
	assert_int_equal(ms, 30 * DAY);
	assert_int_equal(stats_window_parse("1y", &ms), -1);
	assert_int_equal(stats_window_parse(NULL, &ms), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_figures, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_empty_window, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_durations_sorted, setup, teardown),
	    cmocka_unit_test(test_histogram_and_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
