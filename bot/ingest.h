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

enum alert_source { SRC_ALERTMANAGER, SRC_SNS, SRC_EVENTBRIDGE, SRC_GENERIC, SRC_DECLARE, SRC__COUNT };
const char *alert_source_name(enum alert_source s); /* "alertmanager" "sns" "eventbridge" "generic" "declare" */

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

void alert_batch_free(struct alert_batch *b);
void alert_free(struct alert *a);

/* Maps critical/page/p1/sev1 → sev1; high/error/major/p2/sev2 → sev2;
 * warning/warn/medium/minor/p3/sev3 → sev3; info/low/p4/sev4 → sev4; else sev3. */
const char *severity_normalise(const char *s);

/* Parses a body of the given source into alerts. On error returns -1 with err naming the
 * problem and the field, e.g. "missing field 'alerts'", "alerts[2].labels: must be an
 * object", "body is not valid JSON", "nesting deeper than 32". Nothing is allocated into
 * `out` on error. SRC_SNS here means the CloudWatch alarm JSON carried in an SNS
 * Notification's Message (the envelope is sns.h's business); `dedup_hint` (the SNS
 * MessageId) may be NULL for other sources. */
int ingest_parse(enum alert_source src, const char *body, size_t len, const char *dedup_hint,
		 struct alert_batch *out, char *err, size_t errlen);

/* cJSON_ParseWithLength with a depth check. NULL + err on failure. */
cJSON *json_parse_capped(const char *body, size_t len, int max_depth, char *err, size_t errlen);

#endif
