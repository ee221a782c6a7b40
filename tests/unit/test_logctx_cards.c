/* test_logctx_cards.c — every card shows the log context: the console text, the Slack Block
 * Kit card and the Teams Adaptive Card rendered from a view with log_context. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "card_text.h"
#include "slack/slack_card.h"
#include "teams/teams_card.h"

static const char VIEW[] =
    "{\"id\":7,\"key\":\"INC-7\",\"version\":3,\"state\":\"awaiting_approval\",\"severity\":"
    "\"sev2\",\"title\":\"ApiDown api\",\"resource\":\"api\",\"source\":\"alertmanager\","
    "\"labels\":{},\"annotations\":{},\"occurrences\":1,\"alert_cleared\":false,"
    "\"created_at\":\"2026-05-01T10:00:00.000Z\",\"analysis\":\"Matched runbook\","
    "\"confidence\":0.9,\"action\":null,\"approvals\":[],\"step_runs\":[],\"timeline\":[],"
    "\"similar\":[],\"llm\":null,\"log_context\":[{\"source\":\"app\",\"status\":\"ok\","
    "\"summary\":\"logs: app: 5 errors/warnings in 7 lines (09:50:00–10:00:00 UTC), 2 patterns\","
    "\"templates\":[{\"template\":\"db: connection to <ip> refused after <num>ms\",\"count\":3},"
    "{\"template\":\"pool exhausted for request <uuid>\",\"count\":2}]},"
    "{\"source\":\"lambda\",\"status\":\"timeout\",\"summary\":\"logs: lambda timed out after 5 "
    "s\",\"templates\":[]}]}";

static void
assert_has(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("'%s' not in:\n%s", needle, hay);
}

static void
test_cards(void **state)
{
	cJSON *v = cJSON_Parse(VIEW);
	struct teams_card_opts o = {.interactive = true};
	char *text;

	(void)state;
	assert_non_null(v);
	text = card_text_render(v, 120, 1777629600000LL);
	assert_has(text, "logs: app: 5 errors/warnings in 7 lines");
	assert_has(text, "3× db: connection to <ip> refused after <num>ms");
	assert_has(text, "logs: lambda timed out after 5 s");
	free(text);

	cJSON *slack = slack_card_render(v, 1777629600000LL);
	text = cJSON_PrintUnformatted(slack);
	assert_has(text, "*Logs*\\nlogs: app: 5 errors/warnings in 7 lines");
	assert_has(text, "3× db: connection to &lt;ip&gt; refused after &lt;num&gt;ms");
	assert_has(text, "logs: lambda timed out after 5 s");
	free(text);
	cJSON_Delete(slack);

	cJSON *teams = teams_card_render(v, &o);
	text = cJSON_PrintUnformatted(teams);
	assert_has(text, "**Logs:** logs: app: 5 errors/warnings in 7 lines");
	assert_has(text, "db: connection to");
	assert_has(text, "logs: lambda timed out after 5 s");
	free(text);
	cJSON_Delete(teams);
	cJSON_Delete(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cards),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
