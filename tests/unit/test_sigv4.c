/* test_sigv4.c — SigV4 against the AWS test suite's cases (credentials AKIDEXAMPLE, region
 * us-east-1, service "service", 20150830T123600Z). The expected signatures are the published
 * ones for get-vanilla, get-vanilla-query-order-key and post-x-www-form-urlencoded; all of
 * them are reproduced by botocore's signer in tests/unit/sigv4_vectors.py. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "sigv4.h"

#define DATE "20150830T123600Z"
#define SCOPE "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request"

static void
check(const char *method, const char *query, const char *const *headers, const char *body,
      const char *signed_headers, const char *sig)
{
	struct sigv4_req r = {
	    .method = method,
	    .path = "/",
	    .query = query,
	    .headers = headers,
	    .body = body,
	    .body_len = body ? strlen(body) : 0,
	    .region = "us-east-1",
	    .service = "service",
	    .access_key = "AKIDEXAMPLE",
	    .secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	    .amz_date = DATE,
	};
	char out[512], want[512];

	assert_int_equal(sigv4_sign(&r, out, sizeof(out)), 0);
	snprintf(want, sizeof(want),
		 "AWS4-HMAC-SHA256 Credential=" SCOPE ", SignedHeaders=%s, Signature=%s",
		 signed_headers, sig);
	assert_string_equal(out, want);
}

static void
test_get_vanilla(void **state)
{
	const char *h[] = {"Host:example.amazonaws.com", "X-Amz-Date:" DATE, NULL};
	(void)state;
	check("GET", NULL, h, NULL, "host;x-amz-date",
	      "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

static void
test_get_vanilla_query_order_key(void **state)
{
	const char *h[] = {"Host:example.amazonaws.com", "X-Amz-Date:" DATE, NULL};
	(void)state;
	check("GET", "Param2=value2&Param1=value1", h, NULL, "host;x-amz-date",
	      "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

static void
test_get_vanilla_query_order_value(void **state)
{
	const char *h[] = {"Host:example.amazonaws.com", "X-Amz-Date:" DATE, NULL};
	(void)state;
	check("GET", "Param1=value2&Param1=Value1", h, NULL, "host;x-amz-date",
	      "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1");
}

static void
test_post_x_www_form_urlencoded(void **state)
{
	const char *h[] = {"Content-Type:application/x-www-form-urlencoded",
			   "Host:example.amazonaws.com", "X-Amz-Date:" DATE, NULL};
	(void)state;
	check("POST", NULL, h, "Param1=value1", "content-type;host;x-amz-date",
	      "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
}

static void
test_post_header_key_sort(void **state)
{
	/* given out of order and in mixed case: signed lower-cased and sorted */
	const char *h[] = {"X-Amz-Date:" DATE, "My-Header1:value1", "Host:example.amazonaws.com",
			   NULL};
	(void)state;
	check("POST", "", h, NULL, "host;my-header1;x-amz-date",
	      "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c");
}

static void
test_get_header_value_trim(void **state)
{
	const char *h[] = {"Host:example.amazonaws.com", "My-Header1: value1",
			   "My-Header2: \"a   b   c\"", "X-Amz-Date:" DATE, NULL};
	(void)state;
	check("GET", NULL, h, NULL, "host;my-header1;my-header2;x-amz-date",
	      "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736");
}

static void
test_session_token_is_signed(void **state)
{
	const char *h[] = {"Host: example.amazonaws.com", "X-Amz-Date: " DATE,
			   "X-Amz-Security-Token: AQoDYXdzEPT//////////wEXAMPLE", NULL};
	(void)state;
	check("GET", NULL, h, NULL, "host;x-amz-date;x-amz-security-token",
	      "e10798a7d4e6903cdea527f4ce90552d0984c47cedb232694699be85918af680");
}

static void
test_refusals(void **state)
{
	const char *bad[] = {"no colon here", NULL};
	const char *ok[] = {"Host:example.amazonaws.com", "X-Amz-Date:" DATE, NULL};
	struct sigv4_req r = {.method = "GET",
			      .headers = bad,
			      .region = "us-east-1",
			      .service = "s",
			      .access_key = "A",
			      .secret_key = "S",
			      .amz_date = DATE};
	char out[512], small[40], date[17];
	(void)state;

	assert_int_equal(sigv4_sign(&r, out, sizeof(out)), -1);
	r.headers = ok;
	r.amz_date = "2015-08-30";
	assert_int_equal(sigv4_sign(&r, out, sizeof(out)), -1);
	r.amz_date = DATE;
	assert_int_equal(sigv4_sign(&r, small, sizeof(small)), -1);
	sigv4_amz_date(1440938160, date);
	assert_string_equal(date, DATE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_get_vanilla),
	    cmocka_unit_test(test_get_vanilla_query_order_key),
	    cmocka_unit_test(test_get_vanilla_query_order_value),
	    cmocka_unit_test(test_post_x_www_form_urlencoded),
	    cmocka_unit_test(test_post_header_key_sort),
	    cmocka_unit_test(test_get_header_value_trim),
	    cmocka_unit_test(test_session_token_is_signed),
	    cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
