/* teams.h — what the Teams adapter's files share: settings, the outbound token, the signing
 * key cache, sending to the Bot Connector, and the inbound activity handler. Not for other
 * modules (they see only teams_transport in chat.h terms). */
#ifndef HEALER_TEAMS_H
#define HEALER_TEAMS_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "http_server.h"
#include "loop.h"
#include "teams_jwt.h"

#define TEAMS_OPENID_DEFAULT "https://login.botframework.com/v1/.well-known/openidconfiguration"
#define TEAMS_SCOPE "https://api.botframework.com/.default"
#define TEAMS_ADAPTER "teams"

/* Read once at start, immutable afterwards (workers read it without locks). */
struct teams_cfg {
	char *app_id, *app_password, *tenant_id;
	char *openid_url;      /* TEAMS_OPENID_URL */
	char *token_url;       /* TEAMS_TOKEN_URL, default the tenant's v2.0 token endpoint */
	char *conversation_id; /* TEAMS_CONVERSATION_ID: the incident channel, if named */
	char *service_url;     /* TEAMS_SERVICE_URL: its service URL */
	char *webhook_url;     /* TEAMS_WEBHOOK_URL: notify-only mode */
	bool bot;	       /* registered bot: tokens verified inbound, sent outbound */
	bool anonymous;	       /* TEAMS_ALLOW_ANONYMOUS on loopback: no tokens either way */
	bool notify_only;      /* webhook, no bot: cards without buttons */
};
extern struct teams_cfg teams_cfg;

/* ---- teams_token.c: the bot's outbound token (client credentials). Worker threads. ---- */
/* The cached token, fetched when missing or within 5 minutes of expiry. Blocking. Returns 0
 * with the token in out, or -1 with err. */
int teams_token_get(char *out, size_t outlen, char *err, size_t errlen);
/* The connector refused the token (401): fetch a new one next time. */
void teams_token_forget(void);

/* ---- teams_keys.c: the Bot Framework signing keys (OpenID metadata → JWKS). Loop. ---- */
/* First fetch now (on a WORK_IO worker), then daily. */
void teams_keys_start(void);
void teams_keys_stop(void);
/* The keys in use, NULL before the first fetch succeeded. */
const struct teams_jwks *teams_keys_current(void);
/* Asks for fresh keys (a token named an unknown kid) and calls fn(arg) on the loop thread
 * once that fetch is over, whatever its outcome: returns TEAMS_KEYS_WAIT. While keys are in
 * hand only the first unknown kid in a TEAMS_KEYS_MIN_REFRESH_MS window may wait, and not
 * within that time of a fetch's start; before the first keys, requests join the fetch under
 * way. Otherwise returns TEAMS_KEYS_LIMITED (answer now with the keys in hand), or
 * TEAMS_KEYS_BUSY when too many requests already wait; fn is then never called. */
#define TEAMS_KEYS_MIN_REFRESH_MS 5000
enum teams_keys_wait { TEAMS_KEYS_WAIT = 0, TEAMS_KEYS_LIMITED = 1, TEAMS_KEYS_BUSY = -1 };
int teams_keys_refresh(loop_fn fn, void *arg);

/* ---- teams_send.c: the chat transport (cards, thread replies, webhook) ---- */
struct chat_transport;
/* Notify-only mode: no updates, no thread, one card per state. At start. */
void teams_send_webhook_mode(struct chat_transport *t);
/* A reply line per audit row for the card's thread (HTML-escaped, "<br>"-separated), or
 * NULL if rows is empty. Owned. Pure. */
char *teams_timeline_text(const cJSON *rows);

/* ---- teams.c: settings, start and stop, direct replies ---- */
/* Reads the settings, registers /api/messages. 0 = started, 1 = not configured, -1 = error. */
int teams_start(struct chat_transport *t);
void teams_stop(struct chat_transport *t);
/* "{service}/v3/conversations/{conv}/activities[/{activity}]" with the ids percent-encoded
 * and one "/" between the service URL and "v3". Owned. */
char *teams_url(const char *service_url, const char *conversation_id, const char *activity_id);
/* Sends `activity` (a message) as a reply to activity `reply_to` in a conversation, off the
 * loop thread, with a few retries on 429. Loop thread; takes ownership of activity. */
void teams_reply(const char *service_url, const char *conversation_id, const char *reply_to,
		 cJSON *activity);

/* ---- teams_activity.c: POST /api/messages ---- */
/* Registers the route. */
void teams_inbound_register(void);
void teams_inbound_stop(void);
/* Handles one activity as the anonymous loopback mode does, with no token check: the body
 * is parsed and answered into resp. Also the fuzz target's way in. */
void teams_activity_handle(const char *body, size_t len, struct http_response *resp);
/* A message activity with plain text (one line) or, for several lines, preformatted. Owned. */
cJSON *teams_message_text(const char *text);

#endif
