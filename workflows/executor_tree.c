/* executor_tree.c — finds, signals and reaps every process a step started, including those
 * that left its process group (setsid) or were orphaned, from /proc. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "executor.h"
#include "log.h"
#include "util.h"

#define TREE_MAX_PROCS 65536	     /* processes looked at in one scan of /proc */
#define TREE_ENVIRON_MAX (64 * 1024) /* how much of a process's environment is searched */

/* One line of the process table. */
struct proc_ent {
	pid_t pid, ppid;
	unsigned long long start; /* clock ticks after boot: with pid, names one process */
	char state;		  /* 'Z' for a zombie */
	bool in;		  /* part of the step's tree */
};

bool
exec_tree_subreaper(void)
{
	/* Orphans of a step then come to us instead of init, so that they can be found by
	 * their tag and reaped; without it they are still killed while their parent lives. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == -1) {
		log_warn("executor: PR_SET_CHILD_SUBREAPER");
		return false;
	}
	return true;
}

/* Reads "pid (comm) S ppid … starttime" from /proc/<pid>/stat. comm may hold spaces and
 * parentheses, so the fields are counted from the last ')'. Returns 0 or -1. */
static int
stat_read(pid_t pid, struct proc_ent *e)
{
	char path[64], text[1024], *p;
	unsigned long long start = 0;
	int fd, ppid, field;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	text[n] = '\0';
	if ((p = strrchr(text, ')')) == NULL || sscanf(p + 1, " %c %d", &e->state, &ppid) != 2)
		return -1;
	/* starttime is field 22; the state is field 3, right after the ')' */
	for (field = 3; field < 22 && (p = strchr(p + 1, ' ')) != NULL; field++)
		;
	if (p == NULL || sscanf(p + 1, "%llu", &start) != 1)
		return -1;
	e->pid = pid;
	e->ppid = (pid_t)ppid;
	e->start = start;
	e->in = false;
	return 0;
}

/* Every process of /proc, sorted by pid. Returns the count; *out is owned by the caller. */
static size_t
proc_table(struct proc_ent **out)
{
	struct proc_ent *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	*out = NULL;
	if ((d = opendir("/proc")) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL && n < TREE_MAX_PROCS) {
		char *end;
		long pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = strtol(de->d_name, &end, 10);
		if (*end != '\0' || pid <= 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			v = xrealloc(v, cap * sizeof(*v));
		}
		if (stat_read((pid_t)pid, &v[n]) == 0)
			n++;
	}
	closedir(d);
	*out = v;
	return n;
}

static int
ent_cmp(const void *a, const void *b)
{
	pid_t x = ((const struct proc_ent *)a)->pid, y = ((const struct proc_ent *)b)->pid;

	return (x > y) - (x < y);
}

static struct proc_ent *
ent_find(struct proc_ent *v, size_t n, pid_t pid)
{
	struct proc_ent key = {.pid = pid};

	return bsearch(&key, v, n, sizeof(*v), ent_cmp);
}

/* True when the process's environment holds the step's tag as "HEALER_STEP=<tag>". */
static bool
environ_has(pid_t pid, const char *tag)
{
	char path[64], entry[80], *buf;
	size_t len, got = 0;
	bool found = false;
	ssize_t n;
	int fd;

	len = (size_t)snprintf(entry, sizeof(entry), "HEALER_STEP=%s", tag);
	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return false;
	buf = xmalloc(TREE_ENVIRON_MAX);
	while (got < TREE_ENVIRON_MAX) {
		n = read(fd, buf + got, TREE_ENVIRON_MAX - got);
		if (n > 0)
			got += (size_t)n;
		else if (n == 0 || errno != EINTR)
			break;
	}
	close(fd);
	/* entries are NUL-separated: compare whole entries only */
	for (size_t off = 0; off < got && !found; off += strnlen(buf + off, got - off) + 1)
		found =
		    got - off > len && memcmp(buf + off, entry, len) == 0 && buf[off + len] == '\0';
	free(buf);
	return found;
}

static bool
tracked_has(const struct exec_tree *t, pid_t pid, unsigned long long start)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].pid == pid && t->v[i].start == start)
			return true;
	return false;
}

void
exec_tree_scan(struct exec_tree *t)
{
	struct proc_ent *v, *parent;
	pid_t self = getpid();
	size_t n = proc_table(&v);
	bool grew = true;

	qsort(v, n, sizeof(*v), ent_cmp);
	/* the seeds: the leader, what was seen before, and orphans of the step adopted by us */
	for (size_t i = 0; i < n; i++) {
		struct proc_ent *e = &v[i];

		e->in = e->pid == t->leader || tracked_has(t, e->pid, e->start) ||
			(e->ppid == self && e->state != 'Z' && environ_has(e->pid, t->tag));
	}
	/* then their descendants, however deep (a pass per level) */
	while (grew) {
		grew = false;
		for (size_t i = 0; i < n; i++) {
			if (v[i].in || (parent = ent_find(v, n, v[i].ppid)) == NULL || !parent->in)
				continue;
			v[i].in = grew = true;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (!v[i].in || v[i].pid == t->leader || v[i].state == 'Z' ||
		    tracked_has(t, v[i].pid, v[i].start))
			continue;
		if (t->n == EXEC_TREE_MAX) {
			t->overflow = true;
			continue;
		}
		t->v[t->n].pid = v[i].pid;
		t->v[t->n++].start = v[i].start;
	}
	free(v);
}

int
exec_tree_signal(struct exec_tree *t, int sig)
{
	struct proc_ent e;
	int sent = 0;

	exec_tree_scan(t);
	for (size_t i = 0; i < t->n; i++) {
		/* the same process still, not a new one that got its pid */
		if (stat_read(t->v[i].pid, &e) != 0 || e.start != t->v[i].start || e.state == 'Z')
			continue;
		if (kill(t->v[i].pid, sig) == 0)
			sent++;
	}
	return sent;
}

void
exec_tree_reap(bool (*keep)(pid_t pid))
{
	struct proc_ent *v;
	pid_t self = getpid();
	size_t n = proc_table(&v);

	for (size_t i = 0; i < n; i++)
		if (v[i].ppid == self && v[i].state == 'Z' && !keep(v[i].pid))
			(void)waitpid(v[i].pid, NULL, WNOHANG);
	free(v);
}
