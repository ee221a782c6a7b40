/* config.h — settings from the environment (and an optional .env file): one table of every
 * variable with its default, parser, secrecy and owner; the only reader of the environment. */
#ifndef HEALER_CONFIG_H
#define HEALER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct config {
	char *db;	      /* HEALER_DB, default ./healer.db */
	char *listen;	      /* HEALER_LISTEN, default 127.0.0.1:8080 */
	char *runbooks;	      /* HEALER_RUNBOOKS, default ./runbooks */
	char *policy;	      /* HEALER_POLICY, default $HEALER_RUNBOOKS/policy.yaml */
	bool policy_explicit; /* HEALER_POLICY was set: a missing file is an error */
	char *ingest_token;   /* HEALER_INGEST_TOKEN, NULL = ingest refused */
	char *console_user;   /* "console:<HEALER_CONSOLE_USER or $USER>" */
	int console;	      /* HEALER_CONSOLE: -1 auto (on without chat credentials), 0, 1 */
	char *log_level;      /* HEALER_LOG_LEVEL */
	char *sns_topics;     /* HEALER_SNS_TOPICS, comma list of allowed topic ARNs */
	char *sns_cert_hosts; /* HEALER_SNS_CERT_HOSTS, extra SigningCertURL hosts (tests) */
	char *alert_retention; /* HEALER_ALERT_RETENTION, a duration, default 30d; 0 = keep */
	int http_max_conns;   /* HEALER_HTTP_MAX_CONNS, open connections in total */
	int http_max_conns_per_peer; /* HEALER_HTTP_MAX_CONNS_PER_PEER */
	int http_idle_s;	     /* HEALER_HTTP_IDLE_S, idle connections closed after */
	int fetch_workers;	     /* HEALER_FETCH_WORKERS: threads for outside reads */
	char *link_key;      /* HEALER_LINK_KEY: signs links and sessions (>= 32 bytes) */
	char *public_url;    /* HEALER_PUBLIC_URL: base of every link, no trailing slash */
	char *smtp_url;      /* HEALER_SMTP_URL: smtp://host:587 (STARTTLS) or smtps://host */
	char *smtp_tls;      /* HEALER_SMTP_TLS: "required" (default) or "none" (loopback only) */
	char *smtp_user;     /* HEALER_SMTP_USER */
	char *smtp_password; /* HEALER_SMTP_PASSWORD, redacted in logs */
	char *mail_from;     /* HEALER_MAIL_FROM */
	int mail_per_s;	     /* HEALER_MAIL_PER_S: incident mails a second after a burst */
	char *auth_proxy_header; /* HEALER_AUTH_PROXY_HEADER: the web user's address from a proxy */
	char *auth_proxy_from;   /* HEALER_AUTH_PROXY_FROM: comma list of proxy addresses trusted */
	char *trusted_proxies;   /* HEALER_TRUSTED_PROXIES: proxies whose forwarded client counts */
};

extern struct config cfg;

/* Reads .env (KEY=VALUE lines, # comments, optional quotes; the environment wins) from
 * the current directory if present, then the environment. An empty value is the same as an
 * unset one, for every variable. Secrets are registered with log_redact. A number its
 * parser refuses keeps the default (config_check names it). Returns 0, or -1 after logging a
 * malformed .env line. */
int config_load(void);
void config_free(void);
/* Parses one .env line in place: 1 with key and value pointing into line (quotes removed,
 * an unquoted value's " # comment" dropped), 0 for a blank or comment line, -1 when there is
 * no '='. Pure: the environment is not touched. */
int config_dotenv_line(char *line, char **key, char **value);

/* The value of a variable of the configuration table, NULL when unset or empty. Asking for
 * a name that is not in the table is a programming error (fatal). Valid until the next
 * config_load. */
const char *config_get(const char *name);

/* Any environment variable, NULL when unset or empty: for the names an operator lists in
 * HEALER_EXEC_ENV_ALLOW to pass through to runbook programs, which no table can know. */
const char *config_env(const char *name);

/* Validates the environment as `serve` would read it: each value against its parser, and
 * the settings that only work together (Slack's tokens and channel, Teams's app id,
 * password and tenant, TEAMS_ALLOW_ANONYMOUS only on loopback, HEALER_INGEST_TOKEN).
 * emit(is_error, message, ctx) runs once per finding, messages naming the variables.
 * Returns the number of errors (warnings are not counted). */
int config_check(void (*emit)(bool is_error, const char *msg, void *ctx), void *ctx);
/* A warning through emit when the policy has nroutes mail: routes but no SMTP server is set.
 * Returns the number of errors: always 0. */
int config_check_mail_routes(size_t nroutes,
			     void (*emit)(bool is_error, const char *msg, void *ctx), void *ctx);

/* Why adapter `name` ("console", "slack", "teams") would not start with this configuration,
 * e.g. "SLACK_APP_TOKEN not set"; NULL when its settings are complete. */
const char *config_adapter_off_reason(const char *name);

/* True when "host:port" names a loopback address (127.x, localhost, ::1). */
bool config_listen_loopback(const char *listen);

#endif
