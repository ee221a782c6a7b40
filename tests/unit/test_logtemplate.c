/* test_logtemplate.c — log lines to templates: levels, masking, grouping, counts and caps. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "logtemplate.h"

static void
assert_mask(const char *line, const char *want)
{
	char out[LOGTPL_TEXT_MAX + 1];

	logtpl_mask(line, strlen(line), out, sizeof(out));
	if (strcmp(out, want) != 0)
		fail_msg("mask(%s)\n got: %s\nwant: %s", line, out, want);
}

static void
test_mask(void **state)
{
	(void)state;
	assert_mask(
	    "2026-05-01T10:00:01.123Z ERROR db: connection to 10.0.3.7:5432 refused after 250ms",
	    "<ts> ERROR db: connection to <ip> refused after <num>ms");
	assert_mask(
	    "request 3f2b8c1e-9a4d-4e21-8b6f-0c5d2e7a9b10 failed: user=\"alice smith\" code=503",
	    "request <uuid> failed: user=\"<str>\" code=<num>");
	assert_mask("panic at 0x7ffd3a2b in worker-17 (pid 4242) trace deadbeefcafe1234",
		    "panic at <hex> in <id> (pid <num>) trace <hex>");
	assert_mask("12:01:02 WARN  disk  at 91%   on /var/lib/data",
		    "<ts> WARN disk at <num>% on /var/lib/data");
	assert_mask("upstream [fe80::1ff:fe23:4567:890a]:443 timed out",
		    "upstream [<ip>]:<num> timed out");
	assert_mask("can't open 'config.yaml': no such file", "can't open '<str>': no such file");
	assert_mask("", "");
}

static void
test_level(void **state)
{
	(void)state;
	assert_int_equal(logtpl_level("ERROR boom", 10, NULL), LOGTPL_ERROR);
	assert_int_equal(logtpl_level("all fine, no errorless words", 28, NULL), LOGTPL_OTHER);
	assert_int_equal(logtpl_level("Warning: slow query", 19, NULL), LOGTPL_WARN);
	assert_int_equal(logtpl_level("java.lang.NullPointerException thrown", 36, NULL),
			 LOGTPL_OTHER);
	assert_int_equal(logtpl_level("connection refused", 18, NULL), LOGTPL_ERROR);
	/* a level field wins over the words of the line */
	assert_int_equal(logtpl_level("error count is 0", 16, "info"), LOGTPL_OTHER);
	assert_int_equal(logtpl_level("slow", 4, "WARNING"), LOGTPL_WARN);
	assert_int_equal(logtpl_level("x", 1, "err"), LOGTPL_ERROR);
}

static void
add(struct logtpl_set *s, const char *line, int64_t ts)
{
	logtpl_add(s, line, strlen(line), ts, NULL);
}

static void
test_group(void **state)
{
	struct logtpl_set *s = logtpl_new(0);
	const struct logtpl *top[10];
	long seen, kept, dropped;
	size_t nd;

	(void)state;
	add(s, "ERROR db timeout after 5000 ms (conn 17)", 3000);
	add(s, "ERROR db timeout after 5012 ms (conn 4)", 1000);
	add(s, "ERROR db timeout after 4999 ms (conn 9)", 2000);
	add(s, "INFO request served in 12 ms", 1500);
	add(s, "WARN cache miss for key user:1234", 1700);
	add(s, "WARN cache miss for key user:99", 1800);
	add(s, "{\"level\":\"error\",\"msg\":\"payment 8812 declined\",\"ts\":1}", 2500);
	add(s, "{\"level\":\"info\",\"msg\":\"payment 1 failed (retrying)\"}", 2600);
	size_t n = logtpl_top(s, top, 10, &nd);
	assert_int_equal(n, 3);
	assert_int_equal(nd, 3);
	assert_string_equal(top[0]->text, "ERROR db timeout after <num> ms (conn <num>)");
	assert_int_equal(top[0]->count, 3);
	assert_int_equal(top[0]->first_ms, 1000);
	assert_int_equal(top[0]->last_ms, 3000);
	assert_int_equal(top[0]->level, LOGTPL_ERROR);
	assert_string_equal(top[1]->text, "WARN cache miss for key <id>");
	assert_int_equal(top[1]->count, 2);
	assert_int_equal(top[1]->level, LOGTPL_WARN);
	assert_string_equal(top[2]->text, "payment <num> declined");
	logtpl_counts(s, &seen, &kept, &dropped);
	assert_int_equal(seen, 8);
	assert_int_equal(kept, 6);
	assert_int_equal(dropped, 0);
	/* at most max returned, the most frequent first */
	n = logtpl_top(s, top, 1, NULL);
	assert_int_equal(n, 1);
	assert_int_equal(top[0]->count, 3);
	logtpl_free(s);
}

static void
test_caps(void **state)
{
	struct logtpl_set *s = logtpl_new(4);
	const struct logtpl *top[10];
	long seen, kept, dropped;
	char line[LOGTPL_LINE_MAX * 2], out[LOGTPL_TEXT_MAX + 1];
	static const char *const words[] = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta"};

	(void)state;
	for (size_t i = 0; i < 6; i++) {
		snprintf(line, sizeof(line), "ERROR %s broke", words[i]);
		add(s, line, 0);
	}
	add(s, "ERROR alpha broke", 0);
	logtpl_counts(s, &seen, &kept, &dropped);
	assert_int_equal(seen, 7);
	assert_int_equal(kept, 7);
	assert_int_equal(dropped, 2); /* epsilon and zeta: no room */
	assert_int_equal(logtpl_top(s, top, 10, NULL), 4);
	assert_string_equal(top[0]->text, "ERROR alpha broke");
	assert_int_equal(top[0]->count, 2);
	logtpl_free(s);

	/* a huge line: the masked text is capped and never cut inside a UTF-8 character */
	memset(line, 0, sizeof(line));
	memcpy(line, "ERROR ", 6);
	for (size_t i = 6; i + 2 < sizeof(line) - 1; i += 2)
		memcpy(line + i, "\xc3\xa9", 2);
	size_t n = logtpl_mask(line, strlen(line), out, sizeof(out));
	assert_true(n <= LOGTPL_TEXT_MAX);
	assert_int_equal(n, strlen(out));
	assert_true(((unsigned char)out[n - 1] & 0xC0) == 0x80); /* ends after a continuation */
	assert_int_equal((n - 6) % 2, 0);
	/* a tiny buffer */
	assert_int_equal(logtpl_mask("ERROR 123", 9, out, 4), 3);
	assert_string_equal(out, "ERR");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mask),
	    cmocka_unit_test(test_level),
	    cmocka_unit_test(test_group),
	    cmocka_unit_test(test_caps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
