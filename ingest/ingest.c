/* ingest.c — shared helpers, Alertmanager v4 and generic alert bodies. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto.h"
#include "ingest.h"
#include "util.h"

static const char *const source_names[SRC__COUNT] = {
    [SRC_ALERTMANAGER] = "alertmanager", [SRC_SNS] = "sns",
    [SRC_EVENTBRIDGE] = "eventbridge",	 [SRC_GENERIC] = "generic",
    [SRC_DECLARE] = "declare",		 [SRC_ANOMALY] = "anomaly",
};

static const struct {
	const char *word;
	const char *sev;
} severity_words[] = {
    {"critical", "sev1"}, {"page", "sev1"},    {"p1", "sev1"},	  {"sev1", "sev1"},
    {"high", "sev2"},	  {"error", "sev2"},   {"major", "sev2"}, {"p2", "sev2"},
    {"sev2", "sev2"},	  {"warning", "sev3"}, {"warn", "sev3"},  {"medium", "sev3"},
    {"minor", "sev3"},	  {"p3", "sev3"},      {"sev3", "sev3"},  {"info", "sev4"},
    {"low", "sev4"},	  {"p4", "sev4"},      {"sev4", "sev4"},
};

static const char *const kind_what[] = {
    [INGEST_STRING] = "must be a string",
    [INGEST_OBJECT] = "must be an object",
    [INGEST_ARRAY] = "must be an array",
};

const char *
alert_source_name(enum alert_source s)
{
	return (unsigned)s < SRC__COUNT ? source_names[s] : "unknown";
}

const char *
severity_normalise(const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i < ARRAY_LEN(severity_words); i++)
		if (strcasecmp(s, severity_words[i].word) == 0)
			return severity_words[i].sev;
	return "sev3";
}

void
alert_free(struct alert *a)
{
	if (a == NULL)
		return;
	free(a->fingerprint);
	free(a->dedup_key);
	free(a->title);
	free(a->severity);
	free(a->resource);
	free(a->url);
	cJSON_Delete(a->labels);
	cJSON_Delete(a->annotations);
	memset(a, 0, sizeof(*a));
}

void
alert_batch_free(struct alert_batch *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++)
		alert_free(&b->v[i]);
	free(b->v);
	b->v = NULL;
	b->n = 0;
}

int
ingest_path_fail(char *err, size_t errlen, const char *path, const char *name, const char *what)
{
	bool top = path == NULL || path[0] == '\0';

	if (top && strcmp(what, "missing") == 0)
		snprintf(err, errlen, "missing field '%s'", name);
	else if (top)
		snprintf(err, errlen, "field '%s' %s", name, what);
	else if (name != NULL)
		snprintf(err, errlen, "%s.%s: %s", path, name, what);
	else
		snprintf(err, errlen, "%s: %s", path, what);
	return -1;
}

int
ingest_field(const cJSON *obj, const char *path, const char *name, enum ingest_kind kind,
	     bool required, const cJSON **out, char *err, size_t errlen)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);
	bool ok;

	*out = NULL;
	if (it == NULL || cJSON_IsNull(it))
		return required ? ingest_path_fail(err, errlen, path, name, "missing") : 0;
	ok = kind == INGEST_STRING   ? cJSON_IsString(it)
	     : kind == INGEST_OBJECT ? cJSON_IsObject(it)
				     : cJSON_IsArray(it);
	if (!ok)
		return ingest_path_fail(err, errlen, path, name, kind_what[kind]);
	*out = it;
	return 0;
}

int
ingest_field_str(const cJSON *obj, const char *path, const char *name, bool required,
		 const char **out, char *err, size_t errlen)
{
	const cJSON *it;

	*out = NULL;
	if (ingest_field(obj, path, name, INGEST_STRING, required, &it, err, errlen) != 0)
		return -1;
	if (it != NULL)
		*out = it->valuestring;
	return 0;
}

int
ingest_copy_strings(const cJSON *src, const char *path, cJSON **dst, char *err, size_t errlen)
{
	const cJSON *it;
	cJSON *o = cJSON_CreateObject();

	*dst = NULL;
	cJSON_ArrayForEach(it, src)
	{
		if (!cJSON_IsString(it)) {
			ingest_path_fail(err, errlen, path, it->string, "must be a string");
			goto fail;
		}
		if (cJSON_GetObjectItemCaseSensitive(o, it->string) != NULL) {
			ingest_path_fail(err, errlen, path, it->string, "duplicate name");
			goto fail;
		}
		cJSON_AddItemToObject(o, it->string, cJSON_CreateString(it->valuestring));
	}
	*dst = o;
	return 0;
fail:
	cJSON_Delete(o);
	return -1;
}

void
ingest_label_add(cJSON *labels, const char *name, const char *value)
{
	if (value == NULL || value[0] == '\0' || cJSON_GetObjectItemCaseSensitive(labels, name))
		return;
	cJSON_AddItemToObject(labels, name, cJSON_CreateString(value));
}

const char *
ingest_severity_token(const char *text)
{
	static const char key[] = "severity";
	const char *p, *v;
	char word[16];
	size_t n;

	for (p = text; p != NULL && (p = strcasestr(p, key)) != NULL; p += sizeof(key) - 1) {
		/* A whole word only: "xseverity=1" is not ours. */
		if (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
			continue;
		v = p + sizeof(key) - 1;
		while (*v == ' ')
			v++;
		if (*v != '=' && *v != ':')
			continue;
		v++;
		while (*v == ' ')
			v++;
		for (n = 0; n < sizeof(word) - 1 &&
			    (isalnum((unsigned char)v[n]) || v[n] == '-' || v[n] == '_');
		     n++)
			word[n] = v[n];
		word[n] = '\0';
		if (n > 0)
			return severity_normalise(word);
	}
	return NULL;
}

struct alert *
ingest_alert_new(struct alert_batch *b, enum alert_source src)
{
	struct alert *a;

	/* Capacity doubles at each power of two; the count is the only state needed. */
	if ((b->n & (b->n - 1)) == 0)
		b->v = xrealloc(b->v, (b->n ? 2 * b->n : 1) * sizeof(*b->v));
	a = &b->v[b->n++];
	memset(a, 0, sizeof(*a));
	a->source = src;
	return a;
}

char *
ingest_title(const char *base, const char *on)
{
	char *full, *cut;

	full = on != NULL && on[0] != '\0' ? xasprintf("%s on %s", base, on) : xstrdup(base);
	cut = utf8_truncate(full, INGEST_MAX_TITLE);
	free(full);
	return cut;
}

/* "path.name", or "name" at the top level. */
static void
subpath(char *out, size_t outlen, const char *path, const char *name)
{
	snprintf(out, outlen, "%s%s%s", path, path[0] ? "." : "", name);
}

static int
cmp_labels(const void *a, const void *b)
{
	return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

/* Appends "name\0value\0" for each label in byte order of name: a stable identity that does
 * not depend on the order a sender happened to serialise its labels in. */
static void
hash_labels(struct buf *h, const cJSON *labels)
{
	const cJSON *it, **v;
	size_t n = 0, i;

	v = xcalloc((size_t)cJSON_GetArraySize(labels) + 1, sizeof(*v));
	cJSON_ArrayForEach(it, labels) v[n++] = it;
	qsort(v, n, sizeof(*v), cmp_labels);
	for (i = 0; i < n; i++) {
		buf_append(h, v[i]->string, strlen(v[i]->string) + 1);
		buf_append(h, v[i]->valuestring, strlen(v[i]->valuestring) + 1);
	}
	free(v);
}

/* SHA-256 hex over the optional prefix strings (each NUL-terminated) and the sorted labels. */
static char *
fingerprint_of(const char *title, const char *resource, const cJSON *labels)
{
	struct buf h;
	char hex[65];

	buf_init(&h, 0);
	if (title != NULL) {
		buf_append(&h, title, strlen(title) + 1);
		buf_append(&h, resource, strlen(resource) + 1);
	}
	hash_labels(&h, labels);
	crypto_sha256_hex(h.data ? h.data : "", h.len, hex);
	buf_free(&h);
	return xstrdup(hex);
}

/* "firing" / "resolved" at path.name into *firing; absent → dflt (NULL dflt = required). */
static int
status_field(const cJSON *obj, const char *path, const char *name, const char *dflt,
	     const char **status, bool *firing, char *err, size_t errlen)
{
	if (ingest_field_str(obj, path, name, dflt == NULL, status, err, errlen) != 0)
		return -1;
	if (*status == NULL)
		*status = dflt;
	if (strcmp(*status, "firing") != 0 && strcmp(*status, "resolved") != 0)
		return ingest_path_fail(err, errlen, path, name,
					"must be \"firing\" or \"resolved\"");
	*firing = strcmp(*status, "firing") == 0;
	return 0;
}

static const char *
first_label(const cJSON *labels, const char *const *names)
{
	const char *v;

	for (; *names != NULL; names++)
		if ((v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(labels, *names))) &&
		    v[0] != '\0')
			return v;
	return NULL;
}

/* One element of an Alertmanager `alerts` array. `group_status` backs a missing status. */
static int
am_alert(const cJSON *el, const char *path, const char *group_status, struct alert_batch *b,
	 char *err, size_t errlen)
{
	static const char *const resource_labels[] = {"service", "instance", "pod", "job", NULL};
	static const char *const title_labels[] = {"instance", "service", NULL};
	const cJSON *jl, *ja;
	const char *status, *starts, *fp, *gen, *summary, *alertname, *res;
	cJSON *labels = NULL, *annotations = NULL;
	char sub[48];
	struct alert *a;
	bool firing;
	int64_t ms;
	int rc = -1;

	if (!cJSON_IsObject(el))
		return ingest_path_fail(err, errlen, path, NULL, "must be an object");
	if (status_field(el, path, "status", group_status, &status, &firing, err, errlen) != 0 ||
	    ingest_field(el, path, "labels", INGEST_OBJECT, true, &jl, err, errlen) != 0 ||
	    ingest_field(el, path, "annotations", INGEST_OBJECT, false, &ja, err, errlen) != 0 ||
	    ingest_field_str(el, path, "startsAt", true, &starts, err, errlen) != 0 ||
	    ingest_field_str(el, path, "fingerprint", false, &fp, err, errlen) != 0 ||
	    ingest_field_str(el, path, "generatorURL", false, &gen, err, errlen) != 0)
		goto out;
	if (time_parse_iso(starts, &ms) != 0) {
		ingest_path_fail(err, errlen, path, "startsAt", "must be an RFC 3339 time");
		goto out;
	}
	subpath(sub, sizeof(sub), path, "labels");
	if (ingest_copy_strings(jl, sub, &labels, err, errlen) != 0)
		goto out;
	alertname = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(labels, "alertname"));
	if (alertname == NULL || alertname[0] == '\0') {
		ingest_path_fail(err, errlen, sub, "alertname", "missing");
		goto out;
	}
	subpath(sub, sizeof(sub), path, "annotations");
	if (ingest_copy_strings(ja, sub, &annotations, err, errlen) != 0)
		goto out;

	a = ingest_alert_new(b, SRC_ALERTMANAGER);
	a->fingerprint =
	    fp != NULL && fp[0] != '\0' ? xstrdup(fp) : fingerprint_of(NULL, NULL, labels);
	a->dedup_key = xasprintf("am:%s:%s:%s", a->fingerprint, starts, status);
	summary = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(annotations, "summary"));
	a->title = summary != NULL && summary[0] != '\0'
		       ? ingest_title(summary, NULL)
		       : ingest_title(alertname, first_label(labels, title_labels));
	a->severity = xstrdup(severity_normalise(
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(labels, "severity"))));
	res = first_label(labels, resource_labels);
	a->resource = xstrdup(res ? res : "");
	a->url = gen != NULL && gen[0] != '\0' ? xstrdup(gen) : NULL;
	a->labels = labels;
	a->annotations = annotations;
	labels = annotations = NULL; /* owned by the alert now */
	a->firing = firing;
	a->starts_at_ms = ms;
	rc = 0;
out:
	cJSON_Delete(labels);
	cJSON_Delete(annotations);
	return rc;
}

static int
parse_alertmanager(const cJSON *root, const char *hint, struct alert_batch *b, char *err,
		   size_t errlen)
{
	const cJSON *alerts, *el;
	const char *version, *group_status;
	char path[32];
	int i = 0;

	(void)hint;
	if (ingest_field_str(root, "", "version", true, &version, err, errlen) != 0)
		return -1;
	if (strcmp(version, "4") != 0) {
		snprintf(err, errlen, "unsupported version '%.16s' (expected \"4\")", version);
		return -1;
	}
	if (ingest_field(root, "", "alerts", INGEST_ARRAY, true, &alerts, err, errlen) != 0 ||
	    ingest_field_str(root, "", "status", false, &group_status, err, errlen) != 0)
		return -1;
	if (cJSON_GetArraySize(alerts) > INGEST_MAX_ALERTS) {
		snprintf(err, errlen, "field 'alerts' holds %d alerts (at most %d)",
			 cJSON_GetArraySize(alerts), INGEST_MAX_ALERTS);
		return -1;
	}
	cJSON_ArrayForEach(el, alerts)
	{
		snprintf(path, sizeof(path), "alerts[%d]", i++);
		if (am_alert(el, path, group_status, b, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* One generic alert object; see docs/internals/alerts.md for the shape. */
static int
generic_alert(const cJSON *el, const char *path, struct alert_batch *b, char *err, size_t errlen)
{
	const cJSON *jl, *ja;
	const char *title, *sev, *res, *status, *fp, *starts, *id, *url;
	cJSON *labels = NULL, *annotations = NULL;
	char sub[48];
	struct alert *a;
	bool firing;
	int64_t ms = 0;
	int rc = -1;

	if (!cJSON_IsObject(el))
		return ingest_path_fail(err, errlen, path, NULL, "must be an object");
	if (ingest_field_str(el, path, "title", true, &title, err, errlen) != 0 ||
	    ingest_field_str(el, path, "severity", false, &sev, err, errlen) != 0 ||
	    ingest_field_str(el, path, "resource", false, &res, err, errlen) != 0 ||
	    ingest_field(el, path, "labels", INGEST_OBJECT, false, &jl, err, errlen) != 0 ||
	    ingest_field(el, path, "annotations", INGEST_OBJECT, false, &ja, err, errlen) != 0 ||
	    status_field(el, path, "status", "firing", &status, &firing, err, errlen) != 0 ||
	    ingest_field_str(el, path, "fingerprint", false, &fp, err, errlen) != 0 ||
	    ingest_field_str(el, path, "starts_at", false, &starts, err, errlen) != 0 ||
	    ingest_field_str(el, path, "id", false, &id, err, errlen) != 0 ||
	    ingest_field_str(el, path, "url", false, &url, err, errlen) != 0)
		goto out;
	if (title[0] == '\0') {
		ingest_path_fail(err, errlen, path, "title", "must not be empty");
		goto out;
	}
	if (starts != NULL && time_parse_iso(starts, &ms) != 0) {
		ingest_path_fail(err, errlen, path, "starts_at", "must be an RFC 3339 time");
		goto out;
	}
	subpath(sub, sizeof(sub), path, "labels");
	if (ingest_copy_strings(jl, sub, &labels, err, errlen) != 0)
		goto out;
	subpath(sub, sizeof(sub), path, "annotations");
	if (ingest_copy_strings(ja, sub, &annotations, err, errlen) != 0)
		goto out;

	a = ingest_alert_new(b, SRC_GENERIC);
	a->title = ingest_title(title, NULL);
	a->resource = xstrdup(res ? res : "");
	a->fingerprint =
	    fp != NULL && fp[0] != '\0' ? xstrdup(fp) : fingerprint_of(title, a->resource, labels);
	/* No id and no start time: nothing tells a redelivery apart, so every post counts. */
	if (id != NULL && id[0] != '\0')
		a->dedup_key = xasprintf("gen:%s", id);
	else if (starts != NULL)
		a->dedup_key = xasprintf("gen:%s:%s:%s", a->fingerprint, status, starts);
	a->severity = xstrdup(severity_normalise(sev));
	a->url = url != NULL && url[0] != '\0' ? xstrdup(url) : NULL;
	a->labels = labels;
	a->annotations = annotations;
	labels = annotations = NULL; /* owned by the alert now */
	a->firing = firing;
	a->starts_at_ms = starts != NULL ? ms : now_ms();
	rc = 0;
out:
	cJSON_Delete(labels);
	cJSON_Delete(annotations);
	return rc;
}

static int
parse_generic(const cJSON *root, const char *hint, struct alert_batch *b, char *err, size_t errlen)
{
	const cJSON *el;
	char path[32];
	int i = 0;

	(void)hint;
	if (!cJSON_IsArray(root))
		return generic_alert(root, "", b, err, errlen);
	if (cJSON_GetArraySize(root) > INGEST_MAX_ALERTS) {
		snprintf(err, errlen, "body holds %d alerts (at most %d)", cJSON_GetArraySize(root),
			 INGEST_MAX_ALERTS);
		return -1;
	}
	cJSON_ArrayForEach(el, root)
	{
		snprintf(path, sizeof(path), "[%d]", i++);
		if (generic_alert(el, path, b, err, errlen) != 0)
			return -1;
	}
	return 0;
}

typedef int (*source_parser)(const cJSON *, const char *, struct alert_batch *, char *, size_t);

static const struct {
	source_parser parse;
	bool array_ok; /* may the body be a JSON array */
} parsers[SRC__COUNT] = {
    [SRC_ALERTMANAGER] = {parse_alertmanager, false},
    [SRC_SNS] = {ingest_parse_cloudwatch, false},
    [SRC_EVENTBRIDGE] = {ingest_parse_eventbridge, false},
    [SRC_GENERIC] = {parse_generic, true},
};

int
ingest_parse(enum alert_source src, const char *body, size_t len, const char *dedup_hint,
	     struct alert_batch *out, char *err, size_t errlen)
{
	struct alert_batch b = {0};
	cJSON *root = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((unsigned)src >= SRC__COUNT || parsers[src].parse == NULL) {
		snprintf(err, errlen, "source %s has no wire format", alert_source_name(src));
		goto out;
	}
	if (len > INGEST_MAX_BODY) {
		snprintf(err, errlen, "body larger than %d bytes", INGEST_MAX_BODY);
		goto out;
	}
	if ((root = ingest_json_parse(body, len, err, errlen)) == NULL)
		goto out;
	if (!cJSON_IsObject(root) && !(parsers[src].array_ok && cJSON_IsArray(root))) {
		snprintf(err, errlen,
			 parsers[src].array_ok ? "body must be a JSON object or array"
					       : "body must be a JSON object");
		goto out;
	}
	if (parsers[src].parse(root, dedup_hint, &b, err, errlen) != 0)
		goto out;
	*out = b;
	memset(&b, 0, sizeof(b)); /* owned by the caller now */
	rc = 0;
out:
	alert_batch_free(&b);
	cJSON_Delete(root);
	return rc;
}
