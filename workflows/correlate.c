/* correlate.c — the correlate rules of the policy: loading with file:line errors, and the
 * pure decisions (does an alert join an incident, which alert is the probable cause). */
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "correlate.h"
#include "util.h"
#include "yaml_doc.h"

/* The loader's state is the policy file's: its document, where the errors are counted. */
struct cload {
	struct yaml_doc *d;
};

#define cerr(c, ...) yaml_doc_err((c)->d, __VA_ARGS__)

static const char *
scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static void
rule_free(struct correlate_rule *r)
{
	for (size_t i = 0; i < r->nkeys; i++)
		free(r->keys[i]);
	for (size_t i = 0; i < r->ncause; i++) {
		if (r->cause[i].is_regex)
			regfree(&r->cause[i].re);
		free(r->cause[i].key);
		free(r->cause[i].value);
	}
	free(r->cause);
	memset(r, 0, sizeof(*r));
}

void
correlate_free(struct correlate_rules *r)
{
	for (size_t i = 0; i < r->n; i++)
		rule_free(&r->v[i]);
	r->n = 0;
}

static bool
label_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n <= 128 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

static void
load_keys(struct cload *c, yaml_node_t *n, const char *where, struct correlate_rule *r)
{
	if (n->type != YAML_SEQUENCE_NODE ||
	    n->data.sequence.items.top == n->data.sequence.items.start) {
		cerr(c, n, "%s.keys: expected a list of label names, e.g. [service]", where);
		return;
	}
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *k = yaml_doc_node(c->d, *it);
		const char *s = scalar(k);

		if (!label_name_ok(s)) {
			cerr(c, k, "%s.keys: '%s' is not a label name", where, s ? s : "");
			continue;
		}
		if (r->nkeys == CORRELATE_MAX_KEYS) {
			cerr(c, k, "%s.keys: too many keys (at most %d)", where,
			     CORRELATE_MAX_KEYS);
			break;
		}
		r->keys[r->nkeys++] = xstrdup(s);
	}
}

static void
load_window(struct cload *c, yaml_node_t *n, const char *where, struct correlate_rule *r)
{
	const char *s = scalar(n);

	if (s == NULL || duration_parse(s, &r->window_ms) != 0 || r->window_ms <= 0 ||
	    r->window_ms > CORRELATE_MAX_WINDOW_MS)
		cerr(c, n, "%s.window: expected a duration from 1s to 24h, e.g. 5m, got '%s'",
		     where, s ? s : "");
}

static void
load_grace(struct cload *c, yaml_node_t *n, const char *where, struct correlate_rule *r)
{
	const char *s = scalar(n);

	/* 0s is allowed: resolve as soon as the fix verified, saying what still fires */
	if (s == NULL || duration_parse(s, &r->grace_ms) != 0 || r->grace_ms < 0 ||
	    r->grace_ms > CORRELATE_MAX_WINDOW_MS)
		cerr(c, n, "%s.grace: expected a duration from 0s to 24h, e.g. 10m, got '%s'",
		     where, s ? s : "");
}

/* cause: {label: value, label: "~regex"} */
static void
load_cause(struct cload *c, yaml_node_t *n, const char *where, struct correlate_rule *r)
{
	if (n->type != YAML_MAPPING_NODE) {
		cerr(c, n, "%s.cause: expected a mapping of labels, e.g. {alertname: \"~^Deploy\"}",
		     where);
		return;
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_doc_node(c->d, p->key);
		const char *key = scalar(k), *val = scalar(yaml_doc_node(c->d, p->value));
		struct label_match m = {0};

		if (!label_name_ok(key) || val == NULL) {
			cerr(c, k, "%s.cause: '%s' must be a label name with a text value", where,
			     key ? key : "");
			continue;
		}
		if (r->ncause == CORRELATE_MAX_KEYS) {
			cerr(c, k, "%s.cause: too many labels (at most %d)", where,
			     CORRELATE_MAX_KEYS);
			break;
		}
		m.is_regex = val[0] == '~';
		if (m.is_regex && regcomp(&m.re, val + 1, REG_EXTENDED | REG_NOSUB) != 0) {
			cerr(c, k, "%s.cause.%s: bad regular expression '%s'", where, key, val + 1);
			continue;
		}
		m.key = xstrdup(key);
		m.value = xstrdup(m.is_regex ? val + 1 : val);
		r->cause = xrealloc(r->cause, (r->ncause + 1) * sizeof(*r->cause));
		r->cause[r->ncause++] = m;
	}
}

/* The keys of one rule, as a table: what each reads and whether it must be there. */
static const struct {
	const char *key;
	bool required;
	void (*load)(struct cload *, yaml_node_t *, const char *, struct correlate_rule *);
} rule_keys[] = {
    {"keys", true, load_keys},
    {"window", true, load_window},
    {"cause", false, load_cause},
    {"grace", false, load_grace},
};

static void
load_rule(struct cload *c, yaml_node_t *n, const char *where, struct correlate_rule *r)
{
	bool seen[ARRAY_LEN(rule_keys)] = {false};

	r->line = (int)n->start_mark.line + 1;
	r->grace_ms = CORRELATE_DEFAULT_GRACE_MS;
	if (n->type != YAML_MAPPING_NODE) {
		cerr(c, n, "%s: expected a mapping {keys: [...], window: 5m}", where);
		return;
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_doc_node(c->d, p->key);
		const char *key = scalar(k);
		size_t i;

		for (i = 0; i < ARRAY_LEN(rule_keys); i++)
			if (key && strcmp(rule_keys[i].key, key) == 0)
				break;
		if (i == ARRAY_LEN(rule_keys)) {
			cerr(c, k, "%s: unknown key '%s' (expected keys, window, cause or grace)",
			     where, key ? key : "");
			continue;
		}
		seen[i] = true;
		rule_keys[i].load(c, yaml_doc_node(c->d, p->value), where, r);
	}
	for (size_t i = 0; i < ARRAY_LEN(rule_keys); i++)
		if (rule_keys[i].required && !seen[i])
			cerr(c, n, "%s: missing key '%s'", where, rule_keys[i].key);
}

void
correlate_load(struct yaml_doc *d, struct yaml_node_s *n, struct correlate_rules *out)
{
	struct cload c = {d};

	correlate_free(out);
	if (n->type != YAML_SEQUENCE_NODE) {
		cerr(&c, n, "correlate: expected a list of rules (write [] for none)");
		return;
	}
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *item = yaml_doc_node(d, *it);
		char where[32];
		int before = d->nerr;

		if (out->n == CORRELATE_MAX_RULES) {
			cerr(&c, item, "correlate: too many rules (at most %d)",
			     CORRELATE_MAX_RULES);
			break;
		}
		snprintf(where, sizeof(where), "correlate[%zu]",
			 (size_t)(it - n->data.sequence.items.start));
		load_rule(&c, item, where, &out->v[out->n]);
		if (d->nerr == before)
			out->n++;
		else
			rule_free(&out->v[out->n]);
	}
}

static const char *
label(const cJSON *labels, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(labels, key));
}

/* True when both label sets have every key of the rule, with the same values. */
static bool
keys_equal(const struct correlate_rule *cr, const cJSON *labels, const cJSON *other)
{
	bool all = cr->nkeys > 0;

	for (size_t k = 0; all && k < cr->nkeys; k++) {
		const char *a = label(labels, cr->keys[k]), *b = label(other, cr->keys[k]);
		/* an empty value says nothing in common: it never correlates */
		all = a && b && a[0] && strcmp(a, b) == 0;
	}
	return all;
}

int
correlate_match(const struct correlate_rules *r, const cJSON *labels, int64_t at_ms,
		const cJSON *other, int64_t first_ms)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct correlate_rule *cr = &r->v[i];

		if (at_ms < first_ms || at_ms - first_ms > cr->window_ms)
			continue;
		if (keys_equal(cr, labels, other))
			return (int)i;
	}
	return -1;
}

int64_t
correlate_grace(const struct correlate_rules *r, const cJSON *alerts)
{
	int64_t grace = -1;
	const cJSON *a, *b;

	for (size_t i = 0; i < r->n; i++) {
		cJSON_ArrayForEach(a, alerts)
		{
			for (b = a->next; b && r->v[i].grace_ms > grace; b = b->next)
				if (keys_equal(&r->v[i], a, b))
					grace = r->v[i].grace_ms;
		}
	}
	/* alerts brought together by a merge share no rule: the default */
	return grace < 0 ? CORRELATE_DEFAULT_GRACE_MS : grace;
}

static const char *
str_of(const cJSON *o, const char *key)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(o, key));

	return v ? v : "";
}

void
correlate_wait(const cJSON *alerts, const char *fixed, int64_t now, int64_t until,
	       struct correlate_wait *w)
{
	const cJSON *a;

	memset(w, 0, sizeof(*w));
	cJSON_ArrayForEach(a, alerts)
	{
		if (cJSON_IsTrue(cJSON_GetObjectItem(a, "cleared")) ||
		    strcmp(str_of(a, "fingerprint"), fixed ? fixed : "") == 0)
			continue;
		w->firing++;
		if (cJSON_IsTrue(cJSON_GetObjectItem(a, "cause"))) {
			w->cause_firing = true;
			snprintf(w->cause, sizeof(w->cause), "%.80s (%.40s)",
				 *str_of(a, "alertname") ? str_of(a, "alertname")
							 : str_of(a, "title"),
				 *str_of(a, "resource") ? str_of(a, "resource") : "-");
		}
	}
	if (w->firing == 0)
		w->verdict = CORRELATE_RESOLVE;
	else if (until > 0 && now >= until)
		w->verdict = CORRELATE_GRACE_UP;
	else
		w->verdict = CORRELATE_WAIT;
}

void
correlate_wait_text(const struct correlate_wait *w, bool verified, int64_t until, char *out,
		    size_t outlen)
{
	time_t t = (time_t)(until / 1000);
	int others = w->firing - (w->cause_firing ? 1 : 0);
	char at[16] = "", what[200];
	struct tm tm;

	if (gmtime_r(&t, &tm) != NULL)
		strftime(at, sizeof(at), "%H:%M", &tm);
	if (w->cause_firing && others > 0)
		snprintf(what, sizeof(what), "the cause %s and %d related alert%s", w->cause,
			 others, others == 1 ? "" : "s");
	else if (w->cause_firing)
		snprintf(what, sizeof(what), "the cause %s", w->cause);
	else
		snprintf(what, sizeof(what), "%d related alert%s", others, others == 1 ? "" : "s");
	snprintf(out, outlen, "Fix %s; waiting for %s to clear — resolves at %s UTC regardless",
		 verified ? "verified" : "done", what, at);
}

static bool
cause_matches(const struct correlate_rule *cr, const cJSON *labels)
{
	if (cr->ncause == 0)
		return false;
	for (size_t i = 0; i < cr->ncause; i++) {
		const char *v = label(labels, cr->cause[i].key);

		if (v == NULL)
			return false;
		if (cr->cause[i].is_regex ? regexec(&cr->cause[i].re, v, 0, NULL, 0) != 0
					  : strcmp(v, cr->cause[i].value) != 0)
			return false;
	}
	return true;
}

bool
correlate_is_cause(const struct correlate_rules *r, const cJSON *labels)
{
	for (size_t i = 0; i < r->n; i++)
		if (cause_matches(&r->v[i], labels))
			return true;
	return false;
}

int
correlate_cause(const struct correlate_rules *r, const cJSON *alerts)
{
	const cJSON *a;
	int i = 0;

	if (cJSON_GetArraySize(alerts) == 0)
		return -1;
	cJSON_ArrayForEach(a, alerts)
	{
		if (correlate_is_cause(r, a))
			return i;
		i++;
	}
	return 0;
}

int
correlate_cause_started(const struct correlate_rules *r, const cJSON *alerts)
{
	int n = cJSON_GetArraySize(alerts), *order, cause;
	cJSON *labels;

	if (n <= 0)
		return -1;
	order = xcalloc((size_t)n, sizeof(*order));
	/* insertion sort by start: stable, so equal starts keep their arrival order */
	for (int i = 0; i < n; i++) {
		double t = cJSON_GetNumberValue(
		    cJSON_GetObjectItem(cJSON_GetArrayItem(alerts, i), "started_ms"));
		int j = i;

		for (; j > 0; j--) {
			double u = cJSON_GetNumberValue(cJSON_GetObjectItem(
			    cJSON_GetArrayItem(alerts, order[j - 1]), "started_ms"));
			if (!(u > t))
				break;
			order[j] = order[j - 1];
		}
		order[j] = i;
	}
	labels = cJSON_CreateArray();
	for (int i = 0; i < n; i++)
		cJSON_AddItemReferenceToArray(
		    labels, cJSON_GetObjectItem(cJSON_GetArrayItem(alerts, order[i]), "labels"));
	cause = correlate_cause(r, labels);
	cause = cause < 0 ? -1 : order[cause];
	cJSON_Delete(labels);
	free(order);
	return cause;
}
