/* test_store_audit.c — the hash-chained audit log: intact, edited, rows deleted in the
 * middle and at the end (caught by the head kept in settings), and the JSON-lines export. */
#include "store_fixture.h"

/* Appends n audit rows for incident 1. */
static void
audit_rows(int n)
{
	cJSON *d = cJSON_CreateObject();
	char msg[32];

	cJSON_AddStringToObject(d, "runbook", "restart-service");
	new_incident("fp-audit", "d-audit");
	for (int i = 1; i <= n; i++) {
		snprintf(msg, sizeof(msg), "event %d", i);
		assert_int_equal(
		    store_audit("console:alice", i % 2 ? 1 : 0, "command", msg, i == 2 ? d : NULL),
		    STORE_OK);
	}
	cJSON_Delete(d);
}

static void
expect_verify(int rc_want, int64_t rows_want, int64_t bad_want, const char *why_want)
{
	int64_t rows, bad;
	char why[160];

	assert_int_equal(store_audit_verify(&rows, &bad, why, sizeof(why)), rc_want);
	if (rc_want == STORE_OK) {
		assert_int_equal(rows, rows_want);
		return;
	}
	assert_int_equal(bad, bad_want);
	assert_string_equal(why, why_want);
}

static void
test_audit_intact(void **state)
{
	(void)state;
	expect_verify(STORE_OK, 0, 0, NULL);
	audit_rows(5);
	expect_verify(STORE_OK, 5, 0, NULL);
	assert_int_equal(raw_int("SELECT prev_hash = '0000000000000000000000000000000000000000000"
				 "000000000000000000000' FROM audit WHERE id = 1"),
			 1);
	assert_int_equal(raw_int("SELECT count(*) FROM audit a JOIN audit b ON b.id = a.id + 1"
				 " WHERE b.prev_hash = a.hash"),
			 4);
}

static void
test_audit_edit(void **state)
{
	(void)state;
	audit_rows(5);
	raw_exec("UPDATE audit SET message = 'nothing happened' WHERE id = 3");
	expect_verify(STORE_CONFLICT, 0, 3, "row 3: hash mismatch");
}

static void
test_audit_edit_data(void **state)
{
	(void)state;
	audit_rows(3);
	raw_exec("UPDATE audit SET data = '{\"runbook\":\"rm-rf\"}' WHERE id = 2");
	expect_verify(STORE_CONFLICT, 0, 2, "row 2: hash mismatch");
}

static void
test_audit_delete_middle(void **state)
{
	(void)state;
	audit_rows(5);
	raw_exec("DELETE FROM audit WHERE id = 3");
	expect_verify(STORE_CONFLICT, 0, 3, "row 3 missing (gap after 2)");
}

static void
test_audit_delete_last(void **state)
{
	(void)state;
	audit_rows(5);
	raw_exec("DELETE FROM audit WHERE id = 5");
	expect_verify(STORE_CONFLICT, 0, 5,
		      "audit head mismatch: last row 5 was deleted or replaced");
	/* appending afterwards does not hide it: the gap stays */
	assert_int_equal(store_audit("healer", 0, "command", "later", NULL), STORE_OK);
	expect_verify(STORE_CONFLICT, 0, 5, "row 5 missing (gap after 4)");
}

static void
export_line(const char *line, void *ctx)
{
	cJSON *o = cJSON_Parse(line), *inc;
	int *n = ctx;

	assert_non_null(o);
	(*n)++;
	assert_int_equal(jnum(o, "id"), *n);
	assert_string_equal(jstr(o, "actor"), "console:alice");
	assert_string_equal(jstr(o, "kind"), "command");
	assert_int_equal(strlen(jstr(o, "hash")), 64);
	assert_int_equal(strlen(jstr(o, "prev_hash")), 64);
	assert_int_equal(strlen(jstr(o, "at")), strlen("2024-05-01T10:00:00.000Z"));
	inc = cJSON_GetObjectItem(o, "incident");
	if (*n % 2)
		assert_string_equal(inc->valuestring, "INC-1");
	else
		assert_true(cJSON_IsNull(inc));
	if (*n == 2)
		assert_string_equal(jstr(cJSON_GetObjectItem(o, "data"), "runbook"),
				    "restart-service");
	else
		assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "data")));
	cJSON_Delete(o);
}

static void
test_audit_export(void **state)
{
	int n = 0;

	(void)state;
	audit_rows(4);
	assert_int_equal(store_audit_export(0, export_line, &n), STORE_OK);
	assert_int_equal(n, 4);
	n = 0;
	assert_int_equal(store_audit_export(now_ms() + 60000, export_line, &n), STORE_OK);
	assert_int_equal(n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_audit_intact, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_audit_edit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_audit_edit_data, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_audit_delete_middle, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_audit_delete_last, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_audit_export, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
