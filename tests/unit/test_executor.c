/* test_executor.c — the step executor against real processes, a tiny HTTP server and waits. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "executor.h"
#include "httpc.h"
#include "util.h"

#define PATH_LINE "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"

static char tmpdir[64];

/* Runs argv (NULL-terminated) as an exec step. */
static int
run_exec(struct exec_result *r, int64_t timeout_ms, ...)
{
	char *argv[16];
	struct bound_step s = {0};
	va_list ap;
	size_t n = 0;

	va_start(ap, timeout_ms);
	while (n < ARRAY_LEN(argv) - 1 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	s.kind = STEP_EXEC;
	s.argv = argv;
	s.argc = n;
	s.timeout_ms = timeout_ms;
	return executor_run(&s, r);
}

/* True when pid is gone or a zombie waiting for someone else's reaper. */
static bool
pid_gone(pid_t pid)
{
	char path[64], *stat = NULL, *p;
	size_t len;
	bool gone;

	for (int i = 0; i < 100; i++) {
		if (kill(pid, 0) == -1 && errno == ESRCH)
			return true;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		if (file_read_all(path, 4096, &stat, &len) == 0) {
			p = strrchr(stat, ')');
			gone = p != NULL && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
			free(stat);
			if (gone)
				return true;
		}
		usleep(20000);
	}
	return false;
}

static pid_t
pid_from_file(const char *path)
{
	char *s = NULL;
	size_t len;
	pid_t pid;

	assert_int_equal(file_read_all(path, 64, &s, &len), 0);
	pid = (pid_t)atoi(s);
	free(s);
	assert_true(pid > 1);
	return pid;
}

static void
test_echo_exact(void **state)
{
	struct exec_result r;

	(void)state;
	assert_int_equal(run_exec(&r, 0, "/bin/echo", "hello", "world", NULL), 0);
	assert_int_equal(r.status, EXEC_OK);
	assert_string_equal(exec_status_name(r.status), "ok");
	assert_string_equal(r.out, "hello world\n");
	assert_string_equal(r.err, "");
	assert_int_equal(r.exit_code, 0);
	assert_int_equal(r.term_signal, 0);
	assert_false(r.truncated);
	assert_string_equal(r.error, "");
	assert_true(r.duration_ms >= 0 && r.duration_ms < 5000);
	exec_result_free(&r);
}

static void
test_exit_status(void **state)
{
	struct exec_result r;

	(void)state;
	assert_int_equal(run_exec(&r, 0, "/bin/false", NULL), -1);
	assert_int_equal(r.status, EXEC_FAILED);
	assert_string_equal(exec_status_name(r.status), "failed");
	assert_int_equal(r.exit_code, 1);
	assert_string_equal(r.error, "exit status 1");
	exec_result_free(&r);

	run_exec(&r, 0, "sh", "-c", "exit 3", NULL);
	assert_int_equal(r.status, EXEC_FAILED);
	assert_int_equal(r.exit_code, 3);
	assert_string_equal(r.error, "exit status 3");
	exec_result_free(&r);
}

/* The daemon ignoring and blocking a signal must not make its children immune to it. */
static void
test_signalled_with_reset_disposition(void **state)
{
	struct exec_result r;
	sigset_t set, old;

	(void)state;
	signal(SIGUSR1, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	run_exec(&r, 5000, "sh", "-c", "kill -USR1 $$; sleep 3", NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	signal(SIGUSR1, SIG_DFL);
	assert_int_equal(r.status, EXEC_FAILED);
	assert_int_equal(r.exit_code, -1);
	assert_int_equal(r.term_signal, SIGUSR1);
	assert_string_equal(r.error, "killed by signal 10 (SIGUSR1)");
	assert_true(r.duration_ms < 2900); /* the alternative is the 3 s sleep */
	exec_result_free(&r);
}

static void
test_timeout_kills_child(void **state)
{
	struct exec_result r;
	char pidfile[128], script[256];
	pid_t pid;

	(void)state;
	snprintf(pidfile, sizeof(pidfile), "%s/timeout.pid", tmpdir);
	snprintf(script, sizeof(script), "echo $$ > %s; exec sleep 5", pidfile);
	run_exec(&r, 200, "sh", "-c", script, NULL);
	assert_int_equal(r.status, EXEC_TIMEOUT);
	assert_string_equal(exec_status_name(r.status), "timeout");
	assert_string_equal(r.error, "timed out after 200 ms");
	assert_int_equal(r.term_signal, SIGTERM);
	assert_true(r.duration_ms >= 200 && r.duration_ms < 2500);
	pid = pid_from_file(pidfile);
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(errno, ESRCH);
	exec_result_free(&r);
}

/* The whole process group gets the SIGTERM, so a grandchild can clean up too. */
static void
test_timeout_terms_whole_group(void **state)
{
	struct exec_result r;
	char flag[128], script[512], *got = NULL;
	size_t len;

	(void)state;
	snprintf(flag, sizeof(flag), "%s/term.flag", tmpdir);
	snprintf(script, sizeof(script),
		 "sh -c 'trap \"echo got-term > %s; exit 0\" TERM; sleep 30 & wait' & wait", flag);
	run_exec(&r, 300, "sh", "-c", script, NULL);
	assert_int_equal(r.status, EXEC_TIMEOUT);
	assert_true(r.duration_ms < 10000); /* the alternative is the 30 s sleep */
	assert_int_equal(file_read_all(flag, 64, &got, &len), 0);
	assert_string_equal(got, "got-term\n");
	free(got);
	exec_result_free(&r);
}

/* SIGTERM ignored (and inherited by sleep): SIGKILL follows 2 s later, group-wide. */
static void
test_timeout_escalates_to_sigkill(void **state)
{
	struct exec_result r;
	char pidfile[128], script[256];

	(void)state;
	snprintf(pidfile, sizeof(pidfile), "%s/grandchild.pid", tmpdir);
	snprintf(script, sizeof(script), "trap '' TERM; sleep 10 & echo $! > %s; wait; wait",
		 pidfile);
	run_exec(&r, 200, "sh", "-c", script, NULL);
	assert_int_equal(r.status, EXEC_TIMEOUT);
	assert_string_equal(r.error, "timed out after 200 ms");
	assert_int_equal(r.term_signal, SIGKILL);
	assert_true(r.duration_ms >= 2150 && r.duration_ms < 4000);
	assert_true(pid_gone(pid_from_file(pidfile)));
	exec_result_free(&r);
}

static void
test_output_truncated_child_not_blocked(void **state)
{
	struct exec_result r;
	size_t len;

	(void)state;
	run_exec(&r, 20000, "sh", "-c", "yes | head -c 10000000", NULL);
	assert_int_equal(r.status, EXEC_OK);
	assert_true(r.truncated);
	len = strlen(r.out);
	assert_int_equal(len, EXEC_MAX_OUTPUT + strlen(EXEC_TRUNC_MARK));
	assert_memory_equal(r.out, "y\ny\ny\n", 6);
	assert_string_equal(r.out + EXEC_MAX_OUTPUT, EXEC_TRUNC_MARK);
	assert_string_equal(r.err, "");
	assert_true(r.duration_ms < 15000);
	exec_result_free(&r);
}

/* The cap falls inside "é": the half character is dropped, not stored. */
static void
test_truncation_on_utf8_boundary(void **state)
{
	struct exec_result r;

	(void)state;
	run_exec(&r, 10000, "sh", "-c",
		 "head -c 65535 /dev/zero | tr '\\0' a; printf '\\303\\251z'", NULL);
	assert_int_equal(r.status, EXEC_OK);
	assert_true(r.truncated);
	assert_int_equal(strlen(r.out), 65535 + strlen(EXEC_TRUNC_MARK));
	assert_string_equal(r.out + 65535, EXEC_TRUNC_MARK);
	exec_result_free(&r);

	run_exec(&r, 0, "sh", "-c", "head -c 65536 /dev/zero | tr '\\0' a", NULL);
	assert_int_equal(r.status, EXEC_OK);
	assert_false(r.truncated);
	assert_int_equal(strlen(r.out), 65536);
	exec_result_free(&r);
}

static void
test_stderr_separate(void **state)
{
	struct exec_result r;

	(void)state;
	run_exec(&r, 0, "sh", "-c", "echo out; echo err >&2; echo more", NULL);
	assert_int_equal(r.status, EXEC_OK);
	assert_string_equal(r.out, "out\nmore\n");
	assert_string_equal(r.err, "err\n");
	exec_result_free(&r);
}

/* Checks the last line is the step's tag "HEALER_STEP=<daemon pid>.<n>" and removes it. */
static void
drop_tag(struct exec_result *r)
{
	char want[64], *tag = strstr(r->out, "HEALER_STEP=");

	assert_non_null(tag);
	snprintf(want, sizeof(want), "HEALER_STEP=%d.", (int)getpid());
	assert_memory_equal(tag, want, strlen(want));
	assert_true(strtoull(tag + strlen(want), NULL, 10) > 0);
	assert_string_equal(strchr(tag, '\n'), "\n"); /* the last line */
	*tag = '\0';
}

static void
test_environment_clean(void **state)
{
	struct exec_result r;
	char *home = xstrdup(getenv("HOME"));

	(void)state;
	setenv("HEALER_TEST_SECRET", "hunter2", 1);
	setenv("KUBECONFIG", "/etc/kube/config", 1);
	setenv("HOME", "/tmp/healer-home", 1);
	unsetenv("HEALER_EXEC_ENV_ALLOW");
	run_exec(&r, 0, "/usr/bin/env", NULL);
	assert_int_equal(r.status, EXEC_OK);
	drop_tag(&r);
	assert_string_equal(r.out, PATH_LINE "LANG=C.UTF-8\nHOME=/tmp/healer-home\n");
	exec_result_free(&r);

	/* Listed and set: copied. Listed but unset, malformed, or PATH: not. */
	setenv("HEALER_EXEC_ENV_ALLOW", "KUBECONFIG, HEALER_NOT_SET,bad-name,PATH,HEALER_STEP", 1);
	setenv("HEALER_STEP", "forged", 1);
	setenv("PATH", "/evil", 1);
	unsetenv("HOME");
	run_exec(&r, 0, "env", NULL);
	assert_int_equal(r.status, EXEC_OK);
	drop_tag(&r);
	unsetenv("HEALER_STEP");
	assert_string_equal(r.out, PATH_LINE "LANG=C.UTF-8\nHOME=/\nKUBECONFIG=/etc/kube/config\n");
	exec_result_free(&r);

	setenv("PATH", "/usr/local/bin:/usr/bin:/bin", 1);
	if (home != NULL)
		setenv("HOME", home, 1);
	unsetenv("HEALER_EXEC_ENV_ALLOW");
	unsetenv("HEALER_TEST_SECRET");
	unsetenv("KUBECONFIG");
	free(home);
}

static void
test_missing_program(void **state)
{
	struct exec_result r;

	(void)state;
	assert_int_equal(run_exec(&r, 0, "/nonexistent/healer-prog", "x", NULL), -1);
	assert_int_equal(r.status, EXEC_ERROR);
	assert_string_equal(exec_status_name(r.status), "error");
	assert_string_equal(r.error, "execve /nonexistent/healer-prog: No such file or directory");
	assert_int_equal(r.exit_code, -1);
	exec_result_free(&r);

	run_exec(&r, 0, "healer-no-such-program", NULL);
	assert_int_equal(r.status, EXEC_ERROR);
	assert_string_equal(r.error, "execve healer-no-such-program: No such file or directory");
	exec_result_free(&r);

	run_exec(&r, 0, "/etc/passwd", NULL);
	assert_int_equal(r.status, EXEC_ERROR);
	assert_string_equal(r.error, "execve /etc/passwd: Permission denied");
	exec_result_free(&r);
}

static void
test_relative_name_and_literal_args(void **state)
{
	struct exec_result r;

	(void)state;
	run_exec(&r, 0, "echo", "hi", NULL);
	assert_int_equal(r.status, EXEC_OK);
	assert_string_equal(r.out, "hi\n");
	exec_result_free(&r);

	run_exec(&r, 0, "printf", "%s|", "a; rm -rf /", "$(id) `id` *", NULL);
	assert_int_equal(r.status, EXEC_OK);
	assert_string_equal(r.out, "a; rm -rf /|$(id) `id` *|");
	exec_result_free(&r);
}

/* No descriptor of ours leaks in (ls's own directory handle is 3), stdin is /dev/null,
 * the working directory is /. */
static void
test_fds_stdin_cwd(void **state)
{
	struct exec_result r;
	int leak = open("/dev/null", O_RDONLY); /* deliberately not close-on-exec */

	(void)state;
	assert_true(leak >= 0);
	run_exec(&r, 0, "ls", "/proc/self/fd", NULL);
	assert_string_equal(r.out, "0\n1\n2\n3\n");
	exec_result_free(&r);
	close(leak);

	run_exec(&r, 0, "readlink", "/proc/self/fd/0", NULL);
	assert_string_equal(r.out, "/dev/null\n");
	exec_result_free(&r);

	run_exec(&r, 0, "pwd", NULL);
	assert_string_equal(r.out, "/\n");
	exec_result_free(&r);
}

/* A background process holding the pipe open neither hangs the step nor outlives it. */
static void
test_leftover_background_killed(void **state)
{
	struct exec_result r;

	(void)state;
	run_exec(&r, 10000, "sh", "-c", "sleep 30 & echo $!", NULL);
	assert_int_equal(r.status, EXEC_OK);
	assert_true(r.duration_ms < 10000); /* the alternative is the 30 s sleep */
	assert_true(atoi(r.out) > 1);
	assert_true(pid_gone((pid_t)atoi(r.out)));
	exec_result_free(&r);
}

/* A grandchild that calls setsid leaves the step's process group; the timeout still ends
 * it, and the daemon (a subreaper) reaps it. */
static void
test_timeout_kills_setsid_grandchild(void **state)
{
	struct exec_result r;
	char pidfile[128], script[512];
	pid_t pid;

	(void)state;
	snprintf(pidfile, sizeof(pidfile), "%s/setsid.pid", tmpdir);
	snprintf(script, sizeof(script),
		 "/usr/bin/python3 -c 'import os, time; os.setsid(); "
		 "open(\"%s\", \"w\").write(str(os.getpid())); time.sleep(60)' & "
		 "while [ ! -s %s ]; do sleep 0.05; done; sleep 60",
		 pidfile, pidfile);
	run_exec(&r, 1500, "sh", "-c", script, NULL);
	assert_int_equal(r.status, EXEC_TIMEOUT);
	assert_true(r.duration_ms < 10000); /* the alternative is the 60 s sleep */
	pid = pid_from_file(pidfile);
	assert_true(pid_gone(pid));
	/* reaped, not left a zombie of ours */
	assert_int_equal(kill(pid, 0), -1);
	exec_result_free(&r);
}

/* The same when the program ended by itself: a daemonized (setsid, orphaned) leftover
 * is found by its tag and killed, and a concurrent step's process is left alone. */
static void *
bystander_main(void *arg)
{
	struct exec_result *r = arg;

	run_exec(r, 20000, "sh", "-c", "sleep 3; echo survived", NULL);
	return NULL;
}

static void
test_orphan_killed_bystander_spared(void **state)
{
	struct exec_result r, by;
	char pidfile[128], script[512];
	pthread_t th;
	pid_t pid;

	(void)state;
	assert_int_equal(pthread_create(&th, NULL, bystander_main, &by), 0);
	snprintf(pidfile, sizeof(pidfile), "%s/orphan.pid", tmpdir);
	snprintf(script, sizeof(script),
		 "/usr/bin/python3 -c 'import os, time\n"
		 "if os.fork(): os._exit(0)\n"
		 "os.setsid(); open(\"%s\", \"w\").write(str(os.getpid())); time.sleep(60)'; "
		 "while [ ! -s %s ]; do sleep 0.05; done",
		 pidfile, pidfile);
	run_exec(&r, 10000, "sh", "-c", script, NULL);
	assert_int_equal(r.status, EXEC_OK);
	pid = pid_from_file(pidfile);
	assert_true(pid_gone(pid));
	exec_result_free(&r);
	pthread_join(th, NULL);
	assert_int_equal(by.status, EXEC_OK);
	assert_string_equal(by.out, "survived\n");
	exec_result_free(&by);
}

static void *
concurrent_main(void *arg)
{
	struct exec_result *r = arg;
	char word[32];

	snprintf(word, sizeof(word), "w%p", arg);
	run_exec(r, 5000, "sh", "-c", "sleep 0.2; echo \"$0\"", word, NULL);
	return NULL;
}

static void
test_concurrent_workers(void **state)
{
	struct exec_result r[4];
	pthread_t th[4];
	char want[40];

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, concurrent_main, &r[i]), 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		snprintf(want, sizeof(want), "w%p\n", (void *)&r[i]);
		assert_int_equal(r[i].status, EXEC_OK);
		assert_string_equal(r[i].out, want);
		exec_result_free(&r[i]);
	}
}

static void
test_wait_and_alert_resolved(void **state)
{
	struct bound_step s = {.kind = STEP_WAIT, .wait_ms = 100};
	struct exec_result r;

	(void)state;
	assert_int_equal(executor_run(&s, &r), 0);
	assert_int_equal(r.status, EXEC_OK);
	assert_true(r.duration_ms >= 100 && r.duration_ms < 5000);
	exec_result_free(&r);

	s.kind = STEP_ALERT_RESOLVED;
	assert_int_equal(executor_run(&s, &r), -1);
	assert_int_equal(r.status, EXEC_ERROR);
	assert_string_equal(r.error, "alert_resolved is evaluated by the engine");
	exec_result_free(&r);
}

/* One-connection HTTP server: reads the request head, sends `reply`, closes. */
struct mini_server {
	int fd;
	int port;
	const char *reply;
	size_t reply_len;
	pthread_t th;
};

static void *
mini_server_main(void *arg)
{
	struct mini_server *m = arg;
	char req[8192];
	size_t got = 0;
	ssize_t n;
	int c = accept(m->fd, NULL, NULL);

	if (c < 0)
		return NULL;
	while (got < sizeof(req) - 1 && (n = read(c, req + got, sizeof(req) - 1 - got)) > 0) {
		got += (size_t)n;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL)
			break;
	}
	for (size_t off = 0;
	     off < m->reply_len && (n = write(c, m->reply + off, m->reply_len - off)) > 0;)
		off += (size_t)n;
	close(c);
	return NULL;
}

static void
mini_server_start(struct mini_server *m, const char *reply, size_t len)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);

	m->reply = reply;
	m->reply_len = len;
	m->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(m->fd >= 0);
	assert_int_equal(bind(m->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(m->fd, 4), 0);
	assert_int_equal(getsockname(m->fd, (struct sockaddr *)&sa, &sl), 0);
	m->port = ntohs(sa.sin_port);
	assert_int_equal(pthread_create(&m->th, NULL, mini_server_main, m), 0);
}

static void
mini_server_stop(struct mini_server *m)
{
	pthread_join(m->th, NULL);
	close(m->fd);
}

static void
run_http(struct exec_result *r, const char *reply, size_t len, int expect)
{
	struct mini_server m;
	char url[64];
	struct bound_step s = {.kind = STEP_HTTP, .timeout_ms = 5000, .expect_status = expect};

	mini_server_start(&m, reply, len);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/health", m.port);
	s.url = url;
	executor_run(&s, r);
	mini_server_stop(&m);
}

static void
test_http(void **state)
{
	static const char r503[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n"
				   "Connection: close\r\n\r\ndown";
	static const char r204[] = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
	struct bound_step s = {.kind = STEP_HTTP, .url = "http://127.0.0.1:1/", .timeout_ms = 2000};
	struct exec_result r;
	char *big;
	size_t hl;

	(void)state;
	executor_run(&s, &r);
	assert_int_equal(r.status, EXEC_ERROR);
	assert_int_equal(r.http_status, 0);
	assert_true(strlen(r.error) > 0);
	exec_result_free(&r);

	run_http(&r, r503, strlen(r503), 200);
	assert_int_equal(r.status, EXEC_FAILED);
	assert_int_equal(r.http_status, 503);
	assert_string_equal(r.error, "HTTP 503, expected 200");
	assert_string_equal(r.out, "down");
	exec_result_free(&r);

	run_http(&r, r503, strlen(r503), 0);
	assert_string_equal(r.error, "HTTP 503, expected 2xx");
	exec_result_free(&r);

	run_http(&r, r204, strlen(r204), 0);
	assert_int_equal(r.status, EXEC_OK);
	assert_int_equal(r.http_status, 204);
	assert_string_equal(r.out, "");
	exec_result_free(&r);

	big = xasprintf("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n");
	hl = strlen(big);
	big = xrealloc(big, hl + 100000);
	memset(big + hl, 'b', 100000);
	run_http(&r, big, hl + 100000, 200);
	assert_int_equal(r.status, EXEC_OK);
	assert_true(r.truncated);
	assert_int_equal(strlen(r.out), EXEC_MAX_OUTPUT + strlen(EXEC_TRUNC_MARK));
	exec_result_free(&r);
	free(big);
}

struct bg_run {
	struct bound_step s;
	struct exec_result r;
	pthread_t th;
};

static void *
bg_main(void *arg)
{
	struct bg_run *b = arg;

	executor_run(&b->s, &b->r);
	return NULL;
}

/* Must run last: executor_kill_all is final, the executor refuses work afterwards. */
static void
test_kill_all_at_shutdown(void **state)
{
	static char *argv[] = {"sh", "-c", "trap '' TERM; sleep 30", NULL};
	struct bg_run ex = {.s = {.kind = STEP_EXEC, .argv = argv, .argc = 3, .timeout_ms = 60000}};
	struct bg_run wt = {.s = {.kind = STEP_WAIT, .wait_ms = 60000}};
	struct exec_result r;
	int64_t t0;

	(void)state;
	assert_int_equal(pthread_create(&ex.th, NULL, bg_main, &ex), 0);
	assert_int_equal(pthread_create(&wt.th, NULL, bg_main, &wt), 0);
	usleep(300000);
	t0 = mono_ms();
	executor_kill_all();
	pthread_join(wt.th, NULL);
	assert_true(mono_ms() - t0 < 500);
	assert_int_equal(wt.r.status, EXEC_ERROR);
	assert_string_equal(wt.r.error, "cancelled: the daemon is shutting down");
	pthread_join(ex.th, NULL);
	assert_true(mono_ms() - t0 < 3500);
	assert_int_equal(ex.r.status, EXEC_ERROR);
	assert_string_equal(ex.r.error, "cancelled: the daemon is shutting down");
	assert_int_equal(ex.r.term_signal, SIGKILL);
	exec_result_free(&ex.r);
	exec_result_free(&wt.r);

	run_exec(&r, 0, "/bin/echo", "late", NULL);
	assert_int_equal(r.status, EXEC_ERROR);
	assert_string_equal(r.error, "cancelled: the daemon is shutting down");
	assert_string_equal(r.out, "");
	exec_result_free(&r);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/healer-exec-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	httpc_global_init();
	return 0;
}

static int
teardown(void **state)
{
	static const char *const files[] = {"timeout.pid", "grandchild.pid", "term.flag"};
	char path[128];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, files[i]);
		unlink(path);
	}
	rmdir(tmpdir);
	httpc_global_cleanup();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_echo_exact),
	    cmocka_unit_test(test_exit_status),
	    cmocka_unit_test(test_signalled_with_reset_disposition),
	    cmocka_unit_test(test_timeout_kills_child),
	    cmocka_unit_test(test_timeout_terms_whole_group),
	    cmocka_unit_test(test_timeout_escalates_to_sigkill),
	    cmocka_unit_test(test_output_truncated_child_not_blocked),
	    cmocka_unit_test(test_truncation_on_utf8_boundary),
	    cmocka_unit_test(test_stderr_separate),
	    cmocka_unit_test(test_environment_clean),
	    cmocka_unit_test(test_missing_program),
	    cmocka_unit_test(test_relative_name_and_literal_args),
	    cmocka_unit_test(test_fds_stdin_cwd),
	    cmocka_unit_test(test_leftover_background_killed),
	    cmocka_unit_test(test_timeout_kills_setsid_grandchild),
	    cmocka_unit_test(test_orphan_killed_bystander_spared),
	    cmocka_unit_test(test_concurrent_workers),
	    cmocka_unit_test(test_wait_and_alert_resolved),
	    cmocka_unit_test(test_http),
	    cmocka_unit_test(test_kill_all_at_shutdown),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
