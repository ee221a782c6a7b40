/* logtemplate.h — log lines to templates: the level of a line, masking of the variable parts
 * (numbers, ids, UUIDs, hex, IPs, timestamps, quoted strings) and grouping by the masked text
 * with counts and first/last seen. Pure and thread-safe per set: workers template the lines
 * they fetched. */
#ifndef HEALER_LOGTEMPLATE_H
#define HEALER_LOGTEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOGTPL_TEXT_MAX 240    /* bytes of a masked line kept (the rest is cut at a UTF-8 edge) */
#define LOGTPL_LINE_MAX 8192   /* bytes of a raw line looked at */
#define LOGTPL_DEFAULT_MAX 500 /* distinct templates a set keeps by default */

enum logtpl_level { LOGTPL_OTHER, LOGTPL_WARN, LOGTPL_ERROR };

/* The level of a line: `level` (a level field from the source, may be NULL or "") wins when
 * it names one ("error", "err", "fatal", "crit…", "panic", "warn…"); otherwise a keyword
 * word of the line, case-insensitive ("error", "exception", "fatal", "panic", "failed",
 * "timeout", "warn", "warning", …). */
enum logtpl_level logtpl_level(const char *line, size_t len, const char *level);

/* Masks the variable parts of line into out (NUL-terminated, at most outcap - 1 bytes, cut
 * at a UTF-8 boundary): quoted strings → "<str>", UUIDs → <uuid>, IPv4/IPv6 (with port) →
 * <ip>, dates and times → <ts>, 0x… and long hex words → <hex>, numbers → <num>, other words
 * holding digits → <id>; runs of white space become one space. Returns the length. */
size_t logtpl_mask(const char *line, size_t len, char *out, size_t outcap);

struct logtpl {
	char text[LOGTPL_TEXT_MAX + 1];
	enum logtpl_level level; /* the highest seen */
	long count;
	int64_t first_ms, last_ms; /* 0 when the source gave no time */
};

struct logtpl_set;

/* A set keeping at most max_templates distinct templates (0: LOGTPL_DEFAULT_MAX); lines of
 * further templates are counted in `dropped` only. */
struct logtpl_set *logtpl_new(size_t max_templates);
void logtpl_free(struct logtpl_set *s);
/* Adds one line (ts_ms 0: no time) when it is a warning or an error; returns its level.
 * Lines of other levels are only counted. */
enum logtpl_level logtpl_add(struct logtpl_set *s, const char *line, size_t len, int64_t ts_ms,
			     const char *level);
/* The counters: lines seen, lines kept (warnings and errors), lines of templates not kept. */
void logtpl_counts(const struct logtpl_set *s, long *seen, long *kept, long *dropped);
/* The templates, most frequent first (then errors before warnings, then first seen): up to
 * max pointers into out, borrowed from the set until it changes or is freed. Returns how
 * many; *ndistinct (may be NULL) gets how many distinct templates there are. */
size_t logtpl_top(struct logtpl_set *s, const struct logtpl **out, size_t max, size_t *ndistinct);

#endif
