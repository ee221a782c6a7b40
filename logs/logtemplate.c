/* logtemplate.c — log lines to templates: level detection, token masking and grouping in an
 * open-addressing table keyed by the masked text. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "logtemplate.h"
#include "util.h"

/* Character classes, one table lookup per byte: this runs for every fetched line. */
enum { C_SPACE = 1, C_SEP = 2, C_DIGIT = 4, C_HEX = 8, C_ALPHA = 16, C_QUOTE = 32 };
static unsigned char cls[256];

static pthread_once_t cls_once = PTHREAD_ONCE_INIT;

static void
cls_fill(void)
{
	for (int c = 0; c < 256; c++) {
		unsigned char v = 0;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f')
			v |= C_SPACE;
		if (strchr(",;()[]{}<>|=/", c) && c != 0)
			v |= C_SEP;
		if (c >= '0' && c <= '9')
			v |= C_DIGIT | C_HEX;
		if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
			v |= C_HEX;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			v |= C_ALPHA;
		if (c == '"' || c == '\'')
			v |= C_QUOTE;
		cls[c] = v;
	}
}

static void
cls_init(void)
{
	pthread_once(&cls_once, cls_fill);
}

/* ---- levels ---- */

static const struct {
	const char *word;
	enum logtpl_level level;
} level_words[] = {
    {"error", LOGTPL_ERROR},	 {"err", LOGTPL_ERROR},	      {"errors", LOGTPL_ERROR},
    {"fatal", LOGTPL_ERROR},	 {"panic", LOGTPL_ERROR},     {"critical", LOGTPL_ERROR},
    {"crit", LOGTPL_ERROR},	 {"emerg", LOGTPL_ERROR},     {"alert", LOGTPL_ERROR},
    {"exception", LOGTPL_ERROR}, {"traceback", LOGTPL_ERROR}, {"failed", LOGTPL_ERROR},
    {"failure", LOGTPL_ERROR},	 {"refused", LOGTPL_ERROR},   {"timeout", LOGTPL_ERROR},
    {"oom", LOGTPL_ERROR},	 {"warn", LOGTPL_WARN},	      {"warning", LOGTPL_WARN},
    {"warnings", LOGTPL_WARN},
};

static enum logtpl_level
word_level(const char *w, size_t n)
{
	/* most words start with a letter no level word starts with: one test, no loop */
	if (n < 3 || n > 9 || strchr("efpcatrowEFPCATROW", w[0]) == NULL)
		return LOGTPL_OTHER;
	for (size_t i = 0; i < ARRAY_LEN(level_words); i++)
		if (strlen(level_words[i].word) == n && strncasecmp(level_words[i].word, w, n) == 0)
			return level_words[i].level;
	return LOGTPL_OTHER;
}

enum logtpl_level
logtpl_level(const char *line, size_t len, const char *level)
{
	enum logtpl_level best = LOGTPL_OTHER;

	cls_init();
	if (level && *level) {
		/* a level field is authoritative: "info" means not a problem, whatever the text */
		if (strncasecmp(level, "warn", 4) == 0)
			return LOGTPL_WARN;
		if (strncasecmp(level, "err", 3) == 0 || strncasecmp(level, "fatal", 5) == 0 ||
		    strncasecmp(level, "crit", 4) == 0 || strncasecmp(level, "panic", 5) == 0 ||
		    strncasecmp(level, "emerg", 5) == 0 || strncasecmp(level, "alert", 5) == 0)
			return LOGTPL_ERROR;
		return LOGTPL_OTHER;
	}
	if (len > LOGTPL_LINE_MAX)
		len = LOGTPL_LINE_MAX;
	for (size_t i = 0; i < len;) {
		while (i < len && !(cls[(unsigned char)line[i]] & C_ALPHA))
			i++;
		size_t s = i;
		while (i < len && (cls[(unsigned char)line[i]] & C_ALPHA))
			i++;
		enum logtpl_level l = word_level(line + s, i - s);
		if (l == LOGTPL_ERROR)
			return l;
		if (l > best)
			best = l;
	}
	return best;
}

/* ---- masking ---- */

static bool
all_cls(const char *s, size_t n, unsigned char mask)
{
	for (size_t i = 0; i < n; i++)
		if (!(cls[(unsigned char)s[i]] & mask))
			return false;
	return n > 0;
}

static bool
is_uuid(const char *s, size_t n)
{
	static const size_t dash[] = {8, 13, 18, 23};

	if (n != 36)
		return false;
	for (size_t i = 0, d = 0; i < n; i++) {
		if (d < 4 && i == dash[d]) {
			if (s[i] != '-')
				return false;
			d++;
		} else if (!(cls[(unsigned char)s[i]] & C_HEX)) {
			return false;
		}
	}
	return true;
}

/* a.b.c.d with an optional :port. */
static bool
is_ipv4(const char *s, size_t n)
{
	size_t dots = 0, i = 0, digits = 0;

	for (; i < n && s[i] != ':'; i++) {
		if (s[i] == '.') {
			if (digits == 0 || digits > 3)
				return false;
			dots++;
			digits = 0;
		} else if (cls[(unsigned char)s[i]] & C_DIGIT) {
			digits++;
		} else {
			break;
		}
	}
	if (dots == 3 && digits >= 1 && digits <= 3 &&
	    (i == n || (s[i] == ':' && all_cls(s + i + 1, n - i - 1, C_DIGIT))))
		return true;
	return false;
}

/* IPv6: hex groups and at least two colons (times are recognised before this). */
static bool
is_ipv6(const char *s, size_t n)
{
	size_t colons = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == ':')
			colons++;
		else if (!(cls[(unsigned char)s[i]] & C_HEX) && s[i] != '.')
			return false;
	}
	return colons >= 2 && n >= 3;
}

/* 2024-05-01…, 12:01:02(.123)(Z), 12:01 — a date, or a time with colons and only digits. */
static bool
is_ts(const char *s, size_t n)
{
	if (n >= 10 && all_cls(s, 4, C_DIGIT) && s[4] == '-' && all_cls(s + 5, 2, C_DIGIT) &&
	    s[7] == '-' && all_cls(s + 8, 2, C_DIGIT))
		return true;
	size_t colons = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == ':')
			colons++;
		else if (!(cls[(unsigned char)s[i]] & C_DIGIT) && s[i] != '.' && s[i] != ',' &&
			 !(i == n - 1 && (s[i] == 'Z' || s[i] == 'z')))
			return false;
	}
	return colons >= 1 && colons <= 2 && (cls[(unsigned char)s[0]] & C_DIGIT);
}

/* A number with an optional short unit: 42, -3.5, 250ms, 99%, 1.2GB. Sets *unit. */
static bool
is_num(const char *s, size_t n, size_t *unit)
{
	size_t i = 0;

	if (i < n && (s[i] == '-' || s[i] == '+'))
		i++;
	size_t d0 = i;
	while (i < n && ((cls[(unsigned char)s[i]] & C_DIGIT) || s[i] == '.' || s[i] == ','))
		i++;
	if (i == d0 || !(cls[(unsigned char)s[d0]] & C_DIGIT))
		return false;
	*unit = i;
	return i == n || (n - i <= 3 && (all_cls(s + i, n - i, C_ALPHA) || s[i] == '%'));
}

static bool
is_hex(const char *s, size_t n)
{
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return all_cls(s + 2, n - 2, C_HEX);
	return n >= 8 && all_cls(s, n, C_HEX);
}

struct out {
	char *p;
	size_t len, cap; /* cap excludes the NUL */
};

static void
put(struct out *o, const char *s, size_t n)
{
	if (o->len + n > o->cap)
		n = o->cap - o->len;
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

#define PUTS(o, lit) put((o), (lit), sizeof(lit) - 1)

/* One token: a word with no separator or white space in it. */
static void
mask_token(struct out *o, const char *s, size_t n)
{
	size_t unit, tail = 0;
	bool digit = false;

	for (size_t i = 0; i < n && !digit; i++)
		digit = (cls[(unsigned char)s[i]] & C_DIGIT) != 0;
	if (!digit) {
		put(o, s, n);
		return;
	}
	/* a leading ":" (host]:port) and a trailing "." or ":" are punctuation, not the value */
	while (n > 1 && s[0] == ':') {
		put(o, s, 1);
		s++;
		n--;
	}
	while (n - tail > 1 && (s[n - tail - 1] == '.' || s[n - tail - 1] == ':'))
		tail++;
	n -= tail;
	if (is_uuid(s, n))
		PUTS(o, "<uuid>");
	else if (is_ipv4(s, n))
		PUTS(o, "<ip>");
	else if (is_ts(s, n))
		PUTS(o, "<ts>");
	else if (is_ipv6(s, n))
		PUTS(o, "<ip>");
	else if (is_num(s, n, &unit)) {
		PUTS(o, "<num>");
		put(o, s + unit, n - unit);
	} else if (is_hex(s, n))
		PUTS(o, "<hex>");
	else
		PUTS(o, "<id>");
	put(o, s + n, tail);
}

size_t
logtpl_mask(const char *line, size_t len, char *outbuf, size_t outcap)
{
	struct out o = {outbuf, 0, outcap ? outcap - 1 : 0};
	size_t i = 0;

	cls_init();
	if (outcap == 0)
		return 0;
	if (len > LOGTPL_LINE_MAX)
		len = LOGTPL_LINE_MAX;
	while (i < len && o.len < o.cap) {
		unsigned char c = (unsigned char)line[i], k = cls[c];
		if (k & C_SPACE) {
			if (o.len > 0 && outbuf[o.len - 1] != ' ')
				PUTS(&o, " ");
			i++;
		} else if (k & C_SEP) {
			put(&o, line + i, 1);
			i++;
		} else if (k & C_QUOTE) {
			/* a quoted string is a value; a lone apostrophe is part of a word */
			size_t j = i + 1;
			while (j < len && line[j] != (char)c)
				j += (line[j] == '\\' && j + 1 < len) ? 2 : 1;
			if (j < len) {
				put(&o, line + i, 1);
				PUTS(&o, "<str>");
				put(&o, line + i, 1);
				i = j + 1;
			} else {
				put(&o, line + i, 1);
				i++;
			}
		} else {
			size_t s = i;
			while (i < len && !(cls[(unsigned char)line[i]] & (C_SPACE | C_SEP)))
				i++;
			mask_token(&o, line + s, i - s);
		}
	}
	while (o.len > 0 && outbuf[o.len - 1] == ' ')
		o.len--;
	/* never end inside a UTF-8 sequence */
	if (o.len == o.cap && o.len > 0) {
		size_t cut = o.len;
		while (cut > 0 && ((unsigned char)outbuf[cut - 1] & 0xC0) == 0x80)
			cut--;
		if (cut > 0 && ((unsigned char)outbuf[cut - 1] & 0xC0) == 0xC0)
			o.len = cut - 1;
	}
	outbuf[o.len] = '\0';
	return o.len;
}

/* ---- grouping ---- */

struct logtpl_set {
	struct logtpl *v; /* max entries */
	size_t n, max;
	uint32_t *slots; /* index + 1 into v; 0 = empty; nslots a power of two >= 2 * max */
	uint64_t *hashes;
	size_t nslots;
	long seen, kept, dropped;
	const struct logtpl **sorted; /* logtpl_top's scratch */
};

struct logtpl_set *
logtpl_new(size_t max_templates)
{
	struct logtpl_set *s = xcalloc(1, sizeof(*s));

	cls_init();
	s->max = max_templates ? max_templates : LOGTPL_DEFAULT_MAX;
	s->v = xcalloc(s->max, sizeof(*s->v));
	s->hashes = xcalloc(s->max, sizeof(*s->hashes));
	for (s->nslots = 16; s->nslots < 2 * s->max; s->nslots *= 2)
		;
	s->slots = xcalloc(s->nslots, sizeof(*s->slots));
	return s;
}

void
logtpl_free(struct logtpl_set *s)
{
	if (s == NULL)
		return;
	free(s->v);
	free(s->hashes);
	free(s->slots);
	free(s->sorted);
	free(s);
}

static uint64_t
fnv1a(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* A JSON line ({"level":"error","msg":"…"}): its message and level, so the template is the
 * message rather than the masked JSON. Returns the parsed object (owned) or NULL. */
static cJSON *
json_line(const char *line, size_t len, const char **msg, const char **level)
{
	static const char *const msg_keys[] = {"msg", "message", "log", "error", "err"};
	static const char *const level_keys[] = {"level", "severity", "lvl", "levelname"};
	size_t i = 0;
	cJSON *j;

	while (i < len && (cls[(unsigned char)line[i]] & C_SPACE))
		i++;
	if (i == len || line[i] != '{' || (j = cJSON_ParseWithLength(line, len)) == NULL)
		return NULL;
	for (size_t k = 0; k < ARRAY_LEN(msg_keys) && *msg == NULL; k++)
		*msg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, msg_keys[k]));
	for (size_t k = 0; k < ARRAY_LEN(level_keys) && *level == NULL; k++)
		*level = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, level_keys[k]));
	if (*msg == NULL) {
		cJSON_Delete(j);
		*level = NULL;
		return NULL;
	}
	return j;
}

enum logtpl_level
logtpl_add(struct logtpl_set *s, const char *line, size_t len, int64_t ts_ms, const char *level)
{
	char text[LOGTPL_TEXT_MAX + 1];
	const char *jmsg = NULL, *jlevel = NULL;
	cJSON *j = NULL;
	enum logtpl_level lv;

	s->seen++;
	if (len > LOGTPL_LINE_MAX)
		len = LOGTPL_LINE_MAX;
	if ((j = json_line(line, len, &jmsg, &jlevel)) != NULL) {
		line = jmsg;
		len = strlen(jmsg);
		if (level == NULL || *level == '\0')
			level = jlevel;
	}
	lv = logtpl_level(line, len, level);
	if (lv == LOGTPL_OTHER)
		goto out;
	s->kept++;
	size_t n = logtpl_mask(line, len, text, sizeof(text));
	uint64_t h = fnv1a(text, n);
	size_t mask = s->nslots - 1, slot = (size_t)h & mask;
	for (;; slot = (slot + 1) & mask) {
		uint32_t ix = s->slots[slot];
		if (ix == 0)
			break;
		struct logtpl *t = &s->v[ix - 1];
		if (s->hashes[ix - 1] == h && strcmp(t->text, text) == 0) {
			t->count++;
			if (lv > t->level)
				t->level = lv;
			if (ts_ms && (t->first_ms == 0 || ts_ms < t->first_ms))
				t->first_ms = ts_ms;
			if (ts_ms > t->last_ms)
				t->last_ms = ts_ms;
			goto out;
		}
	}
	if (s->n == s->max) {
		s->dropped++;
		goto out;
	}
	struct logtpl *t = &s->v[s->n];
	memcpy(t->text, text, n + 1);
	t->level = lv;
	t->count = 1;
	t->first_ms = t->last_ms = ts_ms;
	s->hashes[s->n] = h;
	s->slots[slot] = (uint32_t)++s->n;
out:
	cJSON_Delete(j);
	return lv;
}

void
logtpl_counts(const struct logtpl_set *s, long *seen, long *kept, long *dropped)
{
	*seen = s->seen;
	*kept = s->kept;
	*dropped = s->dropped;
}

static int
tpl_cmp(const void *a, const void *b)
{
	const struct logtpl *x = *(const struct logtpl *const *)a,
			    *y = *(const struct logtpl *const *)b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->level != y->level)
		return x->level > y->level ? -1 : 1;
	if (x->first_ms != y->first_ms)
		return x->first_ms < y->first_ms ? -1 : 1;
	return strcmp(x->text, y->text);
}

size_t
logtpl_top(struct logtpl_set *s, const struct logtpl **out, size_t max, size_t *ndistinct)
{
	size_t n;

	if (ndistinct)
		*ndistinct = s->n;
	if (s->n == 0)
		return 0;
	free(s->sorted);
	s->sorted = xcalloc(s->n, sizeof(*s->sorted));
	for (size_t i = 0; i < s->n; i++)
		s->sorted[i] = &s->v[i];
	qsort(s->sorted, s->n, sizeof(*s->sorted), tpl_cmp);
	n = s->n < max ? s->n : max;
	memcpy(out, s->sorted, n * sizeof(*out));
	return n;
}
