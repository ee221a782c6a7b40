/* yaml_doc.c — reads one YAML configuration file into a libyaml document and walks it with
 * field tables; every error names the file and line. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "runbook.h"
#include "util.h"
#include "yaml_doc.h"

int
yaml_doc_open(struct yaml_doc *d, const char *path, size_t cap, bool must_exist, const char *what,
	      struct diag_list *errs)
{
	yaml_parser_t parser;
	char *data = NULL;
	size_t len = 0;
	int rc = 0;

	memset(d, 0, sizeof(*d));
	d->file = path;
	d->errs = errs;
	if (file_read_all(path, cap, &data, &len) < 0) {
		if (errno == ENOENT && !must_exist)
			return 1;
		diag_add(errs, path, 0, "cannot read the %s: %s", what,
			 errno == EFBIG ? "larger than 1 MiB" : strerror(errno));
		d->nerr++;
		return -1;
	}
	if (!yaml_parser_initialize(&parser))
		fatalx("out of memory (yaml parser)");
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	if (!yaml_parser_load(&parser, &d->doc)) {
		diag_add(errs, path, (int)parser.problem_mark.line + 1, "YAML: %s",
			 parser.problem ? parser.problem : "syntax error");
		d->nerr++;
		rc = -1;
	} else {
		d->loaded = true;
	}
	yaml_parser_delete(&parser);
	free(data);
	return rc;
}

void
yaml_doc_close(struct yaml_doc *d)
{
	if (d->loaded)
		yaml_document_delete(&d->doc);
	d->loaded = false;
}

yaml_node_t *
yaml_doc_root(struct yaml_doc *d)
{
	return d->loaded ? yaml_document_get_root_node(&d->doc) : NULL;
}

yaml_node_t *
yaml_doc_node(struct yaml_doc *d, int id)
{
	return yaml_document_get_node(&d->doc, id);
}

const char *
yaml_doc_scalar(const yaml_node_t *n)
{
	return n != NULL && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

const char *
yaml_doc_key(struct yaml_doc *d, int id)
{
	const char *s = yaml_doc_scalar(yaml_doc_node(d, id));

	return s != NULL ? s : "";
}

int
yaml_doc_line(const yaml_node_t *n)
{
	return n != NULL ? (int)n->start_mark.line + 1 : 1;
}

void
yaml_doc_err(struct yaml_doc *d, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_add(d->errs, d->file, yaml_doc_line(n), "%s", msg);
	d->nerr++;
}

int
yaml_doc_number(const char *s, double *out)
{
	char *end;

	if (s == NULL || *s == '\0' || strspn(s, "0123456789.eE+-") != strlen(s))
		return -1;
	errno = 0;
	*out = strtod(s, &end);
	return *end != '\0' || errno != 0 || !isfinite(*out) ? -1 : 0;
}

int
yaml_doc_integer(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0' || strspn(s, "0123456789-") != strlen(s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end != '\0' || errno != 0 || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

const char *
yaml_doc_value(struct yaml_doc *d, const yaml_node_t *v, const char *where)
{
	const char *s = yaml_doc_scalar(v);

	if (s == NULL)
		yaml_doc_err(d, v, "%s must be a single value", where);
	return s;
}

int
yaml_doc_duration(struct yaml_doc *d, const yaml_node_t *v, const char *where, const char *example,
		  int64_t *ms)
{
	const char *s = yaml_doc_scalar(v);

	if (s == NULL || duration_parse(s, ms) < 0) {
		yaml_doc_err(d, v, "%s: bad duration '%.40s' (e.g. %s)", where, s ? s : "",
			     example);
		return -1;
	}
	return 0;
}

/* The key of entry i of a table of structs that start with `const char *key`. */
static const char *
table_key(const void *table, size_t stride, size_t i)
{
	const char *const *k =
	    (const char *const *)(const void *)((const char *)table + i * stride);

	return *k;
}

void
yaml_doc_keys_join(const void *table, size_t nkeys, size_t stride, char *out, size_t outlen)
{
	size_t i, used = 0;

	out[0] = '\0';
	for (i = 0; i < nkeys && used < outlen; i++)
		used += (size_t)snprintf(out + used, outlen - used, "%s%s",
					 i == 0		  ? ""
					 : i == nkeys - 1 ? " or "
							  : ", ",
					 table_key(table, stride, i));
}

static bool
in_list(const char *const *list, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], key) == 0)
			return true;
	return false;
}

uint64_t
yaml_doc_fields(struct yaml_doc *d, yaml_node_t *n, const struct yaml_doc_fields *f,
		yaml_doc_field_fn *fn, void *arg)
{
	const char *sep = *f->section ? ": " : "";
	yaml_node_pair_t *pr, *prev;
	yaml_node_t *k;
	const char *key;
	char keys[256];
	uint64_t seen = 0;
	size_t i;

	if (n == NULL || n->type != YAML_MAPPING_NODE) {
		yaml_doc_err(d, n, "%s must be a mapping", f->section);
		return 0;
	}
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		k = yaml_doc_node(d, pr->key);
		key = yaml_doc_key(d, pr->key);
		if (f->skip != NULL && f->skip(key))
			continue;
		for (prev = n->data.mapping.pairs.start; !f->repeat_ok && prev < pr; prev++)
			if (strcmp(yaml_doc_key(d, prev->key), key) == 0)
				break;
		if (!f->repeat_ok && prev < pr) {
			yaml_doc_err(d, k, "%s%sduplicate key '%.64s'", f->section, sep, key);
			continue;
		}
		if (f->refused != NULL && in_list(f->refused, f->nrefused, key)) {
			yaml_doc_err(d, k, "%s%s'%.64s': %s", f->section, sep, key, f->refused_why);
			continue;
		}
		for (i = 0; i < f->nkeys; i++)
			if (strcmp(table_key(f->table, f->stride, i), key) == 0)
				break;
		if (i == f->nkeys) {
			if (f->expect != NULL && *f->expect == '\0') {
				yaml_doc_err(d, k, "%s%sunknown key '%.64s'", f->section, sep, key);
				continue;
			}
			if (f->expect == NULL)
				yaml_doc_keys_join(f->table, f->nkeys, f->stride, keys,
						   sizeof(keys));
			yaml_doc_err(d, k, "%s%sunknown key '%.64s' (expected %s)", f->section, sep,
				     key, f->expect != NULL ? f->expect : keys);
			continue;
		}
		if (i < 64)
			seen |= (uint64_t)1 << i;
		fn(d, i, k, yaml_doc_node(d, pr->value), arg);
	}
	return seen;
}
