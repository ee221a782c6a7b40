/* correlate.h — the policy's correlate rules: which alerts join an open incident as related
 * alerts instead of opening their own, and which kind of alert is the probable cause. The
 * loader takes the policy file's YAML node; the decisions are pure. */
#ifndef HEALER_CORRELATE_H
#define HEALER_CORRELATE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "runbook.h"

#define CORRELATE_MAX_RULES 16
#define CORRELATE_MAX_KEYS 8
#define CORRELATE_MAX_WINDOW_MS (24 * 3600 * 1000LL)
/* How long a verified fix waits for the incident's other alerts to clear before it resolves
 * anyway, when a rule sets no grace. */
#define CORRELATE_DEFAULT_GRACE_MS (10 * 60 * 1000LL)

struct correlate_rule {
	char *keys[CORRELATE_MAX_KEYS]; /* label names whose values must all be equal */
	size_t nkeys;
	int64_t window_ms;	   /* after the incident's first alert */
	int64_t grace_ms;	   /* wait for related alerts after a verified fix */
	struct label_match *cause; /* labels of an alert that is the cause when present */
	size_t ncause;
	int line;
};

struct correlate_rules {
	struct correlate_rule v[CORRELATE_MAX_RULES];
	size_t n;
};

/* Reads the `correlate:` list of the policy (node n of the policy file's document d) into
 * out, replacing what it held. Problems are d's errors, "file:line: correlate[i]…", counted
 * in d->nerr. A rule with an error is left out. */
struct yaml_doc;
struct yaml_node_s; /* libyaml's, known only to the policy loader and here */
void correlate_load(struct yaml_doc *d, struct yaml_node_s *n, struct correlate_rules *out);
void correlate_free(struct correlate_rules *r);

/* The first rule under which an alert with `labels`, seen at at_ms, joins an incident whose
 * first alert came at first_ms and one of whose alerts has `other` labels: the alert has
 * every key of the rule, with the same values as `other`, and at_ms - first_ms is within the
 * window. Returns the rule's index, or -1. The engine does not scan incidents with it: the
 * store's correlation index (store_related_lookup) answers the same question for all open
 * incidents at once, one lookup per rule; this is the rule's statement, for tests. */
int correlate_match(const struct correlate_rules *r, const cJSON *labels, int64_t at_ms,
		    const cJSON *other, int64_t first_ms);

/* True when a rule names this alert as a cause (its cause labels all match). */
bool correlate_is_cause(const struct correlate_rules *r, const cJSON *labels);

/* Of an incident's alerts (an array of label objects, oldest first), the index of the
 * probable cause: the oldest one a rule marks as a cause, else the oldest (0); -1 when
 * there are none. */
int correlate_cause(const struct correlate_rules *r, const cJSON *alerts);

/* The same over alerts in the order they arrived, each {labels, started_ms}: "oldest" is by
 * start time (an alert that started earlier but arrived late comes first), then arrival.
 * Returns the index in arrival order, -1 when there are none. */
int correlate_cause_started(const struct correlate_rules *r, const cJSON *alerts);

/* The grace of an incident whose alerts (label objects) are `alerts`: the longest grace of
 * the rules under which two of them share every key, else CORRELATE_DEFAULT_GRACE_MS. */
int64_t correlate_grace(const struct correlate_rules *r, const cJSON *alerts);

/* What an incident whose fix ended well waits for before it resolves. */
enum correlate_verdict {
	CORRELATE_RESOLVE,  /* nothing left firing: resolve now */
	CORRELATE_WAIT,	    /* alerts still firing: wait until they clear or the grace ends */
	CORRELATE_GRACE_UP, /* alerts still firing and the grace period is over: resolve */
};

struct correlate_wait {
	enum correlate_verdict verdict;
	int firing;	   /* alerts the incident still waits for */
	bool cause_firing; /* the probable cause is one of them (its fix did not run) */
	char cause[128];   /* "DeployFinished (checkout)" when cause_firing */
};

/* The pure decision after a fix ended well. alerts: the incident's alerts as the view lists
 * them (objects with fingerprint, alertname, resource, cleared, cause); fixed: the
 * fingerprint of the alert the fix was proposed for (it counts as fixed); until: the end of
 * the grace period (0: not waiting yet, never up). */
void correlate_wait(const cJSON *alerts, const char *fixed, int64_t now, int64_t until,
		    struct correlate_wait *w);

/* The card's line for a wait: "Fix verified; waiting for 2 related alerts to clear —
 * resolves at 03:12 UTC regardless". verified: the runbook had verification steps. */
void correlate_wait_text(const struct correlate_wait *w, bool verified, int64_t until, char *out,
			 size_t outlen);

/* Short forms of fingerprints, like short commit hashes: a card shows the shortest prefix of
 * at least CORRELATE_ID_SHOWN characters that no other alert of the incident starts with; a
 * person may type any prefix of at least CORRELATE_ID_MIN that only one of them starts with. */
#define CORRELATE_ID_MIN 6
#define CORRELATE_ID_SHOWN 8
#define CORRELATE_ID_MAX 129 /* a short form's buffer: longer ones are cut there */

/* The short form of fp among the alerts of an incident view (its "fingerprint" and its
 * "related" entries' ones) into out: the whole of fp when it is that short, or when
 * another fingerprint starts with all of it. */
void correlate_id_short(const cJSON *view, const char *fp, char *out, size_t outlen);

/* The fingerprint of the view's alerts that typed names: the one equal to it, else the only
 * one starting with it (typed at least CORRELATE_ID_MIN long). *fp is borrowed from view.
 * Returns 0, or -1 with msg saying why not (too short; ambiguous or unknown, listing the
 * short forms it could be or the related alerts). */
int correlate_id_resolve(const cJSON *view, const char *typed, const char **fp, char *msg,
			 size_t msglen);

#endif
