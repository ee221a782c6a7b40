/* logctx_text.c — the log context in words: the recorded line of one fetch, and a view's
 * log context as the few lines a card shows (every renderer uses it, so console, Slack and
 * Teams say the same). Pure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logctx.h"
#include "logs_fetch.h"
#include "util.h"

char *
logctx_card_text(const cJSON *view, size_t per_source, size_t max)
{
	const cJSON *row, *t;
	struct buf b;

	buf_init(&b, max);
	cJSON_ArrayForEach(row, cJSON_GetObjectItem(view, "log_context"))
	{
		const char *summary = cJSON_GetStringValue(cJSON_GetObjectItem(row, "summary"));
		size_t i = 0;
		if (summary == NULL)
			continue;
		buf_printf(&b, "%s%s", b.len ? "\n" : "", summary);
		cJSON_ArrayForEach(t, cJSON_GetObjectItem(row, "templates"))
		{
			const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(t, "template"));
			const cJSON *count = cJSON_GetObjectItem(t, "count");
			if (i++ >= per_source)
				break;
			if (text && cJSON_IsNumber(count))
				buf_printf(&b, "\n  %.0f× %s", count->valuedouble, text);
		}
	}
	if (b.overflow) {
		static const char cut[] = "\n…";
		/* the buffer is full: end on a whole line, marked as cut */
		char *nl = b.len > sizeof(cut) ? memrchr(b.data, '\n', b.len - sizeof(cut)) : NULL;
		b.len = nl ? (size_t)(nl - b.data) : 0;
		b.overflow = false;
		buf_append(&b, cut, sizeof(cut) - 1);
	}
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* ---- the recorded line of one fetch ---- */

static void
hhmmss(int64_t ms, char *out, size_t outlen)
{
	char iso[40];

	if (ms <= 0) {
		snprintf(out, outlen, "?");
		return;
	}
	time_format_iso(ms, iso, sizeof(iso));
	snprintf(out, outlen, "%.8s", iso + 11);
}

static cJSON *
iso_or_null(int64_t ms)
{
	char iso[40];

	if (ms <= 0)
		return cJSON_CreateNull();
	time_format_iso(ms, iso, sizeof(iso));
	return cJSON_CreateString(iso);
}

/* The words of a template for the search: masks and punctuation left out. */
static void
terms_of(const char *text, struct buf *b)
{
	for (const char *p = text; *p;) {
		if (*p == '<') {
			const char *e = strchr(p, '>');
			if (e != NULL && e - p < 8) {
				p = e + 1;
				continue;
			}
		}
		char c = *p++;
		bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '_' || (c & 0x80);
		if (word)
			buf_append(b, &c, 1);
		else if (b->len > 0 && b->data[b->len - 1] != ' ')
			buf_append(b, " ", 1);
	}
	if (b->len > 0 && b->data[b->len - 1] != ' ')
		buf_append(b, " ", 1);
}

char *
logctx_summary(const struct logs_source *src, const struct logs_result *r, const char *setup_error,
	       bool after, int64_t start_ms, int64_t end_ms, cJSON **data)
{
	static const char *const status_names[] = {"ok", "timeout", "error"};
	static const char *const level_names[] = {"other", "warning", "error"};
	char when[48] = "", a[16], z[16], secs[32];
	const struct logtpl *top[LOGCTX_TOP];
	size_t n = 0, distinct = 0;
	long seen = 0, kept = 0, dropped = 0;
	struct buf line, terms;
	cJSON *d = cJSON_CreateObject(), *arr;

	buf_init(&line, 8192);
	buf_init(&terms, LOGCTX_EVIDENCE_MAX);
	if (after) {
		duration_format(src->after_ms, a, sizeof(a));
		snprintf(when, sizeof(when), " (again at +%s)", a);
	}
	cJSON_AddStringToObject(d, "source", src->name);
	cJSON_AddStringToObject(d, "backend", logs_kind_name(src->kind));
	cJSON_AddStringToObject(d, "fetch", after ? "after" : "open");
	cJSON_AddItemToObject(d, "window_start", iso_or_null(start_ms));
	cJSON_AddItemToObject(d, "window_end", iso_or_null(end_ms));
	if (setup_error != NULL) {
		cJSON_AddStringToObject(d, "status", "error");
		cJSON_AddStringToObject(d, "error", setup_error);
		buf_printf(&line, "logs: %s%s not queried: %s", src->name, when, setup_error);
		goto done;
	}
	cJSON_AddStringToObject(d, "status", status_names[r->status]);
	if (r->status != LOGS_OK)
		cJSON_AddStringToObject(d, "error", r->error);
	else
		cJSON_AddNullToObject(d, "error");
	if (r->status == LOGS_TIMEOUT) {
		duration_format(src->timeout_ms, secs, sizeof(secs));
		buf_printf(&line, "logs: %s%s timed out after %s", src->name, when, secs);
		goto done;
	}
	if (r->status == LOGS_FAILED) {
		buf_printf(&line, "logs: %s%s failed: %s", src->name, when, r->error);
		goto done;
	}
	logtpl_counts(r->tpl, &seen, &kept, &dropped);
	n = logtpl_top(r->tpl, top, LOGCTX_TOP, &distinct);
	cJSON_AddNumberToObject(d, "lines", (double)r->lines);
	cJSON_AddNumberToObject(d, "matched", (double)kept);
	cJSON_AddNumberToObject(d, "distinct", (double)distinct);
	cJSON_AddBoolToObject(d, "capped", r->capped || dropped > 0);
	cJSON_AddNumberToObject(d, "took_ms", (double)r->took_ms);
	hhmmss(start_ms, a, sizeof(a));
	hhmmss(end_ms, z, sizeof(z));
	if (kept == 0) {
		buf_printf(&line, "logs: %s%s: no errors or warnings in %ld lines (%s–%s UTC)",
			   src->name, when, r->lines, a, z);
	} else {
		buf_printf(&line,
			   "logs: %s%s: %ld errors/warnings in %ld lines (%s–%s UTC), %zu "
			   "pattern%s%s:",
			   src->name, when, kept, r->lines, a, z, distinct,
			   distinct == 1 ? "" : "s", distinct > n ? ", the most frequent" : "");
	}
	if (r->capped)
		buf_printf(&line, " [stopped at the cap of %d lines]", src->limit);
	arr = cJSON_AddArrayToObject(d, "templates");
	for (size_t i = 0; i < n; i++) {
		cJSON *t = cJSON_CreateObject();
		hhmmss(top[i]->first_ms, a, sizeof(a));
		hhmmss(top[i]->last_ms, z, sizeof(z));
		buf_printf(&line, "\n  %ld× %s (%s–%s)", top[i]->count, top[i]->text, a, z);
		cJSON_AddStringToObject(t, "template", top[i]->text);
		cJSON_AddStringToObject(t, "level", level_names[top[i]->level]);
		cJSON_AddNumberToObject(t, "count", (double)top[i]->count);
		cJSON_AddItemToObject(t, "first_seen", iso_or_null(top[i]->first_ms));
		cJSON_AddItemToObject(t, "last_seen", iso_or_null(top[i]->last_ms));
		cJSON_AddItemToArray(arr, t);
		terms_of(top[i]->text, &terms);
	}
done:
	if (!cJSON_HasObjectItem(d, "templates"))
		cJSON_AddArrayToObject(d, "templates");
	/* the first line alone is what a card shows above the templates */
	char *first =
	    xstrndup(line.data ? line.data : "", strcspn(line.data ? line.data : "", "\n"));
	if (*first && first[strlen(first) - 1] == ':')
		first[strlen(first) - 1] = '\0';
	cJSON_AddStringToObject(d, "summary", first);
	free(first);
	char *t = buf_steal(&terms);
	cJSON_AddStringToObject(d, "terms", t);
	free(t);
	*data = d;
	return buf_steal(&line);
}
