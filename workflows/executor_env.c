/* executor_env.c — what an exec step's program gets: its PATH (HEALER_EXEC_PATH or the fixed
 * default), the lookup of argv[0] in it, and a clean environment. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "config.h"
#include "executor.h"
#include "log.h"
#include "util.h"

#define EXEC_PATH_MAX 4096

static char exec_path_v[EXEC_PATH_MAX];
static pthread_once_t exec_path_once = PTHREAD_ONCE_INIT;

/* A usable PATH: absolute directories only, no empty entry (which would mean the current
 * directory), no "..", within the size cap. */
static bool
path_ok(const char *p)
{
	const char *dir, *colon;

	if (*p == '\0' || strlen(p) >= EXEC_PATH_MAX || strstr(p, "..") != NULL)
		return false;
	for (dir = p;; dir = colon + 1) {
		colon = strchrnul(dir, ':');
		if (*dir != '/')
			return false; /* also an empty entry: "a::b", ":a", "a:" */
		if (*colon == '\0')
			return true;
	}
}

/* Read once: the daemon's environment does not change while it runs. A bad value is
 * reported and the default used, so that a typo cannot make steps run from "." */
static void
exec_path_init(void)
{
	const char *v = config_get("HEALER_EXEC_PATH");

	if (v != NULL && *v != '\0' && !path_ok(v)) {
		log_warnx("HEALER_EXEC_PATH '%.200s' ignored: it must be absolute directories "
			  "separated by ':'; using %s",
			  v, EXEC_DEFAULT_PATH);
		v = NULL;
	}
	snprintf(exec_path_v, sizeof(exec_path_v), "%s",
		 v != NULL && *v != '\0' ? v : EXEC_DEFAULT_PATH);
}

const char *
exec_path(void)
{
	pthread_once(&exec_path_once, exec_path_init);
	return exec_path_v;
}

int
exec_resolve(const char *name, char *path, size_t pathlen)
{
	const char *dir = exec_path(), *colon;
	struct stat st;
	int err = ENOENT;

	if (strchr(name, '/') != NULL) {
		if (strlen(name) >= pathlen)
			return ENAMETOOLONG;
		strcpy(path, name);
		return 0;
	}
	for (; *dir != '\0'; dir = *colon ? colon + 1 : colon) {
		colon = strchrnul(dir, ':');
		if (snprintf(path, pathlen, "%.*s/%s", (int)(colon - dir), dir, name) >=
		    (int)pathlen)
			return ENAMETOOLONG;
		if (stat(path, &st) == -1 || !S_ISREG(st.st_mode))
			continue;
		if (access(path, X_OK) == 0)
			return 0;
		err = EACCES; /* like execvp: remember it, keep looking */
	}
	snprintf(path, pathlen, "%s", name);
	return err;
}

static bool
env_name_ok(const char *n)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_";
	static const char alnum[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_0123456789";

	return strchr(alpha, *n) != NULL && *n != '\0' && n[strspn(n, alnum)] == '\0';
}

/* Names the daemon sets itself; HEALER_EXEC_ENV_ALLOW cannot override them. */
static bool
env_reserved(const char *n)
{
	static const char *const names[] = {"PATH", "LANG", "HOME", "HEALER_STEP"};

	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		if (strcmp(n, names[i]) == 0)
			return true;
	return false;
}

size_t
exec_env_build(char **envp, size_t max, const char *tag)
{
	const char *home = config_get("HOME"), *allow = config_get("HEALER_EXEC_ENV_ALLOW"), *v;
	char *list, *name, *save = NULL;
	size_t n = 0;

	envp[n++] = xasprintf("PATH=%s", exec_path());
	envp[n++] = xstrdup("LANG=C.UTF-8");
	envp[n++] = xasprintf("HOME=%s", home != NULL && *home != '\0' ? home : "/");
	if (allow != NULL) {
		list = xstrdup(allow);
		for (name = strtok_r(list, ", \t", &save); name != NULL && n + 2 < max;
		     name = strtok_r(NULL, ", \t", &save)) {
			if (!env_name_ok(name) || env_reserved(name))
				continue;
			if ((v = config_env(name)) != NULL)
				envp[n++] = xasprintf("%s=%s", name, v);
		}
		free(list);
	}
	/* the step's tag: how an orphan that left the process group is known as the step's */
	envp[n++] = xasprintf("HEALER_STEP=%s", tag);
	envp[n] = NULL;
	return n;
}
