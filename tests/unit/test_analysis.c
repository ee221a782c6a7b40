/* test_analysis.c — the words an incident is searched by, the ranking of similar incidents on
 * a seeded history (same resource first, common words left out), the text-search fallback
 * proposal, history's weight on confidence and risk, and the memory keys of the view. */
#include "store_fixture.h"

#include "analysis.h"
#include "estimate.h"
#include "metrics.h"
#include "file_fixture.h"

static const char restart_yaml[] =
    "id: restart-api\n"
    "title: Restart the api service\n"
    "description: Restarts a wedged api service when its health check fails.\n"
    "match:\n"
    "  - labels: {alertname: ApiDown}\n"
    "params:\n"
    "  service: {from: labels.service, pattern: '^[a-z0-9-]{1,32}$', required: true}\n"
    "risk: low\n"
    "steps:\n"
    "  - {name: restart, exec: [/bin/echo, \"{{service}}\"]}\n";

static const char disk_yaml[] =
    "id: free-disk\n"
    "title: Free disk space on a full volume\n"
    "description: Deletes rotated logs when disk usage on a volume is nearly full.\n"
    "match:\n"
    "  - labels: {alertname: DiskFull}\n"
    "params:\n"
    "  path: {from: labels.mountpoint, pattern: '^/[a-z0-9/_-]{0,64}$', required: true}\n"
    "risk: medium\n"
    "steps:\n"
    "  - {name: clean logs, exec: [/bin/echo, \"{{path}}\"]}\n";

static struct runbook_set rbs;

static void
rb_add(const char *text)
{
	rbs.v = realloc(rbs.v, (rbs.n + 1) * sizeof(*rbs.v));
	rbs.v[rbs.n++] = fixture_runbook(text);
}

static int
setup_rb(void **state)
{
	memset(&rbs, 0, sizeof(rbs));
	rb_add(restart_yaml);
	rb_add(disk_yaml);
	return setup(state);
}

static int
teardown_rb(void **state)
{
	runbook_set_free(&rbs);
	metrics_reset();
	return teardown(state);
}

/* An incident from a title, labels JSON, annotations JSON and resource. */
static int64_t
incident(const char *title, const char *labels, const char *annotations, const char *resource)
{
	static int seq;
	char fp[32], dk[32];
	struct alert a;
	int64_t id;

	snprintf(fp, sizeof(fp), "fp-%d", ++seq);
	snprintf(dk, sizeof(dk), "dk-%d", seq);
	memset(&a, 0, sizeof(a));
	a.source = SRC_ALERTMANAGER;
	a.fingerprint = fp;
	a.dedup_key = dk;
	a.title = (char *)title;
	a.severity = (char *)"sev3";
	a.resource = (char *)resource;
	a.labels = cJSON_Parse(labels);
	a.annotations = cJSON_Parse(annotations ? annotations : "{}");
	a.firing = true;
	assert_int_equal(store_incident_create(&a, NULL, &id), STORE_OK);
	cJSON_Delete(a.labels);
	cJSON_Delete(a.annotations);
	return id;
}

static void
terms_of(const char *title, const char *labels, const char *ann, struct analysis_terms *t)
{
	cJSON *l = cJSON_Parse(labels), *a = cJSON_Parse(ann);

	analysis_terms(title, l, a, t);
	cJSON_Delete(l);
	cJSON_Delete(a);
}

static char *
joined(const struct analysis_terms *t)
{
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < t->n; i++)
		buf_printf(&b, "%s%s", i ? " " : "", t->v[i]);
	return buf_steal(&b);
}

static void
test_terms(void **state)
{
	struct analysis_terms t;
	char *s;

	(void)state;
	terms_of("DiskFull on db-3: disk usage above 95%",
		 "{\"alertname\":\"DiskFull\",\"instance\":\"db-3:9100\",\"severity\":\"critical\","
		 "\"fingerprint\":\"c0ffee1234567890\"}",
		 "{\"summary\":\"The disk /var is FULL\",\"runbook_url\":\"https://wiki/x\"}", &t);
	s = joined(&t);
	/* label keys, stopwords, one-letter words and hex ids are left out; no duplicates */
	assert_string_equal(s, "diskfull db disk usage above 95 9100 var full wiki");
	free(s);
	analysis_terms_free(&t);
	assert_int_equal(t.n, 0);

	/* capped, and non-ASCII words kept whole */
	struct buf b;
	buf_init(&b, 0);
	for (int i = 0; i < 50; i++)
		buf_printf(&b, "w%02d ", i);
	buf_printf(&b, "späť");
	terms_of(b.data, "{}", "{}", &t);
	assert_int_equal(t.n, ANALYSIS_MAX_TERMS);
	assert_string_equal(t.v[ANALYSIS_MAX_TERMS - 1], "w31");
	analysis_terms_free(&t);
	terms_of("späť ÜBER", "{}", "{}", &t);
	s = joined(&t);
	assert_string_equal(s,
			    "späť Über"); /* ASCII folded only, like the index tokenizer's input */
	free(s);
	analysis_terms_free(&t);
	buf_free(&b);
}

static void
test_matching_terms_and_history(void **state)
{
	struct analysis_terms t;
	char out[200];

	(void)state;
	terms_of("VolumeAlmostFull", "{\"mountpoint\":\"/var\"}",
		 "{\"summary\":\"disk usage above 95 percent, volume full\"}", &t);
	assert_int_equal(analysis_matching_terms(rbs.v[1], &t, out, sizeof(out)), 4);
	assert_string_equal(out, "disk, usage, volume, full");
	assert_int_equal(analysis_matching_terms(rbs.v[0], &t, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	analysis_terms_free(&t);

	assert_true(analysis_history_confidence(0.9, 0) == 0.9);
	assert_true(analysis_history_confidence(0.9, 1) > 0.9499 &&
		    analysis_history_confidence(0.9, 1) < 0.9501);
	assert_true(analysis_history_confidence(0.9, 5) == ANALYSIS_CONFIDENCE_MAX);
	assert_true(analysis_history_confidence(1.0, 3) == 1.0); /* never lowered */
	assert_true(analysis_history_confidence(0.3, -2) == 0.3);
}

static void
ids_of(const struct store_similar *s, size_t n, int64_t *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = s[i].id;
}

static void
test_ranking(void **state)
{
	static const char *const terms[] = {"apidown", "web", "api"};
	struct store_similar s[8];
	int64_t got[8];
	size_t n;

	(void)state;
	int64_t disk = incident("DiskFull on db-3", "{\"alertname\":\"DiskFull\"}", NULL, "db-3");
	int64_t other = incident("ApiDown on web-2",
				 "{\"alertname\":\"ApiDown\",\"service\":"
				 "\"billing\"}",
				 NULL, "billing");
	int64_t near = incident("HighLatency api", "{\"alertname\":\"HighLatency\"}", NULL, "api");
	int64_t right = incident("ApiDown on web-1",
				 "{\"alertname\":\"ApiDown\",\"service\":"
				 "\"api\"}",
				 NULL, "api");
	for (int i = 0; i < 50; i++)
		incident("Noise", "{\"alertname\":\"Noise\"}", NULL, "noise");
	int64_t now = incident("ApiDown on web-7",
			       "{\"alertname\":\"ApiDown\",\"service\":"
			       "\"api\"}",
			       NULL, "api");
	(void)disk;

	assert_int_equal(store_similar_incidents(terms, 3, "api", now, 3, s, &n), STORE_OK);
	assert_int_equal(n, 3);
	ids_of(s, n, got);
	/* the same alert on the same resource first; then the same resource; then by BM25 */
	assert_int_equal(got[0], right);
	assert_int_equal(got[1], near);
	assert_int_equal(got[2], other);
	assert_true(s[0].same_resource && s[1].same_resource && !s[2].same_resource);
	assert_true(s[0].score > s[1].score);

	/* only the past: nothing at or after before_id, never itself */
	assert_int_equal(store_similar_incidents(terms, 3, "api", right, 3, s, &n), STORE_OK);
	ids_of(s, n, got);
	assert_int_equal(n, 2);
	assert_int_equal(got[0], near);
	assert_int_equal(got[1], other);

	/* without a resource, BM25 alone: more shared words first */
	assert_int_equal(store_similar_incidents(terms, 3, "", now, 2, s, &n), STORE_OK);
	ids_of(s, n, got);
	assert_int_equal(n, 2);
	assert_int_equal(got[0], right);
	assert_int_equal(got[1], other);
	assert_false(s[0].same_resource);

	/* nothing shared: nothing similar */
	static const char *const none[] = {"zebra"};
	assert_int_equal(store_similar_incidents(none, 1, "api", now, 3, s, &n), STORE_OK);
	assert_int_equal(n, 0);
}

static void
test_common_words(void **state)
{
	static const char *const both[] = {"everywhere", "needle"};
	static const char *const common[] = {"everywhere"};
	struct store_similar s[3];
	size_t n;
	int64_t needle = 0, last = 0;

	(void)state;
	assert_int_equal(store_begin(), STORE_OK);
	for (int i = 0; i < STORE_COMMON_DOCS + 100; i++) {
		last = incident(i == 10 ? "everywhere needle" : "everywhere hay", "{}", NULL,
				i % 2 ? "odd" : "even");
		if (i == 10)
			needle = last;
	}
	assert_int_equal(store_commit(), STORE_OK);
	/* the common word is left out of the query: the rare one decides */
	assert_int_equal(store_similar_incidents(both, 2, "odd", last + 1, 3, s, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(s[0].id, needle);
	assert_false(s[0].same_resource);
	/* only common words: the newest on the same resource, without a scan */
	assert_int_equal(store_similar_incidents(common, 1, "odd", last + 1, 3, s, &n), STORE_OK);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(s[i].id, last - 2 * (int64_t)i);
		assert_true(s[i].same_resource);
	}
	assert_int_equal(store_similar_incidents(common, 1, "", last + 1, 3, s, &n), STORE_OK);
	assert_int_equal(n, 0);
}

static void
analyse(int64_t id, const struct runbook *rule, double min_conf, struct analysis *an)
{
	struct incident inc;

	assert_int_equal(store_incident_get(id, &inc), STORE_OK);
	analysis_run(&inc, &rbs, rule, "rules", rule ? "Matched by rule" : NULL, 0.9, min_conf, an);
	incident_free(&inc);
}

static void
test_fallback_proposal(void **state)
{
	struct analysis an;

	(void)state;
	analysis_setup(&rbs);
	assert_int_equal(store_runbooks_indexed(), 2);
	/* no rule for VolumeAlmostFull; the words point at free-disk, whose path binds */
	int64_t id = incident("VolumeAlmostFull",
			      "{\"alertname\":\"VolumeAlmostFull\","
			      "\"mountpoint\":\"/var\"}",
			      "{\"summary\":\"disk usage above 95 percent\"}", "db-1");
	analyse(id, NULL, 0.8, &an);
	assert_ptr_equal(an.rb, rbs.v[1]);
	assert_string_equal(an.source, "search");
	assert_true(an.confidence == ANALYSIS_SEARCH_CONFIDENCE);
	assert_string_equal(an.why,
			    "Suggested by text search, no match rule fired: runbook free-disk "
			    "shares the words disk, usage with this alert (best of 1 hit). "
			    "Low confidence: a human decides.");
	assert_int_equal(an.ncandidates, 1);
	/* below the policy's bar, whatever it is */
	analyse(id, NULL, 0.2, &an);
	assert_true(an.confidence < 0.2);

	/* the hit's parameters do not bind: nothing is proposed, and the card says why */
	id = incident("VolumeAlmostFull", "{\"alertname\":\"VolumeAlmostFull\"}",
		      "{\"summary\":\"disk usage above 95 percent\"}", "db-1");
	analyse(id, NULL, 0.8, &an);
	assert_null(an.rb);
	assert_int_equal(an.ncandidates, 1);
	assert_string_equal(an.why,
			    "text search found free-disk (parameter 'path': required, but "
			    "labels.mountpoint is not set), but its parameters do not bind");

	/* nothing scores */
	id = incident("CertExpiring", "{\"alertname\":\"CertExpiring\"}", NULL, "www");
	analyse(id, NULL, 0.8, &an);
	assert_null(an.rb);
	assert_int_equal(an.ncandidates, 0);
	assert_string_equal(an.why, "text search found no runbook sharing a word with this alert");

	/* a rule's choice is kept; every rule match is a candidate */
	id = incident("ApiDown", "{\"alertname\":\"ApiDown\",\"service\":\"api\"}", NULL, "api");
	analyse(id, rbs.v[0], 0.8, &an);
	assert_ptr_equal(an.rb, rbs.v[0]);
	assert_string_equal(an.source, "rules");
	assert_string_equal(an.why, "Matched by rule");
	assert_true(an.confidence == 0.9);
	assert_int_equal(an.ncandidates, 1);
}

static void
test_history(void **state)
{
	struct analysis an;
	int64_t prev[3];

	(void)state;
	analysis_setup(&rbs);
	/* restart-api resolved "api down" twice on other incidents, failed once */
	for (int i = 0; i < 3; i++) {
		prev[i] = incident("api down", "{\"alertname\":\"ApiDown\",\"service\":\"api\"}",
				   NULL, "api");
		int64_t act = new_action(prev[i], "restart-api", 0, true);
		assert_int_equal(store_action_set_status(act, "running", NULL), STORE_OK);
		assert_int_equal(store_action_set_status(act, i < 2 ? "succeeded" : "failed", "x"),
				 STORE_OK);
		assert_int_equal(store_incident_set_action(prev[i], act), STORE_OK);
	}
	int64_t id =
	    incident("api down", "{\"alertname\":\"ApiDown\",\"service\":\"api\"}", NULL, "api");
	analyse(id, rbs.v[0], 0.8, &an);
	assert_int_equal(an.successes, 2);
	assert_true(an.confidence > 0.9999 * ANALYSIS_CONFIDENCE_MAX); /* 0.9 + 0.1, capped */
	assert_string_equal(an.why, "Matched by rule\nHistory: restart-api resolved this alert 2 "
				    "times in the last 90 days (confidence +0.09)");
	/* the three earlier ones are the similar incidents, newest first at equal score */
	assert_int_equal(an.nsimilar, 3);
	for (size_t i = 0; i < 3; i++)
		assert_true(an.similar[i].same_resource);

	/* a failure on this resource raises the risk (estimate.c), with its reason */
	int failures = 0;
	assert_int_equal(store_recent_failures("restart-api", "api", 0, &failures), STORE_OK);
	assert_int_equal(failures, 1);
	assert_int_equal(store_recent_failures("restart-api", "web", 0, &failures), STORE_OK);
	assert_int_equal(failures, 0);
	struct risk_inputs in = {.severity = "sev3", .confidence = 0.99, .recent_failures = 1};
	struct estimate est;
	char err[200];
	cJSON *params = cJSON_Parse("{\"service\":\"api\"}");
	assert_int_equal(estimate_compute(rbs.v[0], params, &in, &est, err, sizeof(err)), 0);
	assert_int_equal(est.risk_score, 20);
	assert_string_equal(est.reasons[1], "+10 failed 1 time on this resource in 7 days");
	cJSON_Delete(params);
}

static void
test_view_memory(void **state)
{
	int64_t a = incident("api down", "{\"alertname\":\"ApiDown\"}", NULL, "api");
	int64_t b = incident("api down", "{\"alertname\":\"ApiDown\"}", NULL, "web");
	int64_t c = incident("api down", "{\"alertname\":\"ApiDown\"}", NULL, "api");
	int64_t sim[] = {a, b}, call;
	cJSON *v = NULL;

	(void)state;
	assert_int_equal(store_incident_cas(a, "open", "closed"), STORE_OK);
	assert_int_equal(store_incident_set_outcome(a, "Closed by console:eve"), STORE_OK);
	assert_int_equal(store_incident_set_memory(c, "llm", sim, 2), STORE_OK);
	assert_int_equal(store_llm_begin(c, "m1", &call), STORE_OK);
	assert_int_equal(store_incident_view(c, &v), STORE_OK);
	assert_string_equal(jstr(v, "analysis_source"), "llm");
	assert_string_equal(jstr(cJSON_GetObjectItem(v, "llm"), "status"), "pending");
	cJSON *s = cJSON_GetObjectItem(v, "similar");
	assert_int_equal(cJSON_GetArraySize(s), 2);
	cJSON *s0 = cJSON_GetArrayItem(s, 0);
	assert_string_equal(jstr(s0, "key"), "INC-1");
	assert_string_equal(jstr(s0, "state"), "closed");
	assert_string_equal(jstr(s0, "outcome"), "Closed by console:eve");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(s0, "same_resource")));
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(s0, "resolve_s")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(s0, "runbook")));
	cJSON *s1 = cJSON_GetArrayItem(s, 1);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(s1, "same_resource")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(s1, "resolve_s")));
	char *line = analysis_similar_text(s);
	assert_non_null(strstr(line, "Similar past incidents: INC-1 closed in "));
	assert_non_null(strstr(line, " (same resource): Closed by console:eve; INC-2 open"));
	free(line);
	cJSON_Delete(v);

	/* finished: tokens and cost summed over the incident's calls */
	struct store_llm_result r = {
	    .status = "ok", .prompt_tokens = 100, .completion_tokens = 20, .cost_usd = 0.25};
	assert_int_equal(store_llm_finish(call, &r), STORE_OK);
	assert_int_equal(store_llm_begin(c, "m2", &call), STORE_OK);
	r.status = "timeout";
	r.error = "timed out";
	r.cost_usd = 0.5;
	assert_int_equal(store_llm_finish(call, &r), STORE_OK);
	assert_int_equal(store_llm_finish(9999, &r), STORE_NOTFOUND);
	assert_int_equal(store_incident_view(c, &v), STORE_OK);
	cJSON *l = cJSON_GetObjectItem(v, "llm");
	assert_string_equal(jstr(l, "model"), "m2");
	assert_string_equal(jstr(l, "status"), "timeout");
	assert_string_equal(jstr(l, "error"), "timed out");
	assert_int_equal((int)jnum(l, "prompt_tokens"), 200);
	assert_true(jnum(l, "cost_usd") == 0.75);
	cJSON_Delete(v);

	/* a call left pending by a restart reads "interrupted" once the incident moved on */
	assert_int_equal(store_llm_begin(b, "m1", &call), STORE_OK);
	assert_int_equal(store_incident_cas(b, "open", "awaiting_approval"), STORE_OK);
	assert_int_equal(store_incident_view(b, &v), STORE_OK);
	assert_string_equal(jstr(cJSON_GetObjectItem(v, "llm"), "status"), "interrupted");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(v, "analysis_source")));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(v, "similar")), 0);
	cJSON_Delete(v);
	assert_null(analysis_similar_text(cJSON_GetObjectItem(NULL, "similar")));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_terms),
	    cmocka_unit_test_setup_teardown(test_matching_terms_and_history, setup_rb, teardown_rb),
	    cmocka_unit_test_setup_teardown(test_ranking, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_common_words, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fallback_proposal, setup_rb, teardown_rb),
	    cmocka_unit_test_setup_teardown(test_history, setup_rb, teardown_rb),
	    cmocka_unit_test_setup_teardown(test_view_memory, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
