/* config.h — settings from the environment (and an optional .env file), with defaults. */
#ifndef HEALER_CONFIG_H
#define HEALER_CONFIG_H

#include <stdbool.h>

struct config {
	char *db;            /* HEALER_DB, default ./healer.db */
	char *listen;        /* HEALER_LISTEN, default 127.0.0.1:8080 */
	char *runbooks;      /* HEALER_RUNBOOKS, default ./runbooks */
	char *policy;        /* HEALER_POLICY, default $HEALER_RUNBOOKS/policy.yaml */
	bool policy_explicit; /* HEALER_POLICY was set: a missing file is an error */
	char *ingest_token;  /* HEALER_INGEST_TOKEN, NULL = ingest refused */
	char *console_user;  /* "console:<HEALER_CONSOLE_USER or $USER>" */
	int console;         /* HEALER_CONSOLE: -1 auto (on without chat credentials), 0, 1 */
	char *log_level;     /* HEALER_LOG_LEVEL */
	char *sns_topics;    /* HEALER_SNS_TOPICS, comma list of allowed topic ARNs */
	char *sns_cert_hosts; /* HEALER_SNS_CERT_HOSTS, extra SigningCertURL hosts (tests) */
	char *ca_file;       /* HEALER_CA_FILE */
	char *alert_retention; /* HEALER_ALERT_RETENTION, a duration, default 30d; 0 = keep */
	char *link_key;      /* HEALER_LINK_KEY: signs links and sessions (>= 32 bytes) */
	char *public_url;    /* HEALER_PUBLIC_URL: base of every link, no trailing slash */
	char *smtp_url;      /* HEALER_SMTP_URL: smtp://host:587 (STARTTLS) or smtps://host */
	char *smtp_tls;      /* HEALER_SMTP_TLS: "required" (default) or "none" (loopback only) */
	char *smtp_user;     /* HEALER_SMTP_USER */
	char *smtp_password; /* HEALER_SMTP_PASSWORD, redacted in logs */
	char *mail_from;     /* HEALER_MAIL_FROM */
	char *auth_proxy_header; /* HEALER_AUTH_PROXY_HEADER: the web user's address from a proxy */
	char *auth_proxy_from;   /* HEALER_AUTH_PROXY_FROM: comma list of proxy addresses trusted */
};

extern struct config cfg;

/* Reads .env (KEY=VALUE lines, # comments, optional quotes; the environment wins) from
 * the current directory if present, then the environment. Secrets are registered with
 * log_redact. Returns 0, or -1 after logging a malformed .env line. */
int config_load(void);
void config_free(void);

#endif
