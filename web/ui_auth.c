/* ui_auth.c — who is signed in to the web UI: the session cookie (a signed token naming
 * email:<address>), the trusted proxy's header, CSRF tokens bound to the session, sign-out
 * by recording the session's id as spent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "policy.h"
#include "store.h"
#include "ui_auth.h"
#include "ui_origin.h"
#include "util.h"

/* Whether `peer` is one of the comma-separated addresses in `list`. */
static bool
peer_listed(const char *list, const char *peer)
{
	size_t n = strlen(peer);
	const char *p = list;

	if (list == NULL || n == 0)
		return false;
	while (*p != '\0') {
		p += strspn(p, ", ");
		size_t len = strcspn(p, ", ");
		if (len == n && strncmp(p, peer, n) == 0)
			return true;
		p += len;
	}
	return false;
}

static int
from_proxy(const struct http_request *req, struct ui_who *who)
{
	const uint8_t *key;
	size_t keylen;
	const char *v;

	if (cfg.auth_proxy_header == NULL || !peer_listed(cfg.auth_proxy_from, req->peer) ||
	    (v = http_request_header(req, cfg.auth_proxy_header)) == NULL)
		return -1;
	if (ui_email_user(v, who->user, sizeof(who->user)) != 0) {
		log_warnx("web: %s from the proxy %s is not an address; ignored",
			  cfg.auth_proxy_header, req->peer);
		return -1;
	}
	if (token_key(&key, &keylen) != TOKEN_OK)
		return -1;
	ui_proxy_csrf(key, keylen, who->user, now_ms(), who->csrf);
	who->sid[0] = '\0';
	who->exp = 0;
	return 0;
}

int
ui_auth(const struct http_request *req, struct ui_who *who)
{
	char cookie[TOKEN_MAX + 1];
	const uint8_t *key;
	size_t keylen;
	cJSON *claims = NULL;
	const char *user, *id;
	int rc = -1;

	memset(who, 0, sizeof(*who));
	if (from_proxy(req, who) == 0)
		return 0;
	if (http_cookie_get(req, ui_cookie_name(UI_COOKIE_SESSION), cookie, sizeof(cookie)) != 0 ||
	    token_key(&key, &keylen) != TOKEN_OK ||
	    token_verify(key, keylen, "session", cookie, now_ms(), &claims) != TOKEN_OK)
		goto out;
	user = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(claims, "user"));
	id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(claims, "id"));
	if (user == NULL || id == NULL || strlen(user) >= sizeof(who->user) ||
	    strlen(id) >= sizeof(who->sid))
		goto out;
	snprintf(who->user, sizeof(who->user), "%s", user);
	snprintf(who->sid, sizeof(who->sid), "%s", id);
	who->exp = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(claims, "exp"));
	token_csrf(key, keylen, who->sid, who->csrf);
	rc = 0;
out:
	cJSON_Delete(claims);
	if (rc != 0)
		memset(who, 0, sizeof(*who));
	return rc;
}

bool
ui_auth_revoked(const struct ui_who *who)
{
	bool used = true; /* a store that cannot say is no proof of a live session */

	if (who->sid[0] == '\0')
		return false; /* the proxy decides */
	store_link_used(who->sid, &used);
	return used;
}

bool
ui_auth_csrf_ok(const struct ui_who *who, const char *given)
{
	const uint8_t *key;
	size_t keylen;

	if (token_key(&key, &keylen) != TOKEN_OK)
		return false;
	if (who->sid[0] == '\0')
		return ui_proxy_csrf_ok(key, keylen, who->user, now_ms(), given);
	return token_csrf_check(key, keylen, who->sid, given);
}

/* The proxy's binding for the window `w` (a count of UI_PROXY_CSRF_MS since the epoch). */
static void
proxy_binding(const char *user, int64_t w, char *out, size_t outlen)
{
	snprintf(out, outlen, "proxy:%s:%lld", user, (long long)w);
}

void
ui_proxy_csrf(const uint8_t *key, size_t keylen, const char *user, int64_t now,
	      char out[TOKEN_CSRF_LEN + 1])
{
	char binding[UI_USER_MAX + 32];

	/* no session behind the proxy to bind to: the time window rotates it instead */
	proxy_binding(user, now / UI_PROXY_CSRF_MS, binding, sizeof(binding));
	token_csrf(key, keylen, binding, out);
}

bool
ui_proxy_csrf_ok(const uint8_t *key, size_t keylen, const char *user, int64_t now,
		 const char *given)
{
	char binding[UI_USER_MAX + 32];
	int64_t w = now / UI_PROXY_CSRF_MS;
	bool ok = false;

	/* this window's token or the last one's: a page opened just before the turn still
	 * posts, and no token outlives two windows (a session's length) */
	for (int64_t i = w - 1; i <= w; i++) {
		proxy_binding(user, i, binding, sizeof(binding));
		ok |= token_csrf_check(key, keylen, binding, given);
	}
	return ok;
}

void
ui_auth_audit(const char *actor, int64_t incident_id, const char *kind, const char *msg)
{
	if (store_begin() != STORE_OK)
		return;
	if (store_audit(actor, incident_id, kind, msg, NULL) == STORE_OK)
		store_commit();
	else
		store_rollback();
}

int
ui_email_user(const char *addr, char *out, size_t outlen)
{
	char *p;

	/* the addresses a policy may name (and mail may be sent to) */
	if (!policy_mail_address_valid(addr) || strlen(addr) + 7 > outlen)
		return -1;
	snprintf(out, outlen, "email:%s", addr);
	for (p = out; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return 0;
}

bool
ui_rate_allow(struct ui_rate *t, const char *key, int max, int64_t window_ms, int64_t now,
	      int64_t *retry_ms)
{
	size_t i, oldest = 0;

	for (i = 0; i < UI_RATE_SLOTS; i++) {
		if (strcmp(t->slot[i].key, key) == 0)
			break;
		if (t->slot[i].start < t->slot[oldest].start)
			oldest = i;
	}
	if (i == UI_RATE_SLOTS) {
		/* the stalest slot goes: under a flood of distinct keys each still gets `max` */
		i = oldest;
		snprintf(t->slot[i].key, sizeof(t->slot[i].key), "%s", key);
		t->slot[i].start = now;
		t->slot[i].count = 0;
	}
	if (now - t->slot[i].start >= window_ms) {
		t->slot[i].start = now;
		t->slot[i].count = 0;
	}
	if (t->slot[i].count >= max) {
		if (retry_ms != NULL)
			*retry_ms = t->slot[i].start + window_ms - now;
		return false;
	}
	t->slot[i].count++;
	return true;
}
