/* token.c — signed expiring tokens and CSRF tokens: HMAC-SHA256 over a base64url payload. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "crypto.h"
#include "log.h"
#include "token.h"
#include "util.h"

/* The version and purpose are inside the MAC: a session cookie is never a valid link. */
#define TOKEN_PREFIX "v1."
#define MAC_LABEL "healer-token-v1\n"
#define CSRF_LABEL "healer-csrf-v1\n"

const char *
token_strerror(int err)
{
	static const char *const text[] = {
	    [TOKEN_OK] = "ok",
	    [TOKEN_NO_KEY] = "no signing key (HEALER_LINK_KEY, at least 32 bytes)",
	    [TOKEN_MALFORMED] = "not a valid token",
	    [TOKEN_BAD_MAC] = "signature does not match",
	    [TOKEN_EXPIRED] = "expired",
	};

	if (err < 0 || (size_t)err >= ARRAY_LEN(text))
		return "unknown token error";
	return text[err];
}

int
token_key(const uint8_t **key, size_t *keylen)
{
	if (cfg.link_key == NULL || strlen(cfg.link_key) < TOKEN_KEY_MIN)
		return TOKEN_NO_KEY;
	*key = (const uint8_t *)cfg.link_key;
	*keylen = strlen(cfg.link_key);
	return TOKEN_OK;
}

/* HMAC(key, label purpose "\n" payload), base64url. Owned. */
static char *
mac_b64(const uint8_t *key, size_t keylen, const char *label, const char *purpose,
	const char *payload)
{
	char *msg = xasprintf("%s%s\n%s", label, purpose, payload);
	uint8_t mac[32];

	crypto_hmac_sha256(key, keylen, msg, strlen(msg), mac);
	free(msg);
	return crypto_b64_encode(mac, sizeof(mac), true);
}

int
token_sign(const uint8_t *key, size_t keylen, const char *purpose, const cJSON *claims,
	   int64_t exp_ms, char **out)
{
	uint8_t rnd[16];
	cJSON *c;
	char *json, *payload, *id, *mac;
	int rc = TOKEN_OK;

	*out = NULL;
	if (key == NULL || keylen < TOKEN_KEY_MIN)
		return TOKEN_NO_KEY;
	if (!cJSON_IsObject(claims))
		return TOKEN_MALFORMED;
	if ((c = cJSON_Duplicate(claims, 1)) == NULL)
		fatalx("token_sign: out of memory");
	crypto_random(rnd, sizeof(rnd));
	id = crypto_b64_encode(rnd, sizeof(rnd), true);
	cJSON_DeleteItemFromObject(c, "id");
	cJSON_DeleteItemFromObject(c, "exp");
	if (cJSON_AddStringToObject(c, "id", id) == NULL ||
	    cJSON_AddNumberToObject(c, "exp", (double)exp_ms) == NULL ||
	    (json = cJSON_PrintUnformatted(c)) == NULL)
		fatalx("token_sign: out of memory");
	payload = crypto_b64_encode((const uint8_t *)json, strlen(json), true);
	mac = mac_b64(key, keylen, MAC_LABEL, purpose, payload);
	*out = xasprintf("%s%s.%s", TOKEN_PREFIX, payload, mac);
	if (strlen(*out) > TOKEN_MAX) {
		free(*out);
		*out = NULL;
		rc = TOKEN_MALFORMED;
	}
	free(mac);
	free(payload);
	cJSON_free(json);
	free(id);
	cJSON_Delete(c);
	return rc;
}

int
token_verify(const uint8_t *key, size_t keylen, const char *purpose, const char *token,
	     int64_t now_ms, cJSON **claims)
{
	const char *payload, *dot;
	char *body = NULL, *mac = NULL;
	uint8_t *json = NULL;
	const cJSON *exp, *id;
	cJSON *c = NULL;
	long n;
	int rc;

	*claims = NULL;
	if (key == NULL || keylen < TOKEN_KEY_MIN)
		return TOKEN_NO_KEY;
	if (token == NULL || strlen(token) > TOKEN_MAX ||
	    strncmp(token, TOKEN_PREFIX, strlen(TOKEN_PREFIX)) != 0)
		return TOKEN_MALFORMED;
	payload = token + strlen(TOKEN_PREFIX);
	if ((dot = strchr(payload, '.')) == NULL || dot == payload)
		return TOKEN_MALFORMED;
	body = xstrndup(payload, (size_t)(dot - payload));
	mac = mac_b64(key, keylen, MAC_LABEL, purpose, body);
	if (!ct_equal(mac, strlen(mac), dot + 1, strlen(dot + 1))) {
		rc = TOKEN_BAD_MAC;
		goto out;
	}
	/* Signed by us from here on; the checks below guard against our own mistakes. */
	json = xmalloc(strlen(body) + 1);
	n = crypto_b64_decode(body, strlen(body), json, strlen(body), true);
	rc = TOKEN_MALFORMED;
	if (n <= 0)
		goto out;
	json[n] = '\0';
	if ((c = cJSON_Parse((const char *)json)) == NULL || !cJSON_IsObject(c))
		goto out;
	exp = cJSON_GetObjectItem(c, "exp");
	id = cJSON_GetObjectItem(c, "id");
	if (!cJSON_IsNumber(exp) || !cJSON_IsString(id))
		goto out;
	if ((int64_t)exp->valuedouble <= now_ms) {
		rc = TOKEN_EXPIRED;
		goto out;
	}
	*claims = c;
	c = NULL;
	rc = TOKEN_OK;
out:
	cJSON_Delete(c);
	free(json);
	free(mac);
	free(body);
	return rc;
}

void
token_csrf(const uint8_t *key, size_t keylen, const char *binding, char out[TOKEN_CSRF_LEN + 1])
{
	char *mac = mac_b64(key, keylen, CSRF_LABEL, "csrf", binding != NULL ? binding : "");

	snprintf(out, TOKEN_CSRF_LEN + 1, "%s", mac);
	free(mac);
}

bool
token_csrf_check(const uint8_t *key, size_t keylen, const char *binding, const char *given)
{
	char want[TOKEN_CSRF_LEN + 1];

	if (key == NULL || keylen < TOKEN_KEY_MIN || binding == NULL || *binding == '\0' ||
	    given == NULL || *given == '\0')
		return false;
	token_csrf(key, keylen, binding, want);
	return ct_equal(want, strlen(want), given, strlen(given));
}
