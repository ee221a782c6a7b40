/* runbook_int.h — internals shared by the runbook files: the line-numbered document tree
 * both YAML and JSON are read into, template scanning, and the limits. Not for other modules. */
#ifndef HEALER_RUNBOOK_INT_H
#define HEALER_RUNBOOK_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "runbook.h"

#define RB_MAX_FILE (256 * 1024)    /* a runbook file larger than this is refused */
#define RB_MAX_DEPTH 16		    /* nesting of mappings and lists */
#define RB_MAX_NODES 20000	    /* scalars + containers in one file */
#define RB_MAX_ITEMS 64		    /* steps per section, argv elements, params, rules, … */
#define RB_MAX_NAME 64		    /* parameter names: [A-Za-z_][A-Za-z0-9_]{0,63} */
#define RB_MAX_VALUE 1024	    /* a bound parameter value */
#define RB_MAX_EXPANDED (64 * 1024) /* one expanded template (bodies are the big ones) */

/* The default parameter pattern (runbook.h): a plain name. No '/' or ':' so that a value
 * cannot be a path or a URL, no leading '-' or '.' so that it is neither an option nor a
 * relative path; ".." inside a value is refused separately (ERE has no negative lookahead). */
#define RB_DEFAULT_PATTERN "^[A-Za-z0-9_@][A-Za-z0-9._@-]{0,127}$"

/* Checks one value against a parameter's compiled pattern: length, the pattern, no control
 * character, and no ".." when the pattern is the default one. Returns 0 or -1 with err
 * naming the parameter. */
int rb_value_check(const char *name, const char *val, const regex_t *re, const char *pattern,
		   bool is_default, char *err, size_t errlen);
/* True when any template of the runbook (names, argv, URLs, headers, bodies, the cost
 * quantity) uses {{name}}. */
bool rb_uses_param(const struct runbook *rb, const char *name);

enum rb_node_type { RBN_NULL, RBN_SCALAR, RBN_SEQ, RBN_MAP };

/* One node of a parsed file. Scalars keep their text whatever their YAML style or JSON type
 * (numbers and booleans as written); the typed readers decide what a field accepts. */
struct rb_node {
	enum rb_node_type type;
	int line;	       /* 1-based; JSON nodes are all line 1 (cJSON keeps no positions) */
	char *str;	       /* RBN_SCALAR */
	struct rb_node **keys; /* RBN_MAP: scalar key nodes */
	struct rb_node **vals; /* RBN_MAP values, RBN_SEQ items */
	size_t n;
};

/* Parses a file's text (YAML, or JSON when is_json) into a tree. Syntax errors go to errs as
 * "file:line: message". Returns the root, or NULL after adding at least one error. */
struct rb_node *rb_doc_parse(const char *file, const char *text, size_t len, bool is_json,
			     struct diag_list *errs);
void rb_node_free(struct rb_node *n);
/* The value of key in a mapping, or NULL when absent (or the node is not a mapping). */
struct rb_node *rb_map_get(const struct rb_node *map, const char *key);

/* Builds the struct runbook from a parsed tree; every problem goes to errs. Returns the
 * number of errors added; *out is set only when that is 0. *id_line: where the id is. */
int rb_build(const char *file, const struct rb_node *root, struct runbook **out, int *id_line,
	     struct diag_list *errs);
/* Parses one step entry of a section ("diagnostics", "steps", "verify", "rollback") into s;
 * errors go through v. s gets its defaults even when the entry is refused. */
struct rb_vctx;
void rb_step_parse(struct rb_vctx *v, const struct rb_node *n, const char *section, size_t idx,
		   struct step *s);
void rb_step_free(struct step *s);

/* Validation context: where messages go, how many so far, what the runbook declares. */
struct rb_vctx {
	const char *file;
	struct diag_list *errs;
	int nerr;
	const struct runbook *rb; /* params already parsed, for the template check */
};
void rb_err(struct rb_vctx *v, int line, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Refuses keys of map not in allowed (NULL-terminated); the message lists the allowed ones.
 * Returns the number of unknown keys. */
int rb_check_keys(struct rb_vctx *v, const struct rb_node *map, const char *path,
		  const char *const *allowed);
/* "a list", "a mapping", "a single value", "nothing": for "expected …, got …" messages. */
const char *rb_node_kind(const struct rb_node *n);
/* Typed readers: each returns 0, or -1 after reporting "path: expected …". */
int rb_get_str(struct rb_vctx *v, const struct rb_node *n, const char *path, char **out);
int rb_get_int(struct rb_vctx *v, const struct rb_node *n, const char *path, long min, long max,
	       int *out);
int rb_get_duration(struct rb_vctx *v, const struct rb_node *n, const char *path, int64_t *out);
int rb_get_number(struct rb_vctx *v, const struct rb_node *n, const char *path, double *out);
int rb_get_bool(struct rb_vctx *v, const struct rb_node *n, const char *path, bool *out);
/* Checks the {{names}} of a template string against the declared parameters. */
void rb_check_template(struct rb_vctx *v, int line, const char *path, const char *tmpl);

/* Template scanning. At s (pointing at "{{"), parses "{{ name }}": returns the length of the
 * whole placeholder and copies the name into name[RB_MAX_NAME + 1], or returns 0 when it is
 * malformed. */
size_t template_token(const char *s, char *name);
/* True when name is a valid parameter name. */
bool template_name_ok(const char *name);
/* True when the name is set by the engine itself ("incident", "resource"). */
bool template_builtin(const char *name);

#endif
