/* watch_series.c — series tables, the feed step (fire / clear), sparklines and label keys. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "watch_series.h"

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *
watch_series_key(const cJSON *labels)
{
	const cJSON *it;
	const char **names = NULL;
	size_t n = 0;
	struct buf b;

	cJSON_ArrayForEach(it, labels)
	{
		if (it->string == NULL || strncmp(it->string, "__", 2) == 0 || !cJSON_IsString(it))
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = it->string;
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), name_cmp);
	buf_init(&b, 0);
	buf_printf(&b, "{");
	for (size_t i = 0; i < n; i++) {
		const char *v = cJSON_GetObjectItemCaseSensitive(labels, names[i])->valuestring;
		buf_printf(&b, "%s%s=\"", i ? "," : "", names[i]);
		for (; *v; v++) {
			if (*v == '"' || *v == '\\')
				buf_printf(&b, "\\%c", *v);
			else if (*v == '\n')
				buf_printf(&b, "\\n");
			else
				buf_append(&b, v, 1);
		}
		buf_printf(&b, "\"");
	}
	buf_printf(&b, "}");
	free(names);
	return buf_steal(&b);
}

void
watch_sparkline(const double *v, size_t n, char *out, size_t outlen)
{
	static const char *const blocks[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
	double lo = INFINITY, hi = -INFINITY;
	size_t off = 0;

	if (outlen == 0)
		return;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i])) {
			lo = fmin(lo, v[i]);
			hi = fmax(hi, v[i]);
		}
	for (size_t i = 0; i < n; i++) {
		const char *c = " ";
		if (isfinite(v[i])) {
			int level = hi > lo ? (int)((v[i] - lo) / (hi - lo) * 7.0 + 0.5) : 0;
			c = blocks[level < 0 ? 0 : level > 7 ? 7 : level];
		}
		size_t len = strlen(c);
		if (off + len + 1 > outlen)
			break;
		memcpy(out + off, c, len);
		off += len;
	}
	out[off] = '\0';
}

/* Index of key in the sorted table, or where it would go (*found false). */
static size_t
find(const struct watch_table *t, const char *key, bool *found)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(t->v[mid]->key, key);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

struct watch_series *
watch_table_get(struct watch_table *t, const cJSON *labels, int64_t seen_ms)
{
	char *key = watch_series_key(labels);
	bool found;
	size_t at = find(t, key, &found);
	struct watch_series *s;
	const cJSON *it;

	if (found) {
		free(key);
		t->v[at]->seen_ms = seen_ms;
		return t->v[at];
	}
	if (t->n >= WATCH_MAX_SERIES) {
		free(key);
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->key = key;
	s->labels = cJSON_CreateObject();
	cJSON_ArrayForEach(it, labels) if (it->string && strncmp(it->string, "__", 2) != 0 &&
					   cJSON_IsString(it))
	    cJSON_AddStringToObject(s->labels, it->string, it->valuestring);
	s->det = detect_new();
	s->last_ts = -INFINITY;
	s->seen_ms = seen_ms;
	t->v = xrealloc(t->v, (t->n + 1) * sizeof(*t->v));
	memmove(&t->v[at + 1], &t->v[at], (t->n - at) * sizeof(*t->v));
	t->v[at] = s;
	t->n++;
	return s;
}

struct watch_series *
watch_table_find(const struct watch_table *t, const char *key)
{
	bool found;
	size_t at = find(t, key, &found);

	return found ? t->v[at] : NULL;
}

static void
series_free(struct watch_series *s)
{
	free(s->key);
	cJSON_Delete(s->labels);
	detect_free(s->det);
	free(s);
}

size_t
watch_table_expire(struct watch_table *t, int64_t before_ms,
		   void (*gone)(struct watch_series *s, void *ctx), void *ctx)
{
	size_t kept = 0, dropped = 0;

	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i]->seen_ms >= before_ms) {
			t->v[kept++] = t->v[i];
			continue;
		}
		if (gone)
			gone(t->v[i], ctx);
		series_free(t->v[i]);
		dropped++;
	}
	t->n = kept;
	return dropped;
}

void
watch_table_free(struct watch_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		series_free(t->v[i]);
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

enum watch_event
watch_series_feed(struct watch_series *s, double ts, double value, double threshold,
		  int resolve_after, bool learning)
{
	if (!(ts > s->last_ts))
		return WATCH_NONE;
	s->last_ts = ts;
	s->value = value;
	detect_update(s->det, ts, value, &s->res);
	s->spark[s->spark_head] = value;
	s->spark_head = (s->spark_head + 1) % WATCH_SPARK_POINTS;
	if (s->nspark < WATCH_SPARK_POINTS)
		s->nspark++;
	if (learning || isnan(value))
		return WATCH_NONE;
	if (!s->res.warming && s->res.score >= threshold) {
		s->normal_run = 0;
		if (s->firing)
			return WATCH_NONE;
		s->firing = true;
		s->anomaly_ts = ts;
		return WATCH_FIRE;
	}
	if (s->firing && ++s->normal_run >= resolve_after) {
		s->firing = false;
		s->normal_run = 0;
		return WATCH_CLEAR;
	}
	return WATCH_NONE;
}

size_t
watch_series_spark(const struct watch_series *s, double *v)
{
	unsigned start = (s->spark_head + WATCH_SPARK_POINTS - s->nspark) % WATCH_SPARK_POINTS;

	for (unsigned i = 0; i < s->nspark; i++)
		v[i] = s->spark[(start + i) % WATCH_SPARK_POINTS];
	return s->nspark;
}
