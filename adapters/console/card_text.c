/* card_text.c — the incident view as a framed text card for terminals. Pure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card_text.h"
#include "logctx.h"
#include "present.h"
#include "util.h"
#include "view.h"

#define OUTPUT_LINES 6
#define LABEL_COLS 11 /* "Analysis:  ": where a labelled line's text starts */

static size_t
cp_len(const char *s)
{
	size_t n = 1;

	while (((unsigned char)s[n] & 0xC0) == 0x80)
		n++;
	return n;
}

/* Where the text of a line starts, so its wrapped continuations line up under it: after the
 * leading blanks, and after a "Label:   " of the card's label column. */
static size_t
hang_indent(const char *text)
{
	size_t n = strspn(text, " ");
	const char *colon = strchr(text + n, ':');

	if (colon && colon - text < LABEL_COLS &&
	    memchr(text + n, ' ', (size_t)(colon - text - n)) == NULL && colon[1] == ' ') {
		size_t after = (size_t)(colon - text) + 1 + strspn(colon + 1, " ");
		if (after <= LABEL_COLS)
			return after;
	}
	return n;
}

/* One framed line: "│ text…padding │", wrapped on the width in display columns; the
 * continuations keep the line's indentation (hang >= 0: that many columns; -1: found by
 * hang_indent) instead of falling back to the frame. */
static void
vline(struct buf *b, int width, int hang, const char *fmt, va_list ap)
{
	char text[4096];
	size_t inner = (size_t)width - 4, indent, pad = 0;

	vsnprintf(text, sizeof(text), fmt, ap);
	indent = hang >= 0 ? (size_t)hang : hang_indent(text);
	if (indent > inner / 2)
		indent = 0;
	const char *p = text;
	do {
		size_t n = 0, c = pad, last_space = 0;
		while (p[n] && p[n] != '\n' && c + present_cols(p + n, cp_len(p + n)) <= inner) {
			if (p[n] == ' ')
				last_space = n;
			c += present_cols(p + n, cp_len(p + n));
			n += cp_len(p + n);
		}
		/* wrap on a word boundary when the line goes on and a space is not too far back */
		if (p[n] && p[n] != '\n' && p[n] != ' ' && last_space > (inner - pad) / 2)
			n = last_space;
		if (n == 0 && p[0] && p[0] != '\n') /* a character wider than what is left */
			n = cp_len(p);
		buf_append(b, "│ ", strlen("│ "));
		for (size_t k = 0; k < pad; k++)
			buf_append(b, " ", 1);
		buf_append(b, p, n);
		for (size_t k = pad + present_cols(p, n); k < inner; k++)
			buf_append(b, " ", 1);
		buf_append(b, " │\n", strlen(" │\n"));
		p += n;
		if (*p == '\n' || *p == ' ')
			p++;
		pad = indent;
	} while (*p);
}

/* A framed line whose continuations line up under its text (hang_indent). */
static void __attribute__((format(printf, 3, 4)))
line(struct buf *b, int width, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(b, width, -1, fmt, ap);
	va_end(ap);
}

/* A framed line whose continuations start `hang` columns in. */
static void __attribute__((format(printf, 4, 5)))
hline(struct buf *b, int width, int hang, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(b, width, hang, fmt, ap);
	va_end(ap);
}

static void
rule(struct buf *b, int width, const char *left, const char *right, const char *title)
{
	size_t used = 2;

	buf_printf(b, "%s─", left);
	if (title && *title) {
		buf_printf(b, " %s ", title);
		used += present_cols(title, strlen(title)) + 2;
	}
	for (size_t i = used; i < (size_t)width - 1; i++)
		buf_append(b, "─", strlen("─"));
	buf_printf(b, "%s\n", right);
}

/* Cost, risk and the decision: what an approver weighs, right under the title. */
static void
render_key_facts(struct buf *b, int width, const cJSON *act)
{
	line(b, width, "Cost:      $%.2f (%s)   Risk: %d/100 %s", view_num(act, "cost_usd"),
	     view_str(act, "cost_formula"), (int)view_num(act, "risk_score"),
	     view_str(act, "risk_level"));
	if (*view_str(act, "decision"))
		line(b, width, "Decision:  %s",
		     *view_str(act, "decision_reason") ? view_str(act, "decision_reason")
						       : view_str(act, "decision"));
}

static void
render_action(struct buf *b, int width, const cJSON *act, const cJSON *view)
{
	const cJSON *it;

	line(b, width, "Runbook:   %s — %s", view_str(act, "runbook"),
	     view_str(act, "runbook_title"));
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
	const char *label = "Risk from:";
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(act, "risk_reasons"))
	{
		line(b, width, "%-10s %s", label, cJSON_GetStringValue(it));
		label = "";
	}
	int approved = 0;
	char who[400] = "";
	off = 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(view, "approvals"))
	{
		if (strcmp(view_str(it, "decision"), "approve") != 0 || off >= sizeof(who))
			continue;
		approved++;
		off += (size_t)snprintf(who + off, sizeof(who) - off, "%s%s", off ? ", " : "",
					present_user(view, view_str(it, "user")));
	}
	if (strcmp(view_str(act, "decision"), "approval") == 0)
		line(b, width, "Approvals: %d of %d%s%s", approved,
		     (int)view_num(act, "approvals_needed"), approved ? ": " : "", who);
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
		line(b, width, "%s %-10s %s%s%s%s", present_run_mark(status), view_str(it, "phase"),
		     view_str(it, "name"), *d ? " (" : "", d, *d ? ")" : "");
		if (*view_str(it, "error"))
			line(b, width, "     %s", view_str(it, "error"));
		/* why it failed is on stderr: its last lines, not just "exit status 1" */
		char *tail = present_stderr_tail(it);
		if (tail) {
			line(b, width, "     stderr (last lines):");
			for (char *ln = tail, *nl; ln; ln = nl ? nl + 1 : NULL) {
				if ((nl = strchr(ln, '\n')) != NULL)
					*nl = '\0';
				line(b, width, "     ! %s", ln);
			}
			free(tail);
		}
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
		char d[48], state[32];
		present_similar_time(it, d, sizeof(d));
		present_state_label(view_str(it, "state"), state, sizeof(state));
		char *rb = present_similar_runbook(it);
		hline(b, width, 9, "%-8s %-12s %s%s%s%s", view_str(it, "key"), state, rb,
		      *d ? ", " : "", d,
		      cJSON_IsTrue(cJSON_GetObjectItem(it, "same_resource")) ? ", same resource"
									     : "");
		free(rb);
		hline(b, width, 9, "         %s",
		      view_str(it, *view_str(it, "outcome") ? "outcome" : "title"));
	}
}

/* "Actions:" with the commands the state allows, the same verbs as the chat buttons. */
static void
render_commands(struct buf *b, int width, const cJSON *view, const struct present *p)
{
	static const struct {
		unsigned verb;
		const char *fmt;
	} cmds[] = {
	    {VERB_APPROVE, "approve %s"}, {VERB_REJECT, "reject %s <reason>"},
	    {VERB_DRYRUN, "dryrun %s"},	  {VERB_ACK, "ack %s"},
	    {VERB_CLOSE, "close %s"},
	};
	const char *key = view_str(view, "key");
	unsigned verbs = p->buttons;
	char text[512] = "";
	size_t off = 0;

	/* a verified fix waiting for related alerts may be closed by a person too */
	if (state_allows(view_str(view, "state"), VERB_CLOSE) ||
	    cJSON_IsString(cJSON_GetObjectItem(view, "wait_until")))
		verbs |= VERB_CLOSE;
	for (size_t i = 0; i < ARRAY_LEN(cmds); i++) {
		if (!(verbs & cmds[i].verb) || off >= sizeof(text))
			continue;
		if (off)
			off += (size_t)snprintf(text + off, sizeof(text) - off, " | ");
		if (off < sizeof(text))
			off += (size_t)snprintf(text + off, sizeof(text) - off, cmds[i].fmt, key);
	}
	if (off)
		line(b, width, "Actions:   %s", text);
}

/* Alerts that joined the incident under a correlate rule, each with the short fingerprint
 * `split` takes, and the probable cause. */
static void
render_related(struct buf *b, int width, const cJSON *view)
{
	const cJSON *rel = cJSON_GetObjectItem(view, "related"), *a;
	const cJSON *cause = cJSON_GetObjectItem(view, "cause");
	int total = cJSON_GetArraySize(rel), n = 0;
	char *more;

	line(b, width, "Cause:     %s", view_str(cause, "title"));
	line(b, width, "Related:   %d alert(s); split one out with: split %s ID", total,
	     view_str(view, "key"));
	cJSON_ArrayForEach(a, rel)
	{
		struct present_related r;

		if (n == PRESENT_RELATED_SHOWN)
			break;
		present_related_item(view, a, &r);
		hline(b, width, 4, "  %s  %s on %s: %s ×%d, joined %s%s", r.id, r.name, r.resource,
		      r.state, r.occurrences, r.joined, r.cause ? " (probable cause)" : "");
		n++;
	}
	if ((more = present_related_more(view, total - n)) != NULL)
		hline(b, width, 4, "  %s", more);
	free(more);
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
	struct present p;
	char title[256], created[40], age[32];
	const cJSON *act = cJSON_GetObjectItem(view, "action");
	int64_t created_ms = 0;

	if (width < 40)
		width = 40;
	if (!cJSON_IsObject(act))
		act = NULL;
	present_view(view, &p);
	buf_init(&b, 256 * 1024);
	snprintf(title, sizeof(title), "%s %s · %s · %s", p.emoji, view_str(view, "key"),
		 view_str(view, "severity"), p.state_label);
	rule(&b, width, "╭", "╮", title);
	line(&b, width, "%s", view_str(view, "title"));
	if (act)
		render_key_facts(&b, width, act);
	snprintf(created, sizeof(created), "%s", view_str(view, "created_at"));
	time_parse_iso(created, &created_ms);
	duration_format(now - created_ms, age, sizeof(age));
	line(&b, width, "Resource:  %s   Source: %s   Age: %s   Occurrences: %d",
	     *view_str(view, "resource") ? view_str(view, "resource") : "-",
	     view_str(view, "source"), age, (int)view_num(view, "occurrences"));
	if (*view_str(view, "acked_by"))
		line(&b, width, "Acked by:  %s", present_user(view, view_str(view, "acked_by")));
	if (cJSON_IsTrue(cJSON_GetObjectItem(view, "alert_cleared")))
		line(&b, width, "Alert:     cleared at the source");
	if (*view_str(view, "analysis") && *p.source) {
		/* the text runs to several lines (history, the model's answer): say first which
		 * analysis this is and how sure it is */
		line(&b, width, "Analysis:  %s, confidence %.2f", p.source,
		     view_num(view, "confidence"));
		line(&b, width, "           %s", view_str(view, "analysis"));
	} else if (*view_str(view, "analysis")) {
		line(&b, width, "Analysis:  %s (confidence %.2f)", view_str(view, "analysis"),
		     view_num(view, "confidence"));
	}
	render_llm(&b, width, cJSON_GetObjectItem(view, "llm"));
	if (*view_str(view, "attention"))
		line(&b, width, "Attention: %s", view_str(view, "attention"));
	char *logs = logctx_card_text(view, 3, 4000);
	if (logs) {
		rule(&b, width, "├", "┤", "logs");
		for (char *l = logs, *nl; l; l = nl) {
			if ((nl = strchr(l, '\n')) != NULL)
				*nl++ = '\0';
			line(&b, width, "%s", l);
		}
		free(logs);
	}
	if (cJSON_GetArraySize(cJSON_GetObjectItem(view, "related")) > 0)
		render_related(&b, width, view);
	if (act) {
		rule(&b, width, "├", "┤", p.fix_heading);
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
	char *outcome = present_outcome(view);
	if (outcome)
		line(&b, width, "Outcome:   %s", outcome);
	free(outcome);
	render_commands(&b, width, view, &p);
	rule(&b, width, "╰", "╯", NULL);
	return buf_steal(&b);
}

char *
card_text_list(const cJSON *list)
{
	struct buf b;
	const cJSON *it;

	buf_init(&b, 256 * 1024);
	cJSON_ArrayForEach(it, list) buf_printf(
	    &b, "%-8s %-18s %-5s %s%s%s%s\n", view_str(it, "key"), view_str(it, "state"),
	    view_str(it, "severity"), view_str(it, "title"), *view_str(it, "resource") ? " (" : "",
	    view_str(it, "resource"), *view_str(it, "resource") ? ")" : "");
	if (b.len == 0)
		buf_printf(&b, "no incidents\n");
	return buf_steal(&b);
}
