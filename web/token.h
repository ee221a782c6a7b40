/* token.h — signed, expiring tokens (links, sessions) and CSRF tokens, HMAC-SHA256. Pure
 * apart from token_key (reads the configuration) and the random token id. */
#ifndef HEALER_TOKEN_H
#define HEALER_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#define TOKEN_KEY_MIN 32  /* bytes of HEALER_LINK_KEY */
#define TOKEN_MAX 2048	  /* longest token accepted or produced */
#define TOKEN_ID_LEN 22	  /* "id" claim: 16 random bytes, base64url */
#define TOKEN_CSRF_LEN 43 /* a CSRF token: HMAC-SHA256, base64url without padding */

enum token_err {
	TOKEN_OK = 0,
	TOKEN_NO_KEY,	 /* no key, or shorter than TOKEN_KEY_MIN */
	TOKEN_MALFORMED, /* not a token of ours (shape, base64, JSON, too long) */
	TOKEN_BAD_MAC,	 /* forged, altered, or signed for another purpose or key */
	TOKEN_EXPIRED,	 /* signature good, "exp" passed */
};

/* Static text for an enum token_err ("expired", …). */
const char *token_strerror(int err);

/* The key from HEALER_LINK_KEY (cfg.link_key). Returns 0 and points *key at it (borrowed,
 * valid until config_free), or TOKEN_NO_KEY when unset or shorter than TOKEN_KEY_MIN. */
int token_key(const uint8_t **key, size_t *keylen);

/* Signs a copy of claims (a JSON object; not modified; its keys "id" and "exp" are
 * replaced) for `purpose` ("link", "session", …: bound into the MAC, so a token of one
 * purpose never verifies as another). Adds "id" (random, TOKEN_ID_LEN chars: what a
 * single-use store records) and "exp" (epoch ms). The token is "v1.<payload>.<mac>", all
 * base64url, safe in URLs and cookies. Returns 0 and *out (owned), or TOKEN_NO_KEY, or
 * TOKEN_MALFORMED when claims is not an object or the token would exceed TOKEN_MAX. */
int token_sign(const uint8_t *key, size_t keylen, const char *purpose, const cJSON *claims,
	       int64_t exp_ms, char **out);

/* Checks a token for `purpose` at now_ms: the MAC in constant time first, then the expiry.
 * Returns TOKEN_OK and *claims (owned; with "id" and "exp"), or an enum token_err and
 * *claims NULL. An expired token is reported as TOKEN_EXPIRED only when its MAC is good. */
int token_verify(const uint8_t *key, size_t keylen, const char *purpose, const char *token,
		 int64_t now_ms, cJSON **claims);

/* The CSRF token bound to `binding` (a session id or a link token id): HMAC of the binding,
 * TOKEN_CSRF_LEN chars + NUL into out. Same key and binding, same token: pages render it
 * into forms, and a POST is checked against what its own session or link would give. */
void token_csrf(const uint8_t *key, size_t keylen, const char *binding,
		char out[TOKEN_CSRF_LEN + 1]);
/* Whether `given` is the CSRF token for binding (constant time; NULL or "" is false). */
bool token_csrf_check(const uint8_t *key, size_t keylen, const char *binding, const char *given);

#endif
