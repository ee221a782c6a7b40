/* logs_config.c — the `logs:` section of the watch file (libyaml, file:line errors) and the
 * expansion of query templates with per-language escaping. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "logs_config.h"
#include "util.h"
#include "yaml_doc.h"

#define WATCH_FILE_CAP (1024 * 1024)
#define TEMPLATE_MAX 2048
#define EXPANDED_MAX 8192
#define VAR_NAME_MAX 128

enum ftype {
	F_URL,	    /* http:// or https:// */
	F_TEMPLATE, /* text with {{placeholders}} */
	F_TEXT,	    /* plain text */
	F_ENV,	    /* the name of an environment variable */
	F_DURATION, /* duration_parse() */
	F_LIMIT,    /* 1 … LOGS_LIMIT_MAX */
};

struct field {
	const char *key;
	enum ftype type;
	size_t off;
	bool required;
};

#define S(m) offsetof(struct logs_source, m)

/* The keys of each backend's mapping. */
static const struct field loki_fields[] = {
    {"url", F_URL, S(url), true},
    {"query", F_TEMPLATE, S(query), true},
};
static const struct field opensearch_fields[] = {
    {"url", F_URL, S(url), true},
    {"index", F_TEMPLATE, S(index), true},
    {"query", F_TEMPLATE, S(query), false},
    {"user_env", F_ENV, S(user_env), false},
    {"password_env", F_ENV, S(password_env), false},
    {"api_key_env", F_ENV, S(api_key_env), false},
};
static const struct field cloudwatch_fields[] = {
    {"region", F_TEXT, S(region), true},
    {"group", F_TEMPLATE, S(group), true},
    {"filter", F_TEMPLATE, S(query), false},
    {"endpoint", F_URL, S(url), false},
};
/* The keys of a source itself. */
static const struct field common_fields[] = {
    {"before", F_DURATION, S(before_ms), false},
    {"after", F_DURATION, S(after_ms), false},
    {"timeout", F_DURATION, S(timeout_ms), false},
    {"limit", F_LIMIT, S(limit), false},
};

static const struct {
	const char *key;
	enum logs_kind kind;
	const struct field *fields;
	size_t nfields;
} backends[] = {
    {"loki", LOGS_LOKI, loki_fields, ARRAY_LEN(loki_fields)},
    {"opensearch", LOGS_OPENSEARCH, opensearch_fields, ARRAY_LEN(opensearch_fields)},
    {"elasticsearch", LOGS_OPENSEARCH, opensearch_fields, ARRAY_LEN(opensearch_fields)},
    {"cloudwatch_logs", LOGS_CLOUDWATCH, cloudwatch_fields, ARRAY_LEN(cloudwatch_fields)},
};

const char *
logs_kind_name(enum logs_kind k)
{
	static const char *const names[] = {"loki", "opensearch", "cloudwatch_logs"};

	return (size_t)k < ARRAY_LEN(names) ? names[k] : "?";
}

const char *
logs_config_path(bool *explicit_path)
{
	const char *p = getenv("HEALER_WATCH");

	*explicit_path = p != NULL && *p != '\0';
	return *explicit_path ? p : "./watch.yaml";
}

static bool
env_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 64 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") == n &&
	       !(s[0] >= '0' && s[0] <= '9');
}

/* One key of a source into src; complains with the key's line. */
static void
field_set(struct yaml_doc *l, struct logs_source *src, const struct field *f, yaml_node_t *v)
{
	const char *s = yaml_doc_scalar(v);
	char err[256];
	int64_t ms;

	if (s == NULL) {
		yaml_doc_err(l, v, "%s: must be a scalar", f->key);
		return;
	}
	switch (f->type) {
	case F_URL:
		if (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0) {
			yaml_doc_err(l, v, "%s: must start with http:// or https://, got '%.60s'",
				     f->key, s);
			return;
		}
		if (strpbrk(s, " \t\r\n{}") != NULL) {
			yaml_doc_err(l, v, "%s: must be a plain URL (no spaces, no templates)",
				     f->key);
			return;
		}
		break;
	case F_TEMPLATE:
		if (strlen(s) > TEMPLATE_MAX) {
			yaml_doc_err(l, v, "%s: longer than %d bytes", f->key, TEMPLATE_MAX);
			return;
		}
		if (logs_template_check(s, err, sizeof(err)) != 0) {
			yaml_doc_err(l, v, "%s: %s", f->key, err);
			return;
		}
		break;
	case F_TEXT:
		if (*s == '\0' || strlen(s) > 64 ||
		    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(s)) {
			yaml_doc_err(l, v, "%s: '%.60s' is not a region name like us-east-1",
				     f->key, s);
			return;
		}
		break;
	case F_ENV:
		if (!env_name_ok(s)) {
			yaml_doc_err(l, v, "%s: '%.60s' is not an environment variable name",
				     f->key, s);
			return;
		}
		break;
	case F_DURATION:
		if (duration_parse(s, &ms) != 0 || ms > LOGS_WINDOW_MAX_MS) {
			yaml_doc_err(l, v,
				     "%s: '%.40s' is not a duration up to 24h (like 10m, 30s)",
				     f->key, s);
			return;
		}
		if (strcmp(f->key, "timeout") == 0 && (ms <= 0 || ms > LOGS_TIMEOUT_MAX_MS)) {
			yaml_doc_err(l, v, "timeout: must be more than 0 and at most %d s",
				     LOGS_TIMEOUT_MAX_MS / 1000);
			return;
		}
		*(int64_t *)(void *)((char *)src + f->off) = ms;
		return;
	case F_LIMIT: {
		long n;
		if (yaml_doc_integer(s, 1, LOGS_LIMIT_MAX, &n) < 0) {
			yaml_doc_err(l, v, "limit: must be a whole number from 1 to %d",
				     LOGS_LIMIT_MAX);
			return;
		}
		*(int *)(void *)((char *)src + f->off) = (int)n;
		return;
	}
	}
	char **slot = (char **)(void *)((char *)src + f->off);
	free(*slot);
	*slot = xstrdup(s);
	/* paths are appended to a base URL: "http://h/" + "/loki/…" would double the slash */
	if (f->type == F_URL)
		for (size_t n = strlen(*slot); n > 8 && (*slot)[n - 1] == '/'; n--)
			(*slot)[n - 1] = '\0';
}

struct fields_arg {
	const struct field *fields;
	struct logs_source *src;
};

static void
field_cb(struct yaml_doc *l, size_t i, yaml_node_t *k, yaml_node_t *v, void *arg)
{
	struct fields_arg *a = arg;

	(void)k;
	field_set(l, a->src, &a->fields[i], v);
}

/* Sets the keys of mapping m from the table; unknown keys are errors, except those `skip`
 * accepts (the source's own keys are checked by its caller). */
static void
fields_load(struct yaml_doc *l, struct logs_source *src, yaml_node_t *m, const struct field *fields,
	    size_t nfields, const char *where, bool (*skip)(const char *key))
{
	struct yaml_doc_fields f = {.section = where,
				    .table = fields,
				    .nkeys = nfields,
				    .stride = sizeof(*fields),
				    .expect = "",
				    .repeat_ok = true,
				    .skip = skip};
	struct fields_arg a = {fields, src};
	uint64_t seen = yaml_doc_fields(l, m, &f, field_cb, &a);

	for (size_t i = 0; i < nfields; i++)
		if (fields[i].required && (seen & ((uint64_t)1 << i)) == 0)
			yaml_doc_err(l, m, "%s: '%s' is required", where, fields[i].key);
}

static bool
source_key(const char *key)
{
	if (strcmp(key, "name") == 0)
		return true;
	for (size_t i = 0; i < ARRAY_LEN(backends); i++)
		if (strcmp(backends[i].key, key) == 0)
			return true;
	return false;
}

static void
source_free(struct logs_source *s)
{
	free(s->url);
	free(s->query);
	free(s->index);
	free(s->region);
	free(s->group);
	free(s->user_env);
	free(s->password_env);
	free(s->api_key_env);
}

static void
source_load(struct yaml_doc *l, yaml_node_t *m, struct logs_config *c)
{
	struct logs_source src = {.before_ms = LOGS_BEFORE_DEFAULT_MS,
				  .timeout_ms = LOGS_TIMEOUT_DEFAULT_MS,
				  .limit = LOGS_LIMIT_DEFAULT,
				  .line = (int)m->start_mark.line + 1};
	int nerr = l->nerr, nbackends = 0;
	const char *name = NULL;

	if (m->type != YAML_MAPPING_NODE) {
		yaml_doc_err(l, m, "logs: each source must be a mapping with name and a backend");
		return;
	}
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_doc_node(l, p->key), *v = yaml_doc_node(l, p->value);
		const char *key = yaml_doc_scalar(k) ? yaml_doc_scalar(k) : "";
		if (strcmp(key, "name") == 0) {
			name = yaml_doc_scalar(v);
			if (name == NULL || *name == '\0' || strlen(name) > LOGS_NAME_MAX ||
			    strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") !=
				strlen(name)) {
				yaml_doc_err(l, v, "name: must be 1-%d of [a-z0-9_-]",
					     LOGS_NAME_MAX);
				name = NULL;
			} else {
				snprintf(src.name, sizeof(src.name), "%s", name);
			}
			continue;
		}
		for (size_t b = 0; b < ARRAY_LEN(backends); b++) {
			if (strcmp(backends[b].key, key) != 0)
				continue;
			if (++nbackends > 1) {
				yaml_doc_err(l, k, "source '%s': only one backend per source",
					     src.name);
				break;
			}
			src.kind = backends[b].kind;
			if (v->type != YAML_MAPPING_NODE) {
				yaml_doc_err(l, v, "%s: must be a mapping", key);
				break;
			}
			fields_load(l, &src, v, backends[b].fields, backends[b].nfields, key, NULL);
		}
	}
	fields_load(l, &src, m, common_fields, ARRAY_LEN(common_fields), "logs", source_key);
	if (name == NULL && l->nerr == nerr)
		yaml_doc_err(l, m, "logs: a source needs a name");
	if (nbackends == 0)
		yaml_doc_err(l, m, "source '%s': needs one of loki, opensearch, cloudwatch_logs",
			     src.name);
	for (size_t i = 0; i < c->n && name; i++)
		if (strcmp(c->v[i].name, src.name) == 0)
			yaml_doc_err(l, m, "source '%s': defined twice (first at line %d)",
				     src.name, c->v[i].line);
	if (c->n >= LOGS_MAX_SOURCES)
		yaml_doc_err(l, m, "logs: at most %d sources", LOGS_MAX_SOURCES);
	if (l->nerr != nerr) {
		source_free(&src);
		return;
	}
	c->v = xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
	c->v[c->n++] = src;
}

static void
root_load(struct yaml_doc *l, yaml_node_t *root, struct logs_config *c)
{
	if (root->type != YAML_MAPPING_NODE) {
		yaml_doc_err(l, root, "the watch file must be a mapping (logs:, rules:, …)");
		return;
	}
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
	     p++) {
		const char *key = yaml_doc_scalar(yaml_doc_node(l, p->key));
		yaml_node_t *v = yaml_doc_node(l, p->value);
		/* other top-level keys belong to other loaders */
		if (key == NULL || strcmp(key, "logs") != 0)
			continue;
		if (v->type == YAML_SCALAR_NODE && *yaml_doc_scalar(v) == '\0')
			continue; /* "logs:" with nothing under it */
		if (v->type != YAML_SEQUENCE_NODE) {
			yaml_doc_err(l, v, "logs: must be a list of sources");
			continue;
		}
		for (yaml_node_item_t *it = v->data.sequence.items.start;
		     it < v->data.sequence.items.top; it++)
			source_load(l, yaml_doc_node(l, *it), c);
	}
}

int
logs_config_load(const char *path, bool must_exist, struct logs_config *out, struct diag_list *errs)
{
	struct yaml_doc l;
	yaml_node_t *root;

	memset(out, 0, sizeof(*out));
	if (yaml_doc_open(&l, path, WATCH_FILE_CAP, must_exist, "watch file", errs) == 0 &&
	    (root = yaml_doc_root(&l)) != NULL)
		root_load(&l, root, out);
	yaml_doc_close(&l);
	if (l.nerr > 0)
		logs_config_free(out);
	return l.nerr;
}

void
logs_config_free(struct logs_config *c)
{
	for (size_t i = 0; i < c->n; i++)
		source_free(&c->v[i]);
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

/* ---- templates ---- */

/* "{{ labels.service }}" at s: the name into name (VAR_NAME_MAX + 1), the length consumed,
 * or 0 when it is not a placeholder. */
static size_t
placeholder(const char *s, char *name)
{
	const char *p = s + 2, *start;
	size_t n;

	while (*p == ' ')
		p++;
	start = p;
	p += strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-/");
	n = (size_t)(p - start);
	while (*p == ' ')
		p++;
	if (n == 0 || n > VAR_NAME_MAX || strncmp(p, "}}", 2) != 0)
		return 0;
	memcpy(name, start, n);
	name[n] = '\0';
	return (size_t)(p + 2 - s);
}

static const char *const plain_vars[] = {"resource", "incident", "title", "severity"};

/* The value of name in vars; NULL with err when the name is not a variable or is unset. */
static const char *
var_get(const cJSON *vars, const char *name, char *err, size_t errlen)
{
	const char *dot = strchr(name, '.');

	if (dot != NULL) {
		size_t pre = (size_t)(dot - name);
		if (!((pre == 6 && strncmp(name, "labels", 6) == 0) ||
		      (pre == 11 && strncmp(name, "annotations", 11) == 0)) ||
		    dot[1] == '\0') {
			snprintf(err, errlen,
				 "unknown variable '%s' (labels.x, annotations.x, "
				 "resource, incident, title, severity)",
				 name);
			return NULL;
		}
		if (vars == NULL)
			return "";
		const cJSON *o =
		    cJSON_GetObjectItemCaseSensitive(vars, pre == 6 ? "labels" : "annotations");
		const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, dot + 1));
		if (v == NULL)
			snprintf(err, errlen, "the incident has no %s", name);
		return v;
	}
	for (size_t i = 0; i < ARRAY_LEN(plain_vars); i++) {
		if (strcmp(plain_vars[i], name) != 0)
			continue;
		if (vars == NULL)
			return "";
		const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(vars, name));
		if (v == NULL || *v == '\0') {
			snprintf(err, errlen, "the incident has no %s", name);
			return NULL;
		}
		return v;
	}
	snprintf(err, errlen,
		 "unknown variable '%s' (labels.x, annotations.x, resource, incident, title, "
		 "severity)",
		 name);
	return NULL;
}

/* Lucene's query-string operators; '<' and '>' cannot be escaped and are refused. */
static const char lucene_special[] = "+-=&|!(){}[]^\"~*?:\\/ ";

static int
escape_into(struct buf *b, const char *v, enum logs_escape esc, char *err, size_t errlen)
{
	static const char hex[] = "0123456789abcdef";

	unsigned char bad = 0;

	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		unsigned char c = *p;
		bad = c;
		switch (esc) {
		case LOGS_ESC_LOGQL:
		case LOGS_ESC_CWFILTER:
			if (c == '\\' || c == '"') {
				buf_append(b, "\\", 1);
				buf_append(b, p, 1);
			} else if (c < 0x20 || c == 0x7f) {
				if (esc == LOGS_ESC_CWFILTER)
					goto refuse;
				char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
				buf_append(b, e, 4);
			} else {
				buf_append(b, p, 1);
			}
			break;
		case LOGS_ESC_LUCENE:
			if (c < 0x20 || c == 0x7f || c == '<' || c == '>')
				goto refuse;
			if (strchr(lucene_special, c) != NULL)
				buf_append(b, "\\", 1);
			buf_append(b, p, 1);
			break;
		case LOGS_ESC_GROUP:
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || strchr("_./#-", c) != NULL))
				goto refuse;
			buf_append(b, p, 1);
			break;
		}
	}
	return 0;
refuse:
	snprintf(err, errlen, "the value holds a character (0x%02x) this query cannot carry", bad);
	return -1;
}

static char *
expand(const char *tmpl, const cJSON *vars, bool check_only, enum logs_escape esc, char *err,
       size_t errlen)
{
	const char *p = tmpl, *q;
	char name[VAR_NAME_MAX + 1];
	struct buf b;

	buf_init(&b, EXPANDED_MAX);
	while ((q = strstr(p, "{{")) != NULL) {
		size_t n = placeholder(q, name);
		const char *v;
		if (n == 0) {
			snprintf(err, errlen, "malformed placeholder at '%.24s'", q);
			goto fail;
		}
		if ((v = var_get(check_only ? NULL : vars, name, err, errlen)) == NULL)
			goto fail;
		buf_append(&b, p, (size_t)(q - p));
		if (escape_into(&b, v, esc, err, errlen) != 0) {
			char e[160];
			snprintf(e, sizeof(e), "%s", err);
			snprintf(err, errlen, "%s: %s", name, e);
			goto fail;
		}
		p = q + n;
	}
	buf_append(&b, p, strlen(p));
	if (b.overflow) {
		snprintf(err, errlen, "expanded query is longer than %d bytes", EXPANDED_MAX);
		goto fail;
	}
	return buf_steal(&b);
fail:
	buf_free(&b);
	return NULL;
}

char *
logs_expand(const char *tmpl, const cJSON *vars, enum logs_escape esc, char *err, size_t errlen)
{
	return expand(tmpl, vars, false, esc, err, errlen);
}

int
logs_template_check(const char *tmpl, char *err, size_t errlen)
{
	char *s = expand(tmpl, NULL, true, LOGS_ESC_LOGQL, err, errlen);

	free(s);
	return s ? 0 : -1;
}

cJSON *
logs_vars(const char *key, const char *title, const char *severity, const char *resource,
	  const cJSON *labels, const cJSON *annotations)
{
	cJSON *v = cJSON_CreateObject();

	cJSON_AddStringToObject(v, "incident", key ? key : "");
	cJSON_AddStringToObject(v, "title", title ? title : "");
	cJSON_AddStringToObject(v, "severity", severity ? severity : "");
	cJSON_AddStringToObject(v, "resource", resource ? resource : "");
	cJSON_AddItemToObject(v, "labels",
			      labels ? cJSON_Duplicate(labels, 1) : cJSON_CreateObject());
	cJSON_AddItemToObject(v, "annotations",
			      annotations ? cJSON_Duplicate(annotations, 1) : cJSON_CreateObject());
	return v;
}
