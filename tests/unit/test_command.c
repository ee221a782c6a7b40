/* test_command.c — the chat grammar parser (the text card has test_card_text.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

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
test_split_and_merge(void **state)
{
	(void)state;
	assert_int_equal(parse("split INC-7 \"db:replica lag\""), 0);
	assert_int_equal(c.verb, CMD_SPLIT);
	assert_int_equal(c.incident_id, 7);
	assert_string_equal(c.text, "db:replica lag");
	assert_int_equal(parse("/incident merge inc-8 INTO 7"), 0);
	assert_int_equal(c.verb, CMD_MERGE);
	assert_int_equal(c.other_id, 8);
	assert_int_equal(c.incident_id, 7);
	assert_int_equal(parse("split INC-7"), -1);
	assert_string_equal(err, "usage: split ID FINGERPRINT");
	assert_int_equal(parse("split INC-7 \"\""), -1);
	assert_int_equal(parse("split INC-7 a b"), -1);
	assert_int_equal(parse("merge INC-8 INC-7"), -1);
	assert_string_equal(err, "usage: merge ID into ID");
	assert_int_equal(parse("merge INC-8 into"), -1);
	assert_int_equal(parse("merge INC-8 into banana"), -1);
	assert_non_null(strstr(command_help(), "split ID FINGERPRINT"));
	assert_non_null(strstr(command_help(), "merge ID into ID"));
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verbs),
		cmocka_unit_test(test_declare_and_run),
		cmocka_unit_test(test_split_and_merge),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
