/* card_text.c — the incident view as a framed text card for terminals. Pure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card_text.h"
#include "util.h"
#include "view.h"

#define OUTPUT_LINES 6

/* Display width of one code point starting at s: the status marks are drawn two columns
 * wide by terminals, everything else we print is one. */
static size_t
cp_width(const char *s)
{
	static const char *const wide[] = {"✅", "⏳", "❌"};

	for (size_t i = 0; i < ARRAY_LEN(wide); i++)
		if (strncmp(s, wide[i], strlen(wide[i])) == 0)
			return 2;
	return 1;
}

static size_t
cp_len(const char *s)
{
	size_t n = 1;

	while (((unsigned char)s[n] & 0xC0) == 0x80)
		n++;
	return n;
}

/* Display columns of UTF-8 text. */
static size_t
cols(const char *s, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i += cp_len(s + i))
		c += cp_width(s + i);
	return c;
}

/* One framed line: "│ text…padding │", wrapped on the width (UTF-8 aware). */
static void
line(struct buf *b, int width, const char *fmt, ...)
{
	char text[2048];
	va_list ap;
	size_t inner = (size_t)width - 4;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	const char *p = text;
	do {
		size_t n = 0, c = 0, last_space = 0;
		while (p[n] && p[n] != '\n' && c + cp_width(p + n) <= inner) {
			if (p[n] == ' ')
				last_space = n;
			c += cp_width(p + n);
			n += cp_len(p + n);
		}
		/* wrap on a word boundary when the line goes on and a space is not too far back */
		if (p[n] && p[n] != '\n' && p[n] != ' ' && last_space > inner / 2)
			n = last_space;
		buf_append(b, "│ ", strlen("│ "));
		buf_append(b, p, n);
		for (size_t k = cols(p, n); k < inner; k++)
			buf_append(b, " ", 1);
		buf_append(b, " │\n", strlen(" │\n"));
		p += n;
		if (*p == '\n' || *p == ' ')
			p++;
	} while (*p);
}

static void
rule(struct buf *b, int width, const char *left, const char *right, const char *title)
{
	size_t used = 2;

	buf_printf(b, "%s─", left);
	if (title && *title) {
		buf_printf(b, " %s ", title);
		used += cols(title, strlen(title)) + 2;
	}
	for (size_t i = used; i < (size_t)width - 1; i++)
		buf_append(b, "─", strlen("─"));
	buf_printf(b, "%s\n", right);
}

static const char *
mark(const char *status)
{
	if (strcmp(status, "ok") == 0)
		return "✅";
	if (strcmp(status, "running") == 0)
		return "⏳";
	return "❌";
}

static void
render_action(struct buf *b, int width, const cJSON *act, const cJSON *view)
{
	const cJSON *it;

	line(b, width, "Runbook:   %s — %s", view_str(act, "runbook"), view_str(act, "runbook_title"));
	char params[512] = "";
	size_t off = 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(act, "params"))
	{
		/* the builtins are on the card already */
		if (strcmp(it->string, "incident") == 0 || strcmp(it->string, "resource") == 0 ||
		    off >= sizeof(params))
			continue;
		off += (size_t)snprintf(params + off, sizeof(params) - off, "%s%s=%s",
					off ? " " : "", it->string, cJSON_GetStringValue(it));
	}
	line(b, width, "Params:    %s", params);
	int i = 1;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(act, "steps"))
		line(b, width, "  %d. %s", i++, cJSON_GetStringValue(it));
	line(b, width, "Cost:      $%.2f (%s)", view_num(act, "cost_usd"), view_str(act, "cost_formula"));
	line(b, width, "Risk:      %d/100 %s", (int)view_num(act, "risk_score"), view_str(act, "risk_level"));
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(act, "risk_reasons"))
		line(b, width, "           %s", cJSON_GetStringValue(it));
	if (*view_str(act, "decision"))
		line(b, width, "Decision:  %s", view_str(act, "decision_reason"));
	int approved = 0;
	char who[400] = "";
	off = 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(view, "approvals"))
	{
		if (strcmp(view_str(it, "decision"), "approve") != 0 || off >= sizeof(who))
			continue;
		approved++;
		off += (size_t)snprintf(who + off, sizeof(who) - off, "%s%s", off ? ", " : "",
					view_str(it, "user"));
	}
	if (strcmp(view_str(act, "decision"), "approval") == 0)
		line(b, width, "Approvals: %d of %d%s%s", approved, (int)view_num(act, "approvals_needed"),
		     approved ? ": " : "", who);
}

static void
render_runs(struct buf *b, int width, const cJSON *view)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(view, "step_runs"))
	{
		const char *status = view_str(it, "status");
		char d[32] = "";
		if (cJSON_IsNumber(cJSON_GetObjectItem(it, "duration_ms")))
			duration_format((int64_t)view_num(it, "duration_ms"), d, sizeof(d));
		line(b, width, "%s %-10s %s%s%s%s%s", mark(status), view_str(it, "phase"), view_str(it, "name"),
		     *d ? " (" : "", d, *d ? ")" : "",
		     *view_str(it, "error") ? "" : "");
		if (*view_str(it, "error"))
			line(b, width, "     %s", view_str(it, "error"));
		/* a few lines of output: enough to see, the rest is in `show --json` */
		const char *out = view_str(it, "output");
		for (int n = 0; *out && n < OUTPUT_LINES; n++) {
			const char *nl = strchr(out, '\n');
			size_t len = nl ? (size_t)(nl - out) : strlen(out);
			line(b, width, "     │ %.*s", (int)(len > 200 ? 200 : len), out);
			out = nl ? nl + 1 : out + len;
		}
	}
}

/* Which analysis the card shows (views.md "analysis_source"). */
static const char *
source_name(const cJSON *view)
{
	static const char *const names[][2] = {
	    {"rules", "rule match"},
	    {"search", "text-search suggestion"},
	    {"llm", "LLM analysis"},
	    {"request", "requested by a human"},
	};
	const char *s = view_str(view, "analysis_source");

	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		if (strcmp(s, names[i][0]) == 0)
			return names[i][1];
	return "";
}

static void
render_llm(struct buf *b, int width, const cJSON *llm)
{
	const char *status = view_str(llm, "status");

	if (!cJSON_IsObject(llm))
		return;
	if (strcmp(status, "pending") == 0)
		line(b, width, "LLM:       %s is analysing; the decision waits for it",
		     view_str(llm, "model"));
	else /* why it was not used is in the analysis text */
		line(b, width, "LLM:       %s, %d+%d tokens, $%.4f%s%s%s", view_str(llm, "model"),
		     (int)view_num(llm, "prompt_tokens"), (int)view_num(llm, "completion_tokens"),
		     view_num(llm, "cost_usd"), strcmp(status, "ok") ? ", not used (" : "",
		     strcmp(status, "ok") ? status : "", strcmp(status, "ok") ? ")" : "");
}

/* One line per similar incident: key, state, runbook, time to resolve, then its outcome. */
static void
render_similar(struct buf *b, int width, const cJSON *similar)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, similar)
	{
		char d[32] = "";
		const cJSON *rs = cJSON_GetObjectItem(it, "resolve_s");
		if (cJSON_IsNumber(rs))
			duration_format((int64_t)(rs->valuedouble * 1000), d, sizeof(d));
		line(b, width, "%-8s %-12s %s%s%s%s", view_str(it, "key"), view_str(it, "state"),
		     *view_str(it, "runbook") ? view_str(it, "runbook") : "no runbook",
		     *d ? ", resolved in " : "", d,
		     cJSON_IsTrue(cJSON_GetObjectItem(it, "same_resource")) ? ", same resource"
									    : "");
		if (*view_str(it, "outcome"))
			line(b, width, "         %s", view_str(it, "outcome"));
		else
			line(b, width, "         %s", view_str(it, "title"));
	}
}

/* Alerts that joined the incident under a correlate rule, and the probable cause. */
static void
render_related(struct buf *b, int width, const cJSON *view)
{
	const cJSON *rel = cJSON_GetObjectItem(view, "related"), *a;
	const cJSON *cause = cJSON_GetObjectItem(view, "cause");

	line(b, width, "Cause:     %s", view_str(cause, "title"));
	line(b, width, "Related:   %d alert(s)", cJSON_GetArraySize(rel));
	cJSON_ArrayForEach(a, rel)
	{
		line(b, width, "  %s%s on %s: %d×%s",
		     cJSON_IsTrue(cJSON_GetObjectItem(a, "cause")) ? "(cause) " : "",
		     view_str(a, "title"), *view_str(a, "resource") ? view_str(a, "resource") : "-",
		     (int)view_num(a, "occurrences"),
		     cJSON_IsTrue(cJSON_GetObjectItem(a, "cleared")) ? ", cleared" : "");
	}
}

/* The recovery ladder: one line per stage with its outcome, the current one marked. */
static void
render_ladder(struct buf *b, int width, const cJSON *ladder)
{
	const cJSON *s;

	rule(b, width, "├", "┤", "recovery ladder");
	cJSON_ArrayForEach(s, cJSON_GetObjectItem(ladder, "stages"))
	{
		line(b, width, "%s %d. %s — %s: %s",
		     cJSON_IsTrue(cJSON_GetObjectItem(s, "current")) ? "▶" : " ",
		     (int)view_num(s, "stage"), view_str(s, "runbook"), view_str(s, "title"),
		     view_str(s, "status"));
	}
}

char *
card_text_render(const cJSON *view, int width, int64_t now)
{
	struct buf b;
	char title[256], created[40], age[32];
	const cJSON *act = cJSON_GetObjectItem(view, "action");
	int64_t created_ms = 0;

	if (width < 40)
		width = 40;
	buf_init(&b, 256 * 1024);
	snprintf(title, sizeof(title), "%s · %s · %s", view_str(view, "key"), view_str(view, "severity"),
		 view_str(view, "state"));
	rule(&b, width, "╭", "╮", title);
	line(&b, width, "%s", view_str(view, "title"));
	snprintf(created, sizeof(created), "%s", view_str(view, "created_at"));
	time_parse_iso(created, &created_ms);
	duration_format(now - created_ms, age, sizeof(age));
	line(&b, width, "Resource:  %s   Source: %s   Age: %s   Occurrences: %d",
	     *view_str(view, "resource") ? view_str(view, "resource") : "-", view_str(view, "source"), age,
	     (int)view_num(view, "occurrences"));
	if (*view_str(view, "acked_by"))
		line(&b, width, "Acked by:  %s", view_str(view, "acked_by"));
	if (cJSON_IsTrue(cJSON_GetObjectItem(view, "alert_cleared")))
		line(&b, width, "Alert:     cleared at the source");
	if (*view_str(view, "analysis") && *source_name(view)) {
		/* the text runs to several lines (history, the model's answer): say first which
		 * analysis this is and how sure it is */
		line(&b, width, "Analysis:  %s, confidence %.2f", source_name(view),
		     view_num(view, "confidence"));
		line(&b, width, "%s", view_str(view, "analysis"));
	} else if (*view_str(view, "analysis")) {
		line(&b, width, "Analysis:  %s (confidence %.2f)", view_str(view, "analysis"),
		     view_num(view, "confidence"));
	}
	render_llm(&b, width, cJSON_GetObjectItem(view, "llm"));
	if (*view_str(view, "attention"))
		line(&b, width, "Attention: %s", view_str(view, "attention"));
	if (cJSON_GetArraySize(cJSON_GetObjectItem(view, "related")) > 0)
		render_related(&b, width, view);
	if (cJSON_IsObject(act)) {
		rule(&b, width, "├", "┤", "proposed fix");
		render_action(&b, width, act, view);
	}
	if (cJSON_IsObject(cJSON_GetObjectItem(view, "ladder")))
		render_ladder(&b, width, cJSON_GetObjectItem(view, "ladder"));
	if (cJSON_GetArraySize(cJSON_GetObjectItem(view, "similar")) > 0) {
		rule(&b, width, "├", "┤", "similar incidents");
		render_similar(&b, width, cJSON_GetObjectItem(view, "similar"));
	}
	if (cJSON_GetArraySize(cJSON_GetObjectItem(view, "step_runs")) > 0) {
		rule(&b, width, "├", "┤", "runs");
		render_runs(&b, width, view);
	}
	rule(&b, width, "├", "┤", NULL);
	if (*view_str(view, "outcome"))
		line(&b, width, "Outcome:   %s", view_str(view, "outcome"));
	const char *state = view_str(view, "state");
	if (strcmp(state, "awaiting_approval") == 0)
		line(&b, width, "Actions:   approve %s | reject %s <reason> | dryrun %s | ack %s",
		     view_str(view, "key"), view_str(view, "key"), view_str(view, "key"), view_str(view, "key"));
	else if (!*view_str(view, "outcome"))
		line(&b, width, "Actions:   show %s | ack %s | close %s", view_str(view, "key"),
		     view_str(view, "key"), view_str(view, "key"));
	rule(&b, width, "╰", "╯", NULL);
	return buf_steal(&b);
}

char *
card_text_list(const cJSON *list)
{
	struct buf b;
	const cJSON *it;

	buf_init(&b, 256 * 1024);
	cJSON_ArrayForEach(it, list)
		buf_printf(&b, "%-8s %-18s %-5s %s%s%s%s\n", view_str(it, "key"), view_str(it, "state"),
			   view_str(it, "severity"), view_str(it, "title"), *view_str(it, "resource") ? " (" : "",
			   view_str(it, "resource"), *view_str(it, "resource") ? ")" : "");
	if (b.len == 0)
		buf_printf(&b, "no incidents\n");
	return buf_steal(&b);
}
