/* teams_card_parts.c — Adaptive Card building blocks: Teams markdown escaping, cut text,
 * text blocks, containers, facts, bullet lists and a dry-run plan as lists. Pure. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "present.h"
#include "teams_card.h"
#include "teams_card_int.h"
#include "util.h"
#include "view.h"

char *
teams_md_escape(const char *s)
{
	struct buf b;
	bool line_start = true;

	buf_init(&b, 0);
	for (const char *p = s ? s : ""; *p; p++) {
		/* list and heading markers count only when a blank follows them */
		bool marker_end = p[1] == ' ' || p[1] == '\0' || p[1] == '\n';
		if (strchr("\\*_`[]~", *p) != NULL || (line_start && *p == '>') ||
		    (line_start && strchr("-+#", *p) != NULL && marker_end))
			buf_append(&b, "\\", 1);
		/* "1. text" at the start of a line would become a numbered list */
		if (line_start && *p >= '0' && *p <= '9') {
			const char *q = p;
			while (*q >= '0' && *q <= '9')
				q++;
			if ((*q == '.' || *q == ')') &&
			    (q[1] == ' ' || q[1] == '\0' || q[1] == '\n')) {
				buf_append(&b, p, (size_t)(q - p));
				buf_append(&b, "\\", 1);
				p = q;
			}
		}
		buf_append(&b, p, 1);
		line_start = *p == '\n' || *p == '\r';
	}
	return buf_steal(&b);
}

/* Cut to max bytes, then escaped. Owned. */
char *
tc_cut(const char *s, size_t max)
{
	char *t = utf8_truncate(s ? s : "", max);
	char *e = teams_md_escape(t);

	free(t);
	return e;
}

cJSON *
tc_text(cJSON *parent, const char *text)
{
	cJSON *t = cJSON_CreateObject();

	cJSON_AddStringToObject(t, "type", "TextBlock");
	cJSON_AddStringToObject(t, "text", text);
	cJSON_AddBoolToObject(t, "wrap", true);
	cJSON_AddItemToArray(parent, t);
	return t;
}

cJSON *
tc_textf(cJSON *parent, const char *fmt, ...)
{
	char *s;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatalx("out of memory (vasprintf)");
	cJSON *t = tc_text(parent, s);
	free(s);
	return t;
}

cJSON *
tc_container(cJSON *parent, const char *style)
{
	cJSON *c = cJSON_CreateObject();

	cJSON_AddStringToObject(c, "type", "Container");
	if (style)
		cJSON_AddStringToObject(c, "style", style);
	cJSON_AddItemToArray(parent, c);
	return cJSON_AddArrayToObject(c, "items");
}

void
tc_fact(cJSON *facts, const char *title, const char *value)
{
	cJSON *f = cJSON_CreateObject();
	char *v = tc_cut(*value ? value : "—", 300);

	cJSON_AddStringToObject(f, "title", title);
	cJSON_AddStringToObject(f, "value", v);
	cJSON_AddItemToArray(facts, f);
	free(v);
}

/* "- a\r- b" from an array of strings, at most `max` items. Owned. */
char *
tc_bullets(const cJSON *arr, int max, bool numbered, size_t each)
{
	struct buf b;
	const cJSON *it;
	int i = 0, n = cJSON_GetArraySize(arr);

	buf_init(&b, 0);
	cJSON_ArrayForEach(it, arr)
	{
		if (i == max) {
			buf_printf(&b, "\r- … %d more", n - max);
			break;
		}
		char *e = tc_cut(cJSON_GetStringValue(it), each);
		if (numbered)
			buf_printf(&b, "%s%d. %s", i ? "\r" : "", i + 1, e);
		else
			buf_printf(&b, "%s- %s", i ? "\r" : "", e);
		free(e);
		i++;
	}
	return buf_steal(&b);
}

/* A section's numbered items gathered so far, flushed as one TextBlock list. */
static void
plan_flush(cJSON *items, struct buf *list)
{
	if (list->len) {
		tc_text(items, list->data);
		buf_free(list);
	}
}

void
tc_plan(cJSON *items, const char *plan, int max_items, size_t each_max)
{
	struct buf list;
	int n = 0, dropped = 0;

	buf_init(&list, 0);
	for (const char *ln = plan; ln && *ln;) {
		const char *nl = strchr(ln, '\n');
		size_t len = nl ? (size_t)(nl - ln) : strlen(ln);
		char *line = xstrndup(ln, len);
		size_t digits = strspn(line + strspn(line, " "), "0123456789");
		const char *num = line + strspn(line, " ");
		ln = nl ? nl + 1 : NULL;
		if (line[0] == ' ' && digits > 0 && num[digits] == '.' && num[digits + 1] == ' ') {
			/* "  2. name: what runs": an item of the current section's list */
			if (n++ >= max_items) {
				dropped++;
			} else {
				char *e = tc_cut(num + digits + 2, each_max);
				buf_printf(&list, "%s%d. %s", list.len ? "\r" : "", n, e);
				free(e);
			}
		} else if (len > 1 && line[0] != ' ' && line[len - 1] == ':' &&
			   strchr(line, ' ') == NULL) {
			/* "steps:": a section title; the list before it is complete */
			if (dropped)
				buf_printf(&list, "\r… %d more", dropped);
			plan_flush(items, &list);
			n = dropped = 0;
			line[len - 1] = '\0';
			char *e = tc_cut(line, 64);
			cJSON_AddStringToObject(
			    tc_textf(items, "**%c%s**",
				     e[0] >= 'a' && e[0] <= 'z' ? e[0] - 'a' + 'A' : e[0], e + 1),
			    "spacing", "Small");
			free(e);
		} else if (len > 0) {
			if (dropped)
				buf_printf(&list, "\r… %d more", dropped);
			plan_flush(items, &list);
			n = dropped = 0;
			char *e = tc_cut(line, each_max);
			tc_text(items, e);
			free(e);
		}
		free(line);
	}
	if (dropped)
		buf_printf(&list, "\r… %d more", dropped);
	plan_flush(items, &list);
}

void
tc_ladder(cJSON *body, const cJSON *view)
{
	const cJSON *s, *ladder = cJSON_GetObjectItem(view, "ladder");
	struct buf b;

	if (!cJSON_IsObject(ladder))
		return;
	buf_init(&b, 0);
	cJSON_ArrayForEach(s, cJSON_GetObjectItem(ladder, "stages"))
	{
		bool cur = cJSON_IsTrue(cJSON_GetObjectItem(s, "current"));
		char *rb = tc_cut(view_str(s, "runbook"), 64);
		char *title = tc_cut(view_str(s, "title"), 200);
		char *st = tc_cut(view_str(s, "status"), 16);

		buf_printf(&b, "%s%s%d. %s — %s: %s%s", b.len ? "\r" : "", cur ? "**▶ " : "",
			   (int)view_num(s, "stage"), rb, title, st, cur ? "**" : "");
		free(rb);
		free(title);
		free(st);
	}
	cJSON *items = tc_container(body, NULL);
	tc_text(items, "**Recovery ladder:**");
	tc_text(items, b.data ? b.data : "");
	buf_free(&b);
}

/* Room for the list: ten lines of at most ~400 bytes keep the card far under Teams' 28 KB. */
void
tc_related(cJSON *body, const cJSON *view)
{
	const cJSON *a, *rel = cJSON_GetObjectItem(view, "related");
	int total = cJSON_GetArraySize(rel), n = 0;
	struct buf b;
	char *more;

	if (total == 0)
		return;
	buf_init(&b, 0);
	cJSON_ArrayForEach(a, rel)
	{
		struct present_related r;

		if (n == PRESENT_RELATED_SHOWN)
			break;
		present_related_item(view, a, &r);
		char *id = tc_cut(r.id, 64), *name = tc_cut(r.name, 120),
		     *res = tc_cut(r.resource, 80);
		buf_printf(&b, "%s- %s **%s** on %s: %s ×%d, joined %s%s", b.len ? "\r" : "", id,
			   name, res, r.state, r.occurrences, r.joined,
			   r.cause ? ", **probable cause**" : "");
		free(id);
		free(name);
		free(res);
		n++;
	}
	if ((more = present_related_more(view, total - n)) != NULL) {
		char *m = tc_cut(more, 400);
		buf_printf(&b, "\r%s", m);
		free(m);
		free(more);
	}
	char *cause = tc_cut(view_str(cJSON_GetObjectItem(view, "cause"), "title"), 200);
	cJSON *items = tc_container(body, NULL);
	tc_textf(items, "**Probable cause:** %s", cause);
	tc_textf(items, "**Related alerts (%d):** split one out with split %s ID", total,
		 view_str(view, "key"));
	tc_text(items, b.data ? b.data : "");
	free(cause);
	buf_free(&b);
}
