/* teams_card.c — the incident view as an Adaptive Card 1.5 (header, facts, analysis with its
 * memory, proposal, progress, Action.Execute buttons), cut to fit Teams' size limits. Pure. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "teams_card.h"
#include "teams_card_int.h"
#include "util.h"
#include "view.h"

/* How much of each long thing a render keeps; tried in order until the card fits. */
struct level {
	size_t output; /* bytes of a step run's output */
	size_t text;   /* bytes of analysis, attention, decision, outcome, plan */
	int runs;      /* step runs shown (the latest ones) */
	int items;     /* steps, params, risk reasons, approvals */
};
static const struct level levels[] = {
    {3000, 4000, 40, 40},
    {1000, 2000, 20, 20},
    {300, 800, 10, 10},
    {0, 300, 5, 5},
};

/* A header colour per severity; a resolved incident turns green. */
static const struct {
	const char *severity, *style, *mark;
} severities[] = {
    {"sev1", "attention", "🔴"},
    {"sev2", "warning", "🟠"},
    {"sev3", "accent", "🔵"},
    {"sev4", "emphasis", "⚪"},
};

#define SIMILAR_SHOWN 3 /* what the analysis shows of its memory (views.md "similar") */

static const char *const terminal_states[] = {"resolved", "rejected", "expired", "rolled_back",
					      "closed"};

static bool
terminal(const char *state)
{
	for (size_t i = 0; i < ARRAY_LEN(terminal_states); i++)
		if (strcmp(state, terminal_states[i]) == 0)
			return true;
	return false;
}

static void
human_state(const char *state, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s", state);
	for (char *p = out; *p; p++)
		if (*p == '_')
			*p = ' ';
}

static void
render_header(cJSON *body, const cJSON *view)
{
	const char *sev = view_str(view, "severity"), *style = "default", *mark = "⚪";
	char state[32], sevu[8];
	size_t i;

	for (i = 0; i < ARRAY_LEN(severities); i++)
		if (strcmp(sev, severities[i].severity) == 0) {
			style = severities[i].style;
			mark = severities[i].mark;
		}
	if (strcmp(view_str(view, "state"), "resolved") == 0) {
		style = "good";
		mark = "✅";
	}
	human_state(view_str(view, "state"), state, sizeof(state));
	for (i = 0; sev[i] && i + 1 < sizeof(sevu); i++)
		sevu[i] = (char)(sev[i] >= 'a' && sev[i] <= 'z' ? sev[i] - 32 : sev[i]);
	sevu[i] = '\0';
	cJSON *items = tc_container(body, style);
	cJSON_AddBoolToObject(cJSON_GetArrayItem(body, cJSON_GetArraySize(body) - 1), "bleed",
			      true);
	cJSON *t = tc_textf(items, "%s %s · %s · %s", mark, view_str(view, "key"), sevu, state);
	cJSON_AddStringToObject(t, "weight", "Bolder");
	char *title = tc_cut(view_str(view, "title"), 300);
	t = tc_text(items, title);
	cJSON_AddStringToObject(t, "size", "Large");
	free(title);
}

static void
render_facts(cJSON *body, const cJSON *view)
{
	cJSON *fs = cJSON_CreateObject(), *facts;
	char state[32], age[32], occ[16];
	const char *who = view_str(view, "assignee");

	cJSON_AddStringToObject(fs, "type", "FactSet");
	facts = cJSON_AddArrayToObject(fs, "facts");
	human_state(view_str(view, "state"), state, sizeof(state));
	duration_format((int64_t)view_num(view, "age_s") * 1000, age, sizeof(age));
	snprintf(occ, sizeof(occ), "%d", (int)view_num(view, "occurrences"));
	tc_fact(facts, "State", state);
	tc_fact(facts, "Resource", view_str(view, "resource"));
	tc_fact(facts, "Source", view_str(view, "source"));
	tc_fact(facts, "Age", age);
	tc_fact(facts, "Occurrences", occ);
	tc_fact(facts, "Assignee",
		*who			      ? who
		: *view_str(view, "acked_by") ? view_str(view, "acked_by")
					      : "unassigned");
	if (*view_str(view, "acked_by"))
		tc_fact(facts, "Acknowledged by", view_str(view, "acked_by"));
	if (cJSON_IsTrue(cJSON_GetObjectItem(view, "alert_cleared")))
		tc_fact(facts, "Alert", "cleared at the source");
	cJSON_AddItemToArray(body, fs);
}

static void
render_approvals(cJSON *items, const cJSON *view, const cJSON *act, const struct level *lv)
{
	const cJSON *it;
	struct buf b;
	int approved = 0, shown = 0;

	buf_init(&b, 0);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(view, "approvals"))
	{
		bool ok = strcmp(view_str(it, "decision"), "approve") == 0;
		approved += ok;
		if (shown++ >= lv->items)
			continue;
		char *user = tc_cut(view_str(it, "user"), 120),
		     *reason = tc_cut(view_str(it, "reason"), 300);
		buf_printf(&b, "\r- %s %s%s%s%s", ok ? "✅ approved by" : "❌ rejected by", user,
			   *view_str(it, "roles") ? " (" : "", view_str(it, "roles"),
			   *view_str(it, "roles") ? ")" : "");
		if (*reason)
			buf_printf(&b, ": %s", reason);
		free(user);
		free(reason);
	}
	if (strcmp(view_str(act, "decision"), "approval") == 0 || b.len > 0)
		tc_textf(items, "**Approvals:** %d of %d%s", approved,
			 (int)view_num(act, "approvals_needed"), b.data ? b.data : "");
	buf_free(&b);
}

static void
render_action(cJSON *body, const cJSON *view, const cJSON *act, const struct level *lv)
{
	const cJSON *it;
	cJSON *items = tc_container(body, "emphasis");
	char *s, *t;
	int n = 0;

	s = tc_cut(view_str(act, "runbook"), 128);
	t = tc_cut(view_str(act, "runbook_title"), 300);
	tc_textf(items, "**Proposed fix:** %s%s%s", s, *t ? " — " : "", t);
	free(s);
	free(t);
	cJSON *fs = cJSON_CreateObject(), *facts;
	cJSON_AddStringToObject(fs, "type", "FactSet");
	facts = cJSON_AddArrayToObject(fs, "facts");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(act, "params"))
	{
		/* the builtins are on the card already */
		if (strcmp(it->string, "incident") == 0 || strcmp(it->string, "resource") == 0 ||
		    !cJSON_IsString(it) || n++ >= lv->items)
			continue;
		char *k = tc_cut(it->string, 64);
		tc_fact(facts, k, it->valuestring);
		free(k);
	}
	if (cJSON_GetArraySize(facts) > 0)
		cJSON_AddItemToArray(items, fs);
	else
		cJSON_Delete(fs);
	if (cJSON_GetArraySize(cJSON_GetObjectItem(act, "steps")) > 0) {
		s = tc_bullets(cJSON_GetObjectItem(act, "steps"), lv->items, true, 300);
		tc_text(items, "**Steps:**");
		tc_text(items, s);
		free(s);
	}
	s = tc_cut(view_str(act, "cost_formula"), lv->text);
	tc_textf(items, "**Cost:** $%.2f%s%s%s", view_num(act, "cost_usd"), *s ? " (" : "", s,
		 *s ? ")" : "");
	free(s);
	s = tc_bullets(cJSON_GetObjectItem(act, "risk_reasons"), lv->items, false, 200);
	tc_textf(items, "**Risk:** %d/100 %s%s%s", (int)view_num(act, "risk_score"),
		 view_str(act, "risk_level"), *s ? "\r" : "", s);
	free(s);
	if (*view_str(act, "decision_reason")) {
		s = tc_cut(view_str(act, "decision_reason"), lv->text);
		tc_textf(items, "**Decision:** %s", s);
		free(s);
	}
	render_approvals(items, view, act, lv);
}

static const char *
run_mark(const char *status)
{
	if (strcmp(status, "ok") == 0)
		return "✅";
	if (strcmp(status, "running") == 0)
		return "⏳";
	if (strcmp(status, "interrupted") == 0)
		return "⚠️";
	return "❌";
}

static void
render_runs(cJSON *body, const cJSON *view, const struct level *lv)
{
	const cJSON *runs = cJSON_GetObjectItem(view, "step_runs"), *it;
	int n = cJSON_GetArraySize(runs), i = 0;

	if (n == 0)
		return;
	cJSON *items = tc_container(body, NULL);
	tc_text(items, "**Progress:**");
	if (n > lv->runs)
		tc_textf(items, "… %d earlier step runs not shown", n - lv->runs);
	cJSON_ArrayForEach(it, runs)
	{
		if (i++ < n - lv->runs)
			continue;
		char d[32] = "";
		if (cJSON_IsNumber(cJSON_GetObjectItem(it, "duration_ms")))
			duration_format((int64_t)view_num(it, "duration_ms"), d, sizeof(d));
		char *name = tc_cut(view_str(it, "name"), 200),
		     *err = tc_cut(view_str(it, "error"), 300);
		tc_textf(items, "%s %s · %s%s%s%s%s%s", run_mark(view_str(it, "status")),
			 view_str(it, "phase"), name, *d ? " (" : "", d, *d ? ")" : "",
			 *err ? " — " : "", err);
		free(name);
		free(err);
		if (lv->output == 0 || !*view_str(it, "output"))
			continue;
		char *out = tc_cut(view_str(it, "output"), lv->output);
		cJSON *t = tc_text(items, out);
		cJSON_AddStringToObject(t, "fontType", "Monospace");
		cJSON_AddStringToObject(t, "size", "Small");
		cJSON_AddBoolToObject(t, "isSubtle", true);
		free(out);
	}
}

/* Which analysis the card shows (views.md "analysis_source"), as the console says it. */
static const char *
source_name(const char *src)
{
	static const char *const names[][2] = {{"rules", "rule match"},
					       {"search", "text-search suggestion"},
					       {"llm", "LLM analysis"},
					       {"request", "requested by a human"}};

	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		if (strcmp(src, names[i][0]) == 0)
			return names[i][1];
	return "";
}

static void
render_analysis(cJSON *body, const cJSON *view, const struct level *lv)
{
	const char *src = source_name(view_str(view, "analysis_source"));
	char *s;

	if (!*view_str(view, "analysis"))
		return;
	s = tc_cut(view_str(view, "analysis"), lv->text);
	tc_textf(body, "**Analysis** (%s%sconfidence %.0f%%): %s", src, *src ? ", " : "",
		 view_num(view, "confidence") * 100, s);
	free(s);
}

/* "🤖 LLM: gpt-4o-mini, ok, 1830+96 tokens, $0.0004": what the model was asked and cost. */
static void
render_llm(cJSON *body, const cJSON *llm)
{
	const char *status;
	char *model, *st;
	cJSON *t;

	if (!cJSON_IsObject(llm))
		return;
	status = view_str(llm, "status");
	model = tc_cut(*view_str(llm, "model") ? view_str(llm, "model") : "model", 100);
	st = tc_cut(status, 24);
	if (strcmp(status, "pending") == 0)
		t = tc_textf(body, "🤖 **LLM:** %s is analysing; the decision waits for it",
			     model);
	else /* why it was not used is in the analysis text */
		t = tc_textf(body, "🤖 **LLM:** %s, %s%s%s, %d+%d tokens, $%.4f", model,
			     strcmp(status, "ok") ? "not used (" : "", st,
			     strcmp(status, "ok") ? ")" : "", (int)view_num(llm, "prompt_tokens"),
			     (int)view_num(llm, "completion_tokens"), view_num(llm, "cost_usd"));
	cJSON_AddBoolToObject(t, "isSubtle", true);
	free(model);
	free(st);
}

/* The past incidents the analysis found: key, state, runbook, time to resolve, same
 * resource, then their outcome (or title while they have none). */
static void
render_similar(cJSON *body, const cJSON *view, const struct level *lv)
{
	const cJSON *sim = cJSON_GetObjectItem(view, "similar"), *it;
	struct buf b;
	int n = 0;

	if (cJSON_GetArraySize(sim) == 0)
		return;
	buf_init(&b, 0);
	cJSON_ArrayForEach(it, sim)
	{
		const cJSON *rs = cJSON_GetObjectItem(it, "resolve_s");
		char state[32], d[32] = "";
		if (n++ == SIMILAR_SHOWN)
			break;
		human_state(view_str(it, "state"), state, sizeof(state));
		if (cJSON_IsNumber(rs))
			duration_format((int64_t)(rs->valuedouble * 1000), d, sizeof(d));
		char *key = tc_cut(view_str(it, "key"), 32), *st = tc_cut(state, sizeof(state));
		char *rb =
		    tc_cut(*view_str(it, "runbook") ? view_str(it, "runbook") : "no runbook", 100);
		char *what = tc_cut(view_str(it, *view_str(it, "outcome") ? "outcome" : "title"),
				    lv->text < 300 ? lv->text : 300);
		buf_printf(&b, "%s- **%s** · %s · %s%s%s%s%s%s", b.len ? "\r" : "", key, st, rb,
			   *d ? " · resolved in " : "", d,
			   cJSON_IsTrue(cJSON_GetObjectItem(it, "same_resource"))
			       ? " · same resource"
			       : "",
			   *what ? " — " : "", what);
		free(key);
		free(st);
		free(rb);
		free(what);
	}
	cJSON *items = tc_container(body, NULL);
	tc_text(items, "**Similar incidents:**");
	tc_text(items, b.data);
	buf_free(&b);
}

/* Action.Execute with what the card shows (the click's staleness check), and the same as an
 * Action.Submit for clients older than card 1.4. */
static cJSON *
execute(const cJSON *view, const char *title, const char *verb)
{
	const cJSON *act = cJSON_GetObjectItem(view, "action");
	cJSON *a = cJSON_CreateObject(), *data = cJSON_CreateObject();

	cJSON_AddNumberToObject(data, "incident", view_num(view, "id"));
	cJSON_AddNumberToObject(data, "version", view_num(view, "version"));
	cJSON_AddNumberToObject(data, "action_id", view_num(act, "id"));
	cJSON_AddStringToObject(data, "state", view_str(view, "state"));
	cJSON_AddStringToObject(a, "type", "Action.Execute");
	cJSON_AddStringToObject(a, "title", title);
	cJSON_AddStringToObject(a, "verb", verb);
	cJSON *fb = cJSON_CreateObject();
	cJSON_AddStringToObject(fb, "type", "Action.Submit");
	cJSON_AddStringToObject(fb, "title", title);
	cJSON *fdata = cJSON_Duplicate(data, true);
	cJSON_AddStringToObject(fdata, "verb", verb);
	cJSON_AddItemToObject(fb, "data", fdata);
	cJSON_AddItemToObject(a, "data", data);
	cJSON_AddItemToObject(a, "fallback", fb);
	return a;
}

static void
render_actions(cJSON *card, const cJSON *view)
{
	const char *state = view_str(view, "state");
	bool awaiting = strcmp(state, "awaiting_approval") == 0;
	bool acked = *view_str(view, "acked_by") != '\0';
	cJSON *actions = cJSON_CreateArray();

	if (awaiting) {
		cJSON_AddItemToArray(actions, execute(view, "Approve", "approve"));
		/* Reject asks for the reason in a sub-card; Teams checks isRequired */
		cJSON *sc = cJSON_CreateObject(), *sub = cJSON_CreateObject(), *in;
		cJSON_AddStringToObject(sc, "type", "Action.ShowCard");
		cJSON_AddStringToObject(sc, "title", "Reject");
		cJSON_AddStringToObject(sub, "type", "AdaptiveCard");
		cJSON *sb = cJSON_AddArrayToObject(sub, "body");
		in = cJSON_CreateObject();
		cJSON_AddStringToObject(in, "type", "Input.Text");
		cJSON_AddStringToObject(in, "id", "reason");
		cJSON_AddStringToObject(in, "label", "Why reject?");
		cJSON_AddBoolToObject(in, "isRequired", true);
		cJSON_AddStringToObject(in, "errorMessage", "A reason is required to reject.");
		cJSON_AddBoolToObject(in, "isMultiline", true);
		cJSON_AddNumberToObject(in, "maxLength", 500);
		cJSON_AddItemToArray(sb, in);
		cJSON *sa = cJSON_AddArrayToObject(sub, "actions");
		cJSON_AddItemToArray(sa, execute(view, "Reject", "reject"));
		cJSON_AddItemToObject(sc, "card", sub);
		cJSON_AddItemToArray(actions, sc);
		cJSON_AddItemToArray(actions, execute(view, "Dry run", "dryrun"));
	}
	if (!acked)
		cJSON_AddItemToArray(actions, execute(view, "Acknowledge", "ack"));
	if (cJSON_GetArraySize(actions) > 0)
		cJSON_AddItemToObject(card, "actions", actions);
	else
		cJSON_Delete(actions);
}

static cJSON *
render_level(const cJSON *view, const struct teams_card_opts *o, const struct level *lv)
{
	cJSON *card = cJSON_CreateObject(), *body, *ms;
	const cJSON *act = cJSON_GetObjectItem(view, "action");
	char *s;

	cJSON_AddStringToObject(card, "type", "AdaptiveCard");
	cJSON_AddStringToObject(card, "$schema",
				"http://adaptivecards.io/schemas/adaptive-card.json");
	cJSON_AddStringToObject(card, "version", "1.5");
	ms = cJSON_AddObjectToObject(card, "msteams");
	cJSON_AddStringToObject(ms, "width", "Full");
	s = utf8_truncate(view_str(view, "title"), 200);
	char *fb = xasprintf("%s %s %s: %s", view_str(view, "key"), view_str(view, "severity"),
			     view_str(view, "state"), s);
	cJSON_AddStringToObject(card, "fallbackText", fb);
	free(fb);
	free(s);
	body = cJSON_AddArrayToObject(card, "body");
	render_header(body, view);
	if (o->notice && *o->notice) {
		s = tc_cut(o->notice, lv->text);
		tc_textf(tc_container(body, "warning"), "⚠️ %s", s);
		free(s);
	}
	render_facts(body, view);
	render_analysis(body, view, lv);
	render_llm(body, cJSON_GetObjectItem(view, "llm"));
	if (*view_str(view, "attention")) {
		s = tc_cut(view_str(view, "attention"), lv->text);
		cJSON_AddStringToObject(tc_textf(body, "**Needs attention:** %s", s), "color",
					"attention");
		free(s);
	}
	tc_related(body, view);
	render_similar(body, view, lv);
	if (cJSON_IsObject(act))
		render_action(body, view, act, lv);
	tc_ladder(body, view);
	render_runs(body, view, lv);
	if (*view_str(view, "outcome")) {
		s = tc_cut(view_str(view, "outcome"), lv->text);
		cJSON *t = tc_textf(body, "**Outcome:** %s", s);
		cJSON_AddStringToObject(t, "weight", "Bolder");
		cJSON_AddStringToObject(
		    t, "color",
		    strcmp(view_str(view, "state"), "resolved") == 0 ? "good" : "attention");
		free(s);
	}
	if (o->plan && *o->plan) {
		cJSON *items = tc_container(body, "emphasis");
		tc_text(items, "**Dry run** — nothing was executed:");
		s = tc_cut(o->plan, lv->text);
		cJSON *t = tc_text(items, s);
		cJSON_AddStringToObject(t, "fontType", "Monospace");
		cJSON_AddStringToObject(t, "size", "Small");
		free(s);
	}
	if (o->interactive && !terminal(view_str(view, "state")))
		render_actions(card, view);
	return card;
}

static size_t
card_size(const cJSON *card)
{
	char *s = cJSON_PrintUnformatted(card);
	size_t n;

	if (s == NULL)
		fatalx("out of memory (cJSON print)");
	n = strlen(s);
	cJSON_free(s);
	return n;
}

/* The last resort when even the smallest level does not fit: what it is and where to look. */
static cJSON *
render_minimal(const cJSON *view)
{
	cJSON *card = cJSON_CreateObject(), *body;

	cJSON_AddStringToObject(card, "type", "AdaptiveCard");
	cJSON_AddStringToObject(card, "version", "1.5");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(card, "msteams"), "width", "Full");
	body = cJSON_AddArrayToObject(card, "body");
	render_header(body, view);
	tc_textf(body, "This incident is too large for a card: use `show %s`.",
		 view_str(view, "key"));
	return card;
}

cJSON *
teams_card_render(const cJSON *view, const struct teams_card_opts *o)
{
	size_t max = o->max_bytes ? o->max_bytes : TEAMS_CARD_MAX_BOT;

	for (size_t i = 0; i < ARRAY_LEN(levels); i++) {
		cJSON *card = render_level(view, o, &levels[i]);
		if (card_size(card) <= max)
			return card;
		cJSON_Delete(card);
	}
	return render_minimal(view);
}

cJSON *
teams_card_attachment(cJSON *card)
{
	cJSON *a = cJSON_CreateObject();

	cJSON_AddStringToObject(a, "contentType", "application/vnd.microsoft.card.adaptive");
	cJSON_AddItemToObject(a, "content", card);
	return a;
}
