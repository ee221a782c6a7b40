/* config.c — settings from the environment and .env: the table of every variable (default,
 * parser, secret, owner) and the only reader of the environment. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "config.h"
#include "httpc.h"
#include "log.h"
#include "util.h"

struct config cfg;

int
config_dotenv_line(char *line, char **key, char **value)
{
	char *p = line, *eq, *val, *end;

	line[strcspn(line, "\r\n")] = '\0';
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0' || *p == '#')
		return 0;
	if (strncmp(p, "export ", 7) == 0)
		p += 7;
	if ((eq = strchr(p, '=')) == NULL)
		return -1;
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
	*key = p;
	*value = val;
	return 1;
}

/* A parser validates a value: 0, or -1 with why in err. */
typedef int (*cfg_parse_fn)(const char *v, char *err, size_t n);

static int p_listen(const char *, char *, size_t);
static int p_count(const char *, char *, size_t);
static int p_workers(const char *, char *, size_t);
static int p_rate(const char *, char *, size_t);
static int p_01(const char *, char *, size_t);
static int p_level(const char *, char *, size_t);
static int p_duration(const char *, char *, size_t);
static int p_retention(const char *, char *, size_t);
static int p_price(const char *, char *, size_t);
static int p_url(const char *, char *, size_t);
static int p_cidrs(const char *, char *, size_t);

/*
 * Every variable healer reads. `str`/`num` point at the field of cfg the value lands in; the
 * rest are read by their owner through config_get. Defaults here are the ones documented in
 * .env.example; owners that read through config_get apply the same defaults themselves.
 */
static const struct cfg_key {
	const char *name;
	const char *def; /* NULL: unset */
	cfg_parse_fn parse;
	bool secret;
	const char *owner;
	char **str;
	int *num;
} keys[] = {
    {"HEALER_DB", "./healer.db", NULL, false, "store", &cfg.db, NULL},
    {"HEALER_LISTEN", "127.0.0.1:8080", p_listen, false, "http", &cfg.listen, NULL},
    {"HEALER_RUNBOOKS", "./runbooks", NULL, false, "engine", &cfg.runbooks, NULL},
    {"HEALER_POLICY", NULL, NULL, false, "engine", NULL, NULL},
    {"HEALER_INGEST_TOKEN", NULL, NULL, true, "ingest", &cfg.ingest_token, NULL},
    {"HEALER_CONSOLE", NULL, p_01, false, "console", NULL, NULL},
    {"HEALER_CONSOLE_USER", NULL, NULL, false, "console", NULL, NULL},
    {"USER", NULL, NULL, false, "console", NULL, NULL},
    {"HEALER_LOG_LEVEL", "info", p_level, false, "log", &cfg.log_level, NULL},
    {"HEALER_EXEC_ENV_ALLOW", NULL, NULL, false, "executor", NULL, NULL},
    {"HOME", NULL, NULL, false, "executor", NULL, NULL},
    {"HEALER_SNS_TOPICS", "", NULL, false, "sns", &cfg.sns_topics, NULL},
    {"HEALER_SNS_CERT_HOSTS", "", NULL, false, "sns", &cfg.sns_cert_hosts, NULL},
    {"HEALER_CA_FILE", NULL, NULL, false, "httpc", NULL, NULL},
    {"HEALER_LINK_KEY", NULL, NULL, true, "web", &cfg.link_key, NULL},
    {"HEALER_PUBLIC_URL", NULL, p_url, false, "web", &cfg.public_url, NULL},
    {"HEALER_SMTP_URL", NULL, NULL, false, "email", &cfg.smtp_url, NULL},
    {"HEALER_SMTP_TLS", "required", NULL, false, "email", &cfg.smtp_tls, NULL},
    {"HEALER_SMTP_USER", NULL, NULL, false, "email", &cfg.smtp_user, NULL},
    {"HEALER_SMTP_PASSWORD", NULL, NULL, true, "email", &cfg.smtp_password, NULL},
    {"HEALER_MAIL_FROM", NULL, NULL, false, "email", &cfg.mail_from, NULL},
    {"HEALER_MAIL_PER_S", "10", p_rate, false, "email", NULL, &cfg.mail_per_s},
    {"HEALER_AUTH_PROXY_HEADER", NULL, NULL, false, "web", &cfg.auth_proxy_header, NULL},
    {"HEALER_AUTH_PROXY_FROM", "", NULL, false, "web", &cfg.auth_proxy_from, NULL},
    {"HEALER_TRUSTED_PROXIES", "", p_cidrs, false, "web", &cfg.trusted_proxies, NULL},
    {"HEALER_ALERT_RETENTION", "30d", p_retention, false, "store", &cfg.alert_retention, NULL},
    {"HEALER_EXEC_PATH", NULL, NULL, false, "executor", NULL, NULL},
    {"HEALER_WATCH", NULL, NULL, false, "watch", NULL, NULL},
    {"AWS_ACCESS_KEY_ID", NULL, NULL, false, "watch", NULL, NULL},
    {"AWS_SECRET_ACCESS_KEY", NULL, NULL, true, "watch", NULL, NULL},
    {"AWS_SESSION_TOKEN", NULL, NULL, true, "watch", NULL, NULL},
    {"AWS_REGION", NULL, NULL, false, "watch", NULL, NULL},
    {"AWS_DEFAULT_REGION", NULL, NULL, false, "watch", NULL, NULL},
    {"AWS_ENDPOINT_URL_CLOUDWATCH", NULL, p_url, false, "watch", NULL, NULL},
    {"AWS_ENDPOINT_URL", NULL, p_url, false, "watch", NULL, NULL},
    {"HEALER_HTTP_MAX_CONNS", "1024", p_count, false, "http", NULL, &cfg.http_max_conns},
    {"HEALER_HTTP_MAX_CONNS_PER_PEER", "64", p_count, false, "http", NULL,
     &cfg.http_max_conns_per_peer},
    {"HEALER_HTTP_IDLE_S", "10", p_count, false, "http", NULL, &cfg.http_idle_s},
    {"HEALER_FETCH_WORKERS", "4", p_workers, false, "loop", NULL, &cfg.fetch_workers},
    {"LLM_API_URL", NULL, p_url, false, "llm", NULL, NULL},
    {"LLM_API_KEY", NULL, NULL, true, "llm", NULL, NULL},
    {"LLM_MODEL", "gpt-4o-mini", NULL, false, "llm", NULL, NULL},
    {"LLM_TIMEOUT", "20s", p_duration, false, "llm", NULL, NULL},
    {"LLM_USD_PER_1K_INPUT", "0", p_price, false, "llm", NULL, NULL},
    {"LLM_USD_PER_1K_OUTPUT", "0", p_price, false, "llm", NULL, NULL},
    {"SLACK_APP_TOKEN", NULL, NULL, true, "slack", NULL, NULL},
    {"SLACK_BOT_TOKEN", NULL, NULL, true, "slack", NULL, NULL},
    {"SLACK_CHANNEL", NULL, NULL, false, "slack", NULL, NULL},
    {"SLACK_API_URL", "https://slack.com/api/", p_url, false, "slack", NULL, NULL},
    {"HEALER_SLACK_PING_S", "10", p_count, false, "slack", NULL, NULL},
    {"TEAMS_APP_ID", NULL, NULL, false, "teams", NULL, NULL},
    {"TEAMS_APP_PASSWORD", NULL, NULL, true, "teams", NULL, NULL},
    {"TEAMS_TENANT_ID", NULL, NULL, false, "teams", NULL, NULL},
    {"TEAMS_CONVERSATION_ID", NULL, NULL, false, "teams", NULL, NULL},
    {"TEAMS_SERVICE_URL", NULL, p_url, false, "teams", NULL, NULL},
    {"TEAMS_WEBHOOK_URL", NULL, p_url, true, "teams", NULL, NULL},
    {"TEAMS_ALLOW_ANONYMOUS", NULL, p_01, false, "teams", NULL, NULL},
    {"TEAMS_OPENID_URL", NULL, p_url, false, "teams", NULL, NULL},
    {"TEAMS_TOKEN_URL", NULL, p_url, false, "teams", NULL, NULL},
};

static const struct cfg_key *
key_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

/* ---- parsers ---- */

static int
p_listen(const char *v, char *err, size_t n)
{
	const char *colon = strrchr(v, ':');
	char *end;
	long port;
	unsigned a, b, c, d;
	char tail;

	if (colon == NULL) {
		snprintf(err, n, "expected host:port, e.g. 127.0.0.1:8080");
		return -1;
	}
	port = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port < 0 || port > 65535) {
		snprintf(err, n, "the port must be a number from 0 to 65535");
		return -1;
	}
	if (colon == v || (colon - v == 9 && strncmp(v, "localhost", 9) == 0))
		return 0;
	if (sscanf(v, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) == 5 && tail == ':' && a < 256 &&
	    b < 256 && c < 256 && d < 256)
		return 0;
	snprintf(err, n, "the host must be an IPv4 address (or empty for every interface)");
	return -1;
}

static int
p_count(const char *v, char *err, size_t n)
{
	char *end;
	long x = strtol(v, &end, 10);

	if (*end != '\0' || x < 1 || x > 1000000) {
		snprintf(err, n, "expected a whole number from 1 to 1000000");
		return -1;
	}
	return 0;
}

/* Worker threads: each may be held by a hanging source for its whole timeout. */
static int
p_workers(const char *v, char *err, size_t n)
{
	char *end;
	long x = strtol(v, &end, 10);

	if (*end != '\0' || x < 1 || x > 16) {
		snprintf(err, n, "expected a number of threads from 1 to 16");
		return -1;
	}
	return 0;
}

/* Mails a second: what an SMTP relay takes from one sender. */
static int
p_rate(const char *v, char *err, size_t n)
{
	char *end;
	long x = strtol(v, &end, 10);

	if (*end != '\0' || x < 1 || x > 1000) {
		snprintf(err, n, "expected mails a second, a whole number from 1 to 1000");
		return -1;
	}
	return 0;
}

static int
p_01(const char *v, char *err, size_t n)
{
	if (strcmp(v, "0") == 0 || strcmp(v, "1") == 0)
		return 0;
	snprintf(err, n, "expected 0 or 1");
	return -1;
}

static int
p_level(const char *v, char *err, size_t n)
{
	static const char *const levels[] = {"debug", "info", "warn", "error"};

	for (size_t i = 0; i < ARRAY_LEN(levels); i++)
		if (strcmp(v, levels[i]) == 0)
			return 0;
	snprintf(err, n, "expected debug, info, warn or error");
	return -1;
}

static int
p_duration(const char *v, char *err, size_t n)
{
	int64_t ms;

	if (duration_parse(v, &ms) == 0 && ms > 0)
		return 0;
	snprintf(err, n, "expected a duration like 20s or 2m");
	return -1;
}

/* A duration, or 0 for "keep for ever". */
static int
p_retention(const char *v, char *err, size_t n)
{
	int64_t ms;

	if (duration_parse(v, &ms) == 0 && ms >= 0)
		return 0;
	snprintf(err, n, "expected a duration like 30d, or 0 to keep everything");
	return -1;
}

static int
p_price(const char *v, char *err, size_t n)
{
	char *end;
	double d = strtod(v, &end);

	if (*end == '\0' && isfinite(d) && d >= 0)
		return 0;
	snprintf(err, n, "expected a price in dollars, e.g. 0.0025");
	return -1;
}

static int
p_url(const char *v, char *err, size_t n)
{
	if (strncmp(v, "https://", 8) == 0 || strncmp(v, "http://", 7) == 0)
		return 0;
	snprintf(err, n, "expected an http:// or https:// URL");
	return -1;
}

static int
p_cidrs(const char *v, char *err, size_t n)
{
	return cidr_list_check(v, err, n);
}

/* ---- loading ---- */

/* .env lines are applied with setenv(…, 0) so the real environment always wins. */
static int
config_read_dotenv(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[4096], *key, *val;
	int lineno = 0, rc = 0, n;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if ((n = config_dotenv_line(line, &key, &val)) < 0) {
			log_warnx("%s:%d: expected KEY=VALUE", path, lineno);
			rc = -1;
		} else if (n > 0) {
			setenv(key, val, 0);
		}
	}
	fclose(f);
	return rc;
}

const char *
config_env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

const char *
config_get(const char *name)
{
	if (key_find(name) == NULL)
		fatalx("config_get: %s is not in the configuration table", name);
	return config_env(name);
}

/* The value to use: the variable when set, else the default. A number its parser refuses
 * falls back to the default; text is kept as given, so that a bad HEALER_LISTEN fails to
 * listen rather than quietly listening somewhere else. */
static const char *
key_value(const struct cfg_key *k)
{
	const char *v = config_env(k->name);
	char err[128];

	if (v != NULL && k->num != NULL && k->parse != NULL && k->parse(v, err, sizeof(err)) != 0)
		return k->def;
	return v != NULL ? v : k->def;
}

int
config_load(void)
{
	int rc = config_read_dotenv(".env");
	const char *user, *c;

	config_free();
	/* Empty is unset, for everyone: `cp .env.example .env` leaves many KEY= lines, and a
	 * child or library that looks at the environment must not see them as set either. */
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		const char *v = getenv(keys[i].name);

		if (v != NULL && *v == '\0')
			unsetenv(keys[i].name);
	}
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		const struct cfg_key *k = &keys[i];
		const char *v = key_value(k);

		if (k->str != NULL)
			*k->str = v != NULL ? xstrdup(v) : NULL;
		if (k->num != NULL)
			*k->num = v != NULL ? atoi(v) : 0;
	}
	cfg.policy_explicit = config_env("HEALER_POLICY") != NULL;
	cfg.policy = cfg.policy_explicit ? xstrdup(config_env("HEALER_POLICY"))
					 : xasprintf("%s/policy.yaml", cfg.runbooks);
	if ((user = config_env("HEALER_CONSOLE_USER")) == NULL)
		user = config_env("USER");
	cfg.console_user = xasprintf("console:%s", user != NULL ? user : "operator");
	c = config_env("HEALER_CONSOLE");
	cfg.console = c != NULL ? strcmp(c, "0") != 0 : -1;
	/* links are joined to the base with a '/' of their own */
	if (cfg.public_url != NULL && cfg.public_url[0] != '\0' &&
	    cfg.public_url[strlen(cfg.public_url) - 1] == '/')
		cfg.public_url[strlen(cfg.public_url) - 1] = '\0';
	log_init(cfg.log_level);
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		if (keys[i].secret)
			log_redact(config_env(keys[i].name));
	return rc;
}

void
config_free(void)
{
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		if (keys[i].str != NULL) {
			free(*keys[i].str);
			*keys[i].str = NULL;
		}
	free(cfg.policy);
	free(cfg.console_user);
	memset(&cfg, 0, sizeof(cfg));
}

bool
config_listen_loopback(const char *listen)
{
	char host[128];
	char *colon;

	snprintf(host, sizeof(host), "%s", listen != NULL ? listen : "");
	if ((colon = strrchr(host, ':')) != NULL && strchr(host, ']') < colon)
		*colon = '\0';
	return strncmp(host, "127.", 4) == 0 || strcmp(host, "localhost") == 0 ||
	       strcmp(host, "[::1]") == 0 || strcmp(host, "::1") == 0;
}

/* ---- checks ---- */

typedef void (*emit_fn)(bool is_error, const char *msg, void *ctx);

/* Set settings of one group that need each other: "SLACK_APP_TOKEN, SLACK_CHANNEL" missing. */
static bool
missing_of(const char *const *names, size_t n, char *out, size_t outn)
{
	size_t set = 0, off = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (config_env(names[i]) != NULL) {
			set++;
			continue;
		}
		off += (size_t)snprintf(out + off, off < outn ? outn - off : 0, "%s%s",
					off > 0 ? ", " : "", names[i]);
	}
	return set > 0 && set < n;
}

static const char *const slack_need[] = {"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN"};
static const char *const slack_all[] = {"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "SLACK_CHANNEL"};
static const char *const teams_need[] = {"TEAMS_APP_ID", "TEAMS_APP_PASSWORD", "TEAMS_TENANT_ID"};

static int
check_groups(emit_fn emit, void *ctx)
{
	char miss[256], msg[512];
	int errors = 0;

	if (missing_of(slack_all, ARRAY_LEN(slack_all), miss, sizeof(miss))) {
		snprintf(msg, sizeof(msg),
			 "Slack needs SLACK_APP_TOKEN, SLACK_BOT_TOKEN and SLACK_CHANNEL "
			 "together: %s not set",
			 miss);
		emit(true, msg, ctx);
		errors++;
	}
	if (missing_of(teams_need, ARRAY_LEN(teams_need), miss, sizeof(miss))) {
		snprintf(msg, sizeof(msg),
			 "Teams needs TEAMS_APP_ID, TEAMS_APP_PASSWORD and TEAMS_TENANT_ID "
			 "together: %s not set",
			 miss);
		emit(true, msg, ctx);
		errors++;
	}
	if (config_env("TEAMS_ALLOW_ANONYMOUS") != NULL &&
	    strcmp(config_env("TEAMS_ALLOW_ANONYMOUS"), "1") == 0) {
		if (config_env("TEAMS_APP_ID") != NULL) {
			emit(false, "TEAMS_ALLOW_ANONYMOUS is ignored because TEAMS_APP_ID is set",
			     ctx);
		} else if (!config_listen_loopback(cfg.listen)) {
			snprintf(msg, sizeof(msg),
				 "TEAMS_ALLOW_ANONYMOUS=1 needs HEALER_LISTEN on loopback (it is "
				 "%s): anyone could post as any Teams user",
				 cfg.listen);
			emit(true, msg, ctx);
			errors++;
		}
	}
	if (config_env("HEALER_INGEST_TOKEN") == NULL)
		emit(false,
		     "HEALER_INGEST_TOKEN is not set: /alerts/* (except SNS) refuse every alert",
		     ctx);
	return errors;
}

/* url for a message, its user:password@ (if any) replaced by "***@". */
static void
url_shown(const char *url, char *out, size_t n)
{
	const char *h = strstr(url, "://"), *at;

	if (h != NULL && (at = memchr(h + 3, '@', strcspn(h + 3, "/"))) != NULL)
		snprintf(out, n, "%.*s://***%s", (int)(h - url) > 16 ? 16 : (int)(h - url), url,
			 at);
	else
		snprintf(out, n, "%s", url);
}

/* Whether something names a host between scheme://[user@] and the port or path. */
static bool
url_has_host(const char *url)
{
	const char *h = strstr(url, "://"), *at;

	if (h == NULL)
		return false;
	h += 3;
	if ((at = memchr(h, '@', strcspn(h, "/"))) != NULL)
		h = at + 1;
	return *h != '\0' && strchr("/:", *h) == NULL;
}

/*
 * Mail settings that only make sense together. The email adapter refuses the same settings
 * at start; here they are named before a mail is lost to them.
 */
static int
check_mail(emit_fn emit, void *ctx)
{
	const char *url = config_env("HEALER_SMTP_URL"), *tls = config_env("HEALER_SMTP_TLS");
	const char *key = config_env("HEALER_LINK_KEY");
	char msg[512], shown[256];
	int errors = 0;

	if (url != NULL) {
		url_shown(url, shown, sizeof(shown));
		if (strncmp(url, "smtp://", 7) != 0 && strncmp(url, "smtps://", 8) != 0) {
			snprintf(
			    msg, sizeof(msg),
			    "HEALER_SMTP_URL=%.200s: expected smtp://host[:port] (STARTTLS) or "
			    "smtps://host[:port]",
			    shown);
			emit(true, msg, ctx);
			errors++;
		} else if (!url_has_host(url)) {
			snprintf(msg, sizeof(msg), "HEALER_SMTP_URL=%.200s: no host", shown);
			emit(true, msg, ctx);
			errors++;
		}
		if (config_env("HEALER_MAIL_FROM") == NULL) {
			emit(true,
			     "HEALER_SMTP_URL is set but HEALER_MAIL_FROM is not: mail needs a "
			     "sender address",
			     ctx);
			errors++;
		}
	}
	if (tls != NULL && strcmp(tls, "required") != 0 && strcmp(tls, "none") != 0) {
		snprintf(msg, sizeof(msg), "HEALER_SMTP_TLS=%.64s: expected required or none", tls);
		emit(true, msg, ctx);
		errors++;
	} else if (tls != NULL && strcmp(tls, "none") == 0 && url != NULL &&
		   !httpc_url_is_loopback(url)) {
		/* credentials and approval links would cross the network in clear */
		emit(true,
		     "HEALER_SMTP_TLS=none is allowed only for a loopback SMTP server "
		     "(HEALER_SMTP_URL names another host)",
		     ctx);
		errors++;
	}
	if (config_env("HEALER_SMTP_USER") != NULL && config_env("HEALER_SMTP_PASSWORD") == NULL) {
		emit(true, "HEALER_SMTP_USER is set but HEALER_SMTP_PASSWORD is not", ctx);
		errors++;
	}
	if (key != NULL && strlen(key) < 32) {
		/* the value is a secret: its length only */
		snprintf(msg, sizeof(msg),
			 "HEALER_LINK_KEY is %zu bytes: it must be at least 32 (links and sign-in "
			 "are off until it is)",
			 strlen(key));
		emit(true, msg, ctx);
		errors++;
	}
	return errors;
}

int
config_check_mail_routes(size_t nroutes, emit_fn emit, void *ctx)
{
	if (nroutes > 0 && config_env("HEALER_SMTP_URL") == NULL)
		emit(false,
		     "the policy has mail: routes but HEALER_SMTP_URL is not set: no mail is sent",
		     ctx);
	return 0;
}

int
config_check(emit_fn emit, void *ctx)
{
	char err[128], msg[512];
	int errors = 0;

	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		const struct cfg_key *k = &keys[i];
		const char *v = config_env(k->name);

		if (v == NULL || k->parse == NULL || k->parse(v, err, sizeof(err)) == 0)
			continue;
		if (k->secret)
			snprintf(msg, sizeof(msg), "%s: %s", k->name, err);
		else
			snprintf(msg, sizeof(msg), "%s=%s: %s", k->name, v, err);
		emit(true, msg, ctx);
		errors++;
	}
	return errors + check_groups(emit, ctx) + check_mail(emit, ctx);
}

/* Start-up lines: why an adapter does not run, from the settings alone. */
const char *
config_adapter_off_reason(const char *name)
{
	static char why[256];

	if (strcmp(name, "console") == 0) {
		if (cfg.console == 0)
			return "HEALER_CONSOLE=0";
		if (cfg.console == -1 && config_env("SLACK_BOT_TOKEN") != NULL)
			return "SLACK_BOT_TOKEN is set; HEALER_CONSOLE=1 keeps it on";
		if (cfg.console == -1 && config_env("TEAMS_APP_ID") != NULL)
			return "TEAMS_APP_ID is set; HEALER_CONSOLE=1 keeps it on";
		return NULL;
	}
	if (strcmp(name, "slack") == 0) {
		if (config_env("SLACK_APP_TOKEN") == NULL && config_env("SLACK_BOT_TOKEN") == NULL)
			return "SLACK_APP_TOKEN and SLACK_BOT_TOKEN not set";
		if (missing_of(slack_need, ARRAY_LEN(slack_need), why, sizeof(why))) {
			snprintf(why + strlen(why), sizeof(why) - strlen(why), " not set");
			return why;
		}
		return NULL;
	}
	if (strcmp(name, "teams") == 0) {
		if (missing_of(teams_need, ARRAY_LEN(teams_need), why, sizeof(why))) {
			snprintf(why + strlen(why), sizeof(why) - strlen(why), " not set");
			return why;
		}
		if (config_env("TEAMS_APP_ID") == NULL && config_env("TEAMS_WEBHOOK_URL") == NULL &&
		    config_env("TEAMS_ALLOW_ANONYMOUS") == NULL)
			return "TEAMS_APP_ID and TEAMS_WEBHOOK_URL not set";
		return NULL;
	}
	return NULL;
}
