/* runbook.c — runbook files and sets (load, find, free), validation messages, label matching
 * and binding parameter values from an alert or a command line. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "runbook_int.h"
#include "util.h"

#define DIAG_MAX 500	  /* messages kept; a broken file should not flood the terminal */
#define RB_MAX_FILES 1000 /* runbook files in one directory */

static const char *const risk_names[RISK__COUNT] = {
    [RISK_LOW] = "low",
    [RISK_MEDIUM] = "medium",
    [RISK_HIGH] = "high",
    [RISK_CRITICAL] = "critical",
};

const char *
risk_level_name(enum risk_level r)
{
	if ((int)r < 0 || r >= RISK__COUNT)
		return "unknown";
	return risk_names[r];
}

int
risk_level_from_name(const char *s)
{
	for (int i = 0; s != NULL && i < RISK__COUNT; i++)
		if (strcmp(risk_names[i], s) == 0)
			return i;
	return -1;
}

void
diag_add(struct diag_list *d, const char *file, int line, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	if (d->n > DIAG_MAX)
		return;
	if (d->n == DIAG_MAX) {
		snprintf(msg, sizeof(msg), "%s: too many errors, the rest are not shown", file);
	} else {
		int off = line > 0 ? snprintf(msg, sizeof(msg), "%s:%d: ", file, line)
				   : snprintf(msg, sizeof(msg), "%s: ", file);
		if (off < 0 || (size_t)off >= sizeof(msg))
			off = 0;
		va_start(ap, fmt);
		vsnprintf(msg + off, sizeof(msg) - (size_t)off, fmt, ap);
		va_end(ap);
	}
	d->msgs = xrealloc(d->msgs, (d->n + 1) * sizeof(*d->msgs));
	d->msgs[d->n++] = xstrdup(msg);
}

void
diag_free(struct diag_list *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->msgs[i]);
	free(d->msgs);
	d->msgs = NULL;
	d->n = 0;
}

static void
steps_free(struct step *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rb_step_free(&v[i]);
	free(v);
}

void
runbook_free(struct runbook *rb)
{
	if (rb == NULL)
		return;
	for (size_t i = 0; i < rb->nmatch; i++) {
		for (size_t j = 0; j < rb->match[i].nlabels; j++) {
			struct label_match *m = &rb->match[i].labels[j];

			if (m->is_regex)
				regfree(&m->re);
			free(m->key);
			free(m->value);
		}
		free(rb->match[i].labels);
	}
	free(rb->match);
	for (size_t i = 0; i < rb->nparams; i++) {
		struct param_spec *p = &rb->params[i];

		regfree(&p->re); /* every spec holds a compiled regex, see runbook_load.c */
		free(p->name);
		free(p->from);
		free(p->pattern);
		free(p->default_value);
	}
	free(rb->params);
	steps_free(rb->diagnostics, rb->ndiagnostics);
	steps_free(rb->steps, rb->nsteps);
	steps_free(rb->verify, rb->nverify);
	steps_free(rb->rollback, rb->nrollback);
	for (size_t i = 0; i < rb->nescalate; i++)
		free(rb->escalate[i]);
	free(rb->escalate);
	free(rb->quantity);
	free(rb->id);
	free(rb->title);
	free(rb->description);
	free(rb->file);
	free(rb);
}

void
runbook_set_free(struct runbook_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		runbook_free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

const struct runbook *
runbook_find(const struct runbook_set *s, const char *id)
{
	for (size_t i = 0; id != NULL && i < s->n; i++)
		if (strcmp(s->v[i]->id, id) == 0)
			return s->v[i];
	return NULL;
}

/* runbook_load_file, also telling where the id was written (for duplicate-id messages). */
static int
load_file(const char *path, struct runbook **out, int *id_line, struct diag_list *errs)
{
	struct rb_node *root;
	const char *dot = strrchr(path, '.');
	char *text = NULL;
	size_t len = 0;
	int nerr;

	*out = NULL;
	*id_line = 1;
	if (file_read_all(path, RB_MAX_FILE, &text, &len) < 0) {
		diag_add(errs, path, 0, "cannot read: %s%s", strerror(errno),
			 errno == EFBIG ? " (a runbook is at most 256 KiB)" : "");
		return 1;
	}
	root = rb_doc_parse(path, text, len, dot != NULL && strcmp(dot, ".json") == 0, errs);
	free(text);
	if (root == NULL)
		return 1;
	nerr = rb_build(path, root, out, id_line, errs);
	rb_node_free(root);
	return nerr;
}

int
runbook_load_file(const char *path, struct runbook **out, struct diag_list *errs)
{
	int id_line;

	return load_file(path, out, &id_line, errs);
}

/* A runbook file by its name: *.yaml, *.yml, *.json, not hidden, not the policy file nor the
 * metric watcher's rules (watch.yaml may sit beside the policy). */
static int
runbook_file_filter(const struct dirent *d)
{
	const char *dot = strrchr(d->d_name, '.');

	if (d->d_name[0] == '.' || dot == NULL || strcmp(d->d_name, "policy.yaml") == 0 ||
	    strcmp(d->d_name, "watch.yaml") == 0)
		return 0;
	return strcmp(dot, ".yaml") == 0 || strcmp(dot, ".yml") == 0 || strcmp(dot, ".json") == 0;
}

int
runbook_load_dir(const char *dir, struct runbook_set *out, struct diag_list *errs)
{
	struct dirent **names = NULL;
	int n, nerr = 0;

	memset(out, 0, sizeof(*out));
	/* sorted, so that which of two duplicates is refused does not depend on the disk */
	if ((n = scandir(dir, &names, runbook_file_filter, alphasort)) < 0) {
		diag_add(errs, dir, 0, "cannot open directory: %s", strerror(errno));
		return 1;
	}
	if (n > RB_MAX_FILES) {
		diag_add(errs, dir, 0, "more than %d runbook files", RB_MAX_FILES);
		nerr++;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]->d_name);
		const struct runbook *dup;
		struct runbook *rb;
		struct stat st;
		int id_line;

		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
			free(path);
			continue;
		}
		nerr += load_file(path, &rb, &id_line, errs);
		if (rb != NULL && (dup = runbook_find(out, rb->id)) != NULL) {
			diag_add(errs, path, id_line, "id: duplicate id '%s' (already used by %s)",
				 rb->id, dup->file);
			nerr++;
			runbook_free(rb);
			rb = NULL;
		}
		if (rb != NULL) {
			out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
			out->v[out->n++] = rb; /* owned by the set now */
		}
		free(path);
	}
	nerr += runbook_ladder_check(out, errs);
out:
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return nerr;
}

static bool
rule_matches(const struct match_rule *r, const cJSON *labels)
{
	if (r->nlabels == 0)
		return false;
	for (size_t i = 0; i < r->nlabels; i++) {
		const struct label_match *m = &r->labels[i];
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(labels, m->key);

		if (!cJSON_IsString(v) || v->valuestring == NULL)
			return false;
		if (m->is_regex ? regexec(&m->re, v->valuestring, 0, NULL, 0) != 0
				: strcmp(m->value, v->valuestring) != 0)
			return false;
	}
	return true;
}

bool
runbook_matches(const struct runbook *rb, const cJSON *labels)
{
	if (!cJSON_IsObject(labels))
		return false;
	for (size_t i = 0; i < rb->nmatch; i++)
		if (rule_matches(&rb->match[i], labels))
			return true;
	return false;
}

static const struct param_spec *
param_find(const struct runbook *rb, const char *name)
{
	for (size_t i = 0; i < rb->nparams; i++)
		if (strcmp(rb->params[i].name, name) == 0)
			return &rb->params[i];
	return NULL;
}

/* The value a parameter's `from` points at ("labels.service"), or NULL. */
static const char *
param_from(const struct param_spec *p, const cJSON *labels, const cJSON *annotations)
{
	const char *dot;
	const cJSON *src, *v;

	if (p->from == NULL || (dot = strchr(p->from, '.')) == NULL)
		return NULL;
	src = strncmp(p->from, "labels.", 7) == 0 ? labels : annotations;
	v = cJSON_GetObjectItemCaseSensitive(src, dot + 1);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Every override must name a declared parameter: a typo on the command line should not be
 * silently replaced by the alert's value. */
static int
check_overrides(const struct runbook *rb, const cJSON *overrides, char *err, size_t errlen)
{
	const cJSON *o;

	cJSON_ArrayForEach(o, overrides)
	{
		if (param_find(rb, o->string) == NULL) {
			struct buf b;

			buf_init(&b, 400);
			for (size_t i = 0; i < rb->nparams; i++)
				buf_printf(&b, "%s%s", i ? ", " : "", rb->params[i].name);
			snprintf(err, errlen, "unknown parameter '%s' (this runbook takes: %s)",
				 o->string, b.len ? b.data : "none");
			buf_free(&b);
			return -1;
		}
		if (!cJSON_IsString(o)) {
			snprintf(err, errlen, "parameter '%s': value must be a string", o->string);
			return -1;
		}
	}
	return 0;
}

int
runbook_bind_params(const struct runbook *rb, const cJSON *labels, const cJSON *annotations,
		    const cJSON *overrides, cJSON **params_out, char *err, size_t errlen)
{
	cJSON *params = cJSON_CreateObject();
	int rc = -1;

	*params_out = NULL;
	if (check_overrides(rb, overrides, err, errlen) < 0)
		goto out;
	for (size_t i = 0; i < rb->nparams; i++) {
		const struct param_spec *p = &rb->params[i];
		const cJSON *o = cJSON_GetObjectItemCaseSensitive(overrides, p->name);
		const char *val = cJSON_IsString(o) ? o->valuestring : NULL;

		if (val == NULL)
			val = param_from(p, labels, annotations);
		if (val == NULL)
			val = p->default_value;
		/* a declared resource without a source is the alert's: runbook_bind_resource */
		if (val == NULL && p->from == NULL && strcmp(p->name, "resource") == 0)
			continue;
		if (val == NULL) {
			if (!p->required)
				continue;
			if (p->from != NULL)
				snprintf(err, errlen, "parameter '%s': required, but %s is not set",
					 p->name, p->from);
			else
				snprintf(err, errlen, "parameter '%s': required, give it as %s=…",
					 p->name, p->name);
			goto out;
		}
		if (rb_value_check(p->name, val, &p->re, p->pattern, p->default_pattern, err,
				   errlen) < 0)
			goto out;
		cJSON_AddStringToObject(params, p->name, val);
	}
	*params_out = params;
	params = NULL; /* owned by the caller now */
	rc = 0;
out:
	cJSON_Delete(params);
	return rc;
}

int
rb_value_check(const char *name, const char *val, const regex_t *re, const char *pattern,
	       bool is_default, char *err, size_t errlen)
{
	if (strlen(val) > RB_MAX_VALUE) {
		snprintf(err, errlen, "parameter '%s': value longer than %d bytes", name,
			 RB_MAX_VALUE);
		return -1;
	}
	if (regexec(re, val, 0, NULL, 0) != 0) {
		snprintf(err, errlen, "parameter '%s': value does not match %s", name, pattern);
		return -1;
	}
	/* a pattern such as [^ ]+ lets a newline through; no step ever wants one */
	for (const unsigned char *c = (const unsigned char *)val; *c; c++) {
		if (*c < 0x20 || *c == 0x7f) {
			snprintf(err, errlen, "parameter '%s': value contains a control character",
				 name);
			return -1;
		}
	}
	if (is_default && strstr(val, "..") != NULL) {
		snprintf(err, errlen,
			 "parameter '%s': value contains '..' (the default pattern takes plain "
			 "names only; declare a pattern)",
			 name);
		return -1;
	}
	return 0;
}

/* The default pattern, compiled once for resources a runbook says nothing about. */
static regex_t default_re;
static pthread_once_t default_once = PTHREAD_ONCE_INIT;

static void
default_re_init(void)
{
	if (regcomp(&default_re, RB_DEFAULT_PATTERN, REG_EXTENDED | REG_NOSUB) != 0)
		abort(); /* a constant known to compile */
}

int
runbook_bind_resource(const struct runbook *rb, cJSON *params, const char *resource, char *err,
		      size_t errlen)
{
	const struct param_spec *p = param_find(rb, "resource");
	const char *val = resource != NULL ? resource : "";
	int rc;

	if (cJSON_GetObjectItemCaseSensitive(params, "resource") != NULL)
		return 0; /* bound through its declared pattern already */
	if (p != NULL) {
		rc = rb_value_check("resource", val, &p->re, p->pattern, p->default_pattern, err,
				    errlen);
	} else {
		pthread_once(&default_once, default_re_init);
		rc = rb_value_check("resource", val, &default_re, RB_DEFAULT_PATTERN, true, err,
				    errlen);
	}
	if (rc == 0) {
		cJSON_AddStringToObject(params, "resource", val);
		return 0;
	}
	/* an odd resource matters only to a runbook that would put it somewhere */
	return rb_uses_param(rb, "resource") ? -1 : 0;
}
