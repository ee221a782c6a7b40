/* teams_jwt.c — the Bot Framework JWKS document and the checks on one inbound JWT. Pure. */
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "teams_jwt.h"
#include "util.h"

/* The Authorization header is capped at 16 KB by the server; a JWT part never needs more. */
#define PART_MAX 12288
#define SIG_MAX 1024 /* RSA up to 8192 bits */

static const char *const reasons[TEAMS_JWT__COUNT] = {
    [TEAMS_JWT_OK] = "ok",
    [TEAMS_JWT_MALFORMED] = "malformed",
    [TEAMS_JWT_ALG] = "algorithm",
    [TEAMS_JWT_UNKNOWN_KID] = "unknown_kid",
    [TEAMS_JWT_SIGNATURE] = "signature",
    [TEAMS_JWT_ISSUER] = "issuer",
    [TEAMS_JWT_AUDIENCE] = "audience",
    [TEAMS_JWT_EXPIRED] = "expired",
    [TEAMS_JWT_NOT_YET_VALID] = "not_yet_valid",
    [TEAMS_JWT_SERVICE_URL] = "service_url",
    [TEAMS_JWT_ENDORSEMENT] = "endorsement",
    [TEAMS_JWT_CRIT] = "crit",
};

const char *
teams_jwt_reason(int rc)
{
	if (rc < 0 || rc >= TEAMS_JWT__COUNT)
		return "unknown";
	return reasons[rc];
}

int
teams_jwt_status(int rc)
{
	if (rc == TEAMS_JWT_OK)
		return 200;
	return rc == TEAMS_JWT_SERVICE_URL || rc == TEAMS_JWT_ENDORSEMENT ? 403 : 401;
}

void
teams_jwks_free(struct teams_jwks *k)
{
	if (k == NULL)
		return;
	for (size_t i = 0; i < k->n; i++) {
		free(k->keys[i].n);
		free(k->keys[i].e);
		for (size_t j = 0; j < k->keys[i].nendorsements; j++)
			free(k->keys[i].endorsements[j]);
		free(k->keys[i].endorsements);
	}
	free(k->keys);
	k->keys = NULL;
	k->n = 0;
}

static void
jwk_read(const cJSON *j, struct teams_jwk *k)
{
	const cJSON *e, *arr = cJSON_GetObjectItemCaseSensitive(j, "endorsements");

	snprintf(k->kid, sizeof(k->kid), "%s",
		 cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "kid")));
	k->n = xstrdup(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "n")));
	k->e = xstrdup(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "e")));
	k->endorsements = xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(char *));
	cJSON_ArrayForEach(e, arr) if (cJSON_IsString(e)) k->endorsements[k->nendorsements++] =
	    xstrdup(e->valuestring);
}

int
teams_jwks_parse(const char *json, size_t len, struct teams_jwks *out, char *err, size_t errlen)
{
	cJSON *doc = cJSON_ParseWithLength(json, len), *j;
	const cJSON *keys = cJSON_GetObjectItemCaseSensitive(doc, "keys");
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!cJSON_IsArray(keys)) {
		snprintf(err, errlen, "JWKS is not an object with a \"keys\" array");
		goto out;
	}
	if (cJSON_GetArraySize(keys) > TEAMS_JWKS_MAX_KEYS) {
		snprintf(err, errlen, "JWKS has more than %d keys", TEAMS_JWKS_MAX_KEYS);
		goto out;
	}
	out->keys = xcalloc(TEAMS_JWKS_MAX_KEYS, sizeof(*out->keys));
	cJSON_ArrayForEach(j, keys)
	{
		const char *kty = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "kty"));
		const char *kid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "kid"));
		if (kty == NULL || strcmp(kty, "RSA") != 0 || kid == NULL ||
		    strlen(kid) >= sizeof(out->keys[0].kid) ||
		    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "n")) ||
		    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "e")))
			continue;
		jwk_read(j, &out->keys[out->n++]);
	}
	if (out->n == 0) {
		snprintf(err, errlen, "JWKS has no usable RSA key");
		teams_jwks_free(out);
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(doc);
	return rc;
}

const struct teams_jwk *
teams_jwks_find(const struct teams_jwks *k, const char *kid)
{
	for (size_t i = 0; k && i < k->n; i++)
		if (strcmp(k->keys[i].kid, kid) == 0)
			return &k->keys[i];
	return NULL;
}

/* One base64url part of the token as parsed JSON, or NULL. */
static cJSON *
part_json(const char *p, size_t len)
{
	uint8_t raw[PART_MAX];
	long n;

	if (len == 0 || len > PART_MAX ||
	    (n = crypto_b64_decode(p, len, raw, sizeof(raw), true)) <= 0)
		return NULL;
	cJSON *j = cJSON_ParseWithLength((const char *)raw, (size_t)n);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

/* Splits "h.p.s" into its three parts; -1 unless there are exactly three, none empty. */
static int
split(const char *token, const char **dot1, const char **dot2)
{
	*dot1 = strchr(token, '.');
	if (*dot1 == NULL || *dot1 == token)
		return -1;
	*dot2 = strchr(*dot1 + 1, '.');
	if (*dot2 == NULL || *dot2 == *dot1 + 1 || (*dot2)[1] == '\0' || strchr(*dot2 + 1, '.'))
		return -1;
	return 0;
}

int
teams_jwt_kid(const char *token, char *out, size_t outlen)
{
	const char *d1, *d2;
	cJSON *h;
	int rc = -1;

	if (split(token, &d1, &d2) != 0 || (h = part_json(token, (size_t)(d1 - token))) == NULL)
		return -1;
	const char *kid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(h, "kid"));
	if (kid && strlen(kid) < outlen) {
		snprintf(out, outlen, "%s", kid);
		rc = 0;
	}
	cJSON_Delete(h);
	return rc;
}

static bool
audience_ok(const cJSON *aud, const char *want)
{
	const cJSON *it;

	if (cJSON_IsString(aud))
		return strcmp(aud->valuestring, want) == 0;
	cJSON_ArrayForEach(it, aud) if (cJSON_IsString(it) &&
					strcmp(it->valuestring, want) == 0) return true;
	return false;
}

/* URLs equal but for one trailing slash: "https://smba…/amer/" names the same service. */
static bool
same_url(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '/')
		la--;
	if (lb > 0 && b[lb - 1] == '/')
		lb--;
	return la == lb && memcmp(a, b, la) == 0;
}

static bool
endorsed(const struct teams_jwk *k, const char *channel)
{
	for (size_t i = 0; channel && *channel && i < k->nendorsements; i++)
		if (strcmp(k->endorsements[i], channel) == 0)
			return true;
	return false;
}

/* The claims, once the signature holds. */
static int
check_claims(const cJSON *c, const struct teams_jwk *key, const struct teams_jwt_want *w, char *err,
	     size_t errlen)
{
	const cJSON *exp = cJSON_GetObjectItemCaseSensitive(c, "exp");
	const cJSON *nbf = cJSON_GetObjectItemCaseSensitive(c, "nbf");
	const char *iss = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "iss"));

	if (iss == NULL || strcmp(iss, TEAMS_BOT_ISSUER) != 0) {
		snprintf(err, errlen, "issuer is not %s", TEAMS_BOT_ISSUER);
		return TEAMS_JWT_ISSUER;
	}
	if (w->audience == NULL ||
	    !audience_ok(cJSON_GetObjectItemCaseSensitive(c, "aud"), w->audience)) {
		snprintf(err, errlen, "audience is not this bot's app id");
		return TEAMS_JWT_AUDIENCE;
	}
	if (!cJSON_IsNumber(exp) || exp->valuedouble + TEAMS_JWT_SKEW_S < (double)w->now_s) {
		snprintf(err, errlen, "token expired (or has no exp)");
		return TEAMS_JWT_EXPIRED;
	}
	if (nbf != NULL &&
	    (!cJSON_IsNumber(nbf) || nbf->valuedouble - TEAMS_JWT_SKEW_S > (double)w->now_s)) {
		snprintf(err, errlen, "token not valid yet");
		return TEAMS_JWT_NOT_YET_VALID;
	}
	if (w->service_url == NULL)
		return TEAMS_JWT_OK;
	/* the Bot Framework spells it "serviceurl"; cJSON's plain lookup ignores case */
	const char *su = cJSON_GetStringValue(cJSON_GetObjectItem(c, "serviceurl"));
	if (su == NULL || !same_url(su, w->service_url)) {
		snprintf(err, errlen, "serviceurl claim does not match the activity's serviceUrl");
		return TEAMS_JWT_SERVICE_URL;
	}
	if (!endorsed(key, w->channel_id)) {
		snprintf(err, errlen, "signing key is not endorsed for channel \"%.40s\"",
			 w->channel_id ? w->channel_id : "");
		return TEAMS_JWT_ENDORSEMENT;
	}
	return TEAMS_JWT_OK;
}

int
teams_jwt_verify(const char *token, const struct teams_jwks *keys,
		 const struct teams_jwt_want *want, char *err, size_t errlen)
{
	const char *d1, *d2;
	cJSON *hdr = NULL, *claims = NULL;
	uint8_t sig[SIG_MAX];
	long siglen;
	int rc = TEAMS_JWT_MALFORMED;

	snprintf(err, errlen, "token is not a JWT");
	if (token == NULL || split(token, &d1, &d2) != 0 ||
	    (hdr = part_json(token, (size_t)(d1 - token))) == NULL ||
	    (claims = part_json(d1 + 1, (size_t)(d2 - d1 - 1))) == NULL)
		goto out;
	const char *alg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(hdr, "alg"));
	if (alg == NULL || strcmp(alg, "RS256") != 0) {
		snprintf(err, errlen, "algorithm is not RS256");
		rc = TEAMS_JWT_ALG;
		goto out;
	}
	if (cJSON_GetObjectItemCaseSensitive(hdr, "crit") != NULL) {
		snprintf(err, errlen, "token header has \"crit\" extensions");
		rc = TEAMS_JWT_CRIT;
		goto out;
	}
	const char *kid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(hdr, "kid"));
	const struct teams_jwk *key = kid ? teams_jwks_find(keys, kid) : NULL;
	if (key == NULL) {
		snprintf(err, errlen, "signing key \"%.64s\" is not in the JWKS", kid ? kid : "");
		rc = TEAMS_JWT_UNKNOWN_KID;
		goto out;
	}
	siglen = crypto_b64_decode(d2 + 1, strlen(d2 + 1), sig, sizeof(sig), true);
	if (siglen <= 0 || crypto_verify_rs256_jwk(key->n, key->e, token, (size_t)(d2 - token), sig,
						   (size_t)siglen, err, errlen) != 0) {
		snprintf(err, errlen, "signature does not verify with key \"%.64s\"", kid);
		rc = TEAMS_JWT_SIGNATURE;
		goto out;
	}
	rc = check_claims(claims, key, want, err, errlen);
	if (rc == TEAMS_JWT_OK)
		snprintf(err, errlen, "ok");
out:
	cJSON_Delete(hdr);
	cJSON_Delete(claims);
	return rc;
}
