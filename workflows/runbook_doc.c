/* runbook_doc.c — reads a runbook file (YAML through libyaml events, or JSON through cJSON)
 * into one line-numbered tree, and the typed readers validation uses on it, so that
 * validation is written once for both formats. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "log.h"
#include "runbook_int.h"
#include "util.h"

/* An open container while the YAML events are turned into a tree. */
struct frame {
	struct rb_node *node;
	struct rb_node *key; /* mapping: the key waiting for its value */
};

struct builder {
	const char *file;
	struct diag_list *errs;
	struct frame stack[RB_MAX_DEPTH];
	size_t depth;
	size_t nodes;
	struct rb_node *root;
	int ndocs;
};

static struct rb_node *
node_new(enum rb_node_type type, int line)
{
	struct rb_node *n = xcalloc(1, sizeof(*n));

	n->type = type;
	n->line = line;
	return n;
}

void
rb_node_free(struct rb_node *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < n->n; i++) {
		if (n->keys)
			rb_node_free(n->keys[i]);
		rb_node_free(n->vals[i]);
	}
	free(n->keys);
	free(n->vals);
	free(n->str);
	free(n);
}

struct rb_node *
rb_map_get(const struct rb_node *map, const char *key)
{
	if (map == NULL || map->type != RBN_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->keys[i]->str, key) == 0)
			return map->vals[i];
	return NULL;
}

static void
node_append(struct rb_node *parent, struct rb_node *key, struct rb_node *val)
{
	parent->vals = xrealloc(parent->vals, (parent->n + 1) * sizeof(*parent->vals));
	if (parent->type == RBN_MAP) {
		parent->keys = xrealloc(parent->keys, (parent->n + 1) * sizeof(*parent->keys));
		parent->keys[parent->n] = key;
	}
	parent->vals[parent->n++] = val;
}

/* YAML 1.1 spellings of null that a plain scalar may use. */
static bool
yaml_is_null(const char *s)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};

	for (size_t i = 0; i < ARRAY_LEN(nulls); i++)
		if (strcmp(s, nulls[i]) == 0)
			return true;
	return false;
}

/* Attaches a finished node to the open container (or makes it the root). Returns -1 on a
 * structural problem, already reported; n is then freed. */
static int
builder_add(struct builder *b, struct rb_node *n)
{
	struct frame *f;

	if (++b->nodes > RB_MAX_NODES) {
		diag_add(b->errs, b->file, n->line, "too many nodes (more than %d)", RB_MAX_NODES);
		goto fail;
	}
	if (b->depth == 0) {
		b->root = n;
		return 0;
	}
	f = &b->stack[b->depth - 1];
	if (f->node->type == RBN_SEQ) {
		node_append(f->node, NULL, n);
		return 0;
	}
	if (f->key == NULL) {
		if (n->type != RBN_SCALAR && n->type != RBN_NULL) {
			diag_add(b->errs, b->file, n->line, "mapping keys must be plain strings");
			goto fail;
		}
		if (n->str == NULL)
			n->str = xstrdup("");
		n->type = RBN_SCALAR;
		for (size_t i = 0; i < f->node->n; i++) {
			if (strcmp(f->node->keys[i]->str, n->str) == 0) {
				diag_add(b->errs, b->file, n->line, "duplicate key '%s'", n->str);
				goto fail;
			}
		}
		f->key = n;
		return 0;
	}
	node_append(f->node, f->key, n);
	f->key = NULL;
	return 0;
fail:
	rb_node_free(n);
	return -1;
}

/* Handles one parser event. Returns 1 at the end of the stream, 0 to go on, -1 on error. */
static int
builder_event(struct builder *b, const yaml_event_t *ev)
{
	int line = (int)ev->start_mark.line + 1;
	struct rb_node *n;

	switch (ev->type) {
	case YAML_STREAM_END_EVENT:
		return 1;
	case YAML_DOCUMENT_START_EVENT:
		if (++b->ndocs > 1) {
			diag_add(b->errs, b->file, line, "only one YAML document per file");
			return -1;
		}
		return 0;
	case YAML_ALIAS_EVENT:
		diag_add(b->errs, b->file, line, "YAML anchors and aliases are not supported");
		return -1;
	case YAML_SCALAR_EVENT:
		if (ev->data.scalar.anchor != NULL) {
			diag_add(b->errs, b->file, line,
				 "YAML anchors and aliases are not supported");
			return -1;
		}
		if (memchr(ev->data.scalar.value, '\0', ev->data.scalar.length) != NULL) {
			diag_add(b->errs, b->file, line, "a value contains a NUL byte");
			return -1;
		}
		n = node_new(RBN_SCALAR, line);
		n->str = xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
		/* a quoted "~" or "" is a string; only a plain one is null */
		if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && yaml_is_null(n->str)) {
			n->type = RBN_NULL;
			free(n->str);
			n->str = NULL;
		}
		return builder_add(b, n);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (b->depth == RB_MAX_DEPTH) {
			diag_add(b->errs, b->file, line, "nested deeper than %d levels",
				 RB_MAX_DEPTH);
			return -1;
		}
		if ((ev->type == YAML_SEQUENCE_START_EVENT
			 ? ev->data.sequence_start.anchor
			 : ev->data.mapping_start.anchor) != NULL) {
			diag_add(b->errs, b->file, line,
				 "YAML anchors and aliases are not supported");
			return -1;
		}
		n = node_new(ev->type == YAML_SEQUENCE_START_EVENT ? RBN_SEQ : RBN_MAP, line);
		if (builder_add(b, n) < 0)
			return -1;
		/* builder_add linked it in (or made it the root); now it is the open container */
		b->stack[b->depth].node = n;
		b->stack[b->depth].key = NULL;
		b->depth++;
		return 0;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		b->depth--;
		return 0;
	default:
		return 0;
	}
}

static struct rb_node *
parse_yaml(const char *file, const char *text, size_t len, struct diag_list *errs)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	struct builder b;
	int rc = 0;

	memset(&b, 0, sizeof(b));
	b.file = file;
	b.errs = errs;
	if (!yaml_parser_initialize(&parser))
		fatalx("out of memory (yaml parser)");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (rc == 0) {
		if (!yaml_parser_parse(&parser, &ev)) {
			if (parser.context != NULL)
				diag_add(errs, file, (int)parser.problem_mark.line + 1,
					 "YAML syntax: %s %s that starts on line %d",
					 parser.problem ? parser.problem : "error", parser.context,
					 (int)parser.context_mark.line + 1);
			else
				diag_add(errs, file, (int)parser.problem_mark.line + 1,
					 "YAML syntax: %s",
					 parser.problem ? parser.problem : "error");
			rc = -1;
			break;
		}
		rc = builder_event(&b, &ev);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	if (rc < 0) {
		/* the root owns every node linked so far, except keys still waiting for their
		 * value; a node that failed to link was freed by builder_add */
		for (size_t i = 0; i < b.depth; i++)
			rb_node_free(b.stack[i].key);
		rb_node_free(b.root);
		return NULL;
	}
	if (b.root == NULL)
		diag_add(errs, file, 1, "the file is empty");
	return b.root;
}

/* Converts a cJSON tree; every node gets line 1, the messages carry the key path instead. */
static struct rb_node *
from_json(const cJSON *j, int depth, size_t *nodes, const char *file, struct diag_list *errs)
{
	struct rb_node *n;
	const cJSON *c;

	if (depth > RB_MAX_DEPTH) {
		diag_add(errs, file, 1, "nested deeper than %d levels", RB_MAX_DEPTH);
		return NULL;
	}
	if (++*nodes > RB_MAX_NODES) {
		diag_add(errs, file, 1, "too many nodes (more than %d)", RB_MAX_NODES);
		return NULL;
	}
	if (cJSON_IsObject(j) || cJSON_IsArray(j)) {
		n = node_new(cJSON_IsObject(j) ? RBN_MAP : RBN_SEQ, 1);
		cJSON_ArrayForEach(c, j)
		{
			struct rb_node *key = NULL, *val;

			if (n->type == RBN_MAP) {
				if (rb_map_get(n, c->string) != NULL) {
					diag_add(errs, file, 1, "duplicate key '%s'", c->string);
					goto fail;
				}
				key = node_new(RBN_SCALAR, 1);
				key->str = xstrdup(c->string);
			}
			if ((val = from_json(c, depth + 1, nodes, file, errs)) == NULL) {
				rb_node_free(key);
				goto fail;
			}
			node_append(n, key, val);
		}
		return n;
	}
	if (cJSON_IsNull(j))
		return node_new(RBN_NULL, 1);
	n = node_new(RBN_SCALAR, 1);
	if (cJSON_IsString(j)) {
		n->str = xstrdup(j->valuestring);
	} else if (cJSON_IsBool(j)) {
		n->str = xstrdup(cJSON_IsTrue(j) ? "true" : "false");
	} else {
		double d = j->valuedouble;

		if (d == floor(d) && fabs(d) < 1e15)
			n->str = xasprintf("%.0f", d);
		else
			n->str = xasprintf("%.17g", d);
	}
	return n;
fail:
	rb_node_free(n);
	return NULL;
}

static struct rb_node *
parse_json(const char *file, const char *text, struct diag_list *errs)
{
	const char *end = NULL;
	struct rb_node *root;
	size_t nodes = 0;
	cJSON *j;

	j = cJSON_ParseWithOpts(text, &end, 1);
	if (j == NULL) {
		int line = 1;

		if (end == NULL)
			end = text;
		for (const char *p = text; p < end && *p; p++)
			if (*p == '\n')
				line++;
		if (*end == '\0')
			diag_add(errs, file, line, "JSON syntax error at the end of the file");
		else
			diag_add(errs, file, line, "JSON syntax error near '%.*s'",
				 (int)strcspn(end, "\r\n") < 20 ? (int)strcspn(end, "\r\n") : 20,
				 end);
		return NULL;
	}
	root = from_json(j, 0, &nodes, file, errs);
	cJSON_Delete(j);
	return root;
}

struct rb_node *
rb_doc_parse(const char *file, const char *text, size_t len, bool is_json, struct diag_list *errs)
{
	if (is_json)
		return parse_json(file, text, errs);
	return parse_yaml(file, text, len, errs);
}

/* ---- typed readers for validation ---- */

void
rb_err(struct rb_vctx *v, int line, const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (path != NULL && *path != '\0')
		diag_add(v->errs, v->file, line, "%s: %s", path, msg);
	else
		diag_add(v->errs, v->file, line, "%s", msg);
	v->nerr++;
}

int
rb_check_keys(struct rb_vctx *v, const struct rb_node *map, const char *path,
	      const char *const *allowed)
{
	int unknown = 0;

	for (size_t i = 0; i < map->n; i++) {
		const char *key = map->keys[i]->str;
		char list[400] = "";
		size_t j;

		for (j = 0; allowed[j] != NULL; j++)
			if (strcmp(allowed[j], key) == 0)
				break;
		if (allowed[j] != NULL)
			continue;
		for (j = 0; allowed[j] != NULL; j++) {
			if (j > 0)
				strncat(list, ", ", sizeof(list) - strlen(list) - 1);
			strncat(list, allowed[j], sizeof(list) - strlen(list) - 1);
		}
		rb_err(v, map->keys[i]->line, path, "unknown key '%s' (allowed: %s)", key, list);
		unknown++;
	}
	return unknown;
}

const char *
rb_node_kind(const struct rb_node *n)
{
	static const char *const kinds[] = {
	    [RBN_NULL] = "nothing",
	    [RBN_SCALAR] = "a single value",
	    [RBN_SEQ] = "a list",
	    [RBN_MAP] = "a mapping",
	};
	return kinds[n->type];
}

int
rb_get_str(struct rb_vctx *v, const struct rb_node *n, const char *path, char **out)
{
	if (n->type != RBN_SCALAR) {
		rb_err(v, n->line, path, "expected a string, got %s", rb_node_kind(n));
		return -1;
	}
	*out = xstrdup(n->str);
	return 0;
}

/* A scalar read as a number: the whole text must be one finite number. */
int
rb_get_number(struct rb_vctx *v, const struct rb_node *n, const char *path, double *out)
{
	char *end;
	double d;

	if (n->type != RBN_SCALAR) {
		rb_err(v, n->line, path, "expected a number, got %s", rb_node_kind(n));
		return -1;
	}
	errno = 0;
	d = strtod(n->str, &end);
	if (*n->str == '\0' || *end != '\0' || errno != 0 || !isfinite(d) ||
	    isspace((unsigned char)*n->str)) {
		rb_err(v, n->line, path, "expected a number, got '%s'", n->str);
		return -1;
	}
	*out = d;
	return 0;
}

int
rb_get_int(struct rb_vctx *v, const struct rb_node *n, const char *path, long min, long max,
	   int *out)
{
	char *end;
	long l;

	if (n->type != RBN_SCALAR) {
		rb_err(v, n->line, path, "expected an integer, got %s", rb_node_kind(n));
		return -1;
	}
	errno = 0;
	l = strtol(n->str, &end, 10);
	if (*n->str == '\0' || *end != '\0' || errno != 0 || isspace((unsigned char)*n->str)) {
		rb_err(v, n->line, path, "expected an integer, got '%s'", n->str);
		return -1;
	}
	if (l < min || l > max) {
		rb_err(v, n->line, path, "must be between %ld and %ld (got %ld)", min, max, l);
		return -1;
	}
	*out = (int)l;
	return 0;
}

int
rb_get_duration(struct rb_vctx *v, const struct rb_node *n, const char *path, int64_t *out)
{
	if (n->type != RBN_SCALAR) {
		rb_err(v, n->line, path, "expected a duration, got %s", rb_node_kind(n));
		return -1;
	}
	if (duration_parse(n->str, out) < 0) {
		rb_err(v, n->line, path, "bad duration '%s' (write e.g. 500ms, 30s, 5m, 1h30m)",
		       n->str);
		return -1;
	}
	return 0;
}

int
rb_get_bool(struct rb_vctx *v, const struct rb_node *n, const char *path, bool *out)
{
	if (n->type == RBN_SCALAR && strcmp(n->str, "true") == 0)
		*out = true;
	else if (n->type == RBN_SCALAR && strcmp(n->str, "false") == 0)
		*out = false;
	else {
		rb_err(v, n->line, path, "expected true or false, got %s%s%s",
		       n->type == RBN_SCALAR ? "'" : "",
		       n->type == RBN_SCALAR ? n->str : rb_node_kind(n),
		       n->type == RBN_SCALAR ? "'" : "");
		return -1;
	}
	return 0;
}
