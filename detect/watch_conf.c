/* watch_conf.c — reads and checks watch.yaml (libyaml) into struct watch_conf. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config.h"
#include "detect.h"
#include "runbook.h"
#include "util.h"
#include "watch.h"
#include "yaml_doc.h"

#define WATCH_FILE_CAP (1024 * 1024)
#define WATCH_MAX_LABELS 64
#define WATCH_MAX_HISTORY_MS (90LL * 86400 * 1000)
#define WATCH_MIN_EVERY_MS 1000

enum ftype {
	F_NAME,	    /* [A-Za-z0-9_.-]{1,64} */
	F_STR,	    /* non-empty text */
	F_URL,	    /* http:// or https:// */
	F_ENV,	    /* the name of a set environment variable */
	F_EVERY,    /* duration >= 1s */
	F_DURATION, /* duration >= 0 */
	F_SEVERITY, /* sev1..sev4: a typo must not quietly become sev3 */
	F_STRMAP,   /* mapping of strings */
	F_FRACTION, /* (0, 1] */
	F_COUNT,    /* integer 1..1000 */
	F_PERIOD,   /* CloudWatch period: 1, 5, 10, 30 or a multiple of 60 seconds */
	F_PROM,	    /* the prometheus: mapping */
	F_CW,	    /* the cloudwatch: mapping */
	F_UNIT,	    /* a metric_unit name or a suffix */
};

struct field {
	const char *key;
	enum ftype type;
	size_t off;
};

#define R(f) offsetof(struct watch_rule, f)
static const struct field rule_fields[] = {
    {"name", F_NAME, R(name)},
    {"prometheus", F_PROM, 0},
    {"cloudwatch", F_CW, 0},
    {"every", F_EVERY, R(every_ms)},
    {"history", F_DURATION, R(history_ms)},
    {"timeout", F_EVERY, R(timeout_ms)},
    {"severity", F_SEVERITY, R(severity)},
    {"labels", F_STRMAP, R(labels)},
    {"threshold", F_FRACTION, R(threshold)},
    {"resolve_after", F_COUNT, R(resolve_after)},
    {"unit", F_UNIT, R(unit)},
};

static const struct field prom_fields[] = {
    {"url", F_URL, R(url)},
    {"query", F_STR, R(query)},
    {"bearer_token_env", F_ENV, R(bearer_token_env)},
    {"basic_auth_env", F_ENV, R(basic_auth_env)},
};

static const struct field cw_fields[] = {
    {"region", F_STR, R(region)},
    {"namespace", F_STR, R(namespace)},
    {"metric", F_STR, R(metric)},
    {"dimensions", F_STRMAP, R(dimensions)},
    {"stat", F_STR, R(stat)},
    {"period", F_PERIOD, R(period_s)},
    {"expression", F_STR, R(expression)},
};
#undef R

/* Keys that would put a secret in the file: refused with a pointer to the *_env form. */
static const char *const secret_keys[] = {
    "token", "bearer_token", "password", "basic_auth", "access_key", "secret_key", "authorization"};

static bool
name_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 64 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

static void
load_strmap(struct yaml_doc *l, yaml_node_t *n, const char *where, cJSON **dst)
{
	yaml_node_pair_t *pr;
	cJSON *o;

	if (n->type != YAML_MAPPING_NODE) {
		yaml_doc_err(
		    l, n, "%s must be a mapping of names to text, e.g. {service: checkout}", where);
		return;
	}
	o = cJSON_CreateObject();
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		const char *k = yaml_doc_key(l, pr->key),
			   *v = yaml_doc_scalar(yaml_doc_node(l, pr->value));
		if (!name_ok(k)) {
			yaml_doc_err(l, yaml_doc_node(l, pr->key), "%s: '%s' is not a valid name",
				     where, k);
			continue;
		}
		if (v == NULL) {
			yaml_doc_err(l, yaml_doc_node(l, pr->value), "%s.%s must be text", where,
				     k);
			continue;
		}
		if (cJSON_GetObjectItemCaseSensitive(o, k) != NULL) {
			yaml_doc_err(l, yaml_doc_node(l, pr->key), "%s: duplicate key '%s'", where,
				     k);
			continue;
		}
		if (cJSON_GetArraySize(o) == WATCH_MAX_LABELS) {
			yaml_doc_err(l, yaml_doc_node(l, pr->key), "%s: more than %d entries",
				     where, WATCH_MAX_LABELS);
			break;
		}
		cJSON_AddStringToObject(o, k, v);
	}
	cJSON_Delete(*dst);
	*dst = o;
}

static void load_fields(struct yaml_doc *l, yaml_node_t *n, const char *section,
			const struct field *fields, size_t nfields, struct watch_rule *r);

/* One value of a field table into the rule. */
static void
load_field(struct yaml_doc *l, const struct field *f, const char *section, yaml_node_t *v,
	   struct watch_rule *r)
{
	char where[96];
	const char *s;
	char *base = (char *)r;
	double d;
	long i;
	int64_t ms;

	snprintf(where, sizeof(where), "%s.%s", section, f->key);
	switch (f->type) {
	case F_PROM:
	case F_CW:
		if ((int)r->kind != -1) {
			yaml_doc_err(l, v, "%s: a rule has one source, prometheus or cloudwatch",
				     section);
			return;
		}
		r->kind = f->type == F_PROM ? WATCH_PROMETHEUS : WATCH_CLOUDWATCH;
		if (f->type == F_PROM)
			load_fields(l, v, where, prom_fields, ARRAY_LEN(prom_fields), r);
		else
			load_fields(l, v, where, cw_fields, ARRAY_LEN(cw_fields), r);
		return;
	case F_STRMAP:
		load_strmap(l, v, where, (cJSON **)(base + f->off));
		return;
	default:
		break;
	}
	if ((s = yaml_doc_scalar(v)) == NULL || *s == '\0') {
		yaml_doc_err(l, v, "%s must be a single non-empty value", where);
		return;
	}
	switch (f->type) {
	case F_NAME:
		if (!name_ok(s))
			yaml_doc_err(l, v, "%s: '%s' must be 1-64 letters, digits, '_', '.' or '-'",
				     where, s);
		else
			*(char **)(base + f->off) = xstrdup(s);
		break;
	case F_URL:
		if (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0)
			yaml_doc_err(l, v, "%s: '%s' is not an http:// or https:// URL", where, s);
		else
			*(char **)(base + f->off) = xstrdup(s);
		break;
	case F_ENV:
		if (!name_ok(s))
			yaml_doc_err(l, v, "%s: '%s' is not an environment variable name", where,
				     s);
		else if (config_env(s) == NULL)
			yaml_doc_err(l, v, "%s: the environment variable %s is not set", where, s);
		else
			*(char **)(base + f->off) = xstrdup(s);
		break;
	case F_STR:
		*(char **)(base + f->off) = xstrdup(s);
		break;
	case F_EVERY:
	case F_DURATION:
		if (yaml_doc_duration(l, v, where, "30s, 5m, 14d", &ms) < 0)
			break;
		if (f->type == F_EVERY && ms < WATCH_MIN_EVERY_MS)
			yaml_doc_err(l, v, "%s: must be at least 1s", where);
		else if (ms > WATCH_MAX_HISTORY_MS)
			yaml_doc_err(l, v, "%s: at most 90d", where);
		else
			*(int64_t *)(base + f->off) = ms;
		break;
	case F_SEVERITY:
		if (strlen(s) != 4 || strncmp(s, "sev", 3) != 0 || s[3] < '1' || s[3] > '4')
			yaml_doc_err(l, v, "%s: '%s' is not sev1, sev2, sev3 or sev4", where, s);
		else
			*(char **)(base + f->off) = xstrdup(s);
		break;
	case F_FRACTION:
		if (yaml_doc_number(s, &d) < 0 || d <= 0 || d > 1)
			yaml_doc_err(l, v, "%s: '%s' is not a number above 0 and at most 1", where,
				     s);
		else
			*(double *)(base + f->off) = d;
		break;
	case F_UNIT:
		if (metric_unit_parse(s, (struct metric_unit *)(base + f->off)) < 0)
			yaml_doc_err(l, v,
				     "%s: '%s' is not a unit: use one of %s, or a suffix of up to "
				     "15 bytes (e.g. \"°C\", \"req/s\")",
				     where, s, metric_unit_names);
		else
			r->unit_set = true;
		break;
	case F_COUNT:
	case F_PERIOD:
		if (yaml_doc_integer(s, 1, f->type == F_COUNT ? 1000 : 86400, &i) < 0)
			yaml_doc_err(l, v, "%s: '%s' is not an integer from 1 to %d", where, s,
				     f->type == F_COUNT ? 1000 : 86400);
		else if (f->type == F_PERIOD && i % 60 != 0 && i != 1 && i != 5 && i != 10 &&
			 i != 30)
			yaml_doc_err(l, v,
				     "%s: %ld is not 1, 5, 10, 30 or a multiple of 60 seconds",
				     where, i);
		else
			*(int *)(base + f->off) = (int)i;
		break;
	default:
		break;
	}
}

struct fields_arg {
	const struct field *fields;
	const char *section;
	struct watch_rule *r;
};

static void
field_cb(struct yaml_doc *l, size_t i, yaml_node_t *k, yaml_node_t *v, void *arg)
{
	struct fields_arg *a = arg;

	(void)k;
	load_field(l, &a->fields[i], a->section, v, a->r);
}

/* A mapping whose keys come from a field table; unknown, repeated and secret keys are
 * errors. */
static void
load_fields(struct yaml_doc *l, yaml_node_t *n, const char *section, const struct field *fields,
	    size_t nfields, struct watch_rule *r)
{
	struct fields_arg a = {fields, section, r};
	struct yaml_doc_fields f = {
	    .section = section,
	    .table = fields,
	    .nkeys = nfields,
	    .stride = sizeof(*fields),
	    .refused = secret_keys,
	    .nrefused = ARRAY_LEN(secret_keys),
	    .refused_why = "secrets never go in this file; name an environment variable "
			   "(bearer_token_env, basic_auth_env; AWS_* for CloudWatch)",
	};

	yaml_doc_fields(l, n, &f, field_cb, &a);
}

static void
rule_defaults(struct watch_rule *r)
{
	memset(r, 0, sizeof(*r));
	r->kind = -1;
	r->every_ms = 60000;
	r->history_ms = 86400000;
	r->timeout_ms = 10000;
	r->threshold = detect_default_threshold();
	r->resolve_after = 5;
	r->period_s = 60;
}

static void
rule_free(struct watch_rule *r)
{
	free(r->name);
	free(r->url);
	free(r->query);
	free(r->bearer_token_env);
	free(r->basic_auth_env);
	free(r->region);
	free(r->namespace);
	free(r->metric);
	free(r->stat);
	free(r->expression);
	cJSON_Delete(r->dimensions);
	free(r->severity);
	cJSON_Delete(r->labels);
	memset(r, 0, sizeof(*r));
}

/* What a rule must have once all its keys are read; defaults for the rest. */
static void
rule_check(struct yaml_doc *l, yaml_node_t *n, struct watch_rule *r, const char *where)
{
	if (r->name == NULL)
		yaml_doc_err(l, n, "%s: missing 'name'", where);
	if ((int)r->kind == -1) {
		yaml_doc_err(l, n,
			     "%s: needs a source: prometheus: {url, query} or cloudwatch: {...}",
			     where);
	} else if (r->kind == WATCH_PROMETHEUS) {
		if (r->url == NULL)
			yaml_doc_err(l, n, "%s.prometheus: missing 'url'", where);
		if (r->query == NULL)
			yaml_doc_err(l, n, "%s.prometheus: missing 'query'", where);
		if (r->bearer_token_env && r->basic_auth_env)
			yaml_doc_err(l, n,
				     "%s.prometheus: bearer_token_env or basic_auth_env, not both",
				     where);
	} else {
		if (r->expression && (r->namespace || r->metric || r->dimensions))
			yaml_doc_err(l, n,
				     "%s.cloudwatch: 'expression' replaces namespace, metric and "
				     "dimensions",
				     where);
		else if (r->expression == NULL && (r->namespace == NULL || r->metric == NULL))
			yaml_doc_err(
			    l, n,
			    "%s.cloudwatch: needs 'namespace' and 'metric' (or an 'expression')",
			    where);
		if (r->stat == NULL)
			r->stat = xstrdup("Average");
		if (r->region == NULL && config_get("AWS_REGION") == NULL &&
		    config_get("AWS_DEFAULT_REGION") == NULL)
			yaml_doc_err(l, n, "%s.cloudwatch: no 'region' and AWS_REGION is not set",
				     where);
	}
	/* no unit: given: the metric's own, when its name or AWS's documentation says it */
	if (!r->unit_set && (int)r->kind != -1)
		r->unit =
		    r->kind == WATCH_PROMETHEUS
			? metric_unit_prom(r->query)
			: metric_unit_cw(r->namespace, r->expression ? NULL : r->metric, r->stat);
	if (r->severity == NULL)
		r->severity = xstrdup("sev3");
	if (r->labels == NULL)
		r->labels = cJSON_CreateObject();
	if (cJSON_GetObjectItemCaseSensitive(r->labels, "alertname") == NULL)
		cJSON_AddStringToObject(r->labels, "alertname", "Anomaly");
}

static void
load_rules(struct yaml_doc *l, yaml_node_t *n, struct watch_conf *c)
{
	yaml_node_item_t *it;
	char where[32];

	if (n->type != YAML_SEQUENCE_NODE) {
		yaml_doc_err(l, n, "rules must be a list of rules");
		return;
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *rn = yaml_doc_node(l, *it);
		struct watch_rule r;
		if (c->n == WATCH_MAX_RULES) {
			yaml_doc_err(l, rn, "more than %d rules", WATCH_MAX_RULES);
			return;
		}
		snprintf(where, sizeof(where), "rules[%zu]", c->n);
		rule_defaults(&r);
		r.line = (int)rn->start_mark.line + 1;
		load_fields(l, rn, where, rule_fields, ARRAY_LEN(rule_fields), &r);
		rule_check(l, rn, &r, where);
		for (size_t i = 0; r.name && i < c->n; i++)
			if (strcmp(c->v[i].name, r.name) == 0)
				yaml_doc_err(l, rn, "%s: the name '%s' is already used at line %d",
					     where, r.name, c->v[i].line);
		if (r.name == NULL) { /* keep the array's names non-NULL */
			rule_free(&r);
			continue;
		}
		c->v = xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
		c->v[c->n++] = r;
	}
}

static void
load_root(struct yaml_doc *l, yaml_node_t *root, struct watch_conf *c)
{
	yaml_node_pair_t *pr;

	if (root->type != YAML_MAPPING_NODE) {
		yaml_doc_err(l, root, "watch.yaml must be a mapping with 'rules:'");
		return;
	}
	for (pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top; pr++) {
		if (strcmp(yaml_doc_key(l, pr->key), "rules") == 0)
			load_rules(l, yaml_doc_node(l, pr->value), c);
		else if (strcmp(yaml_doc_key(l, pr->key), "logs") != 0)
			/* logs: is the log sources' (logs/logs_config.c) */
			yaml_doc_err(l, yaml_doc_node(l, pr->key),
				     "unknown key '%s' (expected rules or logs)",
				     yaml_doc_key(l, pr->key));
	}
}

int
watch_conf_load(const char *path, bool must_exist, struct watch_conf *out, struct diag_list *errs)
{
	struct yaml_doc l;
	struct watch_conf c = {0};
	yaml_node_t *root;

	c.file = xstrdup(path);
	/* an empty file watches nothing */
	if (yaml_doc_open(&l, path, WATCH_FILE_CAP, must_exist, "watch rules", errs) == 0 &&
	    (root = yaml_doc_root(&l)) != NULL)
		load_root(&l, root, &c);
	yaml_doc_close(&l);
	if (l.nerr > 0) {
		watch_conf_free(&c);
		c.file = xstrdup(path);
	}
	*out = c;
	return l.nerr;
}

void
watch_conf_free(struct watch_conf *c)
{
	for (size_t i = 0; i < c->n; i++)
		rule_free(&c->v[i]);
	free(c->v);
	free(c->file);
	memset(c, 0, sizeof(*c));
}
