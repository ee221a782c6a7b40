/* test_email.c — the email transport's pure parts: MIME building and header encoding, the
 * subject, mail routes in the policy (values and "file:line" errors), addresses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <cjson/cJSON.h>

#include "crypto.h"
#include "email.h"
#include "httpc.h"
#include "policy.h"
#include "util.h"

static void
test_header_value_encoding(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	mime_header_value(&b, "plain ascii");
	assert_string_equal(b.data, "plain ascii");
	buf_free(&b);

	/* CR/LF cannot start a header of their own */
	buf_init(&b, 0);
	mime_header_value(&b, "a\r\nBcc: evil@example.com");
	assert_string_equal(b.data, "a  Bcc: evil@example.com");
	buf_free(&b);

	/* non-ASCII: encoded words that decode back */
	buf_init(&b, 0);
	mime_header_value(&b, "über");
	assert_string_equal(b.data, "=?UTF-8?B?w7xiZXI=?=");
	buf_free(&b);

	/* "=?" in plain text is encoded too, so it cannot pose as an encoded word */
	buf_init(&b, 0);
	mime_header_value(&b, "=?UTF-8?B?x?=");
	assert_true(strncmp(b.data, "=?UTF-8?B?", 10) == 0);
	assert_string_not_equal(b.data, "=?UTF-8?B?x?=");
	buf_free(&b);
}

static void
test_long_header_folds_on_characters(void **state)
{
	char in[601], *p, *line, *save = NULL;
	struct buf b, dec;
	uint8_t out[128];
	long n;

	(void)state;
	/* 200 two-byte characters */
	for (p = in; p < in + 400; p += 2)
		memcpy(p, "é", 2);
	*p = '\0';
	buf_init(&b, 0);
	buf_init(&dec, 0);
	mime_header_value(&b, in);
	for (line = strtok_r(b.data, "\r\n", &save); line != NULL;
	     line = strtok_r(NULL, "\r\n", &save)) {
		if (*line == ' ')
			line++;
		assert_true(strlen(line) <= 75);
		assert_true(strncmp(line, "=?UTF-8?B?", 10) == 0);
		line[strlen(line) - 2] = '\0';
		n = crypto_b64_decode(line + 10, strlen(line + 10), out, sizeof(out), false);
		assert_true(n > 0);
		/* each word holds whole characters */
		assert_int_equal(n % 2, 0);
		buf_append(&dec, out, (size_t)n);
	}
	assert_string_equal(dec.data, in);
	buf_free(&b);
	buf_free(&dec);
}

static void
test_mime_build(void **state)
{
	struct mime_mail m = {
	    .from = "healer@example.com",
	    .to = "oncall@example.com",
	    .subject = "[INC-7] [sev2] awaiting approval: x\r\nX-Evil: 1",
	    .message_id = "<INC-7.v3.s@example.com>",
	    .in_reply_to = "<INC-7.s@example.com>",
	    .date_ms = 1764763200000LL,
	    .text = "text body",
	    .html = "<p>html</p>",
	};
	char *s, *enc;
	const char *body;

	(void)state;
	s = mime_build(&m);
	body = strstr(s, "\r\n\r\n");
	assert_non_null(body);
	assert_non_null(strstr(s, "Date: Wed, 03 Dec 2025 12:00:00 +0000\r\n"));
	assert_non_null(strstr(s, "\r\nFrom: healer@example.com\r\nTo: oncall@example.com\r\n"));
	assert_non_null(
	    strstr(s, "\r\nSubject: [INC-7] [sev2] awaiting approval: x  X-Evil: 1\r\n"));
	assert_null(strstr(s, "\r\nX-Evil"));
	assert_non_null(strstr(s, "\r\nMessage-ID: <INC-7.v3.s@example.com>\r\n"));
	assert_non_null(strstr(s, "\r\nIn-Reply-To: <INC-7.s@example.com>\r\n"
				  "References: <INC-7.s@example.com>\r\n"));
	assert_non_null(strstr(s, "multipart/alternative; boundary=\"=_healer_"));
	enc = crypto_b64_encode((const uint8_t *)"<p>html</p>", 11, false);
	assert_non_null(strstr(body, enc));
	free(enc);
	assert_non_null(strstr(body, "Content-Type: text/plain; charset=utf-8"));
	assert_non_null(strstr(body, "Content-Type: text/html; charset=utf-8"));
	/* every line ends in CRLF: no bare LF anywhere */
	for (const char *p = s; (p = strchr(p, '\n')) != NULL; p++)
		assert_true(p > s && p[-1] == '\r');
	free(s);

	/* the first mail of a thread answers nothing */
	m.in_reply_to = NULL;
	s = mime_build(&m);
	assert_null(strstr(s, "In-Reply-To"));
	assert_null(strstr(s, "References"));
	free(s);
}

static void
test_subject(void **state)
{
	cJSON *v = cJSON_Parse("{\"key\":\"INC-7\",\"severity\":\"sev2\","
			       "\"state\":\"awaiting_approval\",\"title\":\"api down\"}");
	char *s = email_subject(v);

	(void)state;
	assert_string_equal(s, "[INC-7] [sev2] awaiting approval: api down");
	free(s);
	cJSON_Delete(v);
}

static void
test_addresses(void **state)
{
	(void)state;
	assert_true(policy_mail_address_valid("oncall@example.com"));
	assert_true(policy_mail_address_valid("a.b+c@mail.example.co"));
	assert_false(policy_mail_address_valid("oncall"));
	assert_false(policy_mail_address_valid("@example.com"));
	assert_false(policy_mail_address_valid("a@b@example.com"));
	assert_false(policy_mail_address_valid("a@localhost"));
	assert_false(policy_mail_address_valid("a b@example.com"));
	assert_false(policy_mail_address_valid("a@example.com>\r\nRCPT TO:<b@x.com"));
	assert_false(policy_mail_address_valid("\"a\"@example.com"));
	assert_true(policy_user_valid("email:oncall@example.com"));
	assert_false(policy_user_valid("email:oncall"));
	assert_true(httpc_url_is_loopback("smtp://127.0.0.1:2525"));
	assert_true(httpc_url_is_loopback("smtp://localhost"));
	assert_true(httpc_url_is_loopback("smtp://u:p@[::1]:25"));
	assert_false(httpc_url_is_loopback("smtp://mail.example.com:587"));
	assert_false(httpc_url_is_loopback("smtp://127.0.0.1.evil.com"));
	assert_false(httpc_url_is_loopback("smtp://127.0.0.1@evil.com"));
}

/* Loads yaml as a policy file; returns the joined errors ("" when none), owned. */
static char *
load(const char *yaml, struct policy *p)
{
	char path[] = "/tmp/test_email_policy.XXXXXX";
	struct diag_list errs = {0};
	struct buf b;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
	close(fd);
	policy_load(path, true, p, &errs);
	unlink(path);
	buf_init(&b, 0);
	for (size_t i = 0; i < errs.n; i++)
		buf_printf(&b, "%s%s", i ? "\n" : "", strchr(errs.msgs[i], ':') + 1);
	diag_free(&errs);
	return buf_steal(&b);
}

static void
test_routes_load_and_match(void **state)
{
	struct policy p;
	char *e;

	(void)state;
	e = load("mail:\n"
		 "  routes:\n"
		 "    - to: [oncall@example.com, lead@example.com]\n"
		 "      severity: [sev1, sev2]\n"
		 "      states: [awaiting_approval, failed]\n"
		 "    - to: [team@example.com]\n"
		 "      states: [resolved]\n"
		 "    - to: all@example.com\n",
		 &p);
	assert_string_equal(e, "");
	free(e);
	assert_int_equal(p.nmail_routes, 3);
	assert_int_equal(p.mail_routes[0].nto, 2);
	assert_string_equal(p.mail_routes[0].to[1], "lead@example.com");
	assert_true(policy_mail_route_matches(&p.mail_routes[0], "sev2", "awaiting_approval"));
	assert_false(policy_mail_route_matches(&p.mail_routes[0], "sev3", "awaiting_approval"));
	assert_false(policy_mail_route_matches(&p.mail_routes[0], "sev1", "resolved"));
	assert_true(policy_mail_route_matches(&p.mail_routes[1], "sev4", "resolved"));
	assert_false(policy_mail_route_matches(&p.mail_routes[1], "sev4", "failed"));
	/* defaults: every severity, every change of state */
	assert_true(policy_mail_route_matches(&p.mail_routes[2], "sev3", "open"));
	assert_true(policy_mail_route_matches(&p.mail_routes[2], "sev1", "resolved"));
	policy_free(&p);
}

static void
test_routes_errors(void **state)
{
	struct policy p;
	char *e;

	(void)state;
	e = load("mail:\n"
		 "  routes:\n"
		 "    - to: [oncall@example.com, not-an-address]\n"
		 "      severity: [sev5]\n"
		 "      states: [awaiting]\n"
		 "      cc: [x@example.com]\n"
		 "    - severity: sev1\n"
		 "  extra: 1\n",
		 &p);
	assert_string_equal(
	    e, "3: mail.routes[0].to: 'not-an-address' is not a mail address like "
	       "oncall@example.com (at most 64 per route)\n"
	       "4: mail.routes[0].severity: 'sev5' is not sev1, sev2, sev3 or sev4\n"
	       "5: mail.routes[0].states: 'awaiting' is not an incident state like "
	       "awaiting_approval, failed or resolved\n"
	       "6: mail.routes[0]: unknown key 'cc' (expected to, severity or states)\n"
	       "7: mail.routes[1]: 'to' needs at least one address\n"
	       "8: mail: unknown key 'extra' (expected routes)");
	free(e);
	/* on errors the policy holds the defaults: no routes */
	assert_int_equal(p.nmail_routes, 0);
	policy_free(&p);
	e = load("roles:\n  lead: [\"email:lead@example.com\", \"email:nobody\"]\n", &p);
	assert_string_equal(e, "2: roles.lead: bad user id 'email:nobody' (expected slack:…, "
			       "teams:… or console:…)");
	free(e);
	policy_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_header_value_encoding),
	    cmocka_unit_test(test_long_header_folds_on_characters),
	    cmocka_unit_test(test_mime_build),
	    cmocka_unit_test(test_subject),
	    cmocka_unit_test(test_addresses),
	    cmocka_unit_test(test_routes_load_and_match),
	    cmocka_unit_test(test_routes_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
