/* test_util.c — durations, RFC 3339 times, capped buffers, UTF-8 truncation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util.h"

static void
test_durations(void **state)
{
	int64_t ms;

	(void)state;
	assert_int_equal(duration_parse("250ms", &ms), 0);
	assert_int_equal(ms, 250);
	assert_int_equal(duration_parse("10s", &ms), 0);
	assert_int_equal(ms, 10000);
	assert_int_equal(duration_parse("5m", &ms), 0);
	assert_int_equal(ms, 300000);
	assert_int_equal(duration_parse("1h30m", &ms), 0);
	assert_int_equal(ms, 5400000);
	assert_int_equal(duration_parse("30", &ms), 0);
	assert_int_equal(ms, 30000);
	assert_int_equal(duration_parse("10x", &ms), -1);
	assert_int_equal(duration_parse("", &ms), -1);
	assert_int_equal(duration_parse("-5s", &ms), -1);
	assert_int_equal(duration_parse("1h30", &ms), -1);
	char out[32];
	duration_format(41000, out, sizeof(out));
	assert_string_equal(out, "41 s");
	duration_format(185000, out, sizeof(out));
	assert_string_equal(out, "3 min 5 s");
}

static void
test_times(void **state)
{
	int64_t ms;
	char out[40];

	(void)state;
	assert_int_equal(time_parse_iso("2022-07-09T02:39:54.536+0000", &ms), 0);
	assert_int_equal(ms, 1657334394536LL);
	assert_int_equal(time_parse_iso("2022-07-09T04:39:54.536+02:00", &ms), 0);
	assert_int_equal(ms, 1657334394536LL);
	assert_int_equal(time_parse_iso("2024-05-01T10:00:00Z", &ms), 0);
	time_format_iso(ms, out, sizeof(out));
	assert_string_equal(out, "2024-05-01T10:00:00.000Z");
	assert_int_equal(time_parse_iso("0001-01-01T00:00:00Z", &ms), 0);
	assert_true(ms < 0);
	assert_int_equal(time_parse_iso("2024-13-01T10:00:00Z", &ms), -1);
	assert_int_equal(time_parse_iso("yesterday", &ms), -1);
	assert_int_equal(time_parse_iso("2024-05-01T10:00:00", &ms), -1);
}

static void
test_buf_and_utf8(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_append(&b, "12345", 5), 0);
	assert_int_equal(buf_append(&b, "6789", 4), -1);
	assert_true(b.overflow);
	assert_string_equal(b.data, "12345");
	buf_append_trunc(&b, "6789", 4);
	assert_string_equal(b.data, "12345678");
	buf_free(&b);
	char *t = utf8_truncate("héllo wörld", 8);
	assert_string_equal(t, "héll…"); /* never cuts inside é or ö */
	free(t);
	t = utf8_truncate("short", 10);
	assert_string_equal(t, "short");
	free(t);
	assert_true(ct_equal("abc", 3, "abc", 3));
	assert_false(ct_equal("abc", 3, "abd", 3));
	assert_false(ct_equal("abc", 3, "ab", 2));
}

/* Text echoed from a peer becomes valid UTF-8: bad bytes become '?', good ones stay. */
static void
test_utf8_scrub(void **state)
{
	char a[] = "ok \xc3\xa9 \xff end", b[] = "cut \xe2\x82", c[] = "\xed\xa0\x80 surrogate";
	char d[] = "overlong \xc0\xaf", e[] = "four \xf0\x9f\x98\x80";

	(void)state;
	assert_string_equal(utf8_scrub(a), "ok \xc3\xa9 ? end");
	assert_string_equal(utf8_scrub(b), "cut ??");
	assert_string_equal(utf8_scrub(c), "??? surrogate");
	assert_string_equal(utf8_scrub(d), "overlong ??");
	assert_string_equal(utf8_scrub(e), "four \xf0\x9f\x98\x80");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_durations),
	    cmocka_unit_test(test_times),
	    cmocka_unit_test(test_buf_and_utf8),
	    cmocka_unit_test(test_utf8_scrub),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
