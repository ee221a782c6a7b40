/* log.h — the daemon's logging API: levels, strerror-appending variants, fatal for invariants. */
#ifndef HEALER_LOG_H
#define HEALER_LOG_H

enum log_level { LOG_LVL_DEBUG, LOG_LVL_INFO, LOG_LVL_WARN, LOG_LVL_ERROR };

/* Level from HEALER_LOG_LEVEL ("debug", "info", "warn", "error"); default info. Logs go to
 * stderr as "2024-05-01T10:00:00.123Z LEVEL message". Thread-safe. */
void log_init(const char *level);

/* Registers a secret so that it is replaced by "[REDACTED]" in every later log line. */
void log_redact(const char *secret);
/* Redacts the registered secrets in line, in place, as every log line is (the result is
 * never longer). For tests and fuzzing; the logging calls do it themselves. */
void log_redact_apply(char *line);
/* Forgets every registered secret (tests and fuzzing start each case from none). */
void log_redact_forget(void);

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warn appends ": strerror(errno)". */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_errorx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Broken invariants only — never for bad input from a peer. Exit 1. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
