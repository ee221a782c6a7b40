/* runbook_step.c — validates one step entry (exec, http, wait, alert_resolved) of a runbook
 * section, and checks that every {{name}} in a template is a declared parameter. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runbook_int.h"
#include "util.h"

#define RB_MAX_STEP_MS (24LL * 3600 * 1000) /* timeouts, waits and windows: at most a day */
#define RB_MAX_RETRIES 100

static bool
param_declared(const struct runbook *rb, const char *name)
{
	for (size_t i = 0; i < rb->nparams; i++)
		if (strcmp(rb->params[i].name, name) == 0)
			return true;
	return template_builtin(name);
}

void
rb_check_template(struct rb_vctx *v, int line, const char *path, const char *tmpl)
{
	const char *p = tmpl;
	char name[RB_MAX_NAME + 1];

	while ((p = strstr(p, "{{")) != NULL) {
		size_t len = template_token(p, name);

		if (len == 0) {
			rb_err(v, line, path, "malformed placeholder at '%.24s' (write {{name}})",
			       p);
			return;
		}
		if (!param_declared(v->rb, name)) {
			char list[300] = "";

			for (size_t i = 0; i < v->rb->nparams; i++) {
				if (i > 0)
					strncat(list, ", ", sizeof(list) - strlen(list) - 1);
				strncat(list, v->rb->params[i].name,
					sizeof(list) - strlen(list) - 1);
			}
			rb_err(v, line, path, "{{%s}} is not a declared parameter (declared: %s)",
			       name, v->rb->nparams ? list : "none");
		}
		p += len;
	}
}

/* A header name is an HTTP token; values may hold templates. */
static bool
header_name_ok(const char *s)
{
	size_t len = strlen(s);

	return len > 0 && len <= 64 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == len;
}

static void
parse_exec(struct rb_vctx *v, const struct rb_node *n, const char *path, struct step *s)
{
	if (n->type != RBN_SEQ) {
		rb_err(v, n->line, path, "expected a list (the argv), got %s", rb_node_kind(n));
		return;
	}
	if (n->n == 0 || n->n > RB_MAX_ITEMS) {
		rb_err(v, n->line, path,
		       n->n ? "argv has more than 64 elements" : "argv must not be empty");
		return;
	}
	s->argv = xcalloc(n->n + 1, sizeof(*s->argv));
	for (size_t i = 0; i < n->n; i++) {
		const struct rb_node *a = n->vals[i];
		char sub[160];

		snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
		if (rb_get_str(v, a, sub, &s->argv[s->argc]) < 0)
			continue;
		s->argc++;
		if (i == 0 && strstr(a->str, "{{") != NULL)
			rb_err(v, a->line, sub,
			       "the program must be literal, not a template ('%s')", a->str);
		else if (i == 0 && a->str[0] == '\0')
			rb_err(v, a->line, sub, "the program must not be empty");
		else
			rb_check_template(v, a->line, sub, a->str);
	}
}

static void
parse_http(struct rb_vctx *v, const struct rb_node *n, const char *path, struct step *s)
{
	static const char *const allowed[] = {"method", "url",		 "headers",
					      "body",	"expect_status", NULL};
	static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"};
	const struct rb_node *c;
	char sub[160];

	if (n->type != RBN_MAP) {
		rb_err(v, n->line, path,
		       "expected {method, url, headers, body, expect_status}, got %s",
		       rb_node_kind(n));
		return;
	}
	rb_check_keys(v, n, path, allowed);
	snprintf(sub, sizeof(sub), "%s.method", path);
	if ((c = rb_map_get(n, "method")) != NULL && rb_get_str(v, c, sub, &s->http.method) == 0) {
		size_t i;

		for (i = 0; i < ARRAY_LEN(methods); i++)
			if (strcmp(methods[i], s->http.method) == 0)
				break;
		if (i == ARRAY_LEN(methods))
			rb_err(v, c->line, sub,
			       "must be GET, HEAD, POST, PUT, PATCH or DELETE (got '%s')",
			       s->http.method);
	}
	if (s->http.method == NULL)
		s->http.method = xstrdup("GET");
	snprintf(sub, sizeof(sub), "%s.url", path);
	if ((c = rb_map_get(n, "url")) == NULL)
		rb_err(v, n->line, path, "missing required key 'url'");
	else if (rb_get_str(v, c, sub, &s->http.url) == 0) {
		if (strncmp(s->http.url, "http://", 7) != 0 &&
		    strncmp(s->http.url, "https://", 8) != 0 && strncmp(s->http.url, "{{", 2) != 0)
			rb_err(v, c->line, sub,
			       "must start with http://, https:// or a {{parameter}}");
		else
			rb_check_template(v, c->line, sub, s->http.url);
	}
	snprintf(sub, sizeof(sub), "%s.headers", path);
	if ((c = rb_map_get(n, "headers")) != NULL && c->type != RBN_NULL) {
		if (c->type != RBN_MAP || c->n > RB_MAX_ITEMS) {
			rb_err(v, c->line, sub, "expected a mapping of header name: value");
		} else {
			s->http.headers = xcalloc(c->n, sizeof(*s->http.headers));
			for (size_t i = 0; i < c->n; i++) {
				const char *name = c->keys[i]->str;
				char *val;

				if (!header_name_ok(name)) {
					rb_err(v, c->keys[i]->line, sub, "bad header name '%s'",
					       name);
					continue;
				}
				if (rb_get_str(v, c->vals[i], sub, &val) < 0)
					continue;
				rb_check_template(v, c->vals[i]->line, sub, val);
				s->http.headers[s->http.nheaders++] =
				    xasprintf("%s: %s", name, val);
				free(val);
			}
		}
	}
	snprintf(sub, sizeof(sub), "%s.body", path);
	if ((c = rb_map_get(n, "body")) != NULL && c->type != RBN_NULL &&
	    rb_get_str(v, c, sub, &s->http.body) == 0)
		rb_check_template(v, c->line, sub, s->http.body);
	snprintf(sub, sizeof(sub), "%s.expect_status", path);
	if ((c = rb_map_get(n, "expect_status")) != NULL && c->type != RBN_NULL)
		rb_get_int(v, c, sub, 100, 599, &s->http.expect_status);
}

/* A duration that must be above zero and at most a day. */
static void
positive_duration(struct rb_vctx *v, const struct rb_node *n, const char *path, int64_t *out)
{
	if (rb_get_duration(v, n, path, out) < 0)
		return;
	if (*out <= 0 || *out > RB_MAX_STEP_MS)
		rb_err(v, n->line, path, "must be more than 0 and at most 24h (got %s)", n->str);
}

static void
parse_wait(struct rb_vctx *v, const struct rb_node *n, const char *path, struct step *s)
{
	positive_duration(v, n, path, &s->wait_ms);
}

static void
parse_resolved(struct rb_vctx *v, const struct rb_node *n, const char *path, struct step *s)
{
	static const char *const allowed[] = {"within", NULL};
	const struct rb_node *w = rb_map_get(n, "within");
	char sub[160];

	if (n->type != RBN_MAP) {
		rb_err(v, n->line, path, "expected {within: <duration>}, got %s", rb_node_kind(n));
		return;
	}
	rb_check_keys(v, n, path, allowed);
	snprintf(sub, sizeof(sub), "%s.within", path);
	if (w == NULL || w->type == RBN_NULL)
		rb_err(v, n->line, path, "missing required key 'within'");
	else
		positive_duration(v, w, sub, &s->wait_ms);
}

/* The step kinds: exactly one of these keys makes the step. */
static const struct step_kind_def {
	const char *key;
	enum step_kind kind;
	bool verify_only;
	void (*parse)(struct rb_vctx *v, const struct rb_node *n, const char *path, struct step *s);
} kinds[] = {
    {"exec", STEP_EXEC, false, parse_exec},
    {"http", STEP_HTTP, false, parse_http},
    {"wait", STEP_WAIT, false, parse_wait},
    {"alert_resolved", STEP_ALERT_RESOLVED, true, parse_resolved},
};

static const char *const step_keys[] = {"name",	   "exec",    "http",	 "wait",
					"timeout", "retries", "backoff", NULL};
static const char *const verify_keys[] = {"name",	    "exec",    "http",	  "wait",
					  "alert_resolved", "timeout", "retries", "backoff",
					  "interval",	    NULL};

/* A name for a step that has none: the command or request as written. */
static char *
step_default_name(const struct step *s)
{
	struct buf b;
	char d[64];

	buf_init(&b, 0);
	switch (s->kind) {
	case STEP_EXEC:
		for (size_t i = 0; i < s->argc && i < 4; i++)
			buf_printf(&b, "%s%s", i ? " " : "", s->argv[i]);
		break;
	case STEP_HTTP:
		buf_printf(&b, "%s %s", s->http.method, s->http.url ? s->http.url : "");
		break;
	case STEP_WAIT:
		duration_format(s->wait_ms, d, sizeof(d));
		buf_printf(&b, "wait %s", d);
		break;
	case STEP_ALERT_RESOLVED:
		buf_printf(&b, "alert resolved");
		break;
	}
	char *full = buf_steal(&b), *name = utf8_truncate(full, 80);
	free(full);
	return name;
}

void
rb_step_parse(struct rb_vctx *v, const struct rb_node *n, const char *section, size_t idx,
	      struct step *s)
{
	bool verify = strcmp(section, "verify") == 0;
	const struct step_kind_def *kind = NULL;
	const struct rb_node *c;
	char path[64], sub[96];
	int unknown;

	snprintf(path, sizeof(path), "%s[%zu]", section, idx);
	s->line = n->line;
	s->timeout_ms = 30000;
	s->backoff_ms = 1000;
	s->interval_ms = 2000;
	if (n->type != RBN_MAP) {
		rb_err(v, n->line, path, "expected a mapping such as {name: …, exec: […]}, got %s",
		       n->type == RBN_SCALAR ? "a single value" : "a list");
		return;
	}
	unknown = rb_check_keys(v, n, path, verify ? verify_keys : step_keys);
	for (size_t i = 0; i < ARRAY_LEN(kinds); i++) {
		if (rb_map_get(n, kinds[i].key) == NULL || (kinds[i].verify_only && !verify))
			continue;
		if (kind != NULL) {
			rb_err(v, n->line, path, "has both %s and %s; a step has exactly one kind",
			       kind->key, kinds[i].key);
			return;
		}
		kind = &kinds[i];
	}
	/* an unknown key was most likely a misspelt kind: that message says enough */
	if (kind == NULL && unknown == 0)
		rb_err(v, n->line, path, "needs one of %s",
		       verify ? "exec, http, wait or alert_resolved" : "exec, http or wait");
	if (kind == NULL)
		return;
	s->kind = kind->kind;
	snprintf(sub, sizeof(sub), "%s.%s", path, kind->key);
	kind->parse(v, rb_map_get(n, kind->key), sub, s);

	snprintf(sub, sizeof(sub), "%s.name", path);
	if ((c = rb_map_get(n, "name")) != NULL && c->type != RBN_NULL &&
	    rb_get_str(v, c, sub, &s->name) == 0)
		rb_check_template(v, c->line, sub, s->name);
	if (s->name == NULL)
		s->name = step_default_name(s);
	snprintf(sub, sizeof(sub), "%s.timeout", path);
	if ((c = rb_map_get(n, "timeout")) != NULL && c->type != RBN_NULL)
		positive_duration(v, c, sub, &s->timeout_ms);
	snprintf(sub, sizeof(sub), "%s.retries", path);
	if ((c = rb_map_get(n, "retries")) != NULL && c->type != RBN_NULL)
		rb_get_int(v, c, sub, 0, RB_MAX_RETRIES, &s->retries);
	snprintf(sub, sizeof(sub), "%s.backoff", path);
	if ((c = rb_map_get(n, "backoff")) != NULL && c->type != RBN_NULL)
		positive_duration(v, c, sub, &s->backoff_ms);
	snprintf(sub, sizeof(sub), "%s.interval", path);
	if ((c = rb_map_get(n, "interval")) != NULL && c->type != RBN_NULL && verify)
		positive_duration(v, c, sub, &s->interval_ms);
}

void
rb_step_free(struct step *s)
{
	for (size_t i = 0; s->argv && i < s->argc; i++)
		free(s->argv[i]);
	free(s->argv);
	for (size_t i = 0; i < s->http.nheaders; i++)
		free(s->http.headers[i]);
	free(s->http.headers);
	free(s->http.method);
	free(s->http.url);
	free(s->http.body);
	free(s->name);
}
