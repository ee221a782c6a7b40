/* slack_int.h — private to adapters/slack: the settings, the Socket Mode link, the envelope
 * handlers, the Web API client; slack_send.c is the chat transport. Loop thread unless said otherwise. */
#ifndef HEALER_SLACK_INT_H
#define HEALER_SLACK_INT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#define SLACK_ADAPTER "slack" /* the outbox and chat_refs adapter name */

/* From the environment at start; read-only afterwards (workers read them too). */
struct slack_conf {
	char *app_token; /* SLACK_APP_TOKEN, xapp-… (apps.connections.open) */
	char *bot_token; /* SLACK_BOT_TOKEN, xoxb-… (everything else) */
	char *channel;	 /* SLACK_CHANNEL, the incident channel ID */
	char *api_url;	 /* SLACK_API_URL, ends in '/' */
	int ping_s;	 /* HEALER_SLACK_PING_S: ping after this much silence; hang up at 3× */
};
extern struct slack_conf slack_conf;

/* ---- slack.c: the transport's lifecycle and the Socket Mode link ---- */
struct chat_transport;
/* Settings and the websocket protocol, before the loop exists. 0, or 1 = not configured. */
int slack_prepare(struct chat_transport *t);
/* Opens the link. 0 = started, 1 = not configured, -1 = error. */
int slack_start(struct chat_transport *t);
void slack_stop(struct chat_transport *t);
struct sm_conn;
/* Queues the ack of an envelope on the connection it came from; payload (may be NULL) is
 * not consumed. `then` (may be NULL, consumed) is the envelope itself: it goes to
 * slack_envelope_acked once the ack frame is written, or is dropped if the connection dies
 * first (Slack redelivers what was not acked). */
void slack_link_ack(struct sm_conn *c, const char *envelope_id, const cJSON *payload, cJSON *then);
/* Stops the link and the delivery of cards for good (link_disabled, revoked tokens): logs
 * why. */
void slack_halt(const char *why);
bool slack_halted(void);

/* ---- slack_events.c: envelopes ---- */
/* Handles one envelope (not hello/disconnect): acks it on c at once, and processes it once
 * the ack is written (a slash command runs first: its answer rides on the ack). Consumes
 * env. */
void slack_envelope(struct sm_conn *c, cJSON *env);
/* An envelope whose ack is written: queued for processing on the loop. Consumes env. */
void slack_envelope_acked(cJSON *env);
void slack_events_init(void);

/* ---- slack_people.c: names for Slack users ---- */
/* A Slack user acted (uid "U…"): unless the store has a fresh name for slack:<uid>, asks
 * users.info on a worker and stores the name it gives. At most one question per user at a
 * time; invalid ids are ignored. */
void slack_people_learn(const char *uid);
void slack_events_free(void);

/* ---- slack_api.c: the Web API ---- */
struct slack_result {
	bool ok;	    /* HTTP 200 with "ok": true */
	bool transient;	    /* network error, 5xx or 429: worth retrying */
	long status;	    /* HTTP status, 0 for a transport error */
	long retry_after_s; /* from a 429, else -1 */
	char error[64];	    /* Slack's "error" code or "http 503" / "network" */
	char detail[256];   /* transport error text or the "needed" scope */
	cJSON *json;	    /* the parsed answer (owned), may be NULL */
};
void slack_result_free(struct slack_result *r);
/* Blocking POST of a JSON body (form-encoded when body is NULL) with the token; url is a
 * full URL. Worker threads only. Always fills res. */
void slack_api_perform(const char *url, const char *token, const char *body,
		       struct slack_result *res);
/* An operator's next step for a Slack error code, or NULL. Static. */
const char *slack_api_hint(const char *error);
/* True for errors about configuration (channel, scopes, tokens): fixing them on Slack's side
 * makes a retry succeed. */
bool slack_api_config_error(const char *error);
/* True for token errors no retry can fix (invalid_auth, token_revoked, …): the tokens are
 * read once at start, so the adapter stops and says so. */
bool slack_api_fatal_auth(const char *error);
/* Web API method: POSTs body (consumed) with the bot token on a worker; done (may be NULL)
 * then runs on the loop thread with the result, which it must not free. Errors are logged
 * with their hint. A method under a 429 waits for its Retry-After first. */
typedef void (*slack_done_fn)(const struct slack_result *res, void *arg);
void slack_api_call(const char *method, cJSON *body, slack_done_fn done, void *arg);
/* The same for a read method whose arguments go in the query string (query: already
 * URL-safe, "user=U123"), with an empty form body. */
void slack_api_call_query(const char *method, const char *query, slack_done_fn done, void *arg);
/* POSTs body (consumed) to a response_url (no token). */
void slack_api_respond(const char *response_url, cJSON *body);
/* Rate limits per method: the epoch ms until which method is blocked by a 429 (0 = free). */
int64_t slack_api_blocked_until(const char *method);
void slack_api_block(const char *method, long retry_after_s);
/* chat.postEphemeral of text to user in channel. */
void slack_api_ephemeral(const char *channel, const char *user, const char *text);

/* ---- slack_open.c: apps.connections.open ---- */
#define SLACK_URL_MAX 2048
/* What the worker found out: where to connect, or why not. */
struct slack_open {
	unsigned gen; /* the link's generation when asked: a stale answer is dropped */
	struct slack_result res;
	bool tls;
	int port;
	char host[256], path[SLACK_URL_MAX], ip[46];
	char why[300]; /* set when the URL could not be used */
};
/* Splits ws[s]://host[:port]/path?query into j (tls, host, port, path). Returns 0, or -1
 * with j->why. Pure. */
int slack_url_split(const char *url, struct slack_open *j);
/* Worker: POSTs apps.connections.open with the app token, splits the URL and resolves the
 * host into j->ip (IPv4 first). j->res.ok false or j->why set on failure. */
void slack_open_work(void *arg);

#endif
