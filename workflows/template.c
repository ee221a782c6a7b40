/* template.c — {{param}} expansion of step templates (raw in argv, headers and bodies,
 * percent-encoded inside URLs), which templates use a name, binding a step for one incident,
 * and its one-line description. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "runbook_int.h"
#include "util.h"

static const char *const builtins[] = {"incident", "resource"};

bool
template_name_ok(const char *name)
{
	size_t len = strlen(name);

	return len >= 1 && len <= RB_MAX_NAME &&
	       strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") ==
		   len &&
	       !(name[0] >= '0' && name[0] <= '9');
}

bool
template_builtin(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(builtins); i++)
		if (strcmp(builtins[i], name) == 0)
			return true;
	return false;
}

size_t
template_token(const char *s, char *name)
{
	const char *p = s + 2, *start;
	size_t len;

	if (strncmp(s, "{{", 2) != 0)
		return 0;
	while (*p == ' ')
		p++;
	start = p;
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
	       *p == '_')
		p++;
	len = (size_t)(p - start);
	if (len == 0 || len > RB_MAX_NAME)
		return 0;
	memcpy(name, start, len);
	name[len] = '\0';
	while (*p == ' ')
		p++;
	if (strncmp(p, "}}", 2) != 0 || !template_name_ok(name))
		return 0;
	return (size_t)(p + 2 - s);
}

/* The incident key is the engine's own ("INC-7") and passes the default pattern; the
 * resource comes from the alert and was checked by runbook_bind_resource against the
 * runbook's pattern for it, or the default one. */
static regex_t builtin_re;
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;

static void
builtin_re_init(void)
{
	if (regcomp(&builtin_re, RB_DEFAULT_PATTERN, REG_EXTENDED | REG_NOSUB) != 0)
		fatalx("default parameter pattern does not compile");
}

/* Checks a value about to be substituted. Returns 0 or -1 with err. */
static int
value_check(const char *name, const char *val, char *err, size_t errlen)
{
	for (const unsigned char *p = (const unsigned char *)val; *p; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			snprintf(err, errlen, "parameter '%s': value contains a control character",
				 name);
			return -1;
		}
	}
	if (strcmp(name, "incident") == 0) {
		pthread_once(&builtin_once, builtin_re_init);
		if (regexec(&builtin_re, val, 0, NULL, 0) != 0) {
			snprintf(err, errlen, "parameter '%s': value does not match %s", name,
				 RB_DEFAULT_PATTERN);
			return -1;
		}
	}
	return 0;
}

/* True when the template uses {{name}}. */
static bool
tmpl_uses(const char *tmpl, const char *name)
{
	char found[RB_MAX_NAME + 1];
	const char *q;
	size_t len;

	for (q = tmpl; q != NULL && (q = strstr(q, "{{")) != NULL; q += len ? len : 2)
		if ((len = template_token(q, found)) > 0 && strcmp(found, name) == 0)
			return true;
	return false;
}

static bool
step_uses(const struct step *s, const char *name)
{
	if (tmpl_uses(s->name, name) || tmpl_uses(s->http.url, name) ||
	    tmpl_uses(s->http.body, name))
		return true;
	for (size_t i = 0; i < s->argc; i++)
		if (tmpl_uses(s->argv[i], name))
			return true;
	for (size_t i = 0; i < s->http.nheaders; i++)
		if (tmpl_uses(s->http.headers[i], name))
			return true;
	return false;
}

bool
rb_uses_param(const struct runbook *rb, const char *name)
{
	const struct step *const secs[] = {rb->diagnostics, rb->steps, rb->verify, rb->rollback};
	const size_t counts[] = {rb->ndiagnostics, rb->nsteps, rb->nverify, rb->nrollback};

	if (tmpl_uses(rb->quantity, name))
		return true;
	for (size_t i = 0; i < ARRAY_LEN(secs); i++)
		for (size_t j = 0; j < counts[i]; j++)
			if (step_uses(&secs[i][j], name))
				return true;
	return false;
}

/* RFC 3986 unreserved characters stay; everything else, '/' '?' '#' '&' included, is %XX so
 * that a value can never add path segments or query parameters. */
static void
append_encoded(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			buf_append(b, p, 1);
		} else {
			char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			buf_append(b, e, 3);
		}
	}
}

/*
 * The expansion itself. In a URL, a placeholder at the very start stands for the whole base
 * URL and goes in as it is (it must then be http(s)); any other is percent-encoded.
 */
static char *
expand(const char *tmpl, const cJSON *params, bool url, char *err, size_t errlen)
{
	const char *p = tmpl, *q, *whole = NULL;
	char name[RB_MAX_NAME + 1];
	struct buf b;

	buf_init(&b, RB_MAX_EXPANDED);
	while ((q = strstr(p, "{{")) != NULL) {
		size_t len = template_token(q, name);
		const cJSON *v;

		if (len == 0) {
			snprintf(err, errlen, "malformed placeholder at '%.24s'", q);
			goto fail;
		}
		v = cJSON_GetObjectItemCaseSensitive(params, name);
		if (!cJSON_IsString(v) || v->valuestring == NULL) {
			snprintf(err, errlen, "no value for parameter '%s'", name);
			goto fail;
		}
		if (value_check(name, v->valuestring, err, errlen) < 0)
			goto fail;
		buf_append(&b, p, (size_t)(q - p));
		if (url && q == tmpl) {
			whole = v->valuestring;
			buf_append(&b, whole, strlen(whole));
		} else if (url) {
			append_encoded(&b, v->valuestring);
		} else {
			buf_append(&b, v->valuestring, strlen(v->valuestring));
		}
		p = q + len;
	}
	buf_append(&b, p, strlen(p));
	if (b.overflow) {
		snprintf(err, errlen, "expanded text is longer than %d bytes", RB_MAX_EXPANDED);
		goto fail;
	}
	if (url && strncmp(b.data, "http://", 7) != 0 && strncmp(b.data, "https://", 8) != 0) {
		snprintf(err, errlen, "URL must start with http:// or https://, got '%.60s'",
			 whole ? whole : b.data);
		goto fail;
	}
	if (url && strpbrk(b.data, " \t\r\n") != NULL) {
		snprintf(err, errlen, "URL contains white space");
		goto fail;
	}
	return buf_steal(&b);
fail:
	buf_free(&b);
	return NULL;
}

char *
template_expand(const char *tmpl, const cJSON *params, char *err, size_t errlen)
{
	return expand(tmpl, params, false, err, errlen);
}

/* Like expand, with where the template was put in front of the error. */
static char *
expand_at(const char *where, const char *tmpl, const cJSON *params, bool url, char *err,
	  size_t errlen)
{
	char e[256];
	char *s = expand(tmpl, params, url, e, sizeof(e));

	if (s == NULL)
		snprintf(err, errlen, "%s: %s", where, e);
	return s;
}

int
runbook_bind_step(const struct step *s, const cJSON *params, struct bound_step *out, char *err,
		  size_t errlen)
{
	char where[64], name[RB_MAX_NAME + 1];

	memset(out, 0, sizeof(*out));
	out->kind = s->kind;
	out->wait_ms = s->wait_ms;
	out->timeout_ms = s->timeout_ms;
	out->expect_status = s->http.expect_status;
	if ((out->name = expand_at("name", s->name ? s->name : "", params, false, err, errlen)) ==
	    NULL)
		goto fail;
	out->argv = xcalloc(s->argc + 1, sizeof(*out->argv));
	for (size_t i = 0; i < s->argc; i++) {
		snprintf(where, sizeof(where), "argv[%zu]", i);
		out->argv[i] = expand_at(where, s->argv[i], params, false, err, errlen);
		if (out->argv[i] == NULL)
			goto fail;
		out->argc++;
		/* a value that starts an element must not turn into an option of the program:
		 * the dash came from a value when the template itself does not start with one */
		if (i > 0 && out->argv[i][0] == '-' && s->argv[i][0] != '-') {
			if (template_token(s->argv[i], name) == 0)
				strcpy(name, "?");
			snprintf(
			    err, errlen,
			    "%s: parameter '%s': value may not start with '-' (it would be read "
			    "as an option)",
			    where, name);
			goto fail;
		}
	}
	if (s->kind == STEP_HTTP) {
		out->method = xstrdup(s->http.method ? s->http.method : "GET");
		if (s->http.url == NULL) {
			snprintf(err, errlen, "url: missing");
			goto fail;
		}
		if ((out->url = expand_at("url", s->http.url, params, true, err, errlen)) == NULL)
			goto fail;
		if (s->http.body != NULL && (out->body = expand_at("body", s->http.body, params,
								   false, err, errlen)) == NULL)
			goto fail;
	}
	out->headers = xcalloc(s->http.nheaders + 1, sizeof(*out->headers));
	for (size_t i = 0; i < s->http.nheaders; i++) {
		snprintf(where, sizeof(where), "headers[%zu]", i);
		out->headers[i] = expand_at(where, s->http.headers[i], params, false, err, errlen);
		if (out->headers[i] == NULL)
			goto fail;
	}
	return 0;
fail:
	bound_step_free(out);
	return -1;
}

void
bound_step_free(struct bound_step *b)
{
	for (size_t i = 0; b->argv != NULL && b->argv[i] != NULL; i++)
		free(b->argv[i]);
	for (size_t i = 0; b->headers != NULL && b->headers[i] != NULL; i++)
		free(b->headers[i]);
	free(b->argv);
	free(b->headers);
	free(b->name);
	free(b->method);
	free(b->url);
	free(b->body);
	memset(b, 0, sizeof(*b));
}

/* Quotes an argv element for display the way a shell user would read it back. */
static void
append_quoted(struct buf *b, const char *s)
{
	static const char safe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				   "0123456789_-./:@%+=,";

	if (*s != '\0' && strspn(s, safe) == strlen(s)) {
		buf_append_trunc(b, s, strlen(s));
		return;
	}
	buf_append_trunc(b, "'", 1);
	for (; *s; s++) {
		if (*s == '\'')
			buf_append_trunc(b, "'\\''", 4);
		else
			buf_append_trunc(b, s, 1);
	}
	buf_append_trunc(b, "'", 1);
}

char *
step_describe(const struct bound_step *bs)
{
	char d[64];
	struct buf b;

	buf_init(&b, 4096);
	switch (bs->kind) {
	case STEP_EXEC:
		for (size_t i = 0; i < bs->argc; i++) {
			if (i > 0)
				buf_append_trunc(&b, " ", 1);
			append_quoted(&b, bs->argv[i]);
		}
		break;
	case STEP_HTTP:
		buf_printf(&b, "%s %s", bs->method ? bs->method : "GET", bs->url ? bs->url : "");
		break;
	case STEP_WAIT:
		duration_format(bs->wait_ms, d, sizeof(d));
		buf_printf(&b, "wait %s", d);
		break;
	case STEP_ALERT_RESOLVED:
		duration_format(bs->wait_ms, d, sizeof(d));
		buf_printf(&b, "alert resolved within %s", d);
		break;
	}
	return buf_steal(&b);
}
