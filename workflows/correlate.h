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
 * window. Returns the rule's index, or -1. */
int correlate_match(const struct correlate_rules *r, const cJSON *labels, int64_t at_ms,
		    const cJSON *other, int64_t first_ms);

/* True when a rule names this alert as a cause (its cause labels all match). */
bool correlate_is_cause(const struct correlate_rules *r, const cJSON *labels);

/* Of an incident's alerts (an array of label objects, oldest first), the index of the
 * probable cause: the oldest one a rule marks as a cause, else the oldest (0); -1 when
 * there are none. */
int correlate_cause(const struct correlate_rules *r, const cJSON *alerts);

#endif
