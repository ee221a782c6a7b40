/* ingest.h — alert sources' wire formats parsed into one normalised alert. Pure: no I/O.
 * SNS signature checking lives in sns.h; this module parses what is already trusted. */
#ifndef HEALER_INGEST_H
#define HEALER_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#define INGEST_MAX_BODY (1024 * 1024)
#define INGEST_MAX_DEPTH 32
#define INGEST_MAX_ALERTS 1000
#define INGEST_MAX_TITLE 256 /* bytes; longer titles are cut on a UTF-8 boundary with "…" */

enum alert_source { SRC_ALERTMANAGER, SRC_SNS, SRC_EVENTBRIDGE, SRC_GENERIC, SRC_DECLARE,
		   SRC_ANOMALY, /* the metric watcher (detect/watch.c) */
		   SRC__COUNT };
const char *alert_source_name(enum alert_source s); /* "alertmanager" "sns" "eventbridge" "generic" "declare" "anomaly" */

struct alert {
	enum alert_source source;
	char *fingerprint; /* stable identity of the alert (grouping key) */
	char *dedup_key;   /* identity of this delivery of this state: a redelivery has the same */
	char *title;
	char *severity;    /* normalised "sev1".."sev4" */
	char *resource;    /* e.g. instance, service, i-0abc, may be "" */
	char *url;         /* generatorURL / alarm ARN / NULL */
	cJSON *labels;     /* object of string values, owned */
	cJSON *annotations;
	bool firing;       /* false = resolved/OK */
	int64_t starts_at_ms;
};

struct alert_batch {
	struct alert *v;
	size_t n;
};

/* Frees every alert's members and the array; leaves the batch empty. */
void alert_batch_free(struct alert_batch *b);
/* Frees the alert's members (not the struct itself, which may live in a batch) and zeroes it. */
void alert_free(struct alert *a);

/* Maps critical/page/p1/sev1 → sev1; high/error/major/p2/sev2 → sev2;
 * warning/warn/medium/minor/p3/sev3 → sev3; info/low/p4/sev4 → sev4; else sev3. */
const char *severity_normalise(const char *s);

/* Parses a body of the given source into alerts. On error returns -1 with err naming the
 * problem and the field, e.g. "missing field 'alerts'", "alerts[2].labels: must be an
 * object", "body is not valid JSON", "nesting deeper than 32". Nothing is allocated into
 * `out` on error. SRC_SNS here means the CloudWatch alarm JSON carried in an SNS
 * Notification's Message (the envelope is sns.h's business); `dedup_hint` (the SNS
 * MessageId) may be NULL for other sources. A CloudWatch INSUFFICIENT_DATA state (SNS or
 * EventBridge) is not an alert state: 0 with an empty batch. A generic alert without "id" and
 * "starts_at" has dedup_key NULL: every post counts. Details: docs/internals/alerts.md. */
int ingest_parse(enum alert_source src, const char *body, size_t len, const char *dedup_hint,
		 struct alert_batch *out, char *err, size_t errlen);

/* cJSON_ParseWithLength with a depth check. NULL + err on failure. */
cJSON *json_parse_capped(const char *body, size_t len, int max_depth, char *err, size_t errlen);
/* An alert body parsed (json_parse_capped) with every string and member name checked: a NUL
 * ("\u0000") or invalid UTF-8 anywhere refuses the body with err naming the field
 * ("alerts[0].labels.service: invalid UTF-8", "title: contains NUL"); control characters
 * other than tab and newline (C0, DEL, C1) are replaced by a space. NULL + err on failure. */
cJSON *ingest_json_parse(const char *body, size_t len, char *err, size_t errlen);
/* The check alone, on a parsed tree (cleaned in place). 0, or -1 + err. */
int ingest_text_check(cJSON *root, char *err, size_t errlen);
/* The one way a JSON number becomes an integer: 0 and *out when v is a number that is
 * finite, integral and within [min, max]; -1 (out untouched) for anything else, including
 * 1e300, 2.5 and non-numbers. Converting such values with a cast is undefined behaviour. */
int json_int(const cJSON *v, int64_t min, int64_t max, int64_t *out);

/* Internal to ingest/ingest*.c: helpers shared by the per-source parsers. Paths name a field as
 * the error messages do: "" is the top level, "alerts[1].labels" a nested object. */
enum ingest_kind { INGEST_STRING, INGEST_OBJECT, INGEST_ARRAY };
/* Writes the error for field `name` under `path` (name may be NULL): "missing field 'x'" /
 * "field 'x' <what>" at the top level, "a[1].x: <what>" below it. Returns -1. */
int ingest_path_fail(char *err, size_t errlen, const char *path, const char *name,
		     const char *what);
/* Looks up obj[name]; absent or null → *out = NULL, an error only if required; a value of
 * another kind is an error. 0 or -1 + err. */
int ingest_field(const cJSON *obj, const char *path, const char *name, enum ingest_kind kind,
		 bool required, const cJSON **out, char *err, size_t errlen);
/* Same for a string: *out borrowed from obj. */
int ingest_field_str(const cJSON *obj, const char *path, const char *name, bool required,
		     const char **out, char *err, size_t errlen);
/* Copies an object whose values must all be strings (src NULL → empty object); duplicate
 * names are refused. Owned result in *dst, or -1 + err naming "path.name". */
int ingest_copy_strings(const cJSON *src, const char *path, cJSON **dst, char *err, size_t errlen);
/* Sets labels[name] = value unless value is NULL/"" or the name is already taken. */
void ingest_label_add(cJSON *labels, const char *name, const char *value);
/* A "severity=critical" / "severity: high" token in free text, normalised; NULL if none. */
const char *ingest_severity_token(const char *text);
/* Appends a zeroed alert to the batch and returns it. */
struct alert *ingest_alert_new(struct alert_batch *b, enum alert_source src);
/* Title, cut to INGEST_MAX_TITLE; `on` (may be NULL/"") is appended as " on <on>". Owned. */
char *ingest_title(const char *base, const char *on);
int ingest_parse_cloudwatch(const cJSON *root, const char *hint, struct alert_batch *b, char *err,
			    size_t errlen);
int ingest_parse_eventbridge(const cJSON *root, const char *hint, struct alert_batch *b, char *err,
			     size_t errlen);

#endif
