/* teams_jwt.h — Bot Framework token checks: the JWKS document and one JWT against it. Pure
 * (given the keys and the time), so every rule is unit-tested without a network. */
#ifndef HEALER_TEAMS_JWT_H
#define HEALER_TEAMS_JWT_H

#include <stddef.h>
#include <stdint.h>

#define TEAMS_BOT_ISSUER "https://api.botframework.com"
#define TEAMS_JWT_SKEW_S 300
#define TEAMS_JWKS_MAX_KEYS 32

struct teams_jwk {
	char kid[128];
	char *n, *e;	     /* base64url modulus and exponent; owned */
	char **endorsements; /* channel ids this key may sign for; owned */
	size_t nendorsements;
};

struct teams_jwks {
	struct teams_jwk *keys; /* owned */
	size_t n;
};

/* Parses {"keys":[{"kty":"RSA","kid","n","e","endorsements":[…]}, …]}; keys of other types
 * are skipped. Returns 0, or -1 with err (no usable key, not JSON, too many keys). */
int teams_jwks_parse(const char *json, size_t len, struct teams_jwks *out, char *err,
		     size_t errlen);
void teams_jwks_free(struct teams_jwks *k);
const struct teams_jwk *teams_jwks_find(const struct teams_jwks *k, const char *kid);

/* What an inbound token must match. */
struct teams_jwt_want {
	const char *audience;	 /* the bot's app id */
	const char *service_url; /* the activity's serviceUrl; NULL = check the token only */
	const char *channel_id;	 /* the activity's channelId ("msteams") */
	int64_t now_s;		 /* epoch seconds */
};

enum teams_jwt_rc {
	TEAMS_JWT_OK = 0,
	TEAMS_JWT_MALFORMED,   /* not three base64url parts of JSON */
	TEAMS_JWT_ALG,	       /* alg is not RS256 */
	TEAMS_JWT_UNKNOWN_KID, /* no such key: refresh the keys, then try again once */
	TEAMS_JWT_SIGNATURE,
	TEAMS_JWT_ISSUER,
	TEAMS_JWT_AUDIENCE,
	TEAMS_JWT_EXPIRED,	 /* exp + 5 min skew is past */
	TEAMS_JWT_NOT_YET_VALID, /* nbf − 5 min skew is ahead */
	TEAMS_JWT_SERVICE_URL,	 /* serviceurl claim differs from the activity's serviceUrl */
	TEAMS_JWT_ENDORSEMENT,	 /* the key is not endorsed for the activity's channelId */
	TEAMS_JWT_CRIT,		 /* the header has "crit": extensions we cannot honour */
	TEAMS_JWT__COUNT
};

/* The "kid" of a token's header into out. 0, or -1 if the header is unreadable. */
int teams_jwt_kid(const char *token, char *out, size_t outlen);
/* Checks in this order: shape, alg RS256, no "crit" header (RFC 7515 4.1.11: a verifier
 * must refuse critical extensions it does not understand, and we understand none), kid known, signature, iss, aud (string or array),
 * exp/nbf with TEAMS_JWT_SKEW_S, then (when want->service_url is set) the serviceurl claim
 * (a trailing "/" ignored) and the key's endorsements. Returns an enum teams_jwt_rc; err
 * says what was wrong in words for the log (never the token). */
int teams_jwt_verify(const char *token, const struct teams_jwks *keys,
		     const struct teams_jwt_want *want, char *err, size_t errlen);
/* 401 for a token that does not authenticate, 403 for one that does but not for this
 * activity (serviceUrl, endorsement). */
int teams_jwt_status(int rc);
/* A short label for metrics and logs: "ok", "malformed", "expired", … */
const char *teams_jwt_reason(int rc);

#endif
