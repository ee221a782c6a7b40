/* test_teams_jwt.c — Bot Framework token checks against fixed tokens and keys
 * (tests/data/teams, written by make_tokens.py) at a fixed time: every rule in both directions. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

#include "teams/teams_jwt.h"
#include "util.h"

#define DATA "tests/data/teams/"

static struct teams_jwks keys;
static cJSON *doc;
static int64_t now_s;

static int
setup(void **state)
{
	char *s, err[256];
	size_t n;

	(void)state;
	if (file_read_all(DATA "jwks.json", 1 << 20, &s, &n) != 0)
		return -1;
	int rc = teams_jwks_parse(s, n, &keys, err, sizeof(err));
	free(s);
	if (rc != 0 || file_read_all(DATA "tokens.json", 1 << 20, &s, &n) != 0)
		return -1;
	doc = cJSON_ParseWithLength(s, n);
	free(s);
	now_s = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(doc, "now"));
	return doc ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	teams_jwks_free(&keys);
	cJSON_Delete(doc);
	return 0;
}

static const char *
tok(const char *name)
{
	const char *t =
	    cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "tokens"), name));

	assert_non_null(t);
	return t;
}

static int
check_at(const char *name, int64_t at, const char *service_url, const char *channel, char *err,
	 size_t errlen)
{
	struct teams_jwt_want w = {
	    .audience = "app-123", .service_url = service_url, .channel_id = channel, .now_s = at};

	return teams_jwt_verify(tok(name), &keys, &w, err, errlen);
}

static int
check(const char *name)
{
	char err[256];

	return check_at(name, now_s, "https://smba.example/amer/", "msteams", err, sizeof(err));
}

static void
test_jwks(void **state)
{
	struct teams_jwks k;
	char err[128];

	(void)state;
	assert_int_equal(keys.n, 2);
	assert_string_equal(keys.keys[0].kid, "key-a");
	assert_int_equal(keys.keys[0].nendorsements, 1);
	assert_string_equal(keys.keys[0].endorsements[0], "msteams");
	assert_non_null(teams_jwks_find(&keys, "key-b"));
	assert_null(teams_jwks_find(&keys, "key-x"));
	assert_int_equal(teams_jwks_parse("{\"keys\":[{\"kty\":\"EC\",\"kid\":\"e\"}]}", 36, &k,
					  err, sizeof(err)),
			 -1);
	assert_string_equal(err, "JWKS has no usable RSA key");
	assert_int_equal(teams_jwks_parse("[1]", 3, &k, err, sizeof(err)), -1);
	assert_string_equal(err, "JWKS is not an object with a \"keys\" array");
}

static void
test_valid(void **state)
{
	char err[256], kid[64];

	(void)state;
	assert_int_equal(check("valid"), TEAMS_JWT_OK);
	assert_int_equal(check("valid_aud_array"), TEAMS_JWT_OK);
	/* the trailing slash of the service URL does not matter */
	assert_int_equal(
	    check_at("valid", now_s, "https://smba.example/amer", "msteams", err, sizeof(err)),
	    TEAMS_JWT_OK);
	/* token-only check (the body was not JSON): the activity rules are not applied */
	assert_int_equal(check_at("no_endorsement", now_s, NULL, NULL, err, sizeof(err)),
			 TEAMS_JWT_OK);
	assert_int_equal(teams_jwt_kid(tok("valid"), kid, sizeof(kid)), 0);
	assert_string_equal(kid, "key-a");
	assert_int_equal(teams_jwt_kid("abc.def", kid, sizeof(kid)), -1);
}

static void
test_time_with_skew(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(check("expired"), TEAMS_JWT_EXPIRED);
	assert_int_equal(check("expired_within_skew"), TEAMS_JWT_OK);
	assert_int_equal(check("not_yet_valid"), TEAMS_JWT_NOT_YET_VALID);
	assert_int_equal(check("nbf_within_skew"), TEAMS_JWT_OK);
	assert_int_equal(check("no_exp"), TEAMS_JWT_EXPIRED);
	/* the valid token is valid for an hour, plus the skew, and no longer */
	assert_int_equal(check_at("valid", now_s + 3600 + 300, "https://smba.example/amer/",
				  "msteams", err, sizeof(err)),
			 TEAMS_JWT_OK);
	assert_int_equal(check_at("valid", now_s + 3600 + 301, "https://smba.example/amer/",
				  "msteams", err, sizeof(err)),
			 TEAMS_JWT_EXPIRED);
	assert_string_equal(err, "token expired (or has no exp)");
}

static void
test_refusals(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(check("wrong_audience"), TEAMS_JWT_AUDIENCE);
	assert_int_equal(check("wrong_issuer"), TEAMS_JWT_ISSUER);
	assert_int_equal(check("unknown_kid"), TEAMS_JWT_UNKNOWN_KID);
	assert_int_equal(check("bad_signature"), TEAMS_JWT_SIGNATURE);
	assert_int_equal(check("tampered"), TEAMS_JWT_SIGNATURE);
	assert_int_equal(check("no_endorsement"), TEAMS_JWT_ENDORSEMENT);
	assert_int_equal(check("service_url_mismatch"), TEAMS_JWT_SERVICE_URL);
	assert_int_equal(check("alg_hs256"), TEAMS_JWT_ALG);
	assert_int_equal(check("malformed"), TEAMS_JWT_MALFORMED);
	/* validly signed, but with critical extensions: refused before the key is looked up */
	assert_int_equal(check("crit"), TEAMS_JWT_CRIT);
	assert_int_equal(check("crit_unknown_kid"), TEAMS_JWT_CRIT);
	assert_int_equal(teams_jwt_status(TEAMS_JWT_CRIT), 401);
	assert_string_equal(teams_jwt_reason(TEAMS_JWT_CRIT), "crit");
	/* the activity's serviceUrl and channelId are the other half of the match */
	assert_int_equal(
	    check_at("valid", now_s, "https://evil.example/", "msteams", err, sizeof(err)),
	    TEAMS_JWT_SERVICE_URL);
	assert_string_equal(err, "serviceurl claim does not match the activity's serviceUrl");
	assert_int_equal(
	    check_at("valid", now_s, "https://smba.example/amer/", "skype", err, sizeof(err)),
	    TEAMS_JWT_ENDORSEMENT);
	assert_string_equal(err, "signing key is not endorsed for channel \"skype\"");
	assert_int_equal(
	    check_at("valid", now_s, "https://smba.example/amer/", "", err, sizeof(err)),
	    TEAMS_JWT_ENDORSEMENT);
	check_at("unknown_kid", now_s, "x", "msteams", err, sizeof(err));
	assert_string_equal(err, "signing key \"key-x\" is not in the JWKS");
}

static void
test_status_and_reason(void **state)
{
	(void)state;
	assert_int_equal(teams_jwt_status(TEAMS_JWT_EXPIRED), 401);
	assert_int_equal(teams_jwt_status(TEAMS_JWT_SIGNATURE), 401);
	assert_int_equal(teams_jwt_status(TEAMS_JWT_SERVICE_URL), 403);
	assert_int_equal(teams_jwt_status(TEAMS_JWT_ENDORSEMENT), 403);
	assert_string_equal(teams_jwt_reason(TEAMS_JWT_NOT_YET_VALID), "not_yet_valid");
	assert_string_equal(teams_jwt_reason(TEAMS_JWT_UNKNOWN_KID), "unknown_kid");
	assert_string_equal(teams_jwt_reason(99), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_jwks),
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_time_with_skew),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_status_and_reason),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
