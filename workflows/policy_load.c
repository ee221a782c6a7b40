/* policy_load.c — reads and validates the policy YAML file into struct policy (libyaml). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "policy.h"
#include "policy_int.h"
#include "util.h"
#include "yaml_doc.h"

#define POLICY_FILE_CAP (1024 * 1024)
#define POLICY_MAX_USERS 1024
#define POLICY_MAX_ROLE_DEFS 64

enum field_type {
	F_RISK,	    /* low | medium | high | critical */
	F_USD,	    /* non-negative number */
	F_FRACTION, /* number in [0, 1] */
	F_INT,	    /* non-negative integer; 0 = no limit */
	F_COUNT,    /* integer >= 1 */
	F_BOOL,	    /* true | false */
	F_DURATION, /* duration_parse(); must be > 0 when positive */
	F_ROLES,    /* list of role names */
};

struct field {
	const char *key;
	enum field_type type;
	size_t off;
	bool positive; /* F_DURATION: 0 is not allowed */
};

static const struct field autopilot_fields[] = {
    {"max_risk", F_RISK, offsetof(struct policy, ap_max_risk), false},
    {"max_cost_usd", F_USD, offsetof(struct policy, ap_max_cost_usd), false},
    {"min_confidence", F_FRACTION, offsetof(struct policy, ap_min_confidence), false},
    {"max_usd_per_day", F_USD, offsetof(struct policy, ap_max_usd_per_day), false},
};

static const struct field limits_fields[] = {
    {"max_runs_per_hour", F_INT, offsetof(struct policy, max_runs_per_hour), false},
    {"max_concurrent", F_INT, offsetof(struct policy, max_concurrent), false},
    {"cooldown_per_resource", F_DURATION, offsetof(struct policy, cooldown_ms), false},
};

static const struct field rule_fields[] = {
    {"roles", F_ROLES, 0, false},
    {"count", F_COUNT, offsetof(struct approval_rule, count), false},
    {"requester_may_approve", F_BOOL, offsetof(struct approval_rule, requester_may_approve), false},
};

static const struct field ttl_field = {"approval_ttl", F_DURATION,
				       offsetof(struct policy, approval_ttl_ms), true};

/* A role named in approvals, checked against `roles` once the whole file is read. */
struct role_ref {
	const char *role; /* borrowed from the document */
	char where[64];	  /* "approvals.high.roles" */
	int line;
};

struct loader {
	struct yaml_doc d; /* first: the field callbacks get &l->d */
	struct policy *p;
	struct role_ref refs[RISK__COUNT * POLICY_MAX_ROLES];
	size_t nrefs;
};

typedef void section_fn(struct loader *, yaml_node_t *);

#define lerr(l, n, ...) yaml_doc_err(&(l)->d, (n), __VA_ARGS__)

static yaml_node_t *
node(struct loader *l, int id)
{
	return yaml_doc_node(&l->d, id);
}

static void
load_roles_list(struct loader *l, yaml_node_t *n, const char *where, struct approval_rule *rule)
{
	yaml_node_item_t *it;
	yaml_node_t *item;
	const char *name;
	size_t i;

	if (n->type != YAML_SEQUENCE_NODE) {
		lerr(l, n, "%s must be a list of role names", where);
		return;
	}
	for (i = 0; i < rule->nroles; i++)
		free(rule->roles[i]);
	rule->nroles = 0;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		item = node(l, *it);
		if ((name = yaml_doc_scalar(item)) == NULL || *name == '\0') {
			lerr(l, item, "%s: a role must be a name", where);
			continue;
		}
		if (rule->nroles == POLICY_MAX_ROLES) {
			lerr(l, item, "%s: too many roles (at most %d)", where, POLICY_MAX_ROLES);
			break;
		}
		rule->roles[rule->nroles++] = xstrdup(name);
		if (strcmp(name, "any") != 0 && l->nrefs < ARRAY_LEN(l->refs)) {
			l->refs[l->nrefs].role = name;
			snprintf(l->refs[l->nrefs].where, sizeof(l->refs[0].where), "%s", where);
			l->refs[l->nrefs].line = (int)item->start_mark.line + 1;
			l->nrefs++;
		}
	}
	if (rule->nroles == 0 && n->data.sequence.items.start == n->data.sequence.items.top)
		lerr(l, n, "%s must name at least one role", where);
}

/* Parses one value of the field table into base + f->off. */
static void
load_field(struct loader *l, const struct field *f, const char *section, yaml_node_t *v, void *base)
{
	char where[64];
	const char *s;
	double d;
	long i;
	int64_t ms;
	int r;

	snprintf(where, sizeof(where), "%s%s%s", section, *section ? "." : "", f->key);
	if (f->type == F_ROLES) {
		load_roles_list(l, v, where, base);
		return;
	}
	if ((s = yaml_doc_value(&l->d, v, where)) == NULL)
		return;
	switch (f->type) {
	case F_RISK:
		if ((r = risk_level_from_name(s)) < 0)
			lerr(l, v,
			     "%s: unknown risk level '%s' (expected low, medium, high or "
			     "critical)",
			     where, s);
		else
			*(enum risk_level *)((char *)base + f->off) = (enum risk_level)r;
		break;
	case F_USD:
		if (yaml_doc_number(s, &d) < 0 || d < 0)
			lerr(l, v, "%s: '%s' is not a non-negative number", where, s);
		else
			*(double *)((char *)base + f->off) = d;
		break;
	case F_FRACTION:
		if (yaml_doc_number(s, &d) < 0 || d < 0 || d > 1)
			lerr(l, v, "%s: '%s' is not a number between 0 and 1", where, s);
		else
			*(double *)((char *)base + f->off) = d;
		break;
	case F_INT:
		if (yaml_doc_integer(s, 0, 1000000, &i) < 0)
			lerr(l, v, "%s: '%s' is not a non-negative integer", where, s);
		else
			*(int *)((char *)base + f->off) = (int)i;
		break;
	case F_COUNT:
		if (yaml_doc_integer(s, 1, 1000000, &i) < 0)
			lerr(l, v, "%s: '%s' is not an integer >= 1", where, s);
		else
			*(int *)((char *)base + f->off) = (int)i;
		break;
	case F_BOOL:
		if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)
			*(bool *)((char *)base + f->off) = strcmp(s, "true") == 0;
		else
			lerr(l, v, "%s: '%s' is not true or false", where, s);
		break;
	case F_DURATION:
		if (yaml_doc_duration(&l->d, v, where, "30s, 5m, 1h30m", &ms) < 0)
			break;
		if (f->positive && ms <= 0)
			lerr(l, v, "%s: must be longer than 0", where);
		else
			*(int64_t *)((char *)base + f->off) = ms;
		break;
	case F_ROLES:
		break;
	}
}

/* What load_fields hands each key's callback. */
struct fields_arg {
	const struct field *fields;
	const char *section;
	void *base;
};

static void
field_cb(struct yaml_doc *d, size_t i, yaml_node_t *k, yaml_node_t *v, void *arg)
{
	struct fields_arg *a = arg;

	(void)k;
	load_field((struct loader *)(void *)d, &a->fields[i], a->section, v, a->base);
}

/* A mapping whose keys come from a field table; unknown and repeated keys are errors. */
static void
load_fields(struct loader *l, yaml_node_t *n, const char *section, const struct field *fields,
	    size_t nfields, void *base)
{
	struct fields_arg a = {fields, section, base};
	struct yaml_doc_fields f = {
	    .section = section, .table = fields, .nkeys = nfields, .stride = sizeof(*fields)};

	yaml_doc_fields(&l->d, n, &f, field_cb, &a);
}

static void
load_autopilot(struct loader *l, yaml_node_t *n)
{
	load_fields(l, n, "autopilot", autopilot_fields, ARRAY_LEN(autopilot_fields), l->p);
}

static void
load_limits(struct loader *l, yaml_node_t *n)
{
	load_fields(l, n, "limits", limits_fields, ARRAY_LEN(limits_fields), l->p);
}

static void
load_ttl(struct loader *l, yaml_node_t *n)
{
	load_field(l, &ttl_field, "", n, l->p);
}

/* approvals: {low: {...}, high: {...}}; levels not written keep their defaults. */
static void
load_approvals(struct loader *l, yaml_node_t *n)
{
	yaml_node_pair_t *pr;
	yaml_node_t *k;
	const char *key;
	char where[32];
	bool seen[RISK__COUNT] = {false};
	int r;

	if (n->type != YAML_MAPPING_NODE) {
		lerr(l, n, "approvals must be a mapping of risk levels");
		return;
	}
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		k = node(l, pr->key);
		key = yaml_doc_key(&l->d, pr->key);
		if ((r = risk_level_from_name(key)) < 0) {
			lerr(l, k,
			     "approvals: unknown risk level '%s' (expected low, medium, high or "
			     "critical)",
			     key);
			continue;
		}
		if (seen[r]) {
			lerr(l, k, "approvals: duplicate key '%s'", key);
			continue;
		}
		seen[r] = true;
		snprintf(where, sizeof(where), "approvals.%s", key);
		load_fields(l, node(l, pr->value), where, rule_fields, ARRAY_LEN(rule_fields),
			    &l->p->approvals[r]);
	}
}

static void
load_freeze(struct loader *l, yaml_node_t *n)
{
	yaml_node_item_t *it;
	yaml_node_t *item;
	const char *s;
	size_t i;

	if (n->type != YAML_SEQUENCE_NODE) {
		lerr(l, n, "freeze must be a list (write [] for none)");
		return;
	}
	for (i = 0; i < l->p->nfreeze; i++)
		free(l->p->freeze[i].text);
	l->p->nfreeze = 0;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		item = node(l, *it);
		if (l->p->nfreeze == POLICY_MAX_FREEZE) {
			lerr(l, item, "freeze: too many windows (at most %d)", POLICY_MAX_FREEZE);
			break;
		}
		s = yaml_doc_scalar(item);
		if (freeze_parse(s, &l->p->freeze[l->p->nfreeze]) < 0) {
			lerr(l, item,
			     "freeze: bad window '%s' (expected e.g. \"Sat 00:00-Sun 23:59\")",
			     s ? s : "");
			continue;
		}
		l->p->nfreeze++;
	}
}

static void
load_members(struct loader *l, yaml_node_t *n, struct role_members *rm)
{
	yaml_node_item_t *it;
	yaml_node_t *item;
	const char *u;

	if (n->type != YAML_SEQUENCE_NODE) {
		lerr(l, n, "roles.%s must be a list of user ids", rm->role);
		return;
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		item = node(l, *it);
		u = yaml_doc_scalar(item);
		if (!policy_user_valid(u)) {
			lerr(l, item,
			     "roles.%s: bad user id '%s' (expected slack:…, teams:… or "
			     "console:…)",
			     rm->role, u ? u : "");
			continue;
		}
		if (rm->nusers == POLICY_MAX_USERS) {
			lerr(l, item, "roles.%s: too many users (at most %d)", rm->role,
			     POLICY_MAX_USERS);
			break;
		}
		rm->users = xrealloc(rm->users, (rm->nusers + 1) * sizeof(*rm->users));
		rm->users[rm->nusers++] = xstrdup(u);
	}
}

static void
load_roles(struct loader *l, yaml_node_t *n)
{
	yaml_node_pair_t *pr;
	yaml_node_t *k;
	struct role_members *rm;
	const char *name;
	size_t i;

	if (n->type != YAML_MAPPING_NODE) {
		lerr(l, n, "roles must be a mapping of role name to user ids");
		return;
	}
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		k = node(l, pr->key);
		name = yaml_doc_scalar(k);
		if (name == NULL || *name == '\0') {
			lerr(l, k, "roles: a role must be a name");
			continue;
		}
		if (strcmp(name, "any") == 0) {
			lerr(l, k, "roles: 'any' is built in (every user) and cannot be defined");
			continue;
		}
		for (i = 0; i < l->p->nroles; i++)
			if (strcmp(l->p->roles[i].role, name) == 0)
				break;
		if (i < l->p->nroles) {
			lerr(l, k, "roles: duplicate key '%s'", name);
			continue;
		}
		if (l->p->nroles == POLICY_MAX_ROLE_DEFS) {
			lerr(l, k, "roles: too many roles (at most %d)", POLICY_MAX_ROLE_DEFS);
			break;
		}
		l->p->roles = xrealloc(l->p->roles, (l->p->nroles + 1) * sizeof(*l->p->roles));
		rm = &l->p->roles[l->p->nroles++];
		memset(rm, 0, sizeof(*rm));
		rm->role = xstrdup(name);
		load_members(l, node(l, pr->value), rm);
	}
}

static void
load_mail(struct loader *l, yaml_node_t *n)
{
	policy_mail_load(&l->d, n, l->p);
}

static void
load_correlate(struct loader *l, yaml_node_t *n)
{
	correlate_load(&l->d, n, &l->p->correlate);
}

static const struct {
	const char *key;
	section_fn *fn;
} sections[] = {
    {"mail", load_mail},	{"autopilot", load_autopilot}, {"approvals", load_approvals},
    {"approval_ttl", load_ttl}, {"limits", load_limits},       {"freeze", load_freeze},
    {"roles", load_roles},	{"correlate", load_correlate},
};

/* A role named in approvals must exist in `roles` (maybe with no members): catches typos. */
static void
check_role_refs(struct loader *l)
{
	size_t i, j;

	for (i = 0; i < l->nrefs; i++) {
		for (j = 0; j < l->p->nroles; j++)
			if (strcmp(l->p->roles[j].role, l->refs[i].role) == 0)
				break;
		if (j < l->p->nroles)
			continue;
		diag_add(l->d.errs, l->d.file, l->refs[i].line,
			 "%s: role '%s' is not defined in roles", l->refs[i].where,
			 l->refs[i].role);
		l->d.nerr++;
	}
}

static void
section_cb(struct yaml_doc *d, size_t i, yaml_node_t *k, yaml_node_t *v, void *arg)
{
	(void)k;
	(void)arg;
	sections[i].fn((struct loader *)(void *)d, v);
}

static void
load_root(struct loader *l, yaml_node_t *root)
{
	static const struct yaml_doc_fields top = {
	    .section = "",
	    YAML_DOC_TABLE(sections),
	    .expect = "autopilot, approvals, approval_ttl, limits, freeze, roles, mail or "
		      "correlate",
	};

	if (root->type != YAML_MAPPING_NODE) {
		lerr(l, root, "the policy must be a mapping (autopilot, approvals, ...)");
		return;
	}
	yaml_doc_fields(&l->d, root, &top, section_cb, NULL);
	check_role_refs(l);
}

int
policy_load(const char *path, bool must_exist, struct policy *out, struct diag_list *errs)
{
	struct loader l = {.p = NULL};
	struct policy p;
	yaml_node_t *root;

	policy_defaults(&p);
	l.p = &p;
	/* the refs borrow strings from the document: checked in load_root, before it goes */
	if (yaml_doc_open(&l.d, path, POLICY_FILE_CAP, must_exist, "policy", errs) == 0 &&
	    (root = yaml_doc_root(&l.d)) != NULL)
		load_root(&l, root);
	yaml_doc_close(&l.d);
	if (l.d.nerr > 0) {
		policy_free(&p);
		policy_defaults(&p);
	}
	*out = p;
	return l.d.nerr;
}
