/* ui_incident.c — one incident's web page, in the order an on-call engineer reads it: the
 * state once, prominently; the decision (fix, cost, risk and why, what the policy says,
 * approvals) with the action forms; the analysis; diagnostics and steps each once, in
 * order, with their output; related alerts, the recovery ladder, log templates, similar
 * incidents and the timeline. Pure: JSON in, HTML out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "present.h"
#include "ui.h"
#include "util.h"
#include "view.h"

#define LOG_TEMPLATES_MAX 10 /* per source: the page is for reading, the audit keeps all */

/* What the page showed: the engine refuses a click when the state or the proposal moved. */
static void
form_open(struct buf *b, const struct ui_ctx *c, const cJSON *v, const cJSON *act, const char *verb)
{
	buf_printf(b, "<form method=\"post\" action=\"/ui/incidents/%lld/%s\">",
		   (long long)view_num(v, "id"), verb);
	ui_csrf_field(b, c);
	buf_printf(b,
		   "<input type=\"hidden\" name=\"version\" value=\"%d\">"
		   "<input type=\"hidden\" name=\"action_id\" value=\"%lld\">"
		   "<input type=\"hidden\" name=\"state\" value=\"",
		   (int)view_num(v, "version"), (long long)(act ? view_num(act, "id") : 0));
	ui_esc(b, view_str(v, "state"));
	buf_printf(b, "\">");
}

/* The buttons the state allows (present_view decides, as on every chat card) and Close. */
static void
actions(struct buf *b, const struct ui_ctx *c, const cJSON *v, const cJSON *act,
	const struct present *p)
{
	buf_printf(b, "<div class=\"actions\" id=\"actions\">");
	if (p->buttons & VERB_APPROVE) {
		form_open(b, c, v, act, "approve");
		buf_printf(b, "<button class=\"primary\" id=\"approve\" type=\"submit\">Approve"
			      "</button></form>");
	}
	if (p->buttons & VERB_REJECT) {
		form_open(b, c, v, act, "reject");
		buf_printf(b, "<label>Reason<input type=\"text\" name=\"reason\" id=\"reason\" "
			      "maxlength=\"400\" required></label><button class=\"danger\" "
			      "id=\"reject\" type=\"submit\">Reject</button></form>");
	}
	if (act != NULL) {
		form_open(b, c, v, act, "dryrun");
		buf_printf(b, "<button id=\"dryrun\" type=\"submit\">Dry run</button></form>");
	}
	if (p->buttons & VERB_ACK) {
		form_open(b, c, v, act, "ack");
		buf_printf(b, "<button id=\"ack\" type=\"submit\">Acknowledge</button></form>");
	}
	form_open(b, c, v, act, "close");
	buf_printf(b, "<button id=\"close\" type=\"submit\">Close</button></form></div>");
}

/* The one place the state is shown, with what kind of incident it is. */
static void
status_line(struct buf *b, const struct ui_ctx *c, const cJSON *v, const struct present *p)
{
	char age[32];
	int64_t created = 0;

	time_parse_iso(view_str(v, "created_at"), &created);
	duration_format(c->now > created && created > 0 ? c->now - created : 0, age, sizeof(age));
	buf_printf(b, "<p class=\"status tone-%s\"><b class=\"state\" id=\"state\">", p->tone);
	ui_esc(b, p->state_label);
	buf_printf(b, "</b> <span class=\"sev sev-");
	ui_esc(b, view_str(v, "severity"));
	buf_printf(b, "\">");
	ui_esc(b, view_str(v, "severity"));
	buf_printf(b, "</span> <span>");
	ui_esc(b, *view_str(v, "resource") ? view_str(v, "resource") : "no resource");
	buf_printf(b, " · from ");
	ui_esc(b, view_str(v, "source"));
	buf_printf(b, " · opened %s ago · %d× · ", age, (int)view_num(v, "occurrences"));
	if (*view_str(v, "acked_by")) {
		buf_printf(b, "acknowledged by ");
		ui_esc(b, present_user(v, view_str(v, "acked_by")));
	} else {
		buf_printf(b, "not acknowledged");
	}
	buf_printf(b, "</span></p>");
}

static void
fact(struct buf *b, const char *label, const char *value)
{
	if (value == NULL || *value == '\0')
		return;
	buf_printf(b, "<dt>%s</dt><dd>", label);
	ui_esc(b, value);
	buf_printf(b, "</dd>");
}

/* When an unanswered proposal lapses, and how soon: at 3 a.m. nobody does the arithmetic. */
static void
expires(struct buf *b, const struct ui_ctx *c, const char *at)
{
	int64_t ms = 0;
	char left[32];

	if (*at == '\0' || time_parse_iso(at, &ms) != 0)
		return;
	buf_printf(b, "<dt>Expires</dt><dd id=\"expires\">");
	ui_esc(b, at);
	if (ms > c->now) {
		duration_format(ms - c->now, left, sizeof(left));
		buf_printf(b, " <span class=\"mute\">(in %s)</span>", left);
	}
	buf_printf(b, "</dd>");
}

/* The proposed fix and what stands between it and running: cost, risk and its reasons, the
 * policy's outcome, approvals needed and given. */
static void
decision(struct buf *b, const struct ui_ctx *c, const cJSON *v, const cJSON *act,
	 const struct present *p)
{
	const cJSON *it;
	char text[96];
	int given = 0;

	buf_printf(b, "<section id=\"decision\"><h2>");
	ui_esc(b, p->fix_heading);
	buf_printf(b, "</h2><p class=\"fix\"><b>");
	ui_esc(b, *view_str(act, "runbook_title") ? view_str(act, "runbook_title")
						  : view_str(act, "runbook"));
	buf_printf(b, "</b> <span class=\"mute\">runbook ");
	ui_esc(b, view_str(act, "runbook"));
	buf_printf(b, " · ");
	ui_esc(b, view_str(act, "status"));
	buf_printf(b, "%s</span></p><dl class=\"facts\">",
		   cJSON_IsTrue(cJSON_GetObjectItem(act, "dry_run")) ? " · dry run" : "");
	snprintf(text, sizeof(text), "risk tone-%s", p->risk_tone);
	html_cost_risk(b, act, text);
	fact(b, "Policy", view_str(act, "decision_reason"));
	if (strcmp(view_str(act, "decision"), "approval") == 0) {
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(v, "approvals"))
		{
			given += strcmp(view_str(it, "decision"), "approve") == 0;
		}
		buf_printf(b, "<dt>Approvals</dt><dd id=\"approvals\">%d of %d given", given,
			   (int)view_num(act, "approvals_needed"));
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(v, "approvals"))
		{
			buf_printf(b, "<br>");
			ui_esc(b, view_str(it, "decision"));
			buf_printf(b, " by ");
			ui_esc(b, present_user(v, view_str(it, "user")));
			if (*view_str(it, "reason")) {
				buf_printf(b, ": ");
				ui_esc(b, view_str(it, "reason"));
			}
		}
		buf_printf(b, "</dd>");
		if (!p->terminal)
			expires(b, c, view_str(act, "expires_at"));
	}
	buf_printf(b, "</dl>");
}

static void
analysis(struct buf *b, const cJSON *v, const struct present *p)
{
	if (*view_str(v, "analysis") == '\0')
		return;
	buf_printf(b, "<h2>Analysis</h2><p class=\"mute\">");
	ui_esc(b, *p->source ? p->source : "analysis");
	buf_printf(b, ", confidence %.2f</p><p id=\"analysis\">", view_num(v, "confidence"));
	ui_esc(b, view_str(v, "analysis"));
	buf_printf(b, "</p>");
}

static void
run_item(struct buf *b, const cJSON *s)
{
	char dur[32];

	duration_format((int64_t)view_num(s, "duration_ms"), dur, sizeof(dur));
	buf_printf(b, "<li class=\"run%s\"><details open><summary>",
		   present_run_failed(s) ? " failed" : "");
	ui_esc(b, view_str(s, "phase"));
	buf_printf(b, " · <b>");
	ui_esc(b, view_str(s, "name"));
	buf_printf(b, "</b> · ");
	ui_esc(b, view_str(s, "status"));
	buf_printf(b, " <span class=\"mute\">(%s", dur);
	if (view_num(s, "attempt") > 1)
		buf_printf(b, ", attempt %d", (int)view_num(s, "attempt"));
	buf_printf(b, ")</span></summary>");
	if (*view_str(s, "error")) {
		buf_printf(b, "<p class=\"message refused\">");
		ui_esc(b, view_str(s, "error"));
		buf_printf(b, "</p>");
	}
	if (*view_str(s, "output") || *view_str(s, "stderr")) {
		buf_printf(b, "<pre>");
		ui_esc(b, view_str(s, "output"));
		if (*view_str(s, "stderr")) {
			buf_printf(b, "%s--- stderr ---\n", *view_str(s, "output") ? "\n" : "");
			ui_esc(b, view_str(s, "stderr"));
		}
		buf_printf(b, "%s</pre>",
			   cJSON_IsTrue(cJSON_GetObjectItem(s, "truncated"))
			       ? "\n[output truncated]"
			       : "");
	}
	buf_printf(b, "</details></li>");
}

/* Whether the planned step "name: what it does" has a run already. */
static bool
step_ran(const cJSON *runs, const char *planned)
{
	const cJSON *s;

	cJSON_ArrayForEach(s, runs)
	{
		size_t n = strlen(view_str(s, "name"));
		if (strcmp(view_str(s, "phase"), "step") == 0 && n > 0 &&
		    strncmp(planned, view_str(s, "name"), n) == 0 && planned[n] == ':')
			return true;
	}
	return false;
}

static const char *
planned_step(const cJSON *s)
{
	const char *t = cJSON_GetStringValue(s);

	return t ? t : "";
}

/* Every run in the order it happened, then the fix's steps still to run: each once. */
static void
steps(struct buf *b, const cJSON *v, const cJSON *act)
{
	const cJSON *runs = cJSON_GetObjectItem(v, "step_runs"), *s;
	const cJSON *plan = act ? cJSON_GetObjectItem(act, "steps") : NULL;
	bool pending = false;

	cJSON_ArrayForEach(s, plan)
	{
		pending = pending || !step_ran(runs, planned_step(s));
	}
	if (cJSON_GetArraySize(runs) == 0 && !pending)
		return;
	buf_printf(b, "<h2>Diagnostics and steps</h2><ol class=\"runs\" id=\"steps\">");
	cJSON_ArrayForEach(s, runs)
	{
		run_item(b, s);
	}
	cJSON_ArrayForEach(s, plan)
	{
		const char *planned = planned_step(s);
		if (step_ran(runs, planned))
			continue;
		buf_printf(b, "<li class=\"run pending\">step · not run yet · <code>");
		ui_esc(b, planned);
		buf_printf(b, "</code></li>");
	}
	buf_printf(b, "</ol>");
}

/* Alerts that joined the incident under a correlate rule, each by the fingerprint `split`
 * takes. */
static void
related(struct buf *b, const cJSON *v)
{
	if (cJSON_GetArraySize(cJSON_GetObjectItem(v, "related")) == 0)
		return;
	buf_printf(b, "<h2>Related alerts</h2><div id=\"related\">");
	html_related(b, v, true);
	buf_printf(b, "</div>");
}

static void
ladder(struct buf *b, const cJSON *v)
{
	const cJSON *s, *stages = cJSON_GetObjectItem(cJSON_GetObjectItem(v, "ladder"), "stages");

	if (cJSON_GetArraySize(stages) == 0)
		return;
	buf_printf(b, "<h2>Recovery ladder</h2><ol class=\"ladder\" id=\"ladder\">");
	cJSON_ArrayForEach(s, stages)
	{
		bool cur = cJSON_IsTrue(cJSON_GetObjectItem(s, "current"));
		buf_printf(b, "<li%s>", cur ? " aria-current=\"step\"" : "");
		ui_esc(b, view_str(s, "title"));
		buf_printf(b, " <span class=\"mute\">(");
		ui_esc(b, view_str(s, "runbook"));
		buf_printf(b, ")</span> — ");
		ui_esc(b, *view_str(s, "status") ? view_str(s, "status") : "not tried");
		buf_printf(b, "%s</li>", cur ? " ◀ now" : "");
	}
	buf_printf(b, "</ol>");
}

static void
log_templates(struct buf *b, const cJSON *v)
{
	const cJSON *row, *t;

	if (cJSON_GetArraySize(cJSON_GetObjectItem(v, "log_context")) == 0)
		return;
	buf_printf(b, "<h2>Logs</h2><div id=\"logs\">");
	cJSON_ArrayForEach(row, cJSON_GetObjectItem(v, "log_context"))
	{
		int n = 0;

		buf_printf(b, "<p>");
		ui_esc(b, view_str(row, "summary"));
		buf_printf(b, "</p><ul class=\"templates\">");
		cJSON_ArrayForEach(t, cJSON_GetObjectItem(row, "templates"))
		{
			if (n++ == LOG_TEMPLATES_MAX)
				break;
			buf_printf(b, "<li><b>%d×</b> <code>", (int)view_num(t, "count"));
			ui_esc(b, view_str(t, "template"));
			buf_printf(b, "</code></li>");
		}
		buf_printf(b, "</ul>");
	}
	buf_printf(b, "</div>");
}

static void
similar(struct buf *b, const cJSON *v)
{
	const cJSON *s;

	if (cJSON_GetArraySize(cJSON_GetObjectItem(v, "similar")) == 0)
		return;
	buf_printf(b, "<h2>Similar incidents</h2><ul id=\"similar\">");
	cJSON_ArrayForEach(s, cJSON_GetObjectItem(v, "similar"))
	{
		char *rb = present_similar_runbook(s), when[64];

		present_similar_time(s, when, sizeof(when));
		buf_printf(b, "<li>");
		ui_esc(b, view_str(s, "key"));
		buf_printf(b, " ");
		ui_esc(b, view_str(s, "title"));
		buf_printf(b, " — ");
		ui_esc(b, rb);
		if (*when) {
			buf_printf(b, ", ");
			ui_esc(b, when);
		}
		buf_printf(b, "</li>");
		free(rb);
	}
	buf_printf(b, "</ul>");
}

static void
timeline(struct buf *b, const cJSON *v)
{
	const cJSON *t;

	buf_printf(b, "<h2>Timeline</h2><ol class=\"timeline\" id=\"timeline\">");
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(v, "timeline"))
	{
		buf_printf(b, "<li><time>");
		ui_esc(b, view_str(t, "at"));
		buf_printf(b, "</time> <b>");
		ui_esc(b, present_user(v, view_str(t, "actor")));
		buf_printf(b, "</b> ");
		ui_esc(b, view_str(t, "message"));
		buf_printf(b, "</li>");
	}
	buf_printf(b, "</ol>");
}

char *
ui_incident_html(const struct ui_ctx *c, const cJSON *v)
{
	const cJSON *act = cJSON_GetObjectItem(v, "action");
	struct present p;
	struct buf b;
	char *title, *outcome;

	if (!cJSON_IsObject(act))
		act = NULL;
	present_view(v, &p);
	buf_init(&b, 8 * 1024 * 1024);
	title = xasprintf("%s %s", view_str(v, "key"), view_str(v, "title"));
	ui_head(&b, c, title, "incidents", !p.terminal);
	free(title);
	buf_printf(&b, "<h1>");
	ui_esc(&b, view_str(v, "key"));
	buf_printf(&b, " · ");
	ui_esc(&b, view_str(v, "title"));
	buf_printf(&b, "</h1>");
	status_line(&b, c, v, &p);
	if ((outcome = present_outcome(v)) != NULL) {
		buf_printf(&b, "<p class=\"message\" id=\"outcome\">");
		ui_esc(&b, outcome);
		buf_printf(&b, "</p>");
		free(outcome);
	}
	if (*view_str(v, "attention")) {
		buf_printf(&b, "<p class=\"message refused\" id=\"attention\">");
		ui_esc(&b, view_str(v, "attention"));
		buf_printf(&b, "</p>");
	}
	if (act != NULL)
		decision(&b, c, v, act, &p);
	if (!p.terminal)
		actions(&b, c, v, act, &p);
	if (act != NULL)
		buf_printf(&b, "</section>");
	analysis(&b, v, &p);
	steps(&b, v, act);
	related(&b, v);
	ladder(&b, v);
	log_templates(&b, v);
	similar(&b, v);
	timeline(&b, v);
	ui_foot(&b);
	return buf_steal(&b);
}
