/* test_logctx.c — what is recorded and shown of one source's fetch: the summary line, the
 * data (counts, templates, terms), timeouts and failures, and the card text with its cap. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "logctx.h"
#include "logs_fetch.h"

static const struct logs_source src = {
    .name = "app", .kind = LOGS_LOKI, .timeout_ms = 5000, .after_ms = 120000, .limit = 100};

#define T0 1777629600000LL /* 2026-05-01T10:00:00Z */

static void
test_summary_ok(void **state)
{
	struct logs_result r = {.status = LOGS_OK, .lines = 6};
	cJSON *data;
	char *m;

	(void)state;
	r.tpl = logtpl_new(0);
	logtpl_add(r.tpl, "ERROR db timeout after 5000 ms", 30, T0 + 1000, NULL);
	logtpl_add(r.tpl, "ERROR db timeout after 12 ms", 28, T0 + 61000, NULL);
	logtpl_add(r.tpl, "WARN slow query 0x7f00aa", 24, T0 + 2000, NULL);
	logtpl_add(r.tpl, "INFO all good", 13, T0 + 3000, NULL);
	m = logctx_summary(&src, &r, NULL, false, T0 - 600000, T0 + 120000, &data);
	assert_string_equal(m, "logs: app: 3 errors/warnings in 6 lines (09:50:00–10:02:00 UTC), 2 "
			       "patterns:\n"
			       "  2× ERROR db timeout after <num> ms (10:00:01–10:01:01)\n"
			       "  1× WARN slow query <hex> (10:00:02–10:00:02)");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(data, "summary")),
			    "logs: app: 3 errors/warnings in 6 lines (09:50:00–10:02:00 UTC), 2 "
			    "patterns");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(data, "status")), "ok");
	assert_int_equal(cJSON_GetObjectItem(data, "matched")->valueint, 3);
	cJSON *t0 = cJSON_GetArrayItem(cJSON_GetObjectItem(data, "templates"), 0);
	assert_int_equal(cJSON_GetObjectItem(t0, "count")->valueint, 2);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(t0, "first_seen")),
			    "2026-05-01T10:00:01.000Z");
	/* the searched words carry no masks */
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(data, "terms")),
			    "ERROR db timeout after ms WARN slow query ");

	/* the card: the summary and the first templates */
	cJSON *view = cJSON_CreateObject();
	cJSON_AddItemToArray(cJSON_AddArrayToObject(view, "log_context"), data);
	char *card = logctx_card_text(view, 1, 4000);
	assert_string_equal(card,
			    "logs: app: 3 errors/warnings in 6 lines (09:50:00–10:02:00 UTC), 2 "
			    "patterns\n  2× ERROR db timeout after <num> ms");
	free(card);
	/* capped: cut on a whole line, marked */
	card = logctx_card_text(view, 3, 100);
	assert_true(strlen(card) <= 100);
	assert_string_equal(card + strlen(card) - 4, "\n…");
	free(card);
	cJSON_Delete(view);
	free(m);
	logs_result_free(&r);
}

static void
test_summary_failures(void **state)
{
	struct logs_result r = {.status = LOGS_TIMEOUT};
	cJSON *data, *view;
	char *m;

	(void)state;
	m = logctx_summary(&src, &r, NULL, false, T0, T0, &data);
	assert_string_equal(m, "logs: app timed out after 5 s");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(data, "status")), "timeout");
	free(m);
	cJSON_Delete(data);
	r.status = LOGS_FAILED;
	snprintf(r.error, sizeof(r.error), "HTTP 500: boom");
	m = logctx_summary(&src, &r, NULL, true, T0, T0, &data);
	assert_string_equal(m, "logs: app (again at +2 min 0 s) failed: HTTP 500: boom");
	free(m);
	cJSON_Delete(data);
	m = logctx_summary(&src, NULL, "the incident has no labels.service", false, T0, T0, &data);
	assert_string_equal(m, "logs: app not queried: the incident has no labels.service");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(data, "status")), "error");
	assert_true(cJSON_IsArray(cJSON_GetObjectItem(data, "templates")));
	view = cJSON_CreateObject();
	cJSON_AddItemToArray(cJSON_AddArrayToObject(view, "log_context"), data);
	char *card = logctx_card_text(view, 3, 4000);
	assert_string_equal(card, "logs: app not queried: the incident has no labels.service");
	free(card);
	free(m);
	cJSON_Delete(view);
	/* nothing to show */
	view = cJSON_Parse("{\"log_context\": []}");
	assert_null(logctx_card_text(view, 3, 4000));
	cJSON_Delete(view);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_summary_ok),
	    cmocka_unit_test(test_summary_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
