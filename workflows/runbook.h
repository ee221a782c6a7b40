/* runbook.h — runbook model, loader/validator (YAML or JSON, errors as file:line), label
 * matching, parameter binding with anchored patterns, and {{param}} templating of steps. */
#ifndef HEALER_RUNBOOK_H
#define HEALER_RUNBOOK_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

enum risk_level { RISK_LOW, RISK_MEDIUM, RISK_HIGH, RISK_CRITICAL, RISK__COUNT };
const char *risk_level_name(enum risk_level r); /* "low" … "critical" */
int risk_level_from_name(const char *s);        /* -1 if unknown */

enum step_kind { STEP_EXEC, STEP_HTTP, STEP_WAIT, STEP_ALERT_RESOLVED };

struct http_spec {
	char *method; /* default GET */
	char *url;    /* template */
	char **headers; /* "Name: value" templates */
	size_t nheaders;
	char *body; /* template, may be NULL */
	int expect_status; /* 0 = any 2xx */
};

/* One step as written in the runbook (templates unexpanded). Also used for diagnostics,
 * verify and rollback entries. A verify entry may be {alert_resolved: {within: 5m}}. */
struct step {
	char *name;
	enum step_kind kind;
	char **argv; /* STEP_EXEC: templates; argv[0] is the program */
	size_t argc;
	struct http_spec http; /* STEP_HTTP */
	int64_t wait_ms;       /* STEP_WAIT; STEP_ALERT_RESOLVED: the "within" window */
	int64_t timeout_ms;    /* default 30 s */
	int retries;           /* extra attempts after the first; default 0 (verify: see interval) */
	int64_t backoff_ms;    /* first retry delay, doubled each time; default 1 s */
	int64_t interval_ms;   /* verify: delay between attempts; default 2 s */
	int line;              /* source line, for messages */
};

/* A step with templates expanded for one incident; owned strings. */
struct bound_step {
	char *name;
	enum step_kind kind;
	char **argv; /* NULL-terminated */
	size_t argc;
	char *method, *url, *body;
	char **headers; /* NULL-terminated "Name: value" */
	int expect_status;
	int64_t wait_ms, timeout_ms;
};

struct param_spec {
	char *name;
	char *from;    /* "labels.x" | "annotations.y" | NULL (command line only) */
	char *pattern; /* anchored POSIX ERE; default ^[A-Za-z0-9_@][A-Za-z0-9._@-]{0,127}$
			  without "..": a plain name, never a path, URL or option */
	regex_t re;
	bool default_pattern; /* no pattern was written (validate warns about it) */
	bool required;
	char *default_value;
};

struct label_match {
	char *key;
	char *value; /* literal, or regex when is_regex ("~" prefix stripped) */
	bool is_regex;
	regex_t re;
};

struct match_rule {
	struct label_match *labels;
	size_t nlabels;
};

struct runbook {
	char *id, *title, *description, *file;
	struct match_rule *match;
	size_t nmatch;
	struct param_spec *params;
	size_t nparams;
	enum risk_level risk;
	int blast_radius;
	/* cost: either fixed usd, or usd_per_hour × quantity × hours */
	bool cost_hourly;
	double cost_usd;
	double usd_per_hour;
	char *quantity; /* template or number, e.g. "{{count}}"; NULL = 1 */
	double hours;
	bool idempotent;
	/* escalate: the rest of the recovery ladder after this runbook, in order (runbook ids,
	 * checked across the set by runbook_ladder_check) */
	char **escalate;
	size_t nescalate;
	int escalate_line;
	struct step *diagnostics, *steps, *verify, *rollback;
	size_t ndiagnostics, nsteps, nverify, nrollback;
};

struct runbook_set {
	struct runbook **v;
	size_t n;
};

/* Validation messages, each "file:line: message". */
struct diag_list {
	char **msgs;
	size_t n;
};
void diag_add(struct diag_list *d, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void diag_free(struct diag_list *d);

/* Loads every *.yaml, *.yml and *.json file of dir except policy.yaml and watch.yaml. Files
 * with errors are skipped and every error is added to errs; duplicate ids are errors.
 * Warnings ("file:line: warning: …", e.g. a parameter without a pattern) go to errs too but
 * are not counted and do not skip the file. Returns the number of errors (0 = all good). `out` holds the valid
 * runbooks either way. */
int runbook_load_dir(const char *dir, struct runbook_set *out, struct diag_list *errs);
/* Loads one file; returns 0 and a runbook, or the number of errors added to errs. */
int runbook_load_file(const char *path, struct runbook **out, struct diag_list *errs);
void runbook_free(struct runbook *rb);
void runbook_set_free(struct runbook_set *s);
const struct runbook *runbook_find(const struct runbook_set *s, const char *id);

#define RB_MAX_LADDER 8 /* stages named by one escalate list */
/* Checks every runbook's escalate list against the set: each stage exists, is named once
 * and is not the runbook itself, no chain of escalate lists leads back to where it started,
 * and every parameter a stage requires can be bound from the alerts the first stage matches
 * (its own `from` is one the first stage requires too, or a label every match rule of the
 * first stage names; or it has a default). Errors "file:line: escalate[i]: …" go to errs.
 * Runbooks stay in the set. Returns the number of errors. runbook_load_dir calls it. */
int runbook_ladder_check(const struct runbook_set *s, struct diag_list *errs);

/* True when any match rule has all its labels present and equal (or regex-matching). */
bool runbook_matches(const struct runbook *rb, const cJSON *labels);

/* Binds parameters for an incident: each from `overrides` (command line), else its `from`
 * path in labels/annotations, else its default. Every value must match its pattern; a
 * missing required value or a mismatch fails with err naming the parameter, e.g.
 * "parameter 'service': value does not match ^[a-z0-9@._-]{1,64}$". Returns 0 and an owned
 * cJSON object of strings, or -1. */
int runbook_bind_params(const struct runbook *rb, const cJSON *labels, const cJSON *annotations,
			const cJSON *overrides, cJSON **params_out, char *err, size_t errlen);

/* Adds the engine's "resource" (the alert's resource) to params unless a declared parameter
 * named resource was bound already. It must match the runbook's pattern for a declared
 * "resource" parameter, else the default pattern; a value that does not is refused (-1 with
 * err "parameter 'resource': …") when a template uses {{resource}}, and left out otherwise. */
int runbook_bind_resource(const struct runbook *rb, cJSON *params, const char *resource, char *err,
			  size_t errlen);

/* Expands "{{name}}" in every template of a step from params (strings). An unknown name is
 * an error (validation should have caught it). Returns 0 or -1 with err. */
int runbook_bind_step(const struct step *s, const cJSON *params, struct bound_step *out,
		      char *err, size_t errlen);
void bound_step_free(struct bound_step *b);

/* Expands "{{name}}" in one template string. Returns owned string or NULL with err. */
char *template_expand(const char *tmpl, const cJSON *params, char *err, size_t errlen);

/* One line per step for display: "systemctl restart api" / "GET http://…" / "wait 5 s". */
char *step_describe(const struct bound_step *b);

#endif
