/* test_config.c — .env parsing (comments, quotes, the environment winning), empty values as
 * unset, the environment checks and the adapters' off reasons. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "log.h"

static void
test_dotenv(void **state)
{
	char dir[] = "/tmp/healer-config-XXXXXX", cwd[4096];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	f = fopen(".env", "w");
	fputs("# a comment line\n"
	      "HEALER_INGEST_TOKEN=s3cret#part   # the bearer token\n"
	      "HEALER_DB=\"/var/lib/healer/a b.db\"  # quoted, with a space\n"
	      "HEALER_LISTEN=   # empty: the default stays\n"
	      "export HEALER_LOG_LEVEL=debug\n"
	      "HEALER_RUNBOOKS=/from/dotenv\n",
	      f);
	fclose(f);
	unsetenv("HEALER_INGEST_TOKEN");
	unsetenv("HEALER_DB");
	unsetenv("HEALER_LISTEN");
	unsetenv("HEALER_LOG_LEVEL");
	setenv("HEALER_RUNBOOKS", "/from/env", 1); /* the environment wins over .env */
	assert_int_equal(config_load(), 0);
	assert_string_equal(cfg.ingest_token, "s3cret#part");
	assert_string_equal(cfg.db, "/var/lib/healer/a b.db");
	assert_string_equal(cfg.listen, "127.0.0.1:8080");
	assert_string_equal(cfg.log_level, "debug");
	assert_string_equal(cfg.runbooks, "/from/env");
	assert_string_equal(cfg.policy, "/from/env/policy.yaml");
	config_free();
	unlink(".env");
	assert_int_equal(chdir(cwd), 0);
	rmdir(dir);
}

static const char *const touched[] = {
    "HEALER_LISTEN",	  "HEALER_INGEST_TOKEN",   "SLACK_APP_TOKEN",	    "SLACK_BOT_TOKEN",
    "SLACK_CHANNEL",	  "TEAMS_APP_ID",	   "TEAMS_APP_PASSWORD",    "TEAMS_TENANT_ID",
    "HEALER_CONSOLE",	  "TEAMS_ALLOW_ANONYMOUS", "HEALER_HTTP_MAX_CONNS", "TEAMS_WEBHOOK_URL",
    "HEALER_HTTP_IDLE_S",
};

static void
env_clear(void)
{
	for (size_t i = 0; i < sizeof(touched) / sizeof(touched[0]); i++)
		unsetenv(touched[i]);
}

struct findings {
	int errors, warnings;
	char text[4096];
};

static void
collect(bool is_error, const char *msg, void *ctx)
{
	struct findings *f = ctx;
	size_t n = strlen(f->text);

	if (is_error)
		f->errors++;
	else
		f->warnings++;
	snprintf(f->text + n, sizeof(f->text) - n, "%s: %s\n", is_error ? "error" : "warning", msg);
}

static struct findings
check(void)
{
	struct findings f;
	int n;

	memset(&f, 0, sizeof(f));
	assert_int_equal(config_load(), 0);
	n = config_check(collect, &f);
	assert_int_equal(n, f.errors);
	return f;
}

static void
test_empty_is_unset(void **state)
{
	(void)state;
	env_clear();
	setenv("SLACK_BOT_TOKEN", "", 1);
	setenv("TEAMS_APP_ID", "", 1);
	setenv("HEALER_INGEST_TOKEN", "", 1);
	setenv("HEALER_LISTEN", "", 1);
	assert_int_equal(config_load(), 0);
	assert_null(config_get("SLACK_BOT_TOKEN"));
	assert_null(getenv("TEAMS_APP_ID")); /* children and libraries see it unset too */
	assert_null(cfg.ingest_token);
	assert_string_equal(cfg.listen, "127.0.0.1:8080");
	assert_int_equal(cfg.console, -1);
	assert_null(config_adapter_off_reason("console")); /* auto: no chat credentials */
	assert_string_equal(config_adapter_off_reason("slack"),
			    "SLACK_APP_TOKEN and SLACK_BOT_TOKEN not set");
	config_free();
}

static void
test_check_findings(void **state)
{
	struct findings f;

	(void)state;
	env_clear();
	setenv("HEALER_INGEST_TOKEN", "t", 1);
	f = check();
	assert_int_equal(f.errors, 0);
	assert_int_equal(f.warnings, 0);

	setenv("HEALER_LISTEN", "bogus", 1);
	f = check();
	assert_int_equal(f.errors, 1);
	assert_non_null(strstr(f.text, "HEALER_LISTEN=bogus"));
	assert_string_equal(cfg.listen, "bogus"); /* serve fails to listen, saying why */
	unsetenv("HEALER_LISTEN");

	setenv("SLACK_BOT_TOKEN", "xoxb-secret", 1);
	f = check();
	assert_int_equal(f.errors, 1);
	assert_non_null(strstr(f.text, "SLACK_APP_TOKEN, SLACK_CHANNEL not set"));
	assert_null(strstr(f.text, "xoxb-secret"));
	unsetenv("SLACK_BOT_TOKEN");

	setenv("TEAMS_APP_ID", "id", 1);
	f = check();
	assert_int_equal(f.errors, 1);
	assert_non_null(strstr(f.text, "TEAMS_APP_PASSWORD, TEAMS_TENANT_ID not set"));
	assert_string_equal(config_adapter_off_reason("teams"),
			    "TEAMS_APP_PASSWORD, TEAMS_TENANT_ID not set");
	assert_non_null(strstr(config_adapter_off_reason("console"), "TEAMS_APP_ID is set"));
	unsetenv("TEAMS_APP_ID");

	setenv("TEAMS_ALLOW_ANONYMOUS", "1", 1);
	setenv("HEALER_LISTEN", "0.0.0.0:8080", 1);
	f = check();
	assert_int_equal(f.errors, 1);
	assert_non_null(strstr(f.text, "loopback"));
	setenv("HEALER_LISTEN", "127.0.0.1:0", 1);
	f = check();
	assert_int_equal(f.errors, 0);
	env_clear();

	setenv("HEALER_HTTP_MAX_CONNS", "0", 1);
	setenv("HEALER_HTTP_IDLE_S", "5", 1);
	f = check();
	assert_int_equal(f.errors, 1);
	assert_int_equal(cfg.http_max_conns, 1024);
	assert_int_equal(cfg.http_idle_s, 5);
	assert_int_equal(f.warnings, 1); /* HEALER_INGEST_TOKEN */
	assert_non_null(strstr(f.text, "warning: HEALER_INGEST_TOKEN is not set"));
	env_clear();
	config_free();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dotenv),
	    cmocka_unit_test(test_empty_is_unset),
	    cmocka_unit_test(test_check_findings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
