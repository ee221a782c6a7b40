/* runbook_load.c — validates a parsed runbook file into struct runbook: the top-level keys,
 * parameters with their anchored patterns, match rules and cost; each problem as file:line. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runbook_int.h"
#include "util.h"

#define RB_MAX_TITLE 200
#define RB_MAX_DESCRIPTION (16 * 1024)

/* ---- top-level keys ---- */

static void
parse_id(struct rb_vctx *v, const char *key, const struct rb_node *n, struct runbook *rb)
{
	size_t len;

	if (rb_get_str(v, n, key, &rb->id) < 0)
		return;
	len = strlen(rb->id);
	bool ok = len >= 1 && len <= 64 &&
		  strspn(rb->id, "abcdefghijklmnopqrstuvwxyz0123456789-") == len &&
		  rb->id[0] != '-';
	if (!ok)
		rb_err(v, n->line, key, "'%s' must match ^[a-z0-9][a-z0-9-]{0,63}$", rb->id);
}

static void
parse_title(struct rb_vctx *v, const char *key, const struct rb_node *n, struct runbook *rb)
{
	if (rb_get_str(v, n, key, &rb->title) < 0)
		return;
	if (*rb->title == '\0')
		rb_err(v, n->line, key, "must not be empty");
	else if (strlen(rb->title) > RB_MAX_TITLE)
		rb_err(v, n->line, key, "longer than %d bytes", RB_MAX_TITLE);
}

static void
parse_description(struct rb_vctx *v, const char *key, const struct rb_node *n, struct runbook *rb)
{
	free(rb->description); /* the "" default */
	rb->description = NULL;
	if (rb_get_str(v, n, key, &rb->description) < 0)
		return;
	if (strlen(rb->description) > RB_MAX_DESCRIPTION)
		rb_err(v, n->line, key, "longer than %d bytes", RB_MAX_DESCRIPTION);
}

/* An anchored pattern starts with ^ and ends with an unescaped $. */
static bool
pattern_anchored(const char *p)
{
	size_t len = strlen(p), bs = 0;

	if (len < 2 || p[0] != '^' || p[len - 1] != '$')
		return false;
	while (bs < len - 2 && p[len - 2 - bs] == '\\')
		bs++;
	return bs % 2 == 0;
}

/*
 * Compiles an anchored pattern as ^(inner)$: "^a|b$" written by hand anchors only one side
 * of each alternative, so the value "a; rm -rf /" would pass. Wrapping makes the whole
 * value match the whole pattern, whatever its alternatives.
 */
static int
pattern_compile(const char *p, regex_t *re, char *err, size_t errlen)
{
	size_t len = strlen(p);
	char *wrapped;
	int rc;

	if ((rc = regcomp(re, p, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(rc, re, err, errlen);
		regfree(re);
		return -1;
	}
	regfree(re);
	wrapped = xasprintf("^(%.*s)$", (int)(len - 2), p + 1);
	rc = regcomp(re, wrapped, REG_EXTENDED | REG_NOSUB);
	free(wrapped);
	if (rc != 0) {
		regerror(rc, re, err, errlen);
		regfree(re);
		return -1;
	}
	return 0;
}

/* Sets p->pattern and compiles it. The spec always ends with a compiled regex (the default
 * one when the given pattern is bad) so that runbook_free may regfree every parameter.
 * Returns false when the given pattern was refused. */
static bool
param_pattern(struct rb_vctx *v, const struct rb_node *c, const char *path, struct param_spec *p)
{
	char err[200];
	bool ok = false;

	if (c == NULL || c->type == RBN_NULL) {
		p->pattern = xstrdup(RB_DEFAULT_PATTERN);
		p->default_pattern = true;
	} else if (rb_get_str(v, c, path, &p->pattern) < 0)
		p->pattern = xstrdup(RB_DEFAULT_PATTERN);
	else if (!pattern_anchored(p->pattern))
		rb_err(v, c->line, path,
		       "'%s' must be anchored as ^…$ so that the whole value is matched",
		       p->pattern);
	else if (pattern_compile(p->pattern, &p->re, err, sizeof(err)) < 0)
		rb_err(v, c->line, path, "'%s' does not compile: %s", p->pattern, err);
	else
		return true;
	if (c == NULL || c->type == RBN_NULL)
		ok = true;
	if (pattern_compile(RB_DEFAULT_PATTERN, &p->re, err, sizeof(err)) < 0)
		abort(); /* a constant known to compile */
	return ok;
}

static void
parse_param(struct rb_vctx *v, const char *name, const struct rb_node *n, struct param_spec *p)
{
	static const char *const allowed[] = {"from", "pattern", "required", "default", NULL};
	const struct rb_node *c;
	char path[160], sub[200];
	bool pattern_ok;

	p->name = xstrdup(name);
	snprintf(path, sizeof(path), "params.%s", name);
	if (!template_name_ok(name))
		rb_err(v, n->line, "params",
		       "'%s' is not a valid parameter name (letters, digits and _, up to %d)", name,
		       RB_MAX_NAME);
	else if (strcmp(name, "incident") == 0)
		rb_err(v, n->line, "params", "'incident' is reserved (the engine sets it)");
	if (n->type == RBN_MAP)
		rb_check_keys(v, n, path, allowed);
	else if (n->type != RBN_NULL)
		rb_err(v, n->line, path, "expected a mapping ({from: …, pattern: …}), got %s",
		       rb_node_kind(n));

	snprintf(sub, sizeof(sub), "%s.from", path);
	if ((c = rb_map_get(n, "from")) != NULL && c->type != RBN_NULL &&
	    rb_get_str(v, c, sub, &p->from) == 0) {
		const char *dot = strchr(p->from, '.');
		size_t plen = dot ? (size_t)(dot - p->from) : 0;
		bool ok = dot != NULL && dot[1] != '\0' &&
			  ((plen == 6 && strncmp(p->from, "labels", 6) == 0) ||
			   (plen == 11 && strncmp(p->from, "annotations", 11) == 0));
		if (!ok)
			rb_err(v, c->line, sub,
			       "must be labels.<name> or annotations.<name>, not '%s'", p->from);
	}
	snprintf(sub, sizeof(sub), "%s.required", path);
	if ((c = rb_map_get(n, "required")) != NULL && c->type != RBN_NULL)
		rb_get_bool(v, c, sub, &p->required);
	snprintf(sub, sizeof(sub), "%s.pattern", path);
	pattern_ok = param_pattern(v, rb_map_get(n, "pattern"), sub, p);
	/* a warning, not an error: the default is safe, but a value the runbook legitimately
	 * needs (a path, a URL) would be refused at run time, far from where it was written */
	if (p->default_pattern)
		diag_add(v->errs, v->file, n->line,
			 "warning: %s: no pattern: the default %s applies (no '/', '..', ':' or "
			 "leading '-'); declare one",
			 path, RB_DEFAULT_PATTERN);
	snprintf(sub, sizeof(sub), "%s.default", path);
	if ((c = rb_map_get(n, "default")) != NULL && c->type != RBN_NULL &&
	    rb_get_str(v, c, sub, &p->default_value) == 0 && pattern_ok &&
	    regexec(&p->re, p->default_value, 0, NULL, 0) != 0)
		rb_err(v, c->line, sub, "'%s' does not match %s", p->default_value, p->pattern);
}

static void
parse_params(struct rb_vctx *v, const char *key, const struct rb_node *n, struct runbook *rb)
{
	if (n->type != RBN_MAP) {
		rb_err(v, n->line, key, "expected a mapping of name: {from, pattern, …}, got %s",
		       rb_node_kind(n));
		return;
	}
	if (n->n > RB_MAX_ITEMS) {
		rb_err(v, n->line, key, "too many parameters (at most %d)", RB_MAX_ITEMS);
		return;
	}
	rb->params = xcalloc(n->n, sizeof(*rb->params));
	for (size_t i = 0; i < n->n; i++)
		parse_param(v, n->keys[i]->str, n->vals[i], &rb->params[rb->nparams++]);
}

/* One "key: value" of a match rule; a "~" prefix makes the rest a regular expression. */
static void
parse_label(struct rb_vctx *v, const char *path, const struct rb_node *key,
	    const struct rb_node *val, struct label_match *m)
{
	char sub[200], err[200];
	int rc;

	m->key = xstrdup(key->str);
	snprintf(sub, sizeof(sub), "%s.%s", path, key->str);
	if (rb_get_str(v, val, sub, &m->value) < 0)
		return;
	if (m->value[0] != '~')
		return;
	memmove(m->value, m->value + 1, strlen(m->value));
	if ((rc = regcomp(&m->re, m->value, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(rc, &m->re, err, sizeof(err));
		regfree(&m->re);
		rb_err(v, val->line, sub, "regular expression '%s' does not compile: %s", m->value,
		       err);
		return;
	}
	m->is_regex = true;
}

static void
parse_match(struct rb_vctx *v, const char *key, const struct rb_node *n, struct runbook *rb)
{
	static const char *const allowed[] = {"labels", NULL};

	if (n->type != RBN_SEQ) {
		rb_err(v, n->line, key, "expected a list of {labels: {…}}, got %s",
		       rb_node_kind(n));
		return;
	}
	if (n->n > RB_MAX_ITEMS) {
		rb_err(v, n->line, key, "too many rules (at most %d)", RB_MAX_ITEMS);
		return;
	}
	rb->match = xcalloc(n->n, sizeof(*rb->match));
	for (size_t i = 0; i < n->n; i++) {
		const struct rb_node *e = n->vals[i], *labels;
		struct match_rule *r = &rb->match[rb->nmatch++];
		char path[64], lpath[80];
		int unknown;

		snprintf(path, sizeof(path), "match[%zu]", i);
		snprintf(lpath, sizeof(lpath), "%s.labels", path);
		if (e->type != RBN_MAP) {
			rb_err(v, e->line, path, "expected {labels: {…}}, got %s", rb_node_kind(e));
			continue;
		}
		unknown = rb_check_keys(v, e, path, allowed);
		if ((labels = rb_map_get(e, "labels")) == NULL || labels->type == RBN_NULL) {
			if (unknown == 0) /* else "unknown key 'alertname'" said it already */
				rb_err(v, e->line, path, "needs labels: {name: value, …}");
			continue;
		}
		if (labels->type != RBN_MAP) {
			rb_err(v, labels->line, lpath, "expected a mapping, got %s",
			       rb_node_kind(labels));
			continue;
		}
		/* an empty rule would match every alert */
		if (labels->n == 0 || labels->n > RB_MAX_ITEMS) {
			rb_err(v, labels->line, lpath, "needs 1 to %d labels", RB_MAX_ITEMS);
			continue;
		}
		r->labels = xcalloc(labels->n, sizeof(*r->labels));
		for (size_t j = 0; j < labels->n; j++)
			parse_label(v, lpath, labels->keys[j], labels->vals[j],
				    &r->labels[r->nlabels++]);
	}
}

static void
parse_risk(struct rb_vctx *v, const char *key, const struct rb_node *n, struct runbook *rb)
{
	char *s;
	int r;

	if (rb_get_str(v, n, key, &s) < 0)
		return;
	if ((r = risk_level_from_name(s)) < 0)
		rb_err(v, n->line, key, "must be low, medium, high or critical (got '%s')", s);
	else
		rb->risk = (enum risk_level)r;
	free(s);
}

static void
parse_blast_radius(struct rb_vctx *v, const char *key, const struct rb_node *n, struct runbook *rb)
{
	rb_get_int(v, n, key, 1, 100000, &rb->blast_radius);
}

static void
parse_idempotent(struct rb_vctx *v, const char *key, const struct rb_node *n, struct runbook *rb)
{
	rb_get_bool(v, n, key, &rb->idempotent);
}

/* A cost amount: a number that is not negative. Returns 0, 1 when absent, -1 when bad. */
static int
cost_number(struct rb_vctx *v, const struct rb_node *cost, const char *key, double *out)
{
	const struct rb_node *n = rb_map_get(cost, key);
	char path[64];

	if (n == NULL || n->type == RBN_NULL)
		return 1;
	snprintf(path, sizeof(path), "cost.%s", key);
	if (rb_get_number(v, n, path, out) < 0)
		return -1;
	if (*out < 0) {
		rb_err(v, n->line, path, "must not be negative (got %s)", n->str);
		return -1;
	}
	return 0;
}

static void
parse_cost(struct rb_vctx *v, const char *key, const struct rb_node *n, struct runbook *rb)
{
	static const char *const allowed[] = {"usd", "usd_per_hour", "quantity", "hours", NULL};
	const struct rb_node *q;
	int has_usd, has_hourly, has_hours;

	if (n->type != RBN_MAP) {
		rb_err(v, n->line, key,
		       "expected {usd: N} or {usd_per_hour: N, quantity: …, hours: N}");
		return;
	}
	rb_check_keys(v, n, key, allowed);
	/* present, valid or not: a bad amount is reported once, not again as a conflict */
	has_usd = cost_number(v, n, "usd", &rb->cost_usd) != 1;
	has_hourly = cost_number(v, n, "usd_per_hour", &rb->usd_per_hour) != 1;
	has_hours = cost_number(v, n, "hours", &rb->hours) != 1;
	q = rb_map_get(n, "quantity");
	if (has_usd && has_hourly) {
		rb_err(v, n->line, key, "has both usd and usd_per_hour; give one");
		return;
	}
	rb->cost_hourly = has_hourly;
	if (!has_hourly && (has_hours || (q != NULL && q->type != RBN_NULL))) {
		rb_err(v, n->line, key, "quantity and hours go with usd_per_hour only");
		return;
	}
	if (q == NULL || q->type == RBN_NULL ||
	    rb_get_str(v, q, "cost.quantity", &rb->quantity) < 0)
		return;
	if (strstr(rb->quantity, "{{") != NULL) {
		rb_check_template(v, q->line, "cost.quantity", rb->quantity);
	} else {
		double d;

		if (rb_get_number(v, q, "cost.quantity", &d) == 0 && d < 0)
			rb_err(v, q->line, "cost.quantity", "must not be negative (got %s)",
			       q->str);
	}
}

/* escalate: [stage, …]: only the shape here; the stages are checked across the set. */
static void
parse_escalate(struct rb_vctx *v, const char *key, const struct rb_node *n, struct runbook *rb)
{
	char path[48];

	rb->escalate_line = n->line;
	if (n->type != RBN_SEQ) {
		rb_err(v, n->line, key, "expected a list of runbook ids, got %s", rb_node_kind(n));
		return;
	}
	if (n->n > RB_MAX_LADDER) {
		rb_err(v, n->line, key, "too many stages (at most %d)", RB_MAX_LADDER);
		return;
	}
	rb->escalate = xcalloc(n->n, sizeof(*rb->escalate));
	for (size_t i = 0; i < n->n; i++) {
		char *id = NULL;

		snprintf(path, sizeof(path), "%s[%zu]", key, i);
		if (rb_get_str(v, n->vals[i], path, &id) < 0)
			continue;
		if (*id == '\0') {
			rb_err(v, n->vals[i]->line, path, "must name a runbook id");
			free(id);
			continue;
		}
		rb->escalate[rb->nescalate++] = id;
	}
}

/* The step sections, where their array and count live in struct runbook. */
static const struct section {
	const char *key;
	size_t off, count_off;
} sections[] = {
    {"diagnostics", offsetof(struct runbook, diagnostics), offsetof(struct runbook, ndiagnostics)},
    {"steps", offsetof(struct runbook, steps), offsetof(struct runbook, nsteps)},
    {"verify", offsetof(struct runbook, verify), offsetof(struct runbook, nverify)},
    {"rollback", offsetof(struct runbook, rollback), offsetof(struct runbook, nrollback)},
};

static void
parse_section(struct rb_vctx *v, const char *key, const struct rb_node *n, struct runbook *rb)
{
	const struct section *sec = NULL;
	struct step **arr;
	size_t *count;

	for (size_t i = 0; i < ARRAY_LEN(sections); i++)
		if (strcmp(sections[i].key, key) == 0)
			sec = &sections[i];
	if (sec == NULL)
		abort(); /* the key table and the section table disagree */
	arr = (struct step **)(void *)((char *)rb + sec->off);
	count = (size_t *)(void *)((char *)rb + sec->count_off);
	if (n->type != RBN_SEQ) {
		rb_err(v, n->line, key, "expected a list of steps, got %s", rb_node_kind(n));
		return;
	}
	if (n->n > RB_MAX_ITEMS) {
		rb_err(v, n->line, key, "too many steps (at most %d)", RB_MAX_ITEMS);
		return;
	}
	*arr = xcalloc(n->n, sizeof(**arr));
	for (size_t i = 0; i < n->n; i++)
		rb_step_parse(v, n->vals[i], key, i, &(*arr)[(*count)++]);
}

/*
 * The top-level keys, in the order they are processed: params come before anything holding
 * templates, so that every {{name}} can be checked against the declared parameters.
 */
static const struct top_key {
	const char *key;
	bool required;
	void (*parse)(struct rb_vctx *v, const char *key, const struct rb_node *n,
		      struct runbook *rb);
} top_keys[] = {
    {"id", true, parse_id},
    {"title", true, parse_title},
    {"description", false, parse_description},
    {"match", false, parse_match},
    {"params", false, parse_params},
    {"risk", false, parse_risk},
    {"blast_radius", false, parse_blast_radius},
    {"cost", false, parse_cost},
    {"idempotent", false, parse_idempotent},
    {"escalate", false, parse_escalate},
    {"diagnostics", false, parse_section},
    {"steps", true, parse_section},
    {"verify", false, parse_section},
    {"rollback", false, parse_section},
};

int
rb_build(const char *file, const struct rb_node *root, struct runbook **out, int *id_line,
	 struct diag_list *errs)
{
	const char *allowed[ARRAY_LEN(top_keys) + 1];
	struct rb_vctx v = {.file = file, .errs = errs};
	struct runbook *rb = xcalloc(1, sizeof(*rb));

	*out = NULL;
	*id_line = rb_map_get(root, "id") ? rb_map_get(root, "id")->line : root->line;
	v.rb = rb;
	rb->file = xstrdup(file);
	rb->description = xstrdup("");
	rb->risk = RISK_MEDIUM; /* unstated risk is not low: low may run on autopilot */
	rb->blast_radius = 1;
	rb->hours = 1;
	if (root->type != RBN_MAP) {
		rb_err(&v, root->line, "",
		       "the top level must be a mapping (id: …, title: …, steps: …)");
		goto out;
	}
	for (size_t i = 0; i < ARRAY_LEN(top_keys); i++)
		allowed[i] = top_keys[i].key;
	allowed[ARRAY_LEN(top_keys)] = NULL;
	rb_check_keys(&v, root, "", allowed);
	for (size_t i = 0; i < ARRAY_LEN(top_keys); i++) {
		const struct rb_node *n = rb_map_get(root, top_keys[i].key);

		if (n == NULL || n->type == RBN_NULL) {
			if (top_keys[i].required)
				rb_err(&v, n ? n->line : root->line, "",
				       "missing required key '%s'", top_keys[i].key);
			continue;
		}
		top_keys[i].parse(&v, top_keys[i].key, n, rb);
	}
	if (rb->nsteps == 0 && rb_map_get(root, "steps") != NULL && v.nerr == 0)
		rb_err(&v, rb_map_get(root, "steps")->line, "steps", "needs at least one step");
out:
	if (v.nerr > 0) {
		runbook_free(rb);
		return v.nerr;
	}
	*out = rb;
	return 0;
}
