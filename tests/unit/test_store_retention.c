/* test_store_retention.c — HEALER_ALERT_RETENTION's store side: store_alerts_prune. */
#include "store_fixture.h"

/* Retention deletes the alert rows of incidents finished before the cut-off, sweeping a
 * bounded window of rows per call; open or recently finished incidents keep theirs, and the
 * incident rows, their actions and the audit chain are untouched. */
static void
test_alert_retention(void **state)
{
	struct alert a;
	struct incident inc;
	int64_t old_id, recent_id, open_id, bad_id = 0, rows = 0, cursor = 0;
	int64_t day = 24LL * 3600 * 1000, cutoff = now_ms() - 30 * day;
	char why[128];
	int deleted = -1;

	(void)state;
	old_id = new_incident("fp-old", "o1");
	alert_init(&a, "fp-old", "o2", true);
	assert_int_equal(store_incident_add_alert(old_id, &a), STORE_OK);
	a.dedup_key = (char *)"o3";
	a.firing = false;
	assert_int_equal(store_incident_add_alert(old_id, &a), STORE_OK);
	alert_done(&a);
	new_action(old_id, "restart-service", 0, false);
	assert_int_equal(store_begin(), STORE_OK);
	assert_int_equal(store_incident_cas(old_id, "open", "resolved"), STORE_OK);
	assert_int_equal(store_audit("engine", old_id, "incident.state", "resolved", NULL),
			 STORE_OK);
	assert_int_equal(store_commit(), STORE_OK);
	recent_id = new_incident("fp-recent", "r1");
	assert_int_equal(store_incident_cas(recent_id, "open", "closed"), STORE_OK);
	open_id = new_incident("fp-open", "p1");
	assert_true(old_id == 1 && recent_id == 2 &&
		    open_id == 3); /* as the SQL below names them */
	/* finished 40 days ago; the open one has been open as long */
	raw_exec("UPDATE incidents SET resolved_at = resolved_at - 3456000000 WHERE id = 1");
	raw_exec("UPDATE alerts SET received_at = received_at - 3456000000");
	raw_exec("UPDATE incidents SET created_at = created_at - 3456000000, updated_at ="
		 " updated_at - 3456000000 WHERE id = 3");
	assert_int_equal(raw_int("SELECT count(*) FROM alerts"), 5);

	/* alert ids 1-3 are the old incident's, 4 the recent one's, 5 the open one's */
	assert_int_equal(store_alerts_prune(cutoff, &cursor, 2, &deleted), STORE_OK);
	assert_int_equal(deleted, 2);
	assert_int_equal(cursor, 2);
	assert_int_equal(store_alerts_prune(cutoff, &cursor, 2, &deleted), STORE_OK);
	assert_int_equal(deleted, 1);
	assert_int_equal(cursor, 4);
	assert_int_equal(store_alerts_prune(cutoff, &cursor, 2, &deleted), STORE_OK);
	assert_int_equal(deleted, 0);
	assert_int_equal(cursor, 5);
	assert_int_equal(store_alerts_prune(cutoff, &cursor, 2, &deleted), STORE_OK);
	assert_int_equal(deleted, 0);
	assert_int_equal(cursor, 0); /* past the end: the sweep is over */
	/* a second sweep finds nothing more */
	assert_int_equal(store_alerts_prune(cutoff, &cursor, 100, &deleted), STORE_OK);
	assert_int_equal(deleted, 0);
	assert_int_equal(cursor, 5);
	assert_int_equal(raw_int("SELECT count(*) FROM alerts WHERE incident_id = 1"), 0);
	assert_int_equal(raw_int("SELECT count(*) FROM alerts WHERE incident_id = 2"), 1);
	assert_int_equal(raw_int("SELECT count(*) FROM alerts WHERE incident_id = 3"), 1);

	/* what views show comes from the incident row, which stays */
	assert_int_equal(store_incident_get(old_id, &inc), STORE_OK);
	assert_string_equal(inc.state, "resolved");
	assert_int_equal(inc.occurrences, 2);
	incident_free(&inc);
	assert_int_equal(raw_int("SELECT count(*) FROM actions WHERE incident_id = 1"), 1);
	assert_int_equal(raw_int("SELECT count(*) FROM incidents"), 3);
	assert_int_equal(store_audit_verify(&rows, &bad_id, why, sizeof(why)), STORE_OK);
	assert_true(rows >= 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_alert_retention, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
