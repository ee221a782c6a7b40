/* executor.h — runs one bound step: exec (fork/execve, no shell, clean environment, capped
 * capture, timeout SIGTERM then SIGKILL), http (libcurl through httpc) or wait. Blocking:
 * call from a WORK_EXEC worker thread. */
#ifndef HEALER_EXECUTOR_H
#define HEALER_EXECUTOR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "runbook.h"

#define EXEC_MAX_OUTPUT (64 * 1024)
#define EXEC_TRUNC_MARK "\n[… output truncated at 64 KiB]\n"

enum exec_status { EXEC_OK, EXEC_FAILED, EXEC_TIMEOUT, EXEC_ERROR };
const char *exec_status_name(enum exec_status s); /* "ok" "failed" "timeout" "error" */

struct exec_result {
	enum exec_status status;
	int exit_code;     /* exec: exit status, -1 if signalled/not run */
	int term_signal;   /* exec: signal that ended it, 0 if none */
	long http_status;  /* http: status, 0 if none */
	char *out;         /* stdout (exec) or response body (http), capped, owned */
	char *err;         /* stderr (exec), owned, may be "" */
	bool truncated;
	int64_t duration_ms;
	char error[256];   /* why, for FAILED/TIMEOUT/ERROR: "exit status 3", "timed out after 30 s",
			      "HTTP 503, expected 200", "execve /usr/bin/x: No such file" */
};

/* Environment given to children: PATH (HEALER_EXEC_PATH, absolute directories separated by
 * ':', else /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin), LANG=C.UTF-8, HOME,
 * the names in HEALER_EXEC_ENV_ALLOW (comma list, e.g. AWS_PROFILE, KUBECONFIG) copied from
 * the daemon's environment, and HEALER_STEP, a tag unique to the step. stdin is /dev/null.
 * The child gets its own process group and PR_SET_PDEATHSIG SIGKILL so it never outlives
 * the daemon. argv[0] without a slash is looked up in that PATH. On timeout the group and
 * every other descendant (found from /proc, also those that called setsid, and orphans by
 * their tag: the daemon is a child subreaper) get SIGTERM, then SIGKILL after 2 s; when the
 * program ends, whatever it left running is killed and reaped. Always fills r (out and err
 * non-NULL; free with exec_result_free); returns 0 when r->status is EXEC_OK, else -1.
 * After executor_kill_all every step ends as EXEC_ERROR "cancelled: the daemon is shutting
 * down" (a WAIT step is woken at once). */
int executor_run(const struct bound_step *s, struct exec_result *r);
void exec_result_free(struct exec_result *r);

/* Internal to executor.c and executor_http.c. */
#define EXEC_DEFAULT_TIMEOUT_MS 30000
struct buf;
/* Runs an http step: fills status, http_status, out (body, capped), err ("") and error. */
void executor_http_run(const struct bound_step *s, struct exec_result *r);
/* Takes a capped capture as text; when it overflowed, drops a partial trailing UTF-8
 * character, appends EXEC_TRUNC_MARK and sets *truncated. The buffer is left empty. */
char *exec_output_take(struct buf *b, bool *truncated);

/* Cancels every running child (SIGTERM, then SIGKILL after 2 s). For shutdown. */
void executor_kill_all(void);

/* Internal to executor.c, executor_env.c and executor_tree.c. */
#define EXEC_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* The PATH of exec steps: HEALER_EXEC_PATH when valid, else EXEC_DEFAULT_PATH. */
const char *exec_path(void);
/* Resolves argv[0] against exec_path(), not the daemon's PATH. Returns 0 or an errno. */
int exec_resolve(const char *name, char *path, size_t pathlen);
/* Fills envp (room for max entries, the NULL included) with the child's environment, the
 * step's tag last. Returns the number of entries; each is owned by the caller. */
size_t exec_env_build(char **envp, size_t max, const char *tag);

/* The processes of one step besides its leader: descendants found while it ran, and
 * orphans of it adopted by the daemon (known by their HEALER_STEP tag). */
#define EXEC_TREE_MAX 256
struct exec_tree {
	pid_t leader;
	char tag[48];
	struct {
		pid_t pid;
		unsigned long long start; /* /proc start time: the pid is not another's now */
	} v[EXEC_TREE_MAX];
	size_t n;
	bool overflow; /* more than EXEC_TREE_MAX: the rest are not tracked */
};
/* Makes the daemon a child subreaper (orphans of its children come to it, not to init).
 * False, logged, when the kernel refuses: descendants are then still found while their
 * parent lives. */
bool exec_tree_subreaper(void);
/* Adds the step's live processes now in /proc to t. */
void exec_tree_scan(struct exec_tree *t);
/* Scans, then sends sig to every tracked process still alive (the leader excepted: it is
 * signalled through its group). Returns how many were signalled. */
int exec_tree_signal(struct exec_tree *t, int sig);
/* Reaps the daemon's zombie children for which keep(pid) is false (step leaders are kept
 * for their worker). Call with whatever lock makes keep's answer stable. */
void exec_tree_reap(bool (*keep)(pid_t pid));

#endif
