/* test_store_people.c — people's names: stored cleaned and capped, fresh until they expire,
 * and attached to an incident view for the ids it shows while the record keeps the ids. */
#include "store_fixture.h"

static void
test_set_get_clean_expire(void **state)
{
	char name[STORE_PERSON_NAME_MAX + 8];
	bool fresh;

	(void)state;
	assert_int_equal(store_person_get("teams:x", name, sizeof(name), &fresh), STORE_NOTFOUND);
	assert_int_equal(store_person_set("teams:x", "  Dana\x1b[31m Ops\x07 ", 60000), STORE_OK);
	assert_int_equal(store_person_get("teams:x", name, sizeof(name), &fresh), STORE_OK);
	assert_string_equal(name, "Dana[31m Ops");
	assert_true(fresh);
	/* expired: still a name to show, but time to ask again */
	assert_int_equal(store_person_set("slack:U1", "lee", 0), STORE_OK);
	assert_int_equal(store_person_get("slack:U1", name, sizeof(name), &fresh), STORE_OK);
	assert_string_equal(name, "lee");
	assert_false(fresh);
	/* nothing to show is not stored; an overlong name is cut */
	assert_int_equal(store_person_set("slack:U2", " \x01 ", 60000), STORE_NOTFOUND);
	assert_int_equal(store_person_set("", "x", 60000), STORE_NOTFOUND);
	char longname[300];
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(store_person_set("slack:U3", longname, 60000), STORE_OK);
	assert_int_equal(store_person_get("slack:U3", name, sizeof(name), &fresh), STORE_OK);
	assert_true(strlen(name) <= STORE_PERSON_NAME_MAX);
}

static void
test_view_people(void **state)
{
	int64_t id = new_incident("fp-people", NULL);
	cJSON *v = NULL;

	(void)state;
	assert_int_equal(store_audit("teams:aad-eve", id, "incident.ack",
				     "INC-1 acknowledged by "
				     "teams:aad-eve",
				     NULL),
			 STORE_OK);
	assert_int_equal(store_incident_ack(id, "teams:aad-eve", now_ms()), STORE_OK);
	assert_int_equal(store_person_set("teams:aad-eve", "Eve", 60000), STORE_OK);
	assert_int_equal(store_person_set("teams:someone-else", "Other", 60000), STORE_OK);
	assert_int_equal(store_incident_view(id, &v), STORE_OK);
	const cJSON *people = cJSON_GetObjectItem(v, "people");
	assert_true(cJSON_IsObject(people));
	assert_int_equal(cJSON_GetArraySize(people), 1); /* only who this view shows */
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(people, "teams:aad-eve")),
			    "Eve");
	/* the record keeps the id */
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(v, "acked_by")),
			    "teams:aad-eve");
	cJSON_Delete(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_set_get_clean_expire, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_view_people, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
