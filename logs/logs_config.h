/* logs_config.h — the log sources of an incident's context: the `logs:` section of the watch
 * file (HEALER_WATCH, default ./watch.yaml), and the expansion of their query templates over an
 * incident with the escaping of each query language. */
#ifndef HEALER_LOGS_CONFIG_H
#define HEALER_LOGS_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "runbook.h" /* struct diag_list */

#define LOGS_NAME_MAX 32
#define LOGS_MAX_SOURCES 16
#define LOGS_LIMIT_DEFAULT 1000
#define LOGS_LIMIT_MAX 10000
#define LOGS_TIMEOUT_DEFAULT_MS 5000
#define LOGS_TIMEOUT_MAX_MS 60000
#define LOGS_BEFORE_DEFAULT_MS (10 * 60 * 1000)
#define LOGS_WINDOW_MAX_MS (24LL * 3600 * 1000)

enum logs_kind { LOGS_LOKI, LOGS_OPENSEARCH, LOGS_CLOUDWATCH };

struct logs_source {
	char name[LOGS_NAME_MAX + 1];
	enum logs_kind kind;
	char *url;   /* Loki / OpenSearch base URL; CloudWatch endpoint override (NULL: AWS) */
	char *query; /* LogQL | Lucene query string | CloudWatch filter pattern (may be NULL) */
	char *index; /* OpenSearch index pattern */
	char *region, *group; /* CloudWatch Logs */
	/* names of environment variables holding credentials (OpenSearch), NULL if unused */
	char *user_env, *password_env, *api_key_env;
	int64_t before_ms, after_ms, timeout_ms;
	int limit;
	int line; /* where it is defined, for messages */
};

struct logs_config {
	struct logs_source *v;
	size_t n;
};

const char *logs_kind_name(enum logs_kind k);

/* The watch file's path: HEALER_WATCH, else "./watch.yaml" (*explicit false). */
const char *logs_config_path(bool *explicit_path);

/* Reads the `logs:` key of the file (other top-level keys are left to their own loaders).
 * A missing file is no error unless must_exist. Every problem goes to errs as
 * "file:line: message". Returns the number of errors; `out` then holds no sources. */
int logs_config_load(const char *path, bool must_exist, struct logs_config *out,
		     struct diag_list *errs);
void logs_config_free(struct logs_config *c);

/* How a value is escaped where a template puts it. */
enum logs_escape {
	LOGS_ESC_LOGQL,	   /* inside a LogQL "string": \ " and control characters */
	LOGS_ESC_LUCENE,   /* a Lucene query-string term: every operator character escaped */
	LOGS_ESC_CWFILTER, /* inside a CloudWatch filter pattern "term": \ and " */
	LOGS_ESC_GROUP,	   /* a log group name: only [A-Za-z0-9_./#-], anything else refused */
};

/* The variables a template may use, from an incident: {{labels.x}}, {{annotations.x}},
 * {{resource}}, {{incident}}, {{title}}, {{severity}}. Owned. */
cJSON *logs_vars(const char *key, const char *title, const char *severity, const char *resource,
		 const cJSON *labels, const cJSON *annotations);
/* Expands tmpl over vars with each value escaped for esc. An unknown or absent variable,
 * or a value the escaping refuses, is an error. Returns owned text or NULL with err. */
char *logs_expand(const char *tmpl, const cJSON *vars, enum logs_escape esc, char *err,
		  size_t errlen);
/* Checks a template's placeholders without values: 0, or -1 with err. */
int logs_template_check(const char *tmpl, char *err, size_t errlen);

#endif
