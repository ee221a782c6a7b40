/* test_engine_state.c — every engine state change goes through the transition table: a change
 * the table does not list is refused with nothing written (state, audit, outbox). */
#include "store_fixture.h"

#include "engine_int.h"
#include "state.h"
#include "store_int.h"

static int64_t
count(const char *sql)
{
	return raw_int(sql);
}

static void
test_listed_transition_is_written(void **state)
{
	struct incident inc;
	int64_t id = new_incident("fp-ok", NULL);

	(void)state;
	assert_int_equal(store_begin(), STORE_OK);
	assert_int_equal(eng_transition(id, "open", "awaiting_approval", "healer", NULL), 0);
	assert_int_equal(store_commit(), STORE_OK);
	assert_int_equal(store_incident_get(id, &inc), STORE_OK);
	assert_string_equal(inc.state, "awaiting_approval");
	incident_free(&inc);
	assert_int_equal(count("SELECT count(*) FROM audit WHERE kind = 'incident.state'"), 1);
}

static void
test_unlisted_transition_is_refused(void **state)
{
	static const char *const bad[][2] = {
	    {"open", "running"},       {"open", "resolved"}, {"open", "open"},
	    {"open", "no_such_state"}, {"open", "failed"},
	};
	struct incident inc;
	int64_t id = new_incident("fp-bad", NULL);

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(store_begin(), STORE_OK);
		if (eng_transition(id, bad[i][0], bad[i][1], "healer", NULL) == 0)
			fail_msg("%s -> %s was written", bad[i][0], bad[i][1]);
		store_rollback();
	}
	assert_int_equal(store_incident_get(id, &inc), STORE_OK);
	assert_string_equal(inc.state, "open");
	incident_free(&inc);
	assert_int_equal(count("SELECT count(*) FROM audit WHERE kind = 'incident.state'"), 0);
	/* the terminal check of the store follows the same table: failed is not resolved */
	assert_false(store_state_terminal("failed"));
	assert_true(store_state_terminal("rolled_back"));
}

/* Even outside a transaction the table is asked first: nothing reaches the row. */
static void
test_refused_before_the_store(void **state)
{
	struct incident inc;
	int64_t id = new_incident("fp-raw", NULL);

	(void)state;
	raw_exec("UPDATE incidents SET state = 'resolved'");
	assert_int_not_equal(eng_transition(id, "resolved", "running", "healer", NULL), 0);
	assert_int_equal(store_incident_get(id, &inc), STORE_OK);
	assert_string_equal(inc.state, "resolved");
	incident_free(&inc);
}

/* The store's SQL list of terminal states (a partial index and the open-incident queries)
 * says what the state table says. */
static void
test_store_terminal_sql_follows_the_table(void **state)
{
	char quoted[40];

	(void)state;
	for (int s = 0; s < ST__COUNT; s++) {
		snprintf(quoted, sizeof(quoted), "'%s'", state_name(s));
		if ((strstr(STORE_TERMINAL_SQL, quoted) != NULL) != state_is_terminal(s))
			fail_msg("%s: STORE_TERMINAL_SQL disagrees with the state table",
				 state_name(s));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_listed_transition_is_written, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unlisted_transition_is_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refused_before_the_store, setup, teardown),
	    cmocka_unit_test(test_store_terminal_sql_follows_the_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
