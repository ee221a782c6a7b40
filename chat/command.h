/* command.h — the chat command grammar shared by every surface: parsing is pure, execution
 * goes through the engine as the calling user. */
#ifndef HEALER_COMMAND_H
#define HEALER_COMMAND_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine.h"

enum command_verb {
	CMD_LIST,
	CMD_SHOW,
	CMD_APPROVE,
	CMD_REJECT,
	CMD_DRYRUN,
	CMD_ACK,
	CMD_DECLARE,
	CMD_RUN,
	CMD_STATS,
	CMD_RUNBOOKS,
	CMD_AUTOPILOT,
	CMD_HELP,
	CMD_CLOSE,
	CMD_SPLIT,
	CMD_MERGE
};

#define COMMAND_MAX_KV 16

struct command {
	enum command_verb verb;
	int64_t incident_id; /* show/approve/reject/dryrun/ack/close/split; merge: the one kept;
			     * "INC-7", "inc-7" or "7" */
	int64_t other_id;    /* merge: the incident folded into incident_id */
	bool all;	     /* list all */
	char text[512];	     /* reject reason; declare title; stats window ("24h"); split fingerprint */
	char severity[8];    /* declare: sev1..sev4 (default sev3) */
	char runbook[128];   /* run */
	bool on;	     /* autopilot on|off */
	char keys[COMMAND_MAX_KV][64];
	char values[COMMAND_MAX_KV][256];
	size_t nkv;	      /* declare/run key=value */
	struct card_ref card; /* from a button: what the card showed; version 0 = typed */
};

/* Parses one command line (leading "/incident" or "incident" is skipped; quotes group words
 * with \" escapes). Returns 0, or -1 with err saying what is wrong and the usage of that
 * verb, e.g. "usage: reject ID reason…". */
int command_parse(const char *line, struct command *out, char *err, size_t errlen);
/* The help text: one line per verb. Static. */
const char *command_help(void);

/* The result of running a command: text for the caller (already formatted for plain text;
 * adapters may re-render `data`), whether it is a refusal, and structured data (the
 * incident view for show, the list for list, …). */
struct command_reply {
	bool ok;	     /* false = refused or error: adapters show it privately */
	char *text;	     /* owned */
	cJSON *data;	     /* owned, may be NULL */
	int64_t incident_id; /* the incident acted on, 0 if none */
};
void command_reply_free(struct command_reply *r);

/* Runs a parsed command as `user` ("console:alice", "slack:U123", "teams:<aad>") through the
 * engine. Loop thread. Always fills reply. */
void command_execute(const struct command *c, const char *user, struct command_reply *reply);
/* parse + execute; a parse error becomes a refusal reply with the usage. */
void command_run_line(const char *line, const char *user, struct command_reply *reply);

/* The same, for the surfaces: done(reply, ctx) runs on the loop thread with the reply (freed
 * after done returns). Every verb answers before the call returns except `stats`, whose
 * figures are read on a worker through a read-only connection (a 30-day report must not
 * stall the loop): its done runs later, from the loop. Loop thread. */
typedef void (*command_done_fn)(struct command_reply *reply, void *ctx);
void command_execute_async(const struct command *c, const char *user, command_done_fn done,
			   void *ctx);
void command_run_line_async(const char *line, const char *user, command_done_fn done, void *ctx);

#endif
