/* test_config.c — .env parsing: comments, quotes, and the environment winning. */
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dotenv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
