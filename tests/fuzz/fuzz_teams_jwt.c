/* fuzz_teams_jwt.c — Bot Framework tokens: the input read as a JWKS document and as a
 * bearer token checked against the test keys (tests/data/teams/jwks.json). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box.h"
#include "teams_jwt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct teams_jwks keys;
	static int loaded;
	struct teams_jwks parsed = {0};
	/* as tests/data/teams/tokens.json was minted: its tokens are the seeds */
	struct teams_jwt_want w = {.audience = "app-123",
				   .service_url = "https://smba.example/amer/",
				   .channel_id = "msteams",
				   .now_s = 1800000000};
	char err[256], kid[128], *token;
	int rc;

	if (!loaded) {
		size_t n;
		char *doc = box_data_file("teams/jwks.json", &n);
		if (teams_jwks_parse(doc, n, &keys, err, sizeof(err)) != 0)
			box_fail("teams_jwt: the test keys do not parse", err);
		free(doc);
		loaded = 1;
	}
	if (teams_jwks_parse((const char *)data, size, &parsed, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < parsed.n; i++)
			if (teams_jwks_find(&parsed, parsed.keys[i].kid) == NULL)
				box_fail("teams_jwt: a parsed key cannot be found", parsed.keys[i].kid);
		teams_jwks_free(&parsed);
	}
	token = box_strndup(data, size);
	(void)teams_jwt_kid(token, kid, sizeof(kid));
	rc = teams_jwt_verify(token, &keys, &w, err, sizeof(err));
	if (rc < 0 || rc >= TEAMS_JWT__COUNT)
		box_fail("teams_jwt: verify returned no known code", err);
	(void)teams_jwt_status(rc);
	(void)teams_jwt_reason(rc);
	free(token);
	return 0;
}
