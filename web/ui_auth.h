/* ui_auth.h — who is looking at the web UI: signed session cookies from one-time mailed (or
 * printed) sign-in links, or a trusted proxy's header; CSRF tokens bound to the session;
 * sign-in rate limits; sign-out. Loop thread unless said otherwise. */
#ifndef HEALER_UI_AUTH_H
#define HEALER_UI_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "http_server.h"
#include "token.h"

#define UI_SESSION_MS (8 * 3600 * 1000LL) /* a session lasts a working day */
#define UI_LINK_MS (15 * 60 * 1000LL)	  /* a sign-in link lasts 15 minutes */
#define UI_USER_MAX 200

struct ui_who {
	char user[UI_USER_MAX];	    /* "email:alice@example.com" */
	char sid[TOKEN_ID_LEN + 1]; /* the session's id; "" behind the trusted proxy */
	int64_t exp;		    /* when the session ends (ms) */
	char csrf[TOKEN_CSRF_LEN + 1];
};

/* Fills who from the trusted proxy's header (only from HEALER_AUTH_PROXY_FROM peers) or the
 * session cookie (signature and expiry checked; no store read). 0 signed in, -1 not. */
int ui_auth(const struct http_request *req, struct ui_who *who);
/* Whether the session was signed out. Reads the store: on a worker with a reader attached
 * for pages, on the loop for actions. */
bool ui_auth_revoked(const struct ui_who *who);
/* Whether `given` is the session's CSRF token (constant time). */
bool ui_auth_csrf_ok(const struct ui_who *who, const char *given);
/* Behind the trusted proxy there is no session id to bind forms to: the token is bound to
 * the user and the UI_PROXY_CSRF_MS window `now` falls in, and is accepted in that window
 * and the next, so a leaked one stops working within two windows (a session's length).
 * Pure. */
#define UI_PROXY_CSRF_MS (UI_SESSION_MS / 2)
void ui_proxy_csrf(const uint8_t *key, size_t keylen, const char *user, int64_t now,
		   char out[TOKEN_CSRF_LEN + 1]);
/* Whether `given` is user's proxy token of the window of now or the one before (constant
 * time). */
bool ui_proxy_csrf_ok(const uint8_t *key, size_t keylen, const char *user, int64_t now,
		      const char *given);
/* One audit row in its own transaction (a refusal, a sign-in). */
void ui_auth_audit(const char *actor, int64_t incident_id, const char *kind, const char *msg);
/* Serves the sign-in pages (/ui/login, /ui/login/link, /ui/logout) when the path is one of
 * them: true when resp is filled. */
bool ui_auth_route(const struct http_request *req, struct http_response *resp);

/* "Alice@Example.com" → "email:alice@example.com" (lower-cased: write addresses in the
 * policy's roles in lower case) into out, or -1 when it is not an address the policy could
 * name (policy_mail_address_valid). Pure. */
int ui_email_user(const char *addr, char *out, size_t outlen);
/* A fixed-window counter table: whether one more event for key fits `max` per `window_ms`
 * at now, counting it when it does. When it does not, *retry_ms (may be NULL) is how long
 * until the key's window ends. Pure apart from the table it is given. */
#define UI_RATE_SLOTS 256
struct ui_rate {
	struct {
		char key[UI_USER_MAX];
		int64_t start;
		int count;
	} slot[UI_RATE_SLOTS];
};
bool ui_rate_allow(struct ui_rate *t, const char *key, int max, int64_t window_ms, int64_t now,
		   int64_t *retry_ms);

/* `healer login-link ADDRESS`: prints a one-time sign-in link to HEALER_PUBLIC_URL, else to
 * HEALER_LISTEN (its port 0 replaced by the one a running daemon recorded); exits 1 saying
 * to set HEALER_PUBLIC_URL when no working address can be known. Returns the exit code. */
int ui_login_link_cli(int argc, char **argv);
/* Tells sign-in where the daemon listens (HEALER_LISTEN "host:port" and the port it got):
 * mailed links use it, and it is recorded in the store's settings for `healer login-link`.
 * Loop thread, store open. */
void ui_login_listening(const char *listen, int port);

#endif
