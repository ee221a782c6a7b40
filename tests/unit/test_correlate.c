/* test_correlate.c — the policy's correlate rules: loading with file:line errors, which
 * alerts join an incident (same key values, within the window) and which is the cause. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "correlate.h"
#include "policy.h"

#define MIN 60000LL

static char path[] = "/tmp/test_correlate_XXXXXX.yaml";

static int
load(const char *text, struct policy *p, struct diag_list *errs)
{
	int fd = mkstemps(path, 5);
	FILE *f;
	int n;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	n = policy_load(path, true, p, errs);
	unlink(path);
	memcpy(path + strlen(path) - 11, "XXXXXX.yaml", 11);
	return n;
}

static cJSON *
labels(const char *json)
{
	cJSON *j = cJSON_Parse(json);

	assert_non_null(j);
	return j;
}

static const char GOOD[] = "correlate:\n"
			   "  - keys: [service]\n"
			   "    window: 5m\n"
			   "  - keys: [cluster, namespace]\n"
			   "    window: 10m\n"
			   "    cause: {alertname: \"~^Deploy\"}\n";

static void
test_load_and_match(void **state)
{
	struct policy p;
	struct diag_list errs = {0};

	(void)state;
	assert_int_equal(load(GOOD, &p, &errs), 0);
	assert_int_equal(p.correlate.n, 2);
	assert_int_equal(p.correlate.v[0].window_ms, 5 * MIN);
	assert_string_equal(p.correlate.v[1].keys[1], "namespace");

	cJSON *first = labels("{\"alertname\":\"HighErrors\",\"service\":\"api\","
			      "\"cluster\":\"eu1\",\"namespace\":\"shop\"}");
	cJSON *same = labels("{\"alertname\":\"HighLatency\",\"service\":\"api\"}");
	cJSON *other = labels("{\"alertname\":\"HighLatency\",\"service\":\"db\"}");
	cJSON *ns =
	    labels("{\"alertname\":\"PodCrash\",\"cluster\":\"eu1\",\"namespace\":\"shop\"}");
	cJSON *empty = labels("{\"alertname\":\"X\",\"service\":\"\"}");
	int64_t t0 = 1000 * MIN;

	/* same service within 5 m: rule 0; after 5 m: not by service */
	assert_int_equal(correlate_match(&p.correlate, same, t0 + 4 * MIN, first, t0), 0);
	assert_int_equal(correlate_match(&p.correlate, same, t0 + 6 * MIN, first, t0), -1);
	/* another service: no; the same cluster and namespace: rule 1, for 10 m */
	assert_int_equal(correlate_match(&p.correlate, other, t0 + MIN, first, t0), -1);
	assert_int_equal(correlate_match(&p.correlate, ns, t0 + 9 * MIN, first, t0), 1);
	assert_int_equal(correlate_match(&p.correlate, ns, t0 + 11 * MIN, first, t0), -1);
	/* a missing or empty key never matches, nor does an alert older than the incident */
	assert_int_equal(correlate_match(&p.correlate, empty, t0, empty, t0), -1);
	assert_int_equal(correlate_match(&p.correlate, same, t0 - 1, first, t0), -1);
	cJSON_Delete(first);
	cJSON_Delete(same);
	cJSON_Delete(other);
	cJSON_Delete(ns);
	cJSON_Delete(empty);
	policy_free(&p);
	diag_free(&errs);
}

static void
test_cause(void **state)
{
	struct policy p;
	struct diag_list errs = {0};
	cJSON *alerts;

	(void)state;
	assert_int_equal(load(GOOD, &p, &errs), 0);
	/* the earliest alert, unless a rule marks one as a cause */
	alerts = labels("[{\"alertname\":\"HighErrors\"},{\"alertname\":\"HighLatency\"}]");
	assert_int_equal(correlate_cause(&p.correlate, alerts), 0);
	cJSON_Delete(alerts);
	alerts = labels("[{\"alertname\":\"HighErrors\"},{\"alertname\":\"DeployStarted\"},"
			"{\"alertname\":\"DeployFinished\"}]");
	assert_int_equal(correlate_cause(&p.correlate, alerts), 1);
	cJSON_Delete(alerts);
	alerts = labels("[]");
	assert_int_equal(correlate_cause(&p.correlate, alerts), -1);
	assert_int_equal(correlate_cause_started(&p.correlate, alerts), -1);
	cJSON_Delete(alerts);
	/* by start time: one that started earlier but arrived late is the oldest */
	alerts = labels("[{\"labels\":{\"alertname\":\"HighErrors\"},\"started_ms\":500},"
			"{\"labels\":{\"alertname\":\"HighLatency\"},\"started_ms\":900},"
			"{\"labels\":{\"alertname\":\"PodRestarts\"},\"started_ms\":100}]");
	assert_int_equal(correlate_cause_started(&p.correlate, alerts), 2);
	cJSON_Delete(alerts);
	/* equal starts: the order of arrival; a marked cause wins over an earlier start */
	alerts = labels("[{\"labels\":{\"alertname\":\"HighErrors\"},\"started_ms\":500},"
			"{\"labels\":{\"alertname\":\"HighLatency\"},\"started_ms\":500},"
			"{\"labels\":{\"alertname\":\"DeployFinished\"},\"started_ms\":900},"
			"{\"labels\":{\"alertname\":\"DeployStarted\"},\"started_ms\":700}]");
	assert_int_equal(correlate_cause_started(&p.correlate, alerts), 3);
	cJSON_DeleteItemFromArray(alerts, 3);
	cJSON_DeleteItemFromArray(alerts, 2);
	assert_int_equal(correlate_cause_started(&p.correlate, alerts), 0);
	cJSON_Delete(alerts);
	policy_free(&p);
	diag_free(&errs);

	/* no rules: nothing correlates, the first alert is the cause */
	assert_int_equal(load("autopilot: {max_risk: low}\n", &p, &errs), 0);
	assert_int_equal(p.correlate.n, 0);
	alerts = labels("[{\"alertname\":\"DeployStarted\"}]");
	assert_int_equal(correlate_cause(&p.correlate, alerts), 0);
	assert_int_equal(correlate_match(&p.correlate, cJSON_GetArrayItem(alerts, 0), 0,
					 cJSON_GetArrayItem(alerts, 0), 0),
			 -1);
	cJSON_Delete(alerts);
	policy_free(&p);
	diag_free(&errs);
}

static void
test_errors(void **state)
{
	struct policy p;
	struct diag_list errs = {0};
	char want[200];

	(void)state;
	assert_int_equal(load("correlate:\n"
			      "  - keys: service\n" /* 2 */
			      "    window: 5m\n"
			      "  - keys: [service]\n"		 /* 4 */
			      "    window: forever\n"		 /* 5 */
			      "  - keys: [\"a b\"]\n"		 /* 6 */
			      "    window: 2d\n"		 /* 7 */
			      "  - window: 5m\n"		 /* 8 */
			      "    cause: {alertname: \"~(\"}\n" /* 9 */
			      "    scope: all\n"		 /* 10 */
			      "  - keys: [service]\n"		 /* 11 */
			      "    window: 5m\n"
			      "    grace: soon\n" /* 13 */
			      "  - keys: [service]\n"
			      "    window: 5m\n"
			      "    grace: 25h\n", /* 16 */
			      &p, &errs),
			 9);
	const char *const msgs[] = {
	    "2: correlate[0].keys: expected a list of label names, e.g. [service]",
	    "5: correlate[1].window: expected a duration from 1s to 24h, e.g. 5m, got 'forever'",
	    "6: correlate[2].keys: 'a b' is not a label name",
	    "7: correlate[2].window: expected a duration from 1s to 24h, e.g. 5m, got '2d'",
	    "9: correlate[3].cause.alertname: bad regular expression '('",
	    "10: correlate[3]: unknown key 'scope' (expected keys, window, cause or grace)",
	    "8: correlate[3]: missing key 'keys'",
	    "13: correlate[4].grace: expected a duration from 0s to 24h, e.g. 10m, got 'soon'",
	    "16: correlate[5].grace: expected a duration from 0s to 24h, e.g. 10m, got '25h'",
	};
	assert_int_equal(errs.n, 9);
	for (size_t i = 0; i < errs.n; i++) {
		const char *m = strchr(errs.msgs[i], ':');
		snprintf(want, sizeof(want), "%s", msgs[i]);
		assert_non_null(m);
		assert_string_equal(m + 1, want);
	}
	assert_int_equal(p.correlate.n, 0); /* a policy with errors is the defaults */
	policy_free(&p);
	diag_free(&errs);

	assert_int_equal(load("correlate: {keys: [service]}\n", &p, &errs), 1);
	assert_non_null(strstr(errs.msgs[0], ":1: correlate: expected a list of rules"));
	policy_free(&p);
	diag_free(&errs);
}

/* The grace of an incident: the longest of the rules two of its alerts share keys under. */
static void
test_grace(void **state)
{
	struct policy p;
	struct diag_list errs = {0};
	cJSON *alerts;

	(void)state;
	assert_int_equal(load("correlate:\n"
			      "  - keys: [service]\n"
			      "    window: 5m\n"
			      "    grace: 30s\n"
			      "  - keys: [cluster]\n"
			      "    window: 5m\n"
			      "    grace: 0s\n"
			      "  - keys: [namespace]\n"
			      "    window: 5m\n",
			      &p, &errs),
			 0);
	assert_int_equal(p.correlate.v[0].grace_ms, 30000);
	assert_int_equal(p.correlate.v[1].grace_ms, 0);
	assert_int_equal(p.correlate.v[2].grace_ms, CORRELATE_DEFAULT_GRACE_MS);
	alerts = labels("[{\"service\":\"api\",\"cluster\":\"eu1\"},{\"service\":\"api\"}]");
	assert_int_equal(correlate_grace(&p.correlate, alerts), 30000);
	cJSON_Delete(alerts);
	alerts = labels("[{\"service\":\"api\",\"cluster\":\"eu1\"},{\"cluster\":\"eu1\"}]");
	assert_int_equal(correlate_grace(&p.correlate, alerts), 0);
	cJSON_Delete(alerts);
	/* by service and by namespace: the longer one */
	alerts = labels("[{\"service\":\"api\",\"namespace\":\"shop\"},{\"service\":\"api\"},"
			"{\"namespace\":\"shop\"}]");
	assert_int_equal(correlate_grace(&p.correlate, alerts), CORRELATE_DEFAULT_GRACE_MS);
	cJSON_Delete(alerts);
	/* merged alerts that share no rule, or a lone alert: the default */
	alerts = labels("[{\"service\":\"api\"},{\"service\":\"db\"}]");
	assert_int_equal(correlate_grace(&p.correlate, alerts), CORRELATE_DEFAULT_GRACE_MS);
	cJSON_Delete(alerts);
	policy_free(&p);
	diag_free(&errs);
}

/* What a fix that ended well waits for, and the card's line about it. */
static void
test_wait(void **state)
{
	struct correlate_wait w;
	char line[300];
	/* 2026-11-23 03:02:00 UTC */
	int64_t now = 1795402920000LL, until = now + 10 * MIN;
	cJSON *alerts =
	    labels("[{\"fingerprint\":\"a\",\"alertname\":\"HighErrors\",\"cleared\":false,"
		   "\"cause\":true,\"resource\":\"api\"},"
		   "{\"fingerprint\":\"b\",\"alertname\":\"HighLatency\",\"cleared\":false,"
		   "\"cause\":false},"
		   "{\"fingerprint\":\"c\",\"alertname\":\"PodRestarts\",\"cleared\":false,"
		   "\"cause\":false}]");

	(void)state;
	/* the cause was fixed: the two others still fire */
	correlate_wait(alerts, "a", now, 0, &w);
	assert_int_equal(w.verdict, CORRELATE_WAIT);
	assert_int_equal(w.firing, 2);
	assert_false(w.cause_firing);
	correlate_wait_text(&w, true, until, line, sizeof(line));
	assert_string_equal(line, "Fix verified; waiting for 2 related alerts to clear — "
				  "resolves at 03:12 UTC regardless");
	/* grace over */
	correlate_wait(alerts, "a", until, until, &w);
	assert_int_equal(w.verdict, CORRELATE_GRACE_UP);
	correlate_wait(alerts, "a", until - 1, until, &w);
	assert_int_equal(w.verdict, CORRELATE_WAIT);
	/* a fix for another alert: the cause is waited for too */
	correlate_wait(alerts, "b", now, 0, &w);
	assert_int_equal(w.firing, 2);
	assert_true(w.cause_firing);
	correlate_wait_text(&w, false, until, line, sizeof(line));
	assert_string_equal(line, "Fix done; waiting for the cause HighErrors (api) and 1 related "
				  "alert to clear — resolves at 03:12 UTC regardless");
	/* everything else cleared: resolve now */
	cJSON_ReplaceItemInObject(cJSON_GetArrayItem(alerts, 1), "cleared", cJSON_CreateTrue());
	cJSON_ReplaceItemInObject(cJSON_GetArrayItem(alerts, 2), "cleared", cJSON_CreateTrue());
	correlate_wait(alerts, "a", now, until, &w);
	assert_int_equal(w.verdict, CORRELATE_RESOLVE);
	assert_int_equal(w.firing, 0);
	correlate_wait(alerts, "b", now, 0, &w);
	assert_int_equal(w.verdict, CORRELATE_WAIT);
	correlate_wait_text(&w, true, until, line, sizeof(line));
	assert_string_equal(line, "Fix verified; waiting for the cause HighErrors (api) to clear — "
				  "resolves at 03:12 UTC regardless");
	cJSON_Delete(alerts);
}

/* An incident view: its own first alert and related ones by fingerprint and alertname. */
static cJSON *
id_view(void)
{
	return cJSON_Parse(
	    "{\"fingerprint\":\"aaaa1111bbbb2222\",\"related\":["
	    "{\"fingerprint\":\"c0ffee0001aaaaaa\",\"alertname\":\"DeployStarted\"},"
	    "{\"fingerprint\":\"c0ffee0002bbbbbb\",\"alertname\":\"HighLatency\"},"
	    "{\"fingerprint\":\"d00d\",\"alertname\":\"Short\"},"
	    "{\"fingerprint\":\"d00d1234\",\"alertname\":\"Longer\"}]}");
}

/* The short form: at least 8 characters, more when another alert shares them. */
static void
test_id_short(void **state)
{
	cJSON *v = id_view();
	char id[CORRELATE_ID_MAX], tiny[4];

	(void)state;
	correlate_id_short(v, "aaaa1111bbbb2222", id, sizeof(id));
	assert_string_equal(id, "aaaa1111");
	correlate_id_short(v, "c0ffee0001aaaaaa", id, sizeof(id));
	assert_string_equal(id, "c0ffee0001");
	/* a fingerprint that is another's prefix is all of it; shorter than 8, all of it */
	correlate_id_short(v, "d00d", id, sizeof(id));
	assert_string_equal(id, "d00d");
	correlate_id_short(v, "d00d1234", id, sizeof(id));
	assert_string_equal(id, "d00d1234");
	correlate_id_short(v, "c0ffee0002bbbbbb", tiny, sizeof(tiny));
	assert_string_equal(tiny, "c0f");
	cJSON_Delete(v);
}

/* What split takes: the whole fingerprint, or a prefix of 6+ that only one starts with. */
static void
test_id_resolve(void **state)
{
	cJSON *v = id_view();
	const char *fp;
	char msg[512];

	(void)state;
	assert_int_equal(correlate_id_resolve(v, "c0ffee0002", &fp, msg, sizeof(msg)), 0);
	assert_string_equal(fp, "c0ffee0002bbbbbb");
	assert_int_equal(correlate_id_resolve(v, "c0ffee0002bbbbbb", &fp, msg, sizeof(msg)), 0);
	assert_string_equal(fp, "c0ffee0002bbbbbb");
	assert_int_equal(correlate_id_resolve(v, "aaaa11", &fp, msg, sizeof(msg)), 0);
	assert_string_equal(fp, "aaaa1111bbbb2222");
	/* exact wins over prefix, even under the minimum */
	assert_int_equal(correlate_id_resolve(v, "d00d", &fp, msg, sizeof(msg)), 0);
	assert_string_equal(fp, "d00d");
	assert_int_equal(correlate_id_resolve(v, "c0ffe", &fp, msg, sizeof(msg)), -1);
	assert_null(fp);
	assert_string_equal(msg, "'c0ffe' is too short: type at least 6 characters of the "
				 "fingerprint, as the card shows it");
	assert_int_equal(correlate_id_resolve(v, "c0ffee", &fp, msg, sizeof(msg)), -1);
	assert_string_equal(msg, "'c0ffee' is ambiguous: 2 fingerprints start with it: "
				 "c0ffee0001 (DeployStarted), c0ffee0002 (HighLatency)");
	assert_int_equal(correlate_id_resolve(v, "eeeeeeee", &fp, msg, sizeof(msg)), -1);
	assert_string_equal(msg, "the incident has no related alert with that fingerprint (or "
				 "starting with it); related alerts: c0ffee0001 (DeployStarted), "
				 "c0ffee0002 (HighLatency), d00d (Short), d00d1234 (Longer)");
	cJSON_Delete(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_load_and_match),
	    cmocka_unit_test(test_cause),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_grace),
	    cmocka_unit_test(test_wait),
	    cmocka_unit_test(test_id_short),
	    cmocka_unit_test(test_id_resolve),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
