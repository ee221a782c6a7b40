/* test_store_outbox_wake.c — a sender that finds nothing due still learns when to wake: a
 * paced card merged into a later card item must not leave the queue stranded. */
#include "store_fixture.h"

static void
test_merged_paced_card_keeps_a_wake_time(void **state)
{
	struct outbox_item a, b, none;
	int64_t id = new_incident("fp-wake", NULL), at = 0, t0 = now_ms();

	(void)state;
	assert_int_equal(store_outbox_due_at("slack", &at), STORE_NOTFOUND);
	/* card A is due, paced to t0 + 1000 */
	assert_int_equal(store_outbox_add("slack", id, "card", NULL), STORE_OK);
	t0 = now_ms(); /* not before the row's own time, or it is not due yet */
	assert_int_equal(store_outbox_next("slack", t0, &a), STORE_OK);
	assert_int_equal(store_outbox_retry(&a, t0 + 1000, "paced"), STORE_OK);
	/* card B arrives, is picked (A merges into it) and paced 1 ms later than A was */
	assert_int_equal(store_outbox_add("slack", id, "card", NULL), STORE_OK);
	assert_int_equal(store_outbox_next("slack", now_ms(), &b), STORE_OK);
	assert_true(b.id != a.id);
	assert_int_equal(store_outbox_retry(&b, t0 + 1001, "paced"), STORE_OK);
	/* at A's wake time nothing is due: the sender must ask when to wake instead */
	assert_int_equal(store_outbox_next("slack", t0 + 1000, &none), STORE_NOTFOUND);
	assert_int_equal(store_outbox_due_at("slack", &at), STORE_OK);
	assert_int_equal(at, t0 + 1001);
	/* another adapter's queue is its own */
	assert_int_equal(store_outbox_due_at("teams", &at), STORE_NOTFOUND);
	outbox_item_free(&a);
	outbox_item_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_merged_paced_card_keeps_a_wake_time, setup,
					    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
