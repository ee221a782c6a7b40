/* test_log.c — secret redaction as it appears in the log output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"

/* Logs `line` with `secret` registered, in a child process whose stderr is a temporary file,
 * and returns what it wrote (owned). The child has a CPU-time limit so that a redactor which
 * never finishes fails the test instead of hanging the suite. */
static char *
logged(const char *secret, const char *line)
{
	char path[] = "/tmp/healer-test-log-XXXXXX", *out;
	int fd = mkstemp(path), status;
	long n;
	pid_t pid;
	FILE *f;

	assert_true(fd >= 0);
	unlink(path);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit cpu = {.rlim_cur = 5, .rlim_max = 5};
		setrlimit(RLIMIT_CPU, &cpu);
		dup2(fd, 2);
		log_init("info");
		log_redact(secret);
		log_info("%s", line);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status)); /* killed by SIGXCPU = the redactor spun */
	assert_int_equal(WEXITSTATUS(status), 0);
	f = fdopen(fd, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	out = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(out, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return out;
}

static void
test_redacts_secret(void **state)
{
	char *out;

	(void)state;
	out = logged("hunter2-password", "token=hunter2-password and again hunter2-password.");
	assert_non_null(strstr(out, " INFO token=[REDACTED] and again [REDACTED].\n"));
	assert_null(strstr(out, "hunter2"));
	free(out);
}

/* A secret that is itself a prefix of the mark: each replacement recreates it. */
static void
test_secret_prefix_of_mark_terminates(void **state)
{
	char *out;

	(void)state;
	out = logged("[REDAC", "a [REDAC b [REDAC c");
	assert_non_null(strstr(out, " INFO a [REDAC b [REDAC c\n"));
	free(out);
	out = logged("[REDACTED]", "x [REDACTED] y");
	assert_non_null(strstr(out, " INFO x [REDACTED] y\n"));
	free(out);
}

/* Shorter secrets are replaced by a cut mark, so a line never grows. */
static void
test_short_secret(void **state)
{
	char *out;

	(void)state;
	out = logged("s3cr3t", "k=s3cr3ts3cr3t!");
	assert_non_null(strstr(out, " INFO k=[REDAC[REDAC!\n"));
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_redacts_secret),
	    cmocka_unit_test(test_secret_prefix_of_mark_terminates),
	    cmocka_unit_test(test_short_secret),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
