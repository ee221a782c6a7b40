/* test_related_index.c — the store's correlation index: lookups by a rule's label values,
 * kept right by related alerts, split, merge, final states, rule changes and restarts. */
#include "store_fixture.h"

static const char *const svc[] = {"service"};
static const char *const cn[] = {"cluster", "namespace"};

/* Registers the two rules of the tests (service; cluster+namespace). */
static bool
rules(size_t n)
{
	const char *const *keys[] = {svc, cn};
	size_t nkeys[] = {1, 2};
	bool rebuilt = true;

	assert_int_equal(store_related_index_rules(keys, nkeys, n, &rebuilt), STORE_OK);
	return rebuilt;
}

static int64_t
incident_with(const char *fp, const char *service, const char *ns)
{
	struct alert a;
	int64_t id = 0;

	alert_init(&a, fp, fp, true);
	cJSON_AddStringToObject(a.labels, "service", service);
	cJSON_AddStringToObject(a.labels, "cluster", "c1");
	cJSON_AddStringToObject(a.labels, "namespace", ns);
	assert_int_equal(store_incident_create(&a, NULL, &id), STORE_OK);
	alert_done(&a);
	return id;
}

static void
relate(int64_t id, const char *fp, const char *service, const char *ns, bool firing)
{
	struct alert a;
	char dedup[64];

	snprintf(dedup, sizeof(dedup), "%s:%d", fp, firing);
	alert_init(&a, fp, dedup, firing);
	cJSON_AddStringToObject(a.labels, "service", service);
	cJSON_AddStringToObject(a.labels, "cluster", "c1");
	cJSON_AddStringToObject(a.labels, "namespace", ns);
	assert_int_equal(store_related_add(id, &a), STORE_OK);
	alert_done(&a);
}

/* The incident a lookup under keys finds for these label values, 0 for none. */
static int64_t
find(const char *const *keys, size_t nkeys, const char *service, const char *ns)
{
	cJSON *l = cJSON_CreateObject();
	int64_t id = 0, now = now_ms();
	int rc;

	cJSON_AddStringToObject(l, "service", service);
	cJSON_AddStringToObject(l, "cluster", "c1");
	cJSON_AddStringToObject(l, "namespace", ns);
	rc = store_related_lookup(l, keys, nkeys, now - 600000, now + 1000, &id);
	cJSON_Delete(l);
	assert_true(rc == STORE_OK || rc == STORE_NOTFOUND);
	return rc == STORE_OK ? id : 0;
}

static void
test_lookup_by_values(void **state)
{
	(void)state;
	rules(2);
	int64_t a = incident_with("fp-a", "api", "ns-a"), b = incident_with("fp-b", "db", "ns-b");

	assert_int_equal(find(svc, 1, "api", "x"), a);
	assert_int_equal(find(svc, 1, "db", "x"), b);
	assert_int_equal(find(svc, 1, "web", "x"), 0);
	assert_int_equal(find(cn, 2, "x", "ns-b"), b);
	/* an empty value says nothing in common */
	assert_int_equal(find(svc, 1, "", "x"), 0);
	/* outside the window: opened before since */
	cJSON *l = cJSON_CreateObject();
	int64_t id = 0;
	cJSON_AddStringToObject(l, "service", "api");
	assert_int_equal(store_related_lookup(l, svc, 1, now_ms() + 60000, now_ms() + 120000, &id),
			 STORE_NOTFOUND);
	cJSON_Delete(l);
	/* two open incidents with the value: the oldest */
	incident_with("fp-c", "api", "ns-c");
	assert_int_equal(find(svc, 1, "api", "x"), a);
}

static void
test_related_alert_indexed(void **state)
{
	(void)state;
	rules(2);
	int64_t a = incident_with("fp-a", "api", "ns-a");

	relate(a, "fp-r", "api", "ns-r", true);
	assert_int_equal(find(cn, 2, "x", "ns-r"), a);
	/* a resolved delivery is no firing alert: nothing new to find by */
	relate(a, "fp-s", "api", "ns-s", false);
	assert_int_equal(find(cn, 2, "x", "ns-s"), 0);
}

static void
test_split_moves_rows(void **state)
{
	int64_t new_id = 0;

	(void)state;
	rules(2);
	int64_t a = incident_with("fp-a", "api", "ns-a");
	relate(a, "fp-r", "api", "ns-r", true);
	assert_int_equal(store_begin(), STORE_OK);
	assert_int_equal(store_related_split(a, "fp-r", &new_id), STORE_OK);
	assert_int_equal(store_commit(), STORE_OK);
	assert_true(new_id > a);
	/* the split alert's namespace leads to its own incident now, not to a */
	assert_int_equal(find(cn, 2, "x", "ns-r"), new_id);
	assert_int_equal(find(cn, 2, "x", "ns-a"), a);
	/* both still have service api: the older one wins */
	assert_int_equal(find(svc, 1, "api", "x"), a);
	assert_int_equal(raw_int("SELECT count(*) FROM related_keys WHERE vals = '[\"c1\",\"ns-r\"]'"),
			 1);
}

static void
test_merge_moves_rows(void **state)
{
	(void)state;
	rules(2);
	int64_t a = incident_with("fp-a", "api", "ns-a"), b = incident_with("fp-b", "db", "ns-b");

	assert_int_equal(store_begin(), STORE_OK);
	assert_int_equal(store_related_merge(b, a), STORE_OK);
	assert_int_equal(store_commit(), STORE_OK);
	assert_int_equal(find(svc, 1, "db", "x"), a);
	assert_int_equal(find(cn, 2, "x", "ns-b"), a);
	assert_int_equal(raw_int("SELECT count(*) FROM related_keys WHERE incident_id = 2"), 0);
}

static void
test_final_state_drops_rows(void **state)
{
	(void)state;
	rules(2);
	int64_t a = incident_with("fp-a", "api", "ns-a");

	assert_true(raw_int("SELECT count(*) FROM related_keys") == 2);
	assert_int_equal(store_incident_cas(a, "open", "closed"), STORE_OK);
	assert_int_equal(find(svc, 1, "api", "x"), 0);
	assert_int_equal(raw_int("SELECT count(*) FROM related_keys"), 0);
	/* a new incident for the same service is found, not the closed one */
	int64_t b = incident_with("fp-b", "api", "ns-b");
	assert_int_equal(find(svc, 1, "api", "x"), b);
}

static void
test_rules_change_rebuilds(void **state)
{
	(void)state;
	assert_false(rules(0));
	int64_t a = incident_with("fp-a", "api", "ns-a");
	assert_int_equal(raw_int("SELECT count(*) FROM related_keys"), 0);
	/* rules appear: the open incident's alerts are indexed */
	assert_true(rules(1));
	assert_int_equal(find(svc, 1, "api", "x"), a);
	assert_int_equal(find(cn, 2, "x", "ns-a"), 0);
	assert_false(rules(1)); /* the same rules: nothing to do */
	assert_true(rules(2));
	assert_int_equal(find(cn, 2, "x", "ns-a"), a);
	assert_true(rules(1)); /* a rule gone: its rows too */
	assert_int_equal(raw_int("SELECT count(*) FROM related_keys"), 1);
}

static void
test_index_survives_restart(void **state)
{
	(void)state;
	rules(2);
	int64_t a = incident_with("fp-a", "api", "ns-a");
	int64_t version = raw_int("PRAGMA user_version");

	store_close();
	assert_int_equal(store_open(dbpath), STORE_OK);
	assert_false(rules(2));
	assert_int_equal(find(svc, 1, "api", "x"), a);
	assert_int_equal(raw_int("PRAGMA user_version"), version); /* no migration ran again */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_lookup_by_values, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_related_alert_indexed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_split_moves_rows, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_merge_moves_rows, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_final_state_drops_rows, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rules_change_rebuilds, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_index_survives_restart, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
