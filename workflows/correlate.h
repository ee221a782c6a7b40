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

struct correlate_rule {
	char *keys[CORRELATE_MAX_KEYS]; /* label names whose values must all be equal */
	size_t nkeys;
	int64_t window_ms;	   /* after the incident's first alert */
	struct label_match *cause; /* labels of an alert that is the cause when present */
	size_t ncause;
	int line;
};

struct correlate_rules {
	struct correlate_rule v[CORRELATE_MAX_RULES];
	size_t n;
};

/* Reads the `correlate:` list of the policy (doc's node n) into out, replacing what it held.
 * Problems go to errs as "file:line: correlate[i]…"; returns their number (0 = all good).
 * A rule with an error is left out. */
struct yaml_document_s; /* libyaml's, known only to the policy loader and here */
struct yaml_node_s;
int correlate_load(struct yaml_document_s *doc, struct yaml_node_s *n, const char *file,
		   struct correlate_rules *out, struct diag_list *errs);
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
