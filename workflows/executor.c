/* executor.c — runs one bound step: exec (fork/execve, clean env, capped capture, timeout), http,
 * wait. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "config.h"
#include "executor.h"
#include "log.h"
#include "util.h"

#define EXEC_KILL_GRACE_MS 2000 /* SIGTERM → SIGKILL */
#define EXEC_DRAIN_MS 200	/* after the program exits, wait this long for its pipes' EOF */
#define EXEC_TICK_MS 200	/* how often a waiting worker looks for executor_kill_all */
#define EXEC_NOPIDFD_TICK_MS 50 /* exit detection by polling when pidfd_open is unavailable */
#define EXEC_MAX_ENV 64
#define EXEC_TREE_SCAN_MS 1000 /* how often a running step's descendants are looked up */
#define EXEC_REAP_ROUNDS 50    /* × 10 ms: how long killed leftovers get to be reaped */

/* Why a child could not run its program; written to the report pipe before _exit. */
enum child_stage { STAGE_SETUP, STAGE_CHDIR, STAGE_EXECVE };
struct child_report {
	int stage;
	int err;
};

/* A running child, on its worker's stack while registered in `running`. */
struct running {
	pid_t pid; /* also its process group; 0 until forked */
	bool cancelled;
	struct exec_tree tree; /* what else it started */
	struct running *next;
};

static pthread_mutex_t exec_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t exec_cond; /* CLOCK_MONOTONIC, wakes WAIT steps at shutdown */
static pthread_once_t exec_once = PTHREAD_ONCE_INIT;
static struct running *running_list;
static bool shutting_down;
static unsigned long long step_seq; /* for the steps' tags */

/* Everything the child needs, prepared before fork: nothing may allocate after it. */
struct spawn {
	char path[4096];
	char *const *argv;
	char *envp[EXEC_MAX_ENV + 5];
	size_t nenv;
	int devnull, out_r, out_w, err_r, err_w, rep_r, rep_w;
	int max_fd;
};

struct capture {
	int fd;
	struct buf b;
};

static const char *const status_names[] = {"ok", "failed", "timeout", "error"};

const char *
exec_status_name(enum exec_status s)
{
	if ((unsigned)s >= ARRAY_LEN(status_names))
		return "unknown";
	return status_names[s];
}

static void
exec_init(void)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&exec_cond, &ca);
	pthread_condattr_destroy(&ca);
	(void)exec_tree_subreaper();
}

static void
running_add(struct running *rec)
{
	pthread_mutex_lock(&exec_lock);
	snprintf(rec->tree.tag, sizeof(rec->tree.tag), "%d.%llu", (int)getpid(), ++step_seq);
	rec->cancelled = shutting_down;
	rec->next = running_list;
	running_list = rec;
	pthread_mutex_unlock(&exec_lock);
}

static void
running_remove(struct running *rec)
{
	struct running **pp;

	pthread_mutex_lock(&exec_lock);
	for (pp = &running_list; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == rec) {
			*pp = rec->next;
			break;
		}
	}
	pthread_mutex_unlock(&exec_lock);
}

/* Publishes the pid once forked (0: leaves it); true once executor_kill_all has run. */
static bool
running_check(struct running *rec, pid_t pid)
{
	bool c;

	pthread_mutex_lock(&exec_lock);
	if (pid > 0)
		rec->pid = pid;
	c = rec->cancelled;
	pthread_mutex_unlock(&exec_lock);
	return c;
}

/* exec_tree_reap's keep: a step leader is its worker's to wait for. exec_lock is held. */
static bool
is_leader(pid_t pid)
{
	for (struct running *p = running_list; p != NULL; p = p->next)
		if (p->pid == pid)
			return true;
	return false;
}

/* Reaps what steps left behind and were killed, or ended by themselves after their parent:
 * as a subreaper the daemon is their parent now. */
static void
orphans_reap(void)
{
	pthread_mutex_lock(&exec_lock);
	exec_tree_reap(is_leader);
	pthread_mutex_unlock(&exec_lock);
}

/* After the program ended: kills whatever it left, in its group or not, and reaps it. */
static void
leftovers_kill(struct running *rec, pid_t pid)
{
	/* the leader is still a zombie here, so its group id cannot have been reused */
	kill(-pid, SIGKILL);
	for (int i = 0; i < EXEC_REAP_ROUNDS && exec_tree_signal(&rec->tree, SIGKILL) > 0; i++) {
		orphans_reap();
		usleep(10000);
	}
	orphans_reap();
	if (rec->tree.overflow)
		log_warnx("executor: a step started more than %d processes; not all were tracked",
			  EXEC_TREE_MAX);
}

void
executor_kill_all(void)
{
	struct running *p;

	pthread_once(&exec_once, exec_init);
	pthread_mutex_lock(&exec_lock);
	shutting_down = true;
	for (p = running_list; p != NULL; p = p->next) {
		p->cancelled = true;
		if (p->pid > 0)
			kill(-p->pid, SIGTERM);
		/* The owning worker sends SIGKILL when the grace period ends. */
	}
	pthread_cond_broadcast(&exec_cond);
	pthread_mutex_unlock(&exec_lock);
}

static void result_error(struct exec_result *r, enum exec_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
result_error(struct exec_result *r, enum exec_status st, const char *fmt, ...)
{
	va_list ap;

	r->status = st;
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
}

/* Keeps our descriptors off 0–2 so the child's dup2 onto stdio cannot clobber one. */
static int
fd_above_stdio(int fd)
{
	int nfd;

	if (fd < 0 || fd > 2)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return nfd;
}

static int
pipe_pair(int *r, int *w)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	*r = fd_above_stdio(p[0]);
	*w = fd_above_stdio(p[1]);
	return *r == -1 || *w == -1 ? -1 : 0;
}

static void
spawn_close(struct spawn *sp)
{
	int *fds[] = {&sp->devnull, &sp->out_r, &sp->out_w, &sp->err_r,
		      &sp->err_w,   &sp->rep_r, &sp->rep_w};

	for (size_t i = 0; i < ARRAY_LEN(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	for (size_t i = 0; i < sp->nenv; i++)
		free(sp->envp[i]);
	sp->nenv = 0;
}

/* Runs in the forked child of a multi-threaded process: async-signal-safe calls only.
 * PDEATHSIG follows the forking thread, which is fine: a worker outlives its child. */
static void __attribute__((noreturn)) child_exec(const struct spawn *sp, pid_t parent)
{
	struct sigaction sa;
	struct child_report rep = {STAGE_SETUP, 0};
	sigset_t none;
	int rfd = sp->rep_w;

	if (setpgid(0, 0) == -1)
		goto fail;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
		goto fail;
	if (getppid() != parent) /* the daemon died before prctl took effect */
		_exit(127);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &sa, NULL); /* ignored signals would survive execve */
	if (dup2(sp->devnull, 0) == -1 || dup2(sp->out_w, 1) == -1 || dup2(sp->err_w, 2) == -1)
		goto fail;
	if (rfd != 3) {
		if (dup3(rfd, 3, O_CLOEXEC) == -1)
			goto fail;
		rfd = 3;
	}
	if (close_range(4, ~0U, 0) == -1)
		for (int fd = 4; fd <= sp->max_fd; fd++)
			(void)close(fd);
	rep.stage = STAGE_CHDIR;
	if (chdir("/") == -1)
		goto fail;
	rep.stage = STAGE_EXECVE;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(sp->path, sp->argv, sp->envp);
fail:
	rep.err = errno;
	(void)!write(rfd, &rep, sizeof(rep));
	_exit(127);
}

/* Reads what is there, a bounded number of times so a fast writer cannot starve the
 * timeout; bytes past the cap are read and dropped so the child never blocks. */
static void
capture_read(struct capture *c)
{
	char chunk[16384];
	ssize_t n;

	for (int i = 0; i < 16 && c->fd >= 0; i++) {
		n = read(c->fd, chunk, sizeof(chunk));
		if (n > 0) {
			buf_append_trunc(&c->b, chunk, (size_t)n);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		close(c->fd);
		c->fd = -1;
	}
}

/* True once the child has exited; leaves it a zombie so its pid and group stay ours. */
static bool
child_exited(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == -1)
		return errno == ECHILD;
	return si.si_pid != 0;
}

static void
result_wait_status(struct exec_result *r, int wstatus)
{
	char sig[32];

	if (WIFEXITED(wstatus)) {
		r->exit_code = WEXITSTATUS(wstatus);
		if (r->exit_code == 0)
			r->status = EXEC_OK;
		else
			result_error(r, EXEC_FAILED, "exit status %d", r->exit_code);
	} else if (WIFSIGNALED(wstatus)) {
		r->term_signal = WTERMSIG(wstatus);
		snprintf(sig, sizeof(sig), "SIG%s",
			 sigabbrev_np(r->term_signal) ? sigabbrev_np(r->term_signal) : "?");
		result_error(r, EXEC_FAILED, "killed by signal %d (%s)", r->term_signal, sig);
	}
}

/* Waits for the child while draining its pipes; escalates TERM → KILL on timeout or shutdown. */
static void
exec_supervise(struct running *rec, pid_t pid, struct capture cap[2], int64_t timeout_ms,
	       struct exec_result *r)
{
	int64_t now, deadline = mono_ms() + timeout_ms, kill_at = 0, exited_at = 0, next;
	int64_t scan_at = mono_ms() + EXEC_TREE_SCAN_MS;
	bool exited = false, term_sent = false, killed = false, cancelled = false;
	int pidfd = pidfd_open(pid, 0), wstatus = 0, n, timeout;
	struct pollfd pfd[3];
	char dur[32];

	for (;;) {
		now = mono_ms();
		if (!exited && !term_sent && (now >= deadline || running_check(rec, 0))) {
			cancelled = now < deadline;
			kill(-pid, SIGTERM);
			exec_tree_signal(&rec->tree, SIGTERM); /* those that left the group */
			term_sent = true;
			kill_at = now + EXEC_KILL_GRACE_MS;
		}
		if (!exited && term_sent && !killed && now >= kill_at) {
			kill(-pid, SIGKILL);
			exec_tree_signal(&rec->tree, SIGKILL);
			killed = true;
		}
		if (!exited && now >= scan_at) {
			/* seen while their parent lives, found later even after a setsid */
			exec_tree_scan(&rec->tree);
			orphans_reap();
			scan_at = now + EXEC_TREE_SCAN_MS;
		}
		if (!exited && child_exited(pid)) {
			exited = true;
			exited_at = now;
		}
		if (exited &&
		    ((cap[0].fd < 0 && cap[1].fd < 0) || now >= exited_at + EXEC_DRAIN_MS))
			break;

		n = 0;
		for (int i = 0; i < 2; i++)
			if (cap[i].fd >= 0)
				pfd[n++] = (struct pollfd){.fd = cap[i].fd, .events = POLLIN};
		if (!exited && pidfd >= 0)
			pfd[n++] = (struct pollfd){.fd = pidfd, .events = POLLIN};
		if (exited)
			next = exited_at + EXEC_DRAIN_MS;
		else if (term_sent)
			next = killed ? now + EXEC_TICK_MS : kill_at;
		else
			next = deadline;
		if (!exited && next > now + (pidfd >= 0 ? EXEC_TICK_MS : EXEC_NOPIDFD_TICK_MS))
			next = now + (pidfd >= 0 ? EXEC_TICK_MS : EXEC_NOPIDFD_TICK_MS);
		timeout = next > now ? (int)(next - now) : 0;
		if (poll(pfd, (nfds_t)n, timeout) == -1 && errno != EINTR) {
			log_warn("executor: poll");
			usleep(10000);
		}
		for (int i = 0; i < 2; i++)
			capture_read(&cap[i]);
	}
	/* Anything the program left behind would outlive the step. */
	leftovers_kill(rec, pid);
	if (pidfd >= 0)
		close(pidfd);
	while ((n = waitpid(pid, &wstatus, 0)) == -1 && errno == EINTR)
		;
	if (n == -1) /* reaped elsewhere, e.g. SIGCHLD set to SIG_IGN: the outcome is unknown */
		result_error(r, EXEC_ERROR, "waitpid: %s", strerror(errno));
	else
		result_wait_status(r, wstatus);
	if (cancelled) {
		result_error(r, EXEC_ERROR, "cancelled: the daemon is shutting down");
	} else if (term_sent) {
		duration_format(timeout_ms, dur, sizeof(dur));
		result_error(r, EXEC_TIMEOUT, "timed out after %s", dur);
	}
}

static void
exec_run(const struct bound_step *s, struct exec_result *r)
{
	struct spawn sp = {.devnull = -1,
			   .out_r = -1,
			   .out_w = -1,
			   .err_r = -1,
			   .err_w = -1,
			   .rep_r = -1,
			   .rep_w = -1};
	struct capture cap[2] = {{.fd = -1}, {.fd = -1}};
	struct running rec = {0};
	struct child_report rep;
	struct rlimit rl;
	sigset_t all, old;
	pid_t pid, self = getpid();
	ssize_t n;
	int err;

	buf_init(&cap[0].b, EXEC_MAX_OUTPUT);
	buf_init(&cap[1].b, EXEC_MAX_OUTPUT);
	if (s->argv == NULL || s->argv[0] == NULL || s->argv[0][0] == '\0') {
		result_error(r, EXEC_ERROR, "exec step without a program");
		goto out;
	}
	if ((err = exec_resolve(s->argv[0], sp.path, sizeof(sp.path))) != 0) {
		result_error(r, EXEC_ERROR, "execve %s: %s", sp.path, strerror(err));
		goto out;
	}
	sp.argv = s->argv;
	running_add(&rec);
	sp.nenv = exec_env_build(sp.envp, ARRAY_LEN(sp.envp), rec.tree.tag);
	sp.max_fd =
	    getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536 ? (int)rl.rlim_cur : 65536;
	sp.devnull = fd_above_stdio(open("/dev/null", O_RDONLY | O_CLOEXEC));
	if (sp.devnull == -1 || pipe_pair(&sp.out_r, &sp.out_w) == -1 ||
	    pipe_pair(&sp.err_r, &sp.err_w) == -1 || pipe_pair(&sp.rep_r, &sp.rep_w) == -1) {
		result_error(r, EXEC_ERROR, "cannot set up the child: %s", strerror(errno));
		running_remove(&rec);
		goto out;
	}
	/* No parent signal handler may run in the child before it resets dispositions. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	/* Forked and published under the lock, so that orphans_reap never takes this child
	 * for a leftover between the two. The child does not touch the lock. */
	pthread_mutex_lock(&exec_lock);
	pid = fork();
	if (pid == 0)
		child_exec(&sp, self);
	err = errno;
	if (pid > 0)
		rec.pid = rec.tree.leader = pid;
	pthread_mutex_unlock(&exec_lock);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (pid == -1) {
		running_remove(&rec);
		result_error(r, EXEC_ERROR, "fork: %s", strerror(err));
		goto out;
	}
	(void)setpgid(pid, pid); /* both sides set it: no window where a group kill misses */
	if (running_check(&rec, pid))
		kill(-pid, SIGTERM);
	close(sp.out_w);
	close(sp.err_w);
	close(sp.rep_w);
	sp.out_w = sp.err_w = sp.rep_w = -1;

	/* EOF means execve succeeded (the pipe is close-on-exec); a report means it did not. */
	while ((n = read(sp.rep_r, &rep, sizeof(rep))) == -1 && errno == EINTR)
		;
	if (n == (ssize_t)sizeof(rep)) {
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			;
		running_remove(&rec);
		if (rep.stage == STAGE_EXECVE)
			result_error(r, EXEC_ERROR, "execve %s: %s", sp.path, strerror(rep.err));
		else
			result_error(r, EXEC_ERROR, "child setup: %s", strerror(rep.err));
		goto out;
	}
	cap[0].fd = sp.out_r;
	cap[1].fd = sp.err_r;
	sp.out_r = sp.err_r = -1; /* owned by cap now */
	fcntl(cap[0].fd, F_SETFL, O_NONBLOCK);
	fcntl(cap[1].fd, F_SETFL, O_NONBLOCK);
	exec_supervise(&rec, pid, cap, s->timeout_ms > 0 ? s->timeout_ms : EXEC_DEFAULT_TIMEOUT_MS,
		       r);
	running_remove(&rec);
out:
	for (int i = 0; i < 2; i++)
		if (cap[i].fd >= 0)
			close(cap[i].fd);
	r->out = exec_output_take(&cap[0].b, &r->truncated);
	r->err = exec_output_take(&cap[1].b, &r->truncated);
	spawn_close(&sp);
}

/* Sleeps on the condition variable so executor_kill_all ends the wait at shutdown. */
static void
wait_run(const struct bound_step *s, struct exec_result *r)
{
	struct timespec ts;
	int64_t ms = s->wait_ms > 0 ? s->wait_ms : 0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&exec_lock);
	while (!shutting_down && pthread_cond_timedwait(&exec_cond, &exec_lock, &ts) != ETIMEDOUT)
		;
	if (shutting_down)
		result_error(r, EXEC_ERROR, "cancelled: the daemon is shutting down");
	else
		r->status = EXEC_OK;
	pthread_mutex_unlock(&exec_lock);
	r->out = xstrdup("");
	r->err = xstrdup("");
}

int
executor_run(const struct bound_step *s, struct exec_result *r)
{
	int64_t start = mono_ms();
	bool down;

	pthread_once(&exec_once, exec_init);
	memset(r, 0, sizeof(*r));
	r->exit_code = -1;
	pthread_mutex_lock(&exec_lock);
	down = shutting_down;
	pthread_mutex_unlock(&exec_lock);
	if (down) {
		result_error(r, EXEC_ERROR, "cancelled: the daemon is shutting down");
		r->out = xstrdup("");
		r->err = xstrdup("");
		goto out;
	}
	switch (s->kind) {
	case STEP_EXEC:
		exec_run(s, r);
		break;
	case STEP_HTTP:
		executor_http_run(s, r);
		break;
	case STEP_WAIT:
		wait_run(s, r);
		break;
	case STEP_ALERT_RESOLVED:
	default:
		result_error(r, EXEC_ERROR, "alert_resolved is evaluated by the engine");
		r->out = xstrdup("");
		r->err = xstrdup("");
		break;
	}
out:
	r->duration_ms = mono_ms() - start;
	return r->status == EXEC_OK ? 0 : -1;
}

void
exec_result_free(struct exec_result *r)
{
	if (r == NULL)
		return;
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}
