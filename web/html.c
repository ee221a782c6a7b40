/* html.c — HTML escaping, the page shell, and the incident view as an HTML card. Pure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "present.h"
#include "view.h"

#define EXCERPT_LINES 12
#define EXCERPT_BYTES 1500

static void
escape(struct buf *b, const char *s, bool attr)
{
	static const struct {
		char c;
		const char *ent;
	} ents[] = {
	    {'&', "&amp;"},  {'<', "&lt;"},   {'>', "&gt;"},
	    {'"', "&quot;"}, {'\'', "&#39;"}, {'`', "&#96;"},
	};
	const char *run;
	size_t i, nents = attr ? ARRAY_LEN(ents) : ARRAY_LEN(ents) - 1;

	if (s == NULL)
		return;
	for (run = s; *s != '\0'; s++) {
		for (i = 0; i < nents && ents[i].c != *s; i++)
			;
		if (i == nents)
			continue;
		buf_append_trunc(b, run, (size_t)(s - run));
		buf_append_trunc(b, ents[i].ent, strlen(ents[i].ent));
		run = s + 1;
	}
	buf_append_trunc(b, run, (size_t)(s - run));
}

void
html_text(struct buf *b, const char *s)
{
	escape(b, s, false);
}

void
html_attr(struct buf *b, const char *s)
{
	escape(b, s, true);
}

char *
html_escape(const char *s)
{
	struct buf b;

	buf_init(&b, 0);
	html_text(&b, s);
	return buf_steal(&b);
}

static void
raw(struct buf *b, const char *s)
{
	buf_append_trunc(b, s, strlen(s));
}

void
html_page_begin(struct buf *b, const char *title)
{
	raw(b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	       "<meta name=\"referrer\" content=\"no-referrer\"><title>");
	html_text(b, title);
	raw(b,
	    "</title><style>"
	    "body{font:15px/1.45 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}"
	    "main{max-width:860px;margin:0 auto;padding:16px}"
	    ".card{background:#fff;border:1px solid #d9dde5;border-radius:6px;padding:14px 18px;"
	    "margin:12px 0}"
	    ".card h2{font-size:18px;margin:0 0 8px}"
	    ".sev{display:inline-block;padding:0 6px;border-radius:4px;background:#e6e9ef;"
	    "font-size:13px}"
	    ".sev-sev1{background:#f8d7da}.sev-sev2{background:#ffe5b4}"
	    "dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:8px 0}"
	    "dt{color:#5b6475}dd{margin:0}"
	    "pre{background:#f1f3f6;padding:8px;overflow:auto;font-size:13px;white-space:pre-wrap}"
	    ".notice{padding:12px 16px;border-radius:6px;background:#fff3cd;margin:12px 0}"
	    ".error{background:#f8d7da}.ok{background:#d4edda}"
	    "button{font:inherit;padding:6px 14px;margin-right:8px}"
	    "</style></head><body><main>\n");
}

void
html_page_end(struct buf *b)
{
	raw(b, "</main></body></html>\n");
}

/* "awaiting_approval" as "awaiting approval". */
static void
words(struct buf *b, const char *s)
{
	char *t = xstrdup(s), *p;

	for (p = t; *p != '\0'; p++)
		if (*p == '_')
			*p = ' ';
	html_text(b, t);
	free(t);
}

static void
row(struct buf *b, const char *label, const char *value)
{
	if (value == NULL || *value == '\0')
		return;
	raw(b, "<dt>");
	raw(b, label);
	raw(b, "</dt><dd>");
	html_text(b, value);
	raw(b, "</dd>");
}

void
html_cost_risk(struct buf *b, const cJSON *act, const char *risk_class)
{
	const cJSON *it;
	char text[64];

	snprintf(text, sizeof(text), "$%.2f", view_num(act, "cost_usd"));
	raw(b, "<dt>Cost</dt><dd>");
	html_text(b, text);
	if (*view_str(act, "cost_formula") != '\0') {
		raw(b, " <small>(");
		html_text(b, view_str(act, "cost_formula"));
		raw(b, ")</small>");
	}
	raw(b, "</dd>");
	snprintf(text, sizeof(text), "%d/100 ", (int)view_num(act, "risk_score"));
	raw(b, "<dt>Risk</dt><dd");
	if (risk_class != NULL) {
		raw(b, " class=\"");
		html_attr(b, risk_class);
		raw(b, "\"");
	}
	raw(b, ">");
	html_text(b, text);
	html_text(b, view_str(act, "risk_level"));
	if (cJSON_GetArraySize(cJSON_GetObjectItem(act, "risk_reasons")) > 0) {
		raw(b, "<ul class=\"reasons\">");
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(act, "risk_reasons"))
		{
			raw(b, "<li>");
			html_text(b, cJSON_GetStringValue(it));
			raw(b, "</li>");
		}
		raw(b, "</ul>");
	}
	raw(b, "</dd>");
}

static void
render_action(struct buf *b, const cJSON *view, const cJSON *act)
{
	const cJSON *it;
	char text[256];
	int approved = 0;

	raw(b, "<dl>");
	row(b, "Runbook", view_str(act, "runbook"));
	row(b, "What it does", view_str(act, "runbook_title"));
	html_cost_risk(b, act, NULL);
	row(b, "Decision", view_str(act, "decision_reason"));
	row(b, "Status", view_str(act, "status"));
	row(b, "Expires", view_str(act, "expires_at"));
	if (view_num(act, "dry_run") != 0 || cJSON_IsTrue(cJSON_GetObjectItem(act, "dry_run")))
		row(b, "Mode", "dry run");
	if (strcmp(view_str(act, "decision"), "approval") == 0) {
		raw(b, "<dt>Approvals</dt><dd>");
		cJSON_ArrayForEach(
		    it, cJSON_GetObjectItem(view, "approvals")) if (strcmp(view_str(it, "decision"),
									   "approve") == 0)
		    approved++;
		snprintf(text, sizeof(text), "%d of %d", approved,
			 (int)view_num(act, "approvals_needed"));
		html_text(b, text);
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(view, "approvals"))
		{
			raw(b, "<br>");
			html_text(b, view_str(it, "decision"));
			raw(b, " by ");
			html_text(b, view_str(it, "user"));
		}
		raw(b, "</dd>");
	}
	raw(b, "</dl>");
	if (cJSON_GetArraySize(cJSON_GetObjectItem(act, "steps")) > 0) {
		raw(b, "<h3>Steps</h3><ol class=\"steps\">");
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(act, "steps"))
		{
			raw(b, "<li>");
			html_text(b, cJSON_GetStringValue(it));
			raw(b, "</li>");
		}
		raw(b, "</ol>");
	}
}

/* The first lines of an output, capped in lines and bytes. */
static void
excerpt(struct buf *b, const char *out)
{
	const char *p = out;
	char *cut;
	int n;

	for (n = 0; *p != '\0' && n < EXCERPT_LINES; n++) {
		const char *nl = strchr(p, '\n');
		p = nl != NULL ? nl + 1 : p + strlen(p);
	}
	cut = xstrndup(out, (size_t)(p - out));
	if (strlen(cut) > EXCERPT_BYTES) {
		char *t = utf8_truncate(cut, EXCERPT_BYTES);
		free(cut);
		cut = t;
	}
	raw(b, "<pre>");
	html_text(b, cut);
	if (*p != '\0')
		raw(b, "\n…");
	raw(b, "</pre>");
	free(cut);
}

static void
render_runs(struct buf *b, const cJSON *view)
{
	const cJSON *it;
	bool any = false;
	char d[32];

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(view, "step_runs"))
	{
		if (!any)
			raw(b, "<h3>Results</h3><ul class=\"runs\">");
		any = true;
		raw(b, "<li><b>");
		html_text(b, view_str(it, "status"));
		raw(b, "</b> ");
		html_text(b, view_str(it, "phase"));
		raw(b, ": ");
		html_text(b, view_str(it, "name"));
		if (cJSON_IsNumber(cJSON_GetObjectItem(it, "duration_ms"))) {
			duration_format((int64_t)view_num(it, "duration_ms"), d, sizeof(d));
			raw(b, " (");
			html_text(b, d);
			raw(b, ")");
		}
		if (*view_str(it, "error") != '\0') {
			raw(b, " — ");
			html_text(b, view_str(it, "error"));
		}
		/* diagnostics are what a reader decides on: show the start of their output */
		if (strcmp(view_str(it, "phase"), "diagnostic") == 0 && *view_str(it, "output"))
			excerpt(b, view_str(it, "output"));
		raw(b, "</li>");
	}
	if (any)
		raw(b, "</ul>");
}

static void
render_similar(struct buf *b, const cJSON *view)
{
	const cJSON *it;

	if (cJSON_GetArraySize(cJSON_GetObjectItem(view, "similar")) == 0)
		return;
	raw(b, "<h3>Similar incidents</h3><ul class=\"similar\">");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(view, "similar"))
	{
		raw(b, "<li>");
		html_text(b, view_str(it, "key"));
		raw(b, " ");
		html_text(b, view_str(it, "title"));
		raw(b, " — ");
		words(b, view_str(it, "state"));
		if (*view_str(it, "outcome") != '\0') {
			raw(b, ": ");
			html_text(b, view_str(it, "outcome"));
		}
		raw(b, "</li>");
	}
	raw(b, "</ul>");
}

/* How many related alerts the web page lists (a card lists PRESENT_RELATED_SHOWN). */
#define RELATED_PAGE_MAX 500

void
html_related(struct buf *b, const cJSON *view, bool page)
{
	const cJSON *a, *rel = cJSON_GetObjectItem(view, "related");
	int total = cJSON_GetArraySize(rel), n = 0, cap = page ? RELATED_PAGE_MAX
							    : PRESENT_RELATED_SHOWN;
	char *more;

	if (total == 0)
		return;
	raw(b, "<p>Probable cause: ");
	html_text(b, view_str(cJSON_GetObjectItem(view, "cause"), "title"));
	raw(b, ". Split one out with <code>split ");
	html_text(b, view_str(view, "key"));
	raw(b, " ID</code>.</p><table class=\"related\"><tr><th>ID</th><th>Alert</th>"
	       "<th>Resource</th><th>State</th><th>Occurrences</th><th>Joined</th></tr>");
	cJSON_ArrayForEach(a, rel)
	{
		struct present_related r;

		if (n == cap)
			break;
		present_related_item(view, a, &r);
		raw(b, "<tr><td><code class=\"fp\">");
		if (page) {
			raw(b, "<b>");
			html_text(b, r.id);
			raw(b, "</b>");
			html_text(b, r.fingerprint + strlen(r.id));
		} else {
			html_text(b, r.id);
		}
		raw(b, "</code></td><td>");
		html_text(b, r.name);
		if (r.cause)
			raw(b, " <b>(probable cause)</b>");
		raw(b, "</td><td>");
		html_text(b, r.resource);
		raw(b, "</td><td>");
		html_text(b, r.state);
		buf_printf(b, "</td><td>%d</td><td>", r.occurrences);
		html_text(b, r.joined);
		raw(b, "</td></tr>");
		n++;
	}
	raw(b, "</table>");
	if ((more = present_related_more(view, total - n)) != NULL) {
		raw(b, "<p>");
		html_text(b, more);
		raw(b, "</p>");
		free(more);
	}
}

char *
card_html(const cJSON *view)
{
	const cJSON *act = cJSON_GetObjectItem(view, "action");
	struct buf b;

	buf_init(&b, HTML_MAX);
	raw(&b, "<section class=\"card\" id=\"");
	html_attr(&b, view_str(view, "key"));
	raw(&b, "\"><h2><span class=\"key\">");
	html_text(&b, view_str(view, "key"));
	raw(&b, "</span> <span class=\"sev sev-");
	html_attr(&b, view_str(view, "severity"));
	raw(&b, "\">");
	html_text(&b, view_str(view, "severity"));
	raw(&b, "</span> <span class=\"title\">");
	html_text(&b, view_str(view, "title"));
	raw(&b, "</span></h2><dl><dt>State</dt><dd class=\"state\">");
	words(&b, view_str(view, "state"));
	raw(&b, "</dd>");
	row(&b, "Resource", view_str(view, "resource"));
	row(&b, "Source", view_str(view, "source"));
	row(&b, "Analysis", view_str(view, "analysis"));
	row(&b, "Outcome", view_str(view, "outcome"));
	row(&b, "Attention", view_str(view, "attention"));
	raw(&b, "</dl>");
	if (cJSON_IsObject(act))
		render_action(&b, view, act);
	render_runs(&b, view);
	if (cJSON_GetArraySize(cJSON_GetObjectItem(view, "related")) > 0) {
		raw(&b, "<h3>Related alerts</h3>");
		html_related(&b, view, false);
	}
	render_similar(&b, view);
	raw(&b, "</section>\n");
	return buf_steal(&b);
}
