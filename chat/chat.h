/* chat.h — the chat core: every surface (console, Slack, Teams, …) is a transport, and one
 * delivery engine drains the outbox for all of them (docs/internals/chat.md). */
#ifndef HEALER_CHAT_H
#define HEALER_CHAT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* What one call of a transport's post(), update() or reply() came to. */
enum chat_status {
	CHAT_OK,	  /* delivered */
	CHAT_RETRY_AFTER, /* not now: the item is tried again after retry_ms (or the backoff) */
	CHAT_FATAL,	  /* never: the item is dropped (or, with halt, the transport stops) */
};

struct chat_result {
	enum chat_status status;
	/* RETRY_AFTER: at least this long (a Retry-After, a configuration error that needs a
	 * human); 0 = the core's backoff alone */
	int64_t retry_ms;
	bool pause;	  /* RETRY_AFTER: the whole surface is throttled, not only this item */
	bool halt;	  /* FATAL: the transport cannot go on (credentials refused) */
	char op[40];	  /* the call that failed ("chat.postMessage", "PUT"), for the log */
	char reason[300]; /* why, for the log: "not_in_channel — invite @healer …" */
	char msg_id[256]; /* post(), or an update() that had to post anew: the message's id */
};

/* Where a call goes: the incident's card reference (msg_id "" before the first post) and
 * the conversation's type when the transport stored one (Teams: channel, personal, …). */
struct chat_dest {
	struct chat_ref ref;
	char conv_type[16];
	int64_t incident_id;
};

#define CHAT_WINDOWS_MAX 3
#define CHAT_REPLIES_MAX 8

/* What a surface allows and how its thread is fed. Read by the core on the loop thread. */
struct chat_limits {
	/* new messages (posts and replies) draw from a token bucket: burst, then per_s a
	 * second (0 = no bucket) … */
	double burst, per_s;
	/* … and every counted request from sliding windows ({0, 0} ends the list) */
	struct {
		int64_t window_ms;
		int max;
	} windows[CHAT_WINDOWS_MAX];
	bool pace_updates;	 /* updates count against the limits too */
	int max_attempts;	 /* a failing item is dropped after this many; 0 = never */
	int64_t backoff_base_ms; /* retry backoff: base doubling per attempt … */
	int64_t backoff_max_ms;	 /* … up to this, plus up to a quarter of jitter */
	int timeline_rows;	 /* timeline rows read per item for the thread; 0 = no thread */
	int replies_per_item;	 /* thread messages per item, at most CHAT_REPLIES_MAX */
	/* the surface cannot update a card: a new one is posted when the state changed */
	bool post_per_state;
	const char *metric; /* counter of sends by result ("healer_teams_sends_total"), or NULL */
};

/*
 * A surface. Lifecycle hooks and target() run on the loop thread; card() and line() are
 * pure; post(), update() and reply() run on a WORK_IO worker (they may block), one call at a
 * time per transport, and must fill res. A transport that cannot update (update NULL)
 * posts every card; its replies need no card.
 */
struct chat_transport {
	const char *name; /* the outbox and chat_refs key: "console", "slack", "teams" */
	struct chat_limits limits;
	/* Optional, before the loop exists (websocket protocols, settings). */
	int (*prepare)(struct chat_transport *t);
	/* 0 = started; 1 = not configured (skipped); -1 = error. Its inbound side starts here. */
	int (*start)(struct chat_transport *t);
	void (*stop)(struct chat_transport *t);
	/* Optional: the core stopped delivering after a halting FATAL; why says what to fix. */
	void (*halted)(struct chat_transport *t, const char *why);
	/* Optional: epoch ms until which the surface must not be called (a 429 its own
	 * inbound side got); 0 = free. */
	int64_t (*blocked_until)(const struct chat_transport *t);
	/* Where a new card goes: fills ref->channel (and endpoint). 0, or -1 = nowhere yet (the
	 * item is dropped; the next change tries again). */
	int (*target)(struct chat_transport *t, struct chat_ref *ref);
	/* The card payload for the view. Each "similar" entry carries "card_channel" and
	 * "card_msg_id" when that incident has a card on this transport. Owned. */
	char *(*card)(const cJSON *view, int64_t now_ms);
	/* One thread message: the note when non-NULL, else as many of rows[from…] as fit one
	 * message, *next = the index after the last row used. NULL = nothing to say. Owned. */
	char *(*line)(const cJSON *view, const cJSON *rows, size_t from, const char *note,
		      size_t *next);
	/* Optional, loop thread: how long after it was queued a card for this view may wait,
	 * so that a later change folds into it (a state that passes in seconds); 0 = now. */
	int64_t (*hold_ms)(const cJSON *view, const struct chat_ref *ref);
	void (*post)(const struct chat_dest *d, const char *card, struct chat_result *res);
	void (*update)(const struct chat_dest *d, const char *card, struct chat_result *res);
	void (*reply)(const struct chat_dest *d, const char *line, struct chat_result *res);
};

/* ---- the registry (chat.c) ---- */
/* Calls every built-in transport's prepare hook; before loop_init. */
void chat_prepare(void);
/* Starts the built-in transports that are configured; after loop_init, before the HTTP
 * server starts (inbound sides add routes). -1 if one failed. */
int chat_start(void);
/* Starts exactly these transports (tests, and chat_start with the built-ins). */
int chat_start_with(struct chat_transport *const *list, size_t n);
void chat_stop(void);
/* Stops delivering for that transport for good (its link was disabled, its token
 * revoked); the others go on. */
void chat_halt(const char *transport);
/* Names of the started transports, NULL-terminated. */
const char *const *chat_enabled(void);

/* ---- notifications: inside the caller's transaction ---- */
enum chat_kind {
	CHAT_CARD,   /* the incident changed: its card, and its thread up to date */
	CHAT_THREAD, /* only the thread (rows left over for pacing) */
};
/* Queues kind for every started transport. 0 or a store error. */
int chat_notify(int64_t incident_id, enum chat_kind kind);
/* Queues a note (a line in the incident's thread, not a timeline row) for every transport. */
int chat_notify_note(int64_t incident_id, const char *text);
/* Queues a card for one transport and kicks it (a refusal answered on that surface).
 * STORE_NOTFOUND for an incident that does not exist. */
int chat_notify_one(const char *transport, int64_t incident_id);
/* New outbox rows were committed: every started transport drains on the next loop turn. */
void chat_kick(void);

/* ---- what transports may read and keep through the core (loop thread) ---- */
/* The open incidents (all = every one), newest first: store_incident_list's summaries. */
int chat_incident_list(bool all, int limit, cJSON **out);
int chat_ref_get(const char *transport, int64_t incident_id, struct chat_ref *out);
/* Stores a conversation the transport may post into, in one transaction with the audit row
 * "<transport>.installed" (message, by actor) — written only when the conversation is new
 * or changed: platforms announce one installation several times. 0 or a store error. */
int chat_conv_install(const char *transport, const struct chat_conv *c, const char *actor,
		      const char *message);
int chat_conv_get(const char *transport, const char *conversation_id, struct chat_conv *out);
int chat_conv_default(const char *transport, struct chat_conv *out);
/* A person's display name as the platform gave it (shown on cards; ids stay in the audit):
 * kept for ttl_ms, then reported not fresh so the transport asks again. */
int chat_person_set(const char *user_id, const char *name, int64_t ttl_ms);
int chat_person_get(const char *user_id, char *out, size_t outlen, bool *fresh);
/* An audit row of a surface's own (a refused link, a sign-in), in its own transaction: 0 or
 * a store error (logged). */
int chat_audit(const char *actor, int64_t incident_id, const char *kind, const char *message);
/* Single-use tokens (mail links): spends token_id, STORE_DUPLICATE when spent before; and
 * whether it was. */
int chat_token_spend(const char *token_id, int64_t incident_id, const char *actor, const char *verb,
		     int64_t expires_ms);
int chat_token_spent(const char *token_id, bool *spent);

/* ---- the sender (chat_send.c) ---- */
/* One per started transport: drains its outbox rows. Loop thread. */
struct chat_sender;
struct chat_sender *chat_sender_new(struct chat_transport *t);
void chat_sender_kick(struct chat_sender *s);
/* Stops for good: no new sends; a call in flight finishes and is recorded. */
void chat_sender_stop(struct chat_sender *s);
void chat_sender_free(struct chat_sender *s);
/* The monotonic clock pacing reads (token bucket and sliding windows), mono_ms by default;
 * NULL restores it. Tests step their own clock to check pacing without timing. Loop thread. */
void chat_pace_clock(int64_t (*clock_ms)(void));

/* Pure: the delay before retry number attempts+1 (base doubling, capped, jitter up to a
 * quarter taken from r), never less than floor_ms. */
int64_t chat_backoff_ms(const struct chat_limits *l, int attempts, int64_t floor_ms, uint32_t r);

#endif
