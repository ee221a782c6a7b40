/* log.c — leveled logging to stderr with secret redaction; fatal for broken invariants. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

#define LOG_MAX_SECRETS 16
#define LOG_LINE_MAX 4096

static enum log_level log_level = LOG_LVL_INFO;
static pthread_mutex_t log_mtx = PTHREAD_MUTEX_INITIALIZER;
static char *secrets[LOG_MAX_SECRETS];
static size_t nsecrets;

static const struct {
	const char *name;
	enum log_level lvl;
} level_names[] = {
	{"debug", LOG_LVL_DEBUG}, {"info", LOG_LVL_INFO}, {"warn", LOG_LVL_WARN},
	{"warning", LOG_LVL_WARN}, {"error", LOG_LVL_ERROR},
};

void
log_init(const char *level)
{
	log_level = LOG_LVL_INFO;
	for (size_t i = 0; level && i < ARRAY_LEN(level_names); i++)
		if (strcasecmp(level, level_names[i].name) == 0)
			log_level = level_names[i].lvl;
}

void
log_redact(const char *secret)
{
	/* Short values would redact ordinary words; they are not secrets worth the noise. */
	if (secret == NULL || strlen(secret) < 6)
		return;
	pthread_mutex_lock(&log_mtx);
	if (nsecrets < LOG_MAX_SECRETS)
		secrets[nsecrets++] = xstrdup(secret);
	pthread_mutex_unlock(&log_mtx);
}

/* Replaces every registered secret in line (in place, the replacement is never longer).
 * The search resumes after each mark: a secret that the mark itself contains ("[REDAC")
 * would otherwise be found again in its own replacement forever. */
static void
redact(char *line)
{
	static const char mark[] = "[REDACTED]";

	for (size_t i = 0; i < nsecrets; i++) {
		size_t sl = strlen(secrets[i]);
		size_t ml = sl < sizeof(mark) - 1 ? sl : sizeof(mark) - 1;
		char *p = line;
		while ((p = strstr(p, secrets[i])) != NULL) {
			memcpy(p, mark, ml);
			memmove(p + ml, p + sl, strlen(p + sl) + 1);
			p += ml;
		}
	}
}

static void
log_emit(enum log_level lvl, const char *tag, int errnum, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX], ts[40];
	int n;

	if (lvl < log_level)
		return;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n >= 0 && errnum && (size_t)n < sizeof(line))
		snprintf(line + n, sizeof(line) - (size_t)n, ": %s", strerror(errnum));
	time_format_iso(now_ms(), ts, sizeof(ts));
	pthread_mutex_lock(&log_mtx);
	redact(line);
	fprintf(stderr, "%s %s %s\n", ts, tag, line);
	pthread_mutex_unlock(&log_mtx);
}

#define LOG_FN(fn, lvl, tag, witherr)                                                              \
	void fn(const char *fmt, ...)                                                              \
	{                                                                                          \
		int saved = errno;                                                                 \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		log_emit(lvl, tag, witherr ? saved : 0, fmt, ap);                                  \
		va_end(ap);                                                                        \
		errno = saved;                                                                     \
	}

LOG_FN(log_debug, LOG_LVL_DEBUG, "DEBUG", 0)
LOG_FN(log_info, LOG_LVL_INFO, "INFO", 0)
LOG_FN(log_warnx, LOG_LVL_WARN, "WARN", 0)
LOG_FN(log_warn, LOG_LVL_WARN, "WARN", 1)
LOG_FN(log_errorx, LOG_LVL_ERROR, "ERROR", 0)

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LVL_ERROR, "FATAL", saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LVL_ERROR, "FATAL", 0, fmt, ap);
	va_end(ap);
	exit(1);
}

void
log_redact_apply(char *line)
{
	pthread_mutex_lock(&log_mtx);
	redact(line);
	pthread_mutex_unlock(&log_mtx);
}

void
log_redact_forget(void)
{
	pthread_mutex_lock(&log_mtx);
	for (size_t i = 0; i < nsecrets; i++) {
		free(secrets[i]);
		secrets[i] = NULL;
	}
	nsecrets = 0;
	pthread_mutex_unlock(&log_mtx);
}
