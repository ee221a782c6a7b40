/* test_command.c — the chat grammar parser and the text card renderer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "card_text.h"
#include "command.h"

static struct command c;
static char err[256];

static int
parse(const char *line)
{
	err[0] = '\0';
	return command_parse(line, &c, err, sizeof(err));
}

static void
test_verbs(void **state)
{
	(void)state;
	assert_int_equal(parse("list"), 0);
	assert_int_equal(c.verb, CMD_LIST);
	assert_false(c.all);
	assert_int_equal(parse("/incident list all"), 0);
	assert_true(c.all);
	assert_int_equal(parse("show INC-42"), 0);
	assert_int_equal(c.verb, CMD_SHOW);
	assert_int_equal(c.incident_id, 42);
	assert_int_equal(parse("approve inc-7"), 0);
	assert_int_equal(c.incident_id, 7);
	assert_int_equal(parse("APPROVE 9"), 0);
	assert_int_equal(c.verb, CMD_APPROVE);
	assert_int_equal(parse("reject INC-3 not during the  release"), 0);
	assert_string_equal(c.text, "not during the release");
	assert_int_equal(parse("autopilot off"), 0);
	assert_false(c.on);
	assert_int_equal(parse("stats 7d"), 0);
	assert_string_equal(c.text, "7d");
	assert_int_equal(parse(""), 0);
	assert_int_equal(c.verb, CMD_HELP);
}

static void
test_declare_and_run(void **state)
{
	(void)state;
	assert_int_equal(parse("declare \"DB is \\\"slow\\\"\" sev1 service=db env=prod"), 0);
	assert_int_equal(c.verb, CMD_DECLARE);
	assert_string_equal(c.text, "DB is \"slow\"");
	assert_string_equal(c.severity, "sev1");
	assert_int_equal(c.nkv, 2);
	assert_string_equal(c.keys[1], "env");
	assert_string_equal(c.values[1], "prod");
	assert_int_equal(parse("declare outage"), 0);
	assert_string_equal(c.severity, "sev3");
	assert_int_equal(parse("run restart-service service=api"), 0);
	assert_string_equal(c.runbook, "restart-service");
	assert_string_equal(c.values[0], "api");
	/* a value keeps its shell metacharacters: it is the runbook's pattern that refuses it */
	assert_int_equal(parse("run restart-service \"service=x; rm -rf /\""), 0);
	assert_string_equal(c.values[0], "x; rm -rf /");
}

static void
test_errors(void **state)
{
	(void)state;
	assert_int_equal(parse("approve"), -1);
	assert_string_equal(err, "usage: approve ID");
	assert_int_equal(parse("reject INC-3"), -1);
	assert_string_equal(err, "usage: reject ID reason…");
	assert_int_equal(parse("show banana"), -1);
	assert_int_equal(parse("frobnicate 3"), -1);
	assert_string_equal(err, "unknown command 'frobnicate'; try: help");
	assert_int_equal(parse("declare \"unterminated"), -1);
	assert_string_equal(err, "unterminated quote");
	assert_int_equal(parse("autopilot maybe"), -1);
	assert_string_equal(err, "usage: autopilot on|off");
	assert_int_equal(parse("stats 1y"), -1);
	assert_int_equal(parse("run restart-service novalue"), -1);
	assert_int_equal(parse("show INC-0"), -1);
	assert_non_null(strstr(command_help(), "approve ID"));
}

static void
test_card_text(void **state)
{
	(void)state;
	const char *json =
		"{\"id\":7,\"key\":\"INC-7\",\"version\":3,\"state\":\"awaiting_approval\","
		"\"severity\":\"sev2\",\"title\":\"ServiceDown api on web-1\",\"resource\":\"api\","
		"\"source\":\"alertmanager\",\"occurrences\":2,\"alert_cleared\":false,"
		"\"created_at\":\"2026-01-01T10:00:00.000Z\",\"acked_by\":null,"
		"\"analysis\":\"Matched runbook restart-service\",\"confidence\":0.9,"
		"\"attention\":null,\"outcome\":null,"
		"\"action\":{\"runbook\":\"restart-service\",\"runbook_title\":\"Restart\","
		"\"params\":{\"service\":\"api\",\"incident\":\"INC-7\"},"
		"\"steps\":[\"restart: systemctl restart api\"],\"cost_usd\":0,"
		"\"cost_formula\":\"fixed $0.00\",\"risk_score\":35,\"risk_level\":\"medium\","
		"\"risk_reasons\":[\"+30 runbook risk medium\",\"+5 severity sev2\"],"
		"\"decision\":\"approval\",\"decision_reason\":\"needs 1 approval from lead or "
		"admin: risk medium\",\"approvals_needed\":1},"
		"\"approvals\":[],\"step_runs\":[{\"phase\":\"diagnostic\",\"name\":\"logs\","
		"\"status\":\"ok\",\"duration_ms\":12,\"output\":\"line one\\nline two\","
		"\"error\":null}],\"timeline\":[]}";
	cJSON *v = cJSON_Parse(json);
	int64_t now = 1767261695000LL; /* 2026-01-01T10:01:35Z */
	char *t = card_text_render(v, 78, now);

	assert_non_null(strstr(t, "╭─ INC-7 · sev2 · awaiting_approval ─"));
	assert_non_null(strstr(t, "Age: 1 min 35 s"));
	assert_non_null(strstr(t, "Params:    service=api "));
	assert_null(strstr(t, "incident=INC-7"));
	assert_non_null(strstr(t, "  1. restart: systemctl restart api"));
	assert_non_null(strstr(t, "Cost:      $0.00 (fixed $0.00)"));
	assert_non_null(strstr(t, "Risk:      35/100 medium"));
	assert_non_null(strstr(t, "+5 severity sev2"));
	assert_non_null(strstr(t, "Decision:  needs 1 approval from lead or admin: risk medium"));
	assert_non_null(strstr(t, "Approvals: 0 of 1"));
	assert_non_null(strstr(t, "✅ diagnostic logs (12 ms)"));
	assert_non_null(strstr(t, "│ line two"));
	assert_non_null(strstr(t, "approve INC-7"));
	/* every line of the frame has the same display width */
	const char *p = t;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t cols = 0;
		for (const char *q = p; q < nl; q++)
			if (((unsigned char)*q & 0xC0) != 0x80)
				cols++;
		/* ✅ is one code point that terminals draw two columns wide */
		if (strstr(p, "✅") == NULL || strstr(p, "✅") > nl)
			assert_int_equal(cols, 78);
		p = nl + 1;
	}
	free(t);
	cJSON_Delete(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verbs),
		cmocka_unit_test(test_declare_and_run),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_card_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
