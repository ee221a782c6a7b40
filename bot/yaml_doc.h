/* yaml_doc.h — one YAML configuration file as a libyaml document: reading it with a size
 * cap, node lookup, strict scalar readers and a field-table walker, every error as
 * "file:line: message". */
#ifndef HEALER_YAML_DOC_H
#define HEALER_YAML_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

struct diag_list;

struct yaml_doc {
	const char *file;	/* as given to yaml_doc_open; named in every error */
	struct diag_list *errs; /* where errors go */
	int nerr;		/* errors reported so far */
	yaml_document_t doc;	/* valid between a yaml_doc_open that returned 0 and close */
	bool loaded;
};

/* Reads path (at most cap bytes) and parses its first document. Returns 0 when d->doc is
 * loaded (release it with yaml_doc_close); 1 when the file does not exist and !must_exist
 * (nothing loaded, no error); -1 after reporting "cannot read the <what>: …" (line 0) or
 * "YAML: <problem>" (at the problem's line). d->nerr counts the error; d is always safe to
 * close. */
int yaml_doc_open(struct yaml_doc *d, const char *path, size_t cap, bool must_exist,
		  const char *what, struct diag_list *errs);
/* Frees the document, if one is loaded; d->nerr stays. */
void yaml_doc_close(struct yaml_doc *d);

/* The root node, or NULL for an empty document (or none loaded). */
yaml_node_t *yaml_doc_root(struct yaml_doc *d);
/* The node of id, or NULL. */
yaml_node_t *yaml_doc_node(struct yaml_doc *d, int id);
/* The text of a scalar node; NULL for any other node and for NULL. */
const char *yaml_doc_scalar(const yaml_node_t *n);
/* The text of the scalar node id as a mapping key; "" for a missing or non-scalar key. */
const char *yaml_doc_key(struct yaml_doc *d, int id);
/* The line of n, 1-based; 1 for NULL. */
int yaml_doc_line(const yaml_node_t *n);

/* Reports "file:line-of-n: message" and counts it in d->nerr. */
void yaml_doc_err(struct yaml_doc *d, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Strict decimal number: digits, '.', 'e', signs only (strtod alone would take "inf",
 * "0x1p3" or " 5"); finite. 0 or -1. */
int yaml_doc_number(const char *s, double *out);
/* Strict decimal integer in [min, max]. 0 or -1. */
int yaml_doc_integer(const char *s, long min, long max, long *out);
/* The scalar text of v, or NULL after reporting "<where> must be a single value". */
const char *yaml_doc_value(struct yaml_doc *d, const yaml_node_t *v, const char *where);
/* v as a duration (duration_parse: 30s, 5m, 1h30m) into *ms; -1 after reporting
 * "<where>: bad duration '<text>' (e.g. <example>)" for a non-scalar or bad value. */
int yaml_doc_duration(struct yaml_doc *d, const yaml_node_t *v, const char *where,
		      const char *example, int64_t *ms);

/* Joins the keys of a field table as "a, b or c" into out (always terminated). */
void yaml_doc_keys_join(const void *table, size_t nkeys, size_t stride, char *out, size_t outlen);

/* Called for each known key of a mapping: i is the key's index in the table. */
typedef void yaml_doc_field_fn(struct yaml_doc *d, size_t i, yaml_node_t *key, yaml_node_t *value,
			       void *arg);

/* A mapping whose keys come from a table of structs, each starting with `const char *key`. */
struct yaml_doc_fields {
	const char *section;  /* "autopilot", "rules[2]"; "" at the top level */
	const void *table;    /* the field table */
	size_t nkeys, stride; /* YAML_DOC_TABLE(t) fills table, nkeys and stride */
	const char *expect;   /* "(expected …)" text; NULL: the keys; "": no list at all */
	bool repeat_ok;	      /* a repeated key is read again rather than refused */
	bool (*skip)(const char *key); /* keys the caller reads itself, or NULL */
	const char *const *refused;    /* keys refused with refused_why, or NULL */
	size_t nrefused;
	const char *refused_why;
};
#define YAML_DOC_TABLE(t)                                                                          \
	.table = (t), .nkeys = sizeof(t) / sizeof((t)[0]), .stride = sizeof((t)[0])

/* Walks mapping n: calls fn for each key found in the table, reports "<section> must be a
 * mapping", "<section>: duplicate key 'k'" and "<section>: unknown key 'k' (expected a, b
 * or c)" (without "<section>: " at the top level). Returns the set of the table's keys seen,
 * bit i for key i (tables of up to 64 keys). */
uint64_t yaml_doc_fields(struct yaml_doc *d, yaml_node_t *n, const struct yaml_doc_fields *f,
			 yaml_doc_field_fn *fn, void *arg);

#endif
