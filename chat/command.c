/* command.c — the chat grammar shared by console, Slack and Teams: a verb table, a quoting
 * tokenizer, and execution through the engine as the calling user. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "engine.h"
#include "present.h"
#include "store.h"
#include "util.h"

#define MAX_TOKENS 48
#define MAX_TOKEN 512

struct verb {
	const char *name;
	enum command_verb verb;
	const char *usage;
	const char *help;
};

static const struct verb verbs[] = {
	{"list", CMD_LIST, "list [open|all]", "incidents, open ones by default"},
	{"show", CMD_SHOW, "show ID", "one incident's card"},
	{"approve", CMD_APPROVE, "approve ID", "approve the proposed fix"},
	{"reject", CMD_REJECT, "reject ID reason…", "reject the proposed fix, with a reason"},
	{"dryrun", CMD_DRYRUN, "dryrun ID", "show exactly what would run, run nothing"},
	{"ack", CMD_ACK, "ack ID", "acknowledge: you are on it"},
	{"close", CMD_CLOSE, "close ID", "close an incident that needs nothing more"},
	{"split", CMD_SPLIT, "split ID FINGERPRINT",
	 "a related alert leaves the incident for one of its own"},
	{"merge", CMD_MERGE, "merge ID into ID", "the first incident's alerts join the second"},
	{"declare", CMD_DECLARE, "declare \"title\" [sev1..sev4] [key=value…]",
	 "open an incident by hand"},
	{"run", CMD_RUN, "run RUNBOOK key=value…",
	 "run a runbook: autopilot if the policy allows, else approval"},
	{"stats", CMD_STATS, "stats [24h|7d|30d]", "how we are doing"},
	{"runbooks", CMD_RUNBOOKS, "runbooks", "the loaded runbooks"},
	{"autopilot", CMD_AUTOPILOT, "autopilot on|off", "the autopilot kill switch"},
	{"help", CMD_HELP, "help", "this list"},
};

/* Splits on blanks; "double quotes" group words (\" and \\ escape inside). */
static int
tokenize(const char *line, char tok[][MAX_TOKEN], size_t *ntok, char *err, size_t errlen)
{
	const char *p = line;

	*ntok = 0;
	while (*p) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		if (*ntok == MAX_TOKENS) {
			snprintf(err, errlen, "too many words (at most %d)", MAX_TOKENS);
			return -1;
		}
		char *o = tok[*ntok];
		size_t len = 0;
		bool quoted = false;
		while (*p && (quoted || !isspace((unsigned char)*p))) {
			char c = *p++;
			if (c == '"') {
				quoted = !quoted;
				continue;
			}
			if (c == '\\' && quoted && (*p == '"' || *p == '\\'))
				c = *p++;
			if (len + 1 >= MAX_TOKEN) {
				snprintf(err, errlen, "a word is longer than %d characters", MAX_TOKEN - 1);
				return -1;
			}
			o[len++] = c;
		}
		if (quoted) {
			snprintf(err, errlen, "unterminated quote");
			return -1;
		}
		o[len] = '\0';
		(*ntok)++;
	}
	return 0;
}

static int
parse_id(const char *s, int64_t *id)
{
	char *end;

	if (strncasecmp(s, "INC-", 4) == 0)
		s += 4;
	if (!isdigit((unsigned char)*s))
		return -1;
	long long v = strtoll(s, &end, 10);
	if (*end != '\0' || v <= 0)
		return -1;
	*id = v;
	return 0;
}

static int
parse_kv(struct command *c, const char *tok)
{
	const char *eq = strchr(tok, '=');

	if (eq == NULL || eq == tok || c->nkv == COMMAND_MAX_KV)
		return -1;
	size_t kl = (size_t)(eq - tok);
	if (kl >= sizeof(c->keys[0]) || strlen(eq + 1) >= sizeof(c->values[0]))
		return -1;
	memcpy(c->keys[c->nkv], tok, kl);
	c->keys[c->nkv][kl] = '\0';
	snprintf(c->values[c->nkv], sizeof(c->values[0]), "%s", eq + 1);
	c->nkv++;
	return 0;
}

static void
join(char tok[][MAX_TOKEN], size_t from, size_t n, char *out, size_t outlen)
{
	size_t off = 0;

	out[0] = '\0';
	for (size_t i = from; i < n && off < outlen; i++)
		off += (size_t)snprintf(out + off, outlen - off, "%s%s", i > from ? " " : "", tok[i]);
}

int
command_parse(const char *line, struct command *out, char *err, size_t errlen)
{
	static char tok[MAX_TOKENS][MAX_TOKEN];
	size_t n, first = 0;
	const struct verb *v = NULL;

	memset(out, 0, sizeof(*out));
	if (tokenize(line, tok, &n, err, errlen) != 0)
		return -1;
	if (n > 0 && (strcmp(tok[0], "/incident") == 0 || strcmp(tok[0], "incident") == 0))
		first = 1;
	if (first >= n) {
		out->verb = CMD_HELP;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_LEN(verbs); i++)
		if (strcasecmp(tok[first], verbs[i].name) == 0)
			v = &verbs[i];
	if (v == NULL) {
		snprintf(err, errlen, "unknown command '%.64s'; try: help", tok[first]);
		return -1;
	}
	out->verb = v->verb;
	const size_t a = first + 1; /* first argument */
	switch (v->verb) {
	case CMD_LIST:
		if (n > a + 1 || (n == a + 1 && strcmp(tok[a], "all") && strcmp(tok[a], "open")))
			goto usage;
		out->all = n == a + 1 && strcmp(tok[a], "all") == 0;
		break;
	case CMD_SHOW:
	case CMD_APPROVE:
	case CMD_DRYRUN:
	case CMD_ACK:
	case CMD_CLOSE:
		if (n != a + 1 || parse_id(tok[a], &out->incident_id) != 0)
			goto usage;
		break;
	case CMD_REJECT:
		if (n < a + 2 || parse_id(tok[a], &out->incident_id) != 0)
			goto usage;
		join(tok, a + 1, n, out->text, sizeof(out->text));
		break;
	case CMD_SPLIT:
		if (n != a + 2 || parse_id(tok[a], &out->incident_id) != 0 || tok[a + 1][0] == '\0')
			goto usage;
		snprintf(out->text, sizeof(out->text), "%s", tok[a + 1]);
		break;
	case CMD_MERGE:
		/* "merge INC-8 into INC-7": INC-7 is kept, as in the sentence */
		if (n != a + 3 || strcasecmp(tok[a + 1], "into") != 0 ||
		    parse_id(tok[a], &out->other_id) != 0 ||
		    parse_id(tok[a + 2], &out->incident_id) != 0)
			goto usage;
		break;
	case CMD_DECLARE:
		if (n < a + 1 || tok[a][0] == '\0')
			goto usage;
		snprintf(out->text, sizeof(out->text), "%s", tok[a]);
		snprintf(out->severity, sizeof(out->severity), "sev3");
		for (size_t i = a + 1; i < n; i++) {
			if (strlen(tok[i]) == 4 && strncasecmp(tok[i], "sev", 3) == 0 &&
			    tok[i][3] >= '1' && tok[i][3] <= '4')
				snprintf(out->severity, sizeof(out->severity), "sev%c", tok[i][3]);
			else if (parse_kv(out, tok[i]) != 0)
				goto usage;
		}
		break;
	case CMD_RUN:
		if (n < a + 1 || strchr(tok[a], '=') || strlen(tok[a]) >= sizeof(out->runbook))
			goto usage;
		snprintf(out->runbook, sizeof(out->runbook), "%s", tok[a]);
		for (size_t i = a + 1; i < n; i++)
			if (parse_kv(out, tok[i]) != 0)
				goto usage;
		break;
	case CMD_STATS:
		if (n > a + 1)
			goto usage;
		snprintf(out->text, sizeof(out->text), "%s", n == a + 1 ? tok[a] : "24h");
		if (strcmp(out->text, "24h") && strcmp(out->text, "7d") && strcmp(out->text, "30d"))
			goto usage;
		break;
	case CMD_AUTOPILOT:
		if (n != a + 1 || (strcmp(tok[a], "on") && strcmp(tok[a], "off")))
			goto usage;
		out->on = strcmp(tok[a], "on") == 0;
		break;
	case CMD_RUNBOOKS:
	case CMD_HELP:
		if (n != a)
			goto usage;
		break;
	}
	return 0;
usage:
	snprintf(err, errlen, "usage: %s", v->usage);
	return -1;
}

const char *
command_help(void)
{
	static char text[2048];

	if (text[0] == '\0') {
		size_t off = 0;
		/* padded in display columns: "…" is three bytes but one column */
		for (size_t i = 0; i < ARRAY_LEN(verbs) && off < sizeof(text); i++) {
			size_t c = present_cols(verbs[i].usage, strlen(verbs[i].usage));
			off += (size_t)snprintf(text + off, sizeof(text) - off, "%s%*s %s\n",
						verbs[i].usage, c < 44 ? (int)(44 - c) : 0, "",
						verbs[i].help);
		}
	}
	return text;
}

void
command_reply_free(struct command_reply *r)
{
	free(r->text);
	cJSON_Delete(r->data);
	memset(r, 0, sizeof(*r));
}
