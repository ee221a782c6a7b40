/* config.c — settings from the environment and .env, as a table of keys with defaults. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "util.h"

struct config cfg;

/* .env lines are applied with setenv(…, 0) so the real environment always wins. */
static int
config_read_dotenv(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	int lineno = 0, rc = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *p = line, *eq, *val, *end;
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		if (strncmp(p, "export ", 7) == 0)
			p += 7;
		if ((eq = strchr(p, '=')) == NULL) {
			log_warnx("%s:%d: expected KEY=VALUE", path, lineno);
			rc = -1;
			continue;
		}
		*eq = '\0';
		for (end = eq; end > p && isspace((unsigned char)end[-1]); end--)
			end[-1] = '\0';
		val = eq + 1;
		while (isspace((unsigned char)*val))
			val++;
		size_t vl = strlen(val);
		if (vl >= 2 && (val[0] == '"' || val[0] == '\'') && strchr(val + 1, val[0])) {
			/* quoted: everything up to the closing quote, nothing after it */
			*strchr(val + 1, val[0]) = '\0';
			val++;
		} else {
			/* unquoted: " # comment" ends the value, as in .env.example */
			for (char *h = val; (h = strchr(h, '#')) != NULL; h++)
				if (h == val || isspace((unsigned char)h[-1])) {
					*h = '\0';
					break;
				}
			for (end = val + strlen(val); end > val && isspace((unsigned char)end[-1]);)
				*--end = '\0';
		}
		setenv(p, val, 0);
	}
	fclose(f);
	return rc;
}

static char *
env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return xstrdup(v && *v ? v : def);
}

int
config_load(void)
{
	int rc = config_read_dotenv(".env");
	const char *user;

	config_free();
	cfg.db = env_or("HEALER_DB", "./healer.db");
	cfg.listen = env_or("HEALER_LISTEN", "127.0.0.1:8080");
	cfg.runbooks = env_or("HEALER_RUNBOOKS", "./runbooks");
	cfg.policy_explicit = getenv("HEALER_POLICY") && *getenv("HEALER_POLICY");
	cfg.policy = cfg.policy_explicit ? xstrdup(getenv("HEALER_POLICY"))
					 : xasprintf("%s/policy.yaml", cfg.runbooks);
	cfg.ingest_token = env_or("HEALER_INGEST_TOKEN", NULL);
	user = getenv("HEALER_CONSOLE_USER");
	if (user == NULL || *user == '\0')
		user = getenv("USER");
	cfg.console_user = xasprintf("console:%s", user && *user ? user : "operator");
	const char *c = getenv("HEALER_CONSOLE");
	cfg.console = (c && *c) ? (strcmp(c, "0") != 0) : -1;
	cfg.log_level = env_or("HEALER_LOG_LEVEL", "info");
	cfg.sns_topics = env_or("HEALER_SNS_TOPICS", "");
	cfg.sns_cert_hosts = env_or("HEALER_SNS_CERT_HOSTS", "");
	cfg.ca_file = env_or("HEALER_CA_FILE", NULL);
	cfg.alert_retention = env_or("HEALER_ALERT_RETENTION", "30d");
	cfg.link_key = env_or("HEALER_LINK_KEY", NULL);
	cfg.public_url = env_or("HEALER_PUBLIC_URL", NULL);
	if (cfg.public_url != NULL && cfg.public_url[0] != '\0' &&
	    cfg.public_url[strlen(cfg.public_url) - 1] == '/')
		cfg.public_url[strlen(cfg.public_url) - 1] = '\0';
	cfg.smtp_url = env_or("HEALER_SMTP_URL", NULL);
	cfg.smtp_tls = env_or("HEALER_SMTP_TLS", "required");
	cfg.smtp_user = env_or("HEALER_SMTP_USER", NULL);
	cfg.smtp_password = env_or("HEALER_SMTP_PASSWORD", NULL);
	cfg.mail_from = env_or("HEALER_MAIL_FROM", NULL);
	cfg.auth_proxy_header = env_or("HEALER_AUTH_PROXY_HEADER", NULL);
	cfg.auth_proxy_from = env_or("HEALER_AUTH_PROXY_FROM", "");
	log_init(cfg.log_level);
	log_redact(cfg.ingest_token);
	log_redact(cfg.link_key);
	log_redact(cfg.smtp_password);
	static const char *const secret_vars[] = {"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN",
						  "TEAMS_APP_PASSWORD", "LLM_API_KEY"};
	for (size_t i = 0; i < ARRAY_LEN(secret_vars); i++)
		log_redact(getenv(secret_vars[i]));
	return rc;
}

void
config_free(void)
{
	free(cfg.db);
	free(cfg.listen);
	free(cfg.runbooks);
	free(cfg.policy);
	free(cfg.ingest_token);
	free(cfg.console_user);
	free(cfg.log_level);
	free(cfg.sns_topics);
	free(cfg.sns_cert_hosts);
	free(cfg.ca_file);
	free(cfg.alert_retention);
	free(cfg.link_key);
	free(cfg.public_url);
	free(cfg.smtp_url);
	free(cfg.smtp_tls);
	free(cfg.smtp_user);
	free(cfg.smtp_password);
	free(cfg.mail_from);
	free(cfg.auth_proxy_header);
	free(cfg.auth_proxy_from);
	memset(&cfg, 0, sizeof(cfg));
}
