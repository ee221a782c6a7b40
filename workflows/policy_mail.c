/* policy_mail.c — the policy's `mail:` section: routes of recipients by severity and state. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"
#include "state.h"
#include "util.h"

bool
policy_mail_address_valid(const char *a)
{
	const char *at, *s;

	if (a == NULL || strlen(a) < 3 || strlen(a) > 254 || (at = strchr(a, '@')) == NULL ||
	    at == a || strchr(at + 1, '@') != NULL || strchr(at + 1, '.') == NULL || at[1] == '.' ||
	    a[strlen(a) - 1] == '.')
		return false;
	for (s = a; s < at; s++)
		if (!isalnum((unsigned char)*s) && strchr("._%+-", *s) == NULL)
			return false;
	for (s = at + 1; *s; s++)
		if (!isalnum((unsigned char)*s) && strchr(".-", *s) == NULL)
			return false;
	return true;
}

bool
policy_mail_route_matches(const struct mail_route *r, const char *severity, const char *state)
{
	size_t i;
	int sev = -1;

	if (severity != NULL && strncmp(severity, "sev", 3) == 0 && severity[3] >= '1' &&
	    severity[3] <= '4' && severity[4] == '\0')
		sev = severity[3] - '0';
	if (r->sev_mask != 0 && (sev < 0 || (r->sev_mask & (1u << sev)) == 0))
		return false;
	if (r->nstates == 0)
		return true;
	for (i = 0; i < r->nstates; i++)
		if (state != NULL && strcmp(r->states[i], state) == 0)
			return true;
	return false;
}

/* A list of scalars (a single scalar is a list of one); each checked by ok(). */
typedef bool item_ok_fn(const char *s, struct mail_route *r);

static bool
to_ok(const char *s, struct mail_route *r)
{
	if (!policy_mail_address_valid(s) || r->nto == POLICY_MAX_MAIL_TO)
		return false;
	r->to = xrealloc(r->to, (r->nto + 1) * sizeof(*r->to));
	r->to[r->nto++] = xstrdup(s);
	return true;
}

static bool
severity_ok(const char *s, struct mail_route *r)
{
	if (strncmp(s, "sev", 3) != 0 || s[3] < '1' || s[3] > '4' || s[4] != '\0')
		return false;
	r->sev_mask |= 1u << (s[3] - '0');
	return true;
}

static bool
state_ok(const char *s, struct mail_route *r)
{
	if (state_from_name(s) < 0)
		return false;
	r->states = xrealloc(r->states, (r->nstates + 1) * sizeof(*r->states));
	r->states[r->nstates++] = xstrdup(s);
	return true;
}

static const struct {
	const char *key;
	item_ok_fn *ok;
	const char *expect;
} route_keys[] = {
    {"to", to_ok, "a mail address like oncall@example.com (at most 64 per route)"},
    {"severity", severity_ok, "sev1, sev2, sev3 or sev4"},
    {"states", state_ok, "an incident state like awaiting_approval, failed or resolved"},
};

static void
load_list(struct yaml_doc *l, yaml_node_t *n, size_t k, struct mail_route *r, int idx)
{
	yaml_node_item_t *it;
	yaml_node_t *item;
	const char *s;

	if (n->type == YAML_SCALAR_NODE) {
		if (!route_keys[k].ok(yaml_doc_scalar(n), r))
			yaml_doc_err(l, n, "mail.routes[%d].%s: '%s' is not %s", idx,
				     route_keys[k].key, yaml_doc_scalar(n), route_keys[k].expect);
		return;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		yaml_doc_err(l, n, "mail.routes[%d].%s must be a list", idx, route_keys[k].key);
		return;
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		item = yaml_doc_node(l, *it);
		s = yaml_doc_scalar(item);
		if (s == NULL || !route_keys[k].ok(s, r))
			yaml_doc_err(l, item, "mail.routes[%d].%s: '%s' is not %s", idx,
				     route_keys[k].key, s ? s : "", route_keys[k].expect);
	}
}

struct route_arg {
	struct mail_route *r;
	int idx;
};

static void
route_key_cb(struct yaml_doc *l, size_t i, yaml_node_t *k, yaml_node_t *v, void *arg)
{
	struct route_arg *a = arg;

	(void)k;
	load_list(l, v, i, a->r, a->idx);
}

static void
load_route(struct yaml_doc *l, yaml_node_t *n, struct mail_route *r, int idx)
{
	struct route_arg a = {r, idx};
	char where[32];
	struct yaml_doc_fields f = {
	    .section = where, YAML_DOC_TABLE(route_keys), .repeat_ok = true};

	if (n->type != YAML_MAPPING_NODE) {
		yaml_doc_err(l, n, "mail.routes[%d] must be a mapping with to, severity and states",
			     idx);
		return;
	}
	snprintf(where, sizeof(where), "mail.routes[%d]", idx);
	yaml_doc_fields(l, n, &f, route_key_cb, &a);
	if (r->nto == 0)
		yaml_doc_err(l, n, "mail.routes[%d]: 'to' needs at least one address", idx);
}

static void
load_routes(struct yaml_doc *l, yaml_node_t *routes, struct policy *p)
{
	yaml_node_item_t *it;
	int idx = 0;

	if (routes->type != YAML_SEQUENCE_NODE) {
		yaml_doc_err(l, routes, "mail.routes must be a list of routes");
		return;
	}
	for (it = routes->data.sequence.items.start; it < routes->data.sequence.items.top; it++) {
		if (p->nmail_routes == POLICY_MAX_MAIL_ROUTES) {
			yaml_doc_err(l, routes, "mail.routes: too many routes (at most %d)",
				     POLICY_MAX_MAIL_ROUTES);
			return;
		}
		p->mail_routes =
		    xrealloc(p->mail_routes, (p->nmail_routes + 1) * sizeof(*p->mail_routes));
		memset(&p->mail_routes[p->nmail_routes], 0, sizeof(*p->mail_routes));
		load_route(l, yaml_doc_node(l, *it), &p->mail_routes[p->nmail_routes++], idx++);
	}
}

static const struct {
	const char *key;
} mail_keys[] = {{"routes"}};

static void
mail_key_cb(struct yaml_doc *l, size_t i, yaml_node_t *k, yaml_node_t *v, void *p)
{
	(void)i;
	(void)k;
	load_routes(l, v, p);
}

void
policy_mail_load(struct yaml_doc *l, yaml_node_t *n, struct policy *p)
{
	static const struct yaml_doc_fields f = {
	    .section = "mail", YAML_DOC_TABLE(mail_keys), .repeat_ok = true};

	if (n->type != YAML_MAPPING_NODE) {
		yaml_doc_err(l, n, "mail must be a mapping with routes");
		return;
	}
	yaml_doc_fields(l, n, &f, mail_key_cb, p);
}

void
policy_mail_free(struct policy *p)
{
	size_t i, j;

	for (i = 0; i < p->nmail_routes; i++) {
		for (j = 0; j < p->mail_routes[i].nto; j++)
			free(p->mail_routes[i].to[j]);
		for (j = 0; j < p->mail_routes[i].nstates; j++)
			free(p->mail_routes[i].states[j]);
		free(p->mail_routes[i].to);
		free(p->mail_routes[i].states);
	}
	free(p->mail_routes);
	p->mail_routes = NULL;
	p->nmail_routes = 0;
}
