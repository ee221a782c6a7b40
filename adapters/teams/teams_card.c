/* teams_card.c — the incident view as an Adaptive Card 1.5 (header, facts, analysis with its
 * memory, proposal, progress, Action.Execute buttons), cut to fit Teams' size limits. Pure. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "logctx.h"
#include "present.h"
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

#define SIMILAR_SHOWN 3 /* what the analysis shows of its memory (views.md "similar") */

/* A TextBlock colour from a present.h tone ("accent" and "default" have no text colour). */
static const char *
tone_color(const char *tone)
{
	static const char *const colored[] = {"good", "warning", "attention"};

	for (size_t i = 0; i < ARRAY_LEN(colored); i++)
		if (strcmp(tone, colored[i]) == 0)
			return tone;
	return "default";
}

/* The header: coloured and marked by the state (the severity while undecided). */
static void
render_header(cJSON *body, const cJSON *view, const struct present *p)
{
	const char *sev = view_str(view, "severity");
	char sevu[8];
	size_t i;

	for (i = 0; sev[i] && i + 1 < sizeof(sevu); i++)
		sevu[i] = (char)(sev[i] >= 'a' && sev[i] <= 'z' ? sev[i] - 32 : sev[i]);
	sevu[i] = '\0';
	cJSON *items = tc_container(body, p->tone);
	cJSON_AddBoolToObject(cJSON_GetArrayItem(body, cJSON_GetArraySize(body) - 1), "bleed",
			      true);
	cJSON *t = tc_textf(items, "%s %s · %s · %s", p->emoji, view_str(view, "key"), sevu,
			    p->state_label);
	cJSON_AddStringToObject(t, "weight", "Bolder");
	char *title = tc_cut(view_str(view, "title"), 300);
	t = tc_text(items, title);
	cJSON_AddStringToObject(t, "size", "Large");
	free(title);
}

/* Cost, risk and the decision near the header: the risk level in its colour, then a FactSet
 * with the cost and the decision. */
static void
render_key_facts(cJSON *body, const cJSON *act, const struct present *p, const struct level *lv)
{
	cJSON *items = tc_container(body, NULL), *fs, *facts, *t;
	char *s, cost[64];

	s = tc_cut(view_str(act, "risk_level"), 16);
	t = tc_textf(items, "**Risk:** %d/100 %s", (int)view_num(act, "risk_score"), s);
	cJSON_AddStringToObject(t, "color", tone_color(p->risk_tone));
	cJSON_AddStringToObject(t, "weight", "Bolder");
	free(s);
	fs = cJSON_CreateObject();
	cJSON_AddStringToObject(fs, "type", "FactSet");
	facts = cJSON_AddArrayToObject(fs, "facts");
	s = utf8_truncate(view_str(act, "cost_formula"), lv->text);
	snprintf(cost, sizeof(cost), "$%.2f", view_num(act, "cost_usd"));
	char *c = *s ? xasprintf("%s (%s)", cost, s) : xstrdup(cost);
	tc_fact(facts, "Cost", c);
	free(c);
	free(s);
	if (*view_str(act, "decision"))
		tc_fact(facts, "Decision",
			*view_str(act, "decision_reason") ? view_str(act, "decision_reason")
							  : view_str(act, "decision"));
	cJSON_AddItemToArray(items, fs);
}

static void
render_facts(cJSON *body, const cJSON *view)
{
	cJSON *fs = cJSON_CreateObject(), *facts;
	char state[32], age[32], occ[16];
	const char *who = present_user(view, view_str(view, "assignee"));
	const char *acked = present_user(view, view_str(view, "acked_by"));

	cJSON_AddStringToObject(fs, "type", "FactSet");
	facts = cJSON_AddArrayToObject(fs, "facts");
	present_state_label(view_str(view, "state"), state, sizeof(state));
	duration_format((int64_t)view_num(view, "age_s") * 1000, age, sizeof(age));
	snprintf(occ, sizeof(occ), "%d", (int)view_num(view, "occurrences"));
	tc_fact(facts, "State", state);
	tc_fact(facts, "Resource", view_str(view, "resource"));
	tc_fact(facts, "Source", view_str(view, "source"));
	tc_fact(facts, "Age", age);
	tc_fact(facts, "Occurrences", occ);
	tc_fact(facts, "Assignee", *who ? who : *acked ? acked : "unassigned");
	if (*acked)
		tc_fact(facts, "Acknowledged by", acked);
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
		char *user = tc_cut(present_user(view, view_str(it, "user")), 120),
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
render_action(cJSON *body, const cJSON *view, const cJSON *act, const struct present *p,
	      const struct level *lv)
{
	const cJSON *it;
	cJSON *items = tc_container(body, "emphasis");
	char *s, *t;
	int n = 0;

	s = tc_cut(view_str(act, "runbook"), 128);
	t = tc_cut(view_str(act, "runbook_title"), 300);
	tc_textf(items, "**%c%s:** %s%s%s", p->fix_heading[0] - 'a' + 'A', p->fix_heading + 1, s,
		 *t ? " — " : "", t);
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
	/* cost, risk and the decision are at the top (render_key_facts): here, why that risk */
	s = tc_bullets(cJSON_GetObjectItem(act, "risk_reasons"), lv->items, false, 200);
	if (*s)
		tc_textf(items, "**Risk from:**\r%s", s);
	free(s);
	render_approvals(items, view, act, lv);
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
		tc_textf(items, "%s %s · %s%s%s%s%s%s", present_run_mark(view_str(it, "status")),
			 view_str(it, "phase"), name, *d ? " (" : "", d, *d ? ")" : "",
			 *err ? " — " : "", err);
		free(name);
		free(err);
		/* why it failed: the last lines of stderr, one line each */
		char *tail = present_stderr_tail(it);
		if (tail) {
			struct buf b;
			buf_init(&b, 0);
			for (char *ln = tail, *nl; ln; ln = nl ? nl + 1 : NULL) {
				if ((nl = strchr(ln, '\n')) != NULL)
					*nl = '\0';
				char *e = tc_cut(ln, PRESENT_STDERR_LINE_MAX);
				buf_printf(&b, "%s%s", b.len ? "\r" : "", e);
				free(e);
			}
			cJSON *t = tc_text(items, b.data);
			cJSON_AddStringToObject(t, "fontType", "Monospace");
			cJSON_AddStringToObject(t, "size", "Small");
			cJSON_AddStringToObject(t, "color", "attention");
			buf_free(&b);
			free(tail);
		}
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

static void
render_analysis(cJSON *body, const cJSON *view, const struct level *lv)
{
	const char *src = present_source_name(view_str(view, "analysis_source"));
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
		char state[32], d[48];
		if (n++ == SIMILAR_SHOWN)
			break;
		present_state_label(view_str(it, "state"), state, sizeof(state));
		present_similar_time(it, d, sizeof(d));
		char *key = tc_cut(view_str(it, "key"), 32), *st = tc_cut(state, sizeof(state));
		char *rbs = present_similar_runbook(it), *rb = tc_cut(rbs, 140);
		free(rbs);
		char *what = tc_cut(view_str(it, *view_str(it, "outcome") ? "outcome" : "title"),
				    lv->text < 300 ? lv->text : 300);
		buf_printf(&b, "%s- **%s** · %s · %s%s%s%s%s%s", b.len ? "\r" : "", key, st, rb,
			   *d ? " · " : "", d,
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
render_actions(cJSON *card, const cJSON *view, const struct present *p)
{
	cJSON *actions = cJSON_CreateArray();

	if (p->buttons & VERB_APPROVE)
		cJSON_AddItemToArray(actions, execute(view, "Approve", "approve"));
	if (p->buttons & VERB_REJECT) {
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
	}
	if (p->buttons & VERB_DRYRUN)
		cJSON_AddItemToArray(actions, execute(view, "Dry run", "dryrun"));
	if (p->buttons & VERB_ACK)
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
	struct present p;
	char *s;

	if (!cJSON_IsObject(act))
		act = NULL;
	present_view(view, &p);
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
	render_header(body, view, &p);
	if (o->notice && *o->notice) {
		/* a refused click: the clicker reads why on the card they clicked */
		s = tc_cut(o->notice, lv->text);
		cJSON *t = tc_textf(tc_container(body, "attention"), "⚠️ %s", s);
		cJSON_AddStringToObject(t, "color", "attention");
		cJSON_AddStringToObject(t, "weight", "Bolder");
		free(s);
	}
	if (act)
		render_key_facts(body, act, &p, lv);
	render_facts(body, view);
	render_analysis(body, view, lv);
	render_llm(body, cJSON_GetObjectItem(view, "llm"));
	if (*view_str(view, "attention")) {
		s = tc_cut(view_str(view, "attention"), lv->text);
		cJSON_AddStringToObject(tc_textf(body, "**Needs attention:** %s", s), "color",
					"attention");
		free(s);
	}
	char *logs = logctx_card_text(view, 3, lv->text);
	/* one block per line: a TextBlock does not break on a single newline */
	for (char *l = logs, *nl; l; l = nl) {
		if ((nl = strchr(l, '\n')) != NULL)
			*nl++ = '\0';
		s = tc_cut(l, lv->text);
		tc_textf(body, "%s%s", l == logs ? "**Logs:** " : "", s);
		free(s);
	}
	free(logs);
	tc_related(body, view);
	render_similar(body, view, lv);
	if (act)
		render_action(body, view, act, &p, lv);
	tc_ladder(body, view);
	render_runs(body, view, lv);
	char *outcome = present_outcome(view);
	if (outcome) {
		s = tc_cut(outcome, lv->text);
		cJSON *t = tc_textf(body, "**Outcome:** %s", s);
		cJSON_AddStringToObject(t, "weight", "Bolder");
		cJSON_AddStringToObject(t, "color", tone_color(p.tone));
		free(s);
		free(outcome);
	}
	if (o->plan && *o->plan) {
		cJSON *items = tc_container(body, "emphasis");
		tc_text(items, "**Dry run** — nothing was executed:");
		tc_plan(items, o->plan, lv->items, lv->text);
	}
	if (o->interactive && !p.terminal)
		render_actions(card, view, &p);
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
	struct present p;

	present_view(view, &p);
	body = cJSON_AddArrayToObject(card, "body");
	render_header(body, view, &p);
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
