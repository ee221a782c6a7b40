/* policy_mail.c — the policy's `mail:` section: routes of recipients by severity and state. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"
#include "state.h"
#include "util.h"

struct mload {
	yaml_document_t *doc;
	const char *file;
	struct diag_list *errs;
	int nerr;
};

static void __attribute__((format(printf, 3, 4)))
merr(struct mload *l, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_add(l->errs, l->file, n != NULL ? (int)n->start_mark.line + 1 : 1, "%s", msg);
	l->nerr++;
}

static const char *
scalar(const yaml_node_t *n)
{
	return n != NULL && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

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
load_list(struct mload *l, yaml_node_t *n, size_t k, struct mail_route *r, int idx)
{
	yaml_node_item_t *it;
	yaml_node_t *item;
	const char *s;

	if (n->type == YAML_SCALAR_NODE) {
		if (!route_keys[k].ok(scalar(n), r))
			merr(l, n, "mail.routes[%d].%s: '%s' is not %s", idx, route_keys[k].key,
			     scalar(n), route_keys[k].expect);
		return;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		merr(l, n, "mail.routes[%d].%s must be a list", idx, route_keys[k].key);
		return;
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		item = yaml_document_get_node(l->doc, *it);
		s = scalar(item);
		if (s == NULL || !route_keys[k].ok(s, r))
			merr(l, item, "mail.routes[%d].%s: '%s' is not %s", idx, route_keys[k].key,
			     s ? s : "", route_keys[k].expect);
	}
}

static void
load_route(struct mload *l, yaml_node_t *n, struct mail_route *r, int idx)
{
	yaml_node_pair_t *pr;
	yaml_node_t *k;
	const char *key;
	size_t i;

	if (n->type != YAML_MAPPING_NODE) {
		merr(l, n, "mail.routes[%d] must be a mapping with to, severity and states", idx);
		return;
	}
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		k = yaml_document_get_node(l->doc, pr->key);
		key = scalar(k) ? scalar(k) : "";
		for (i = 0; i < ARRAY_LEN(route_keys); i++)
			if (strcmp(route_keys[i].key, key) == 0)
				break;
		if (i == ARRAY_LEN(route_keys)) {
			merr(l, k,
			     "mail.routes[%d]: unknown key '%s' (expected to, severity or states)",
			     idx, key);
			continue;
		}
		load_list(l, yaml_document_get_node(l->doc, pr->value), i, r, idx);
	}
	if (r->nto == 0)
		merr(l, n, "mail.routes[%d]: 'to' needs at least one address", idx);
}

static void
load_routes(struct mload *l, yaml_node_t *routes, struct policy *p)
{
	yaml_node_item_t *it;
	int idx = 0;

	if (routes->type != YAML_SEQUENCE_NODE) {
		merr(l, routes, "mail.routes must be a list of routes");
		return;
	}
	for (it = routes->data.sequence.items.start; it < routes->data.sequence.items.top; it++) {
		if (p->nmail_routes == POLICY_MAX_MAIL_ROUTES) {
			merr(l, routes, "mail.routes: too many routes (at most %d)",
			     POLICY_MAX_MAIL_ROUTES);
			return;
		}
		p->mail_routes =
		    xrealloc(p->mail_routes, (p->nmail_routes + 1) * sizeof(*p->mail_routes));
		memset(&p->mail_routes[p->nmail_routes], 0, sizeof(*p->mail_routes));
		load_route(l, yaml_document_get_node(l->doc, *it),
			   &p->mail_routes[p->nmail_routes++], idx++);
	}
}

int
policy_mail_load(yaml_document_t *doc, yaml_node_t *n, struct policy *p, const char *file,
		 struct diag_list *errs)
{
	struct mload l = {doc, file, errs, 0};
	yaml_node_pair_t *pr;
	yaml_node_t *k;

	if (n->type != YAML_MAPPING_NODE) {
		merr(&l, n, "mail must be a mapping with routes");
		return l.nerr;
	}
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		k = yaml_document_get_node(doc, pr->key);
		if (scalar(k) != NULL && strcmp(scalar(k), "routes") == 0)
			load_routes(&l, yaml_document_get_node(doc, pr->value), p);
		else
			merr(&l, k, "mail: unknown key '%s' (expected routes)",
			     scalar(k) ? scalar(k) : "");
	}
	return l.nerr;
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
