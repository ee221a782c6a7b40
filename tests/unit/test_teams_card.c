/* test_teams_card.c — the Adaptive Card for an incident view: header colour, facts, proposal,
 * buttons with what the card showed, the Reject reason, progress, escaping, size limits; and the
 * timeline lines of the card's thread. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

#include "teams/teams.h"
#include "teams/teams_card.h"
#include "util.h"

static const char *const VIEW =
    "{\"id\":7,\"key\":\"INC-7\",\"version\":12,\"state\":\"awaiting_approval\","
    "\"severity\":\"sev2\",\"title\":\"ServiceDown api on web-1\",\"resource\":\"api\","
    "\"source\":\"alertmanager\",\"occurrences\":3,\"alert_cleared\":false,\"age_s\":95,"
    "\"acked_by\":null,\"assignee\":null,\"analysis\":\"Matched runbook restart-service\","
    "\"confidence\":0.9,\"attention\":null,\"outcome\":null,"
    "\"action\":{\"id\":4,\"runbook\":\"restart-service\",\"runbook_title\":\"Restart a stuck "
    "systemd service\",\"params\":{\"service\":\"api\",\"incident\":\"INC-7\"},"
    "\"steps\":[\"restart: systemctl restart api\"],\"cost_usd\":0.0,\"cost_formula\":\"fixed "
    "$0.00\",\"risk_score\":35,\"risk_level\":\"medium\",\"risk_reasons\":[\"+30 runbook risk "
    "medium\",\"+5 severity sev2\"],\"decision\":\"approval\",\"decision_reason\":\"needs 2 "
    "approvals from lead or admin: risk medium\",\"approvals_needed\":2},"
    "\"approvals\":[{\"user\":\"teams:aad-lead\",\"roles\":\"lead\",\"decision\":\"approve\","
    "\"reason\":null}],\"people\":{\"teams:aad-lead\":\"Lea Lead\"},"
    "\"step_runs\":[{\"phase\":\"diagnostic\",\"name\":\"recent logs\",\"status\":\"ok\","
    "\"duration_ms\":12,\"output\":\"line one\\nline two\",\"error\":null}],"
    "\"timeline\":[]}";

static cJSON *
view_with(const char *key, cJSON *value)
{
	cJSON *v = cJSON_Parse(VIEW);

	assert_non_null(v);
	if (key) {
		cJSON_DeleteItemFromObject(v, key);
		cJSON_AddItemToObject(v, key, value);
	}
	return v;
}

static char *
render(const cJSON *view, bool interactive, size_t max)
{
	struct teams_card_opts o = {.interactive = interactive, .max_bytes = max};
	cJSON *card = teams_card_render(view, &o);
	char *s = cJSON_PrintUnformatted(card);

	cJSON_Delete(card);
	return s;
}

/* The first object in the tree (depth first) whose `key` is the string `value`. */
static const cJSON *
find(const cJSON *j, const char *key, const char *value)
{
	const cJSON *it;

	if (cJSON_IsObject(j)) {
		const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(j, key));
		if (s && strcmp(s, value) == 0)
			return j;
	}
	cJSON_ArrayForEach(it, j)
	{
		const cJSON *f = find(it, key, value);
		if (f)
			return f;
	}
	return NULL;
}

static const char *
s(const cJSON *o, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(o, k));
}

static void
test_card_awaiting(void **state)
{
	cJSON *v = view_with(NULL, NULL);
	struct teams_card_opts o = {.interactive = true};
	cJSON *card = teams_card_render(v, &o);
	const cJSON *body = cJSON_GetObjectItem(card, "body"), *it;

	(void)state;
	assert_string_equal(s(card, "type"), "AdaptiveCard");
	assert_string_equal(s(card, "version"), "1.5");
	assert_string_equal(s(cJSON_GetObjectItem(card, "msteams"), "width"), "Full");
	/* the header: coloured by severity */
	const cJSON *hdr = cJSON_GetArrayItem(body, 0);
	assert_string_equal(s(hdr, "type"), "Container");
	assert_string_equal(s(hdr, "style"), "warning");
	assert_string_equal(s(cJSON_GetArrayItem(cJSON_GetObjectItem(hdr, "items"), 0), "text"),
			    "🟠 INC-7 · SEV2 · awaiting approval");
	assert_string_equal(s(cJSON_GetArrayItem(cJSON_GetObjectItem(hdr, "items"), 1), "text"),
			    "ServiceDown api on web-1");
	/* cost, risk and the decision right under the header: the risk in its colour */
	const cJSON *top = cJSON_GetObjectItem(cJSON_GetArrayItem(body, 1), "items");
	assert_string_equal(s(cJSON_GetArrayItem(top, 0), "text"), "**Risk:** 35/100 medium");
	assert_string_equal(s(cJSON_GetArrayItem(top, 0), "color"), "warning");
	const cJSON *kf = cJSON_GetObjectItem(cJSON_GetArrayItem(top, 1), "facts");
	assert_string_equal(s(cJSON_GetArrayItem(top, 1), "type"), "FactSet");
	assert_int_equal(cJSON_GetArraySize(kf), 2);
	assert_string_equal(s(cJSON_GetArrayItem(kf, 0), "title"), "Cost");
	assert_string_equal(s(cJSON_GetArrayItem(kf, 0), "value"), "$0.00 (fixed $0.00)");
	assert_string_equal(s(cJSON_GetArrayItem(kf, 1), "title"), "Decision");
	assert_string_equal(s(cJSON_GetArrayItem(kf, 1), "value"),
			    "needs 2 approvals from lead or admin: risk medium");
	/* the facts */
	const cJSON *facts = cJSON_GetObjectItem(cJSON_GetArrayItem(body, 2), "facts");
	const char *want[][2] = {{"State", "awaiting approval"}, {"Resource", "api"},
				 {"Source", "alertmanager"},	 {"Age", "1 min 35 s"},
				 {"Occurrences", "3"},		 {"Assignee", "unassigned"}};
	assert_int_equal(cJSON_GetArraySize(facts), 6);
	for (int i = 0; i < 6; i++) {
		assert_string_equal(s(cJSON_GetArrayItem(facts, i), "title"), want[i][0]);
		assert_string_equal(s(cJSON_GetArrayItem(facts, i), "value"), want[i][1]);
	}
	assert_non_null(find(card, "text",
			     "**Analysis** (confidence 90%): Matched runbook "
			     "restart-service"));
	assert_non_null(find(card, "text", "1. restart: systemctl restart api"));
	assert_non_null(find(card, "text",
			     "**Risk from:**\r- +30 runbook risk medium\r- +5 severity sev2"));
	/* the approver by the name Teams gave, not the AAD object id */
	assert_non_null(find(card, "text",
			     "**Approvals:** 1 of 2\r- ✅ approved by Lea Lead (lead)"));
	assert_non_null(find(card, "text", "✅ diagnostic · recent logs (12 ms)"));
	assert_non_null(find(card, "fontType", "Monospace"));
	/* the builtin parameter is not repeated; the runbook's own is */
	assert_non_null(find(card, "title", "service"));
	assert_null(find(card, "title", "incident"));

	/* buttons: Approve, Reject (a sub-card with a required reason), Dry run, Acknowledge */
	const cJSON *actions = cJSON_GetObjectItem(card, "actions");
	assert_int_equal(cJSON_GetArraySize(actions), 4);
	const char *titles[] = {"Approve", "Reject", "Dry run", "Acknowledge"};
	for (int i = 0; i < 4; i++)
		assert_string_equal(s(cJSON_GetArrayItem(actions, i), "title"), titles[i]);
	const cJSON *ap = cJSON_GetArrayItem(actions, 0);
	assert_string_equal(s(ap, "type"), "Action.Execute");
	assert_string_equal(s(ap, "verb"), "approve");
	const cJSON *data = cJSON_GetObjectItem(ap, "data");
	assert_int_equal(cJSON_GetNumberValue(cJSON_GetObjectItem(data, "incident")), 7);
	assert_int_equal(cJSON_GetNumberValue(cJSON_GetObjectItem(data, "version")), 12);
	assert_int_equal(cJSON_GetNumberValue(cJSON_GetObjectItem(data, "action_id")), 4);
	assert_string_equal(s(data, "state"), "awaiting_approval");
	/* older clients: the same as an Action.Submit carrying the verb */
	const cJSON *fb = cJSON_GetObjectItem(ap, "fallback");
	assert_string_equal(s(fb, "type"), "Action.Submit");
	assert_string_equal(s(cJSON_GetObjectItem(fb, "data"), "verb"), "approve");
	const cJSON *rj = cJSON_GetArrayItem(actions, 1);
	assert_string_equal(s(rj, "type"), "Action.ShowCard");
	const cJSON *in = find(rj, "type", "Input.Text");
	assert_non_null(in);
	assert_string_equal(s(in, "id"), "reason");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(in, "isRequired")));
	assert_string_equal(s(find(rj, "type", "Action.Execute"), "verb"), "reject");
	assert_string_equal(s(cJSON_GetArrayItem(actions, 2), "verb"), "dryrun");
	assert_string_equal(s(cJSON_GetArrayItem(actions, 3), "verb"), "ack");
	cJSON_Delete(card);
	cJSON_Delete(v);
	(void)it;
}

static void
test_card_states(void **state)
{
	(void)state;
	/* finished: green, no buttons, the outcome */
	cJSON *v = view_with("state", cJSON_CreateString("resolved"));
	cJSON_DeleteItemFromObject(v, "outcome");
	cJSON_AddStringToObject(v, "outcome", "restart-service succeeded; verified");
	struct teams_card_opts o = {.interactive = true};
	cJSON *card = teams_card_render(v, &o);
	assert_null(cJSON_GetObjectItem(card, "actions"));
	assert_string_equal(s(cJSON_GetArrayItem(cJSON_GetObjectItem(card, "body"), 0), "style"),
			    "good");
	assert_non_null(find(card, "text", "**Outcome:** restart-service succeeded; verified"));
	cJSON_Delete(card);
	cJSON_Delete(v);

	/* running: progress, only Acknowledge; the header follows the state now */
	v = view_with("state", cJSON_CreateString("running"));
	cJSON *runs = cJSON_GetObjectItem(v, "step_runs");
	cJSON_AddItemToArray(runs, cJSON_Parse("{\"phase\":\"step\",\"name\":\"restart\","
					       "\"status\":\"running\",\"output\":\"\"}"));
	cJSON_DeleteItemFromObject(v, "severity");
	cJSON_AddStringToObject(v, "severity", "sev1");
	card = teams_card_render(v, &o);
	assert_non_null(find(card, "text", "⏳ step · restart"));
	assert_string_equal(s(cJSON_GetArrayItem(cJSON_GetObjectItem(card, "body"), 0), "style"),
			    "accent");
	assert_non_null(find(card, "text", "⏳ INC-7 · SEV1 · running"));
	cJSON *actions = cJSON_GetObjectItem(card, "actions");
	assert_int_equal(cJSON_GetArraySize(actions), 1);
	assert_string_equal(s(cJSON_GetArrayItem(actions, 0), "verb"), "ack");
	cJSON_Delete(card);
	/* acknowledged: no buttons left while it runs; the assignee is who acked */
	cJSON_DeleteItemFromObject(v, "acked_by");
	cJSON_AddStringToObject(v, "acked_by", "teams:aad-eve");
	card = teams_card_render(v, &o);
	assert_null(cJSON_GetObjectItem(card, "actions"));
	assert_non_null(find(card, "value", "teams:aad-eve"));
	cJSON_Delete(card);
	/* a webhook card never has buttons */
	cJSON_Delete(v);
	v = view_with(NULL, NULL);
	o.interactive = false;
	card = teams_card_render(v, &o);
	assert_null(cJSON_GetObjectItem(card, "actions"));
	cJSON_Delete(card);
	/* a refused click and a dry run show on the card */
	o.interactive = true;
	o.notice = "refused: approve needs role lead or admin (you have: none)";
	o.plan = "1. restart: systemctl restart api";
	card = teams_card_render(v, &o);
	assert_non_null(find(card, "text",
			     "⚠️ refused: approve needs role lead or admin (you "
			     "have: none)"));
	assert_non_null(find(card, "text", "**Dry run** — nothing was executed:"));
	assert_non_null(find(card, "text", "1\\. restart: systemctl restart api"));
	cJSON_Delete(card);
	cJSON_Delete(v);
}

/* A refused click reads as an attention-coloured line on the card the clicker gets back. */
static void
test_card_refusal_notice(void **state)
{
	cJSON *v = view_with(NULL, NULL);
	struct teams_card_opts o = {.interactive = true,
				    .notice = "approve needs role lead or admin (you have: none)"};
	cJSON *card = teams_card_render(v, &o);
	const cJSON *t = find(card, "text", "⚠️ approve needs role lead or admin (you have: none)");

	(void)state;
	assert_non_null(t);
	assert_string_equal(s(t, "type"), "TextBlock");
	assert_string_equal(s(t, "color"), "attention");
	/* right under the header, before anything else */
	const cJSON *second = cJSON_GetArrayItem(cJSON_GetObjectItem(card, "body"), 1);
	assert_ptr_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(second, "items"), 0), t);
	cJSON_Delete(card);
	cJSON_Delete(v);
}

/* The dry run as lists: a title per section, its steps numbered, nothing run together. */
static void
test_card_dry_run_plan(void **state)
{
	cJSON *v = view_with(NULL, NULL);
	struct teams_card_opts o = {
	    .interactive = true,
	    .plan = "Dry run of restart-service for INC-7 (nothing is executed):\n"
		    "diagnostics:\n"
		    "  1. recent logs: journalctl -u api -n 50\n"
		    "steps:\n"
		    "  1. restart: systemctl restart api\n"
		    "  2. wait: 5 s\n"
		    "verify:\n"
		    "  1. health: GET http://api/health expect 200\n"
		    "cost: fixed $0.00; risk 35 (medium)"};
	cJSON *card = teams_card_render(v, &o);
	const cJSON *head = find(card, "text", "**Dry run** — nothing was executed:");

	(void)state;
	assert_non_null(head);
	static const char *const want[] = {
	    "Dry run of restart-service for INC-7 (nothing is executed):",
	    "**Diagnostics**",
	    "1. recent logs: journalctl -u api -n 50",
	    "**Steps**",
	    "1. restart: systemctl restart api\r2. wait: 5 s",
	    "**Verify**",
	    "1. health: GET http://api/health expect 200",
	    "cost: fixed $0.00; risk 35 (medium)",
	};
	const cJSON *t = head->next;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++, t = t->next) {
		assert_non_null(t);
		assert_string_equal(s(t, "text"), want[i]);
	}
	assert_null(t);
	cJSON_Delete(card);
	cJSON_Delete(v);
}

/* A failed step: the last lines of its stderr, escaped, one line each; failed keeps Ack. */
static void
test_card_failed_step_stderr(void **state)
{
	cJSON *v = view_with("state", cJSON_CreateString("failed"));
	cJSON_AddItemToArray(cJSON_GetObjectItem(v, "step_runs"),
			     cJSON_Parse("{\"phase\":\"step\",\"name\":\"restart\",\"status\":"
					 "\"failed\",\"error\":\"exit status 1\",\"duration_ms\":40,"
					 "\"output\":\"\",\"stderr\":\"a\\nb\\nc\\nd\\ne\\n"
					 "Job for *api* failed\\n\"}"));
	struct teams_card_opts o = {.interactive = true};
	cJSON *card = teams_card_render(v, &o);
	const cJSON *t = find(card, "text", "b\rc\rd\re\rJob for \\*api\\* failed");

	(void)state;
	assert_non_null(find(card, "text", "❌ step · restart (40 ms) — exit status 1"));
	assert_non_null(t);
	assert_string_equal(s(t, "fontType"), "Monospace");
	assert_string_equal(s(t, "color"), "attention");
	const cJSON *actions = cJSON_GetObjectItem(card, "actions");
	assert_int_equal(cJSON_GetArraySize(actions), 1);
	assert_string_equal(s(cJSON_GetArrayItem(actions, 0), "verb"), "ack");
	assert_non_null(find(card, "text", "❌ INC-7 · SEV2 · failed"));
	cJSON_Delete(card);
	cJSON_Delete(v);
}

/* What the analysis showed (views.md "analysis_source", "similar", "llm"), as the console
 * card shows it: how it was reached, the model's cost, at most three past incidents. */
static void
test_card_memory(void **state)
{
	cJSON *v = view_with("analysis_source", cJSON_CreateString("search")), *llm, *card;
	struct teams_card_opts o = {.interactive = true};
	const cJSON *sim;
	char *out;

	(void)state;
	cJSON_AddItemToObject(
	    v, "similar",
	    cJSON_Parse(
		"[{\"id\":3,\"key\":\"INC-3\",\"title\":\"ServiceDown api on web-2\","
		"\"state\":\"resolved\",\"same_resource\":true,\"runbook\":\"restart-service\","
		"\"outcome\":\"Resolved in 41 s by autopilot, verified\",\"resolve_s\":47.2},"
		"{\"id\":5,\"key\":\"INC-5\",\"title\":\"ServiceDown [x](http://e) *now*\","
		"\"state\":\"needs_attention\",\"same_resource\":false,\"runbook\":null,"
		"\"outcome\":null,\"resolve_s\":null},"
		"{\"id\":6,\"key\":\"INC-6\",\"title\":\"t\",\"state\":\"failed\","
		"\"same_resource\":false,\"runbook\":\"a_b\",\"outcome\":\"Failed: exit 1\","
		"\"resolve_s\":3725.5},"
		"{\"id\":8,\"key\":\"INC-8\",\"title\":\"fourth\",\"state\":\"resolved\"}]"));
	llm = cJSON_Parse("{\"model\":\"gpt-4o-mini\",\"status\":\"ok\",\"error\":null,"
			  "\"prompt_tokens\":1830,\"completion_tokens\":96,\"cost_usd\":0.0004}");
	cJSON_AddItemToObject(v, "llm", llm);
	card = teams_card_render(v, &o);
	assert_non_null(find(card, "text",
			     "**Analysis** (text-search suggestion, confidence 90%): Matched "
			     "runbook restart-service"));
	assert_non_null(
	    find(card, "text", "🤖 **LLM:** gpt-4o-mini, ok, 1830+96 tokens, $0.0004"));
	sim = find(card, "text", "**Similar incidents:**");
	assert_non_null(sim);
	assert_non_null(sim->next);
	assert_string_equal(
	    s(sim->next, "text"),
	    "- **INC-3** · resolved · restart-service · resolved in 47 s · same "
	    "resource — Resolved in 41 s by autopilot, verified\r"
	    "- **INC-5** · needs attention · no runbook — ServiceDown "
	    "\\[x\\](http://e) \\*now\\*\r"
	    "- **INC-6** · failed · a\\_b · failed after 1 h 2 min — Failed: exit 1");
	/* after the analysis, before the proposal */
	out = cJSON_PrintUnformatted(card);
	assert_true(strstr(out, "**LLM:**") < strstr(out, "**Similar incidents:**"));
	assert_true(strstr(out, "**Similar incidents:**") < strstr(out, "**Proposed fix:**"));
	/* cost, risk and decision above everything else but the header */
	assert_true(strstr(out, "**Risk:** 35/100") < strstr(out, "**Analysis**"));
	assert_null(strstr(out, "INC-8")); /* three at most */
	free(out);
	cJSON_Delete(card);

	/* not used: why in short; still thinking: the decision waits */
	cJSON_ReplaceItemInObject(llm, "status", cJSON_CreateString("rate_limited"));
	card = teams_card_render(v, &o);
	assert_non_null(
	    find(card, "text",
		 "🤖 **LLM:** gpt-4o-mini, not used (rate\\_limited), 1830+96 tokens, "
		 "$0.0004"));
	cJSON_Delete(card);
	cJSON_ReplaceItemInObject(llm, "status", cJSON_CreateString("pending"));
	cJSON_ReplaceItemInObject(v, "analysis_source", cJSON_CreateString("llm"));
	card = teams_card_render(v, &o);
	assert_non_null(find(card, "text",
			     "🤖 **LLM:** gpt-4o-mini is analysing; the decision waits for it"));
	assert_non_null(find(card, "text",
			     "**Analysis** (LLM analysis, confidence 90%): Matched runbook "
			     "restart-service"));
	cJSON_Delete(card);
	cJSON_Delete(v);

	/* no memory: no empty section, the same card as a view without those keys */
	v = view_with("analysis_source", cJSON_CreateNull());
	cJSON_AddItemToObject(v, "similar", cJSON_CreateArray());
	cJSON_AddNullToObject(v, "llm");
	out = render(v, true, 0);
	assert_null(strstr(out, "Similar"));
	assert_null(strstr(out, "LLM"));
	assert_non_null(strstr(out, "**Analysis** (confidence 90%): Matched"));
	cJSON_Delete(v);
	v = view_with(NULL, NULL);
	char *bare = render(v, true, 0);
	assert_string_equal(out, bare);
	free(bare);
	free(out);
	cJSON_Delete(v);
}

static void
test_escaping(void **state)
{
	char *e;

	(void)state;
	e = teams_md_escape("*bold* [click](http://evil) _x_ `code` ~s~ \\");
	assert_string_equal(e,
			    "\\*bold\\* \\[click\\](http://evil) \\_x\\_ \\`code\\` \\~s\\~ \\\\");
	free(e);
	e = teams_md_escape("- item\n# head\n12. num\n> q\nplain-text 3.5\n+5 risk\n#1 3.5");
	assert_string_equal(
	    e, "\\- item\n\\# head\n12\\. num\n\\> q\nplain-text 3.5\n+5 risk\n#1 3.5");
	free(e);
	cJSON *v = view_with("title", cJSON_CreateString("[pay](https://evil.example) **now**"));
	char *card = render(v, true, 0);
	assert_non_null(
	    strstr(card, "\\\\[pay\\\\](https://evil.example) \\\\*\\\\*now\\\\*\\\\*"));
	assert_null(strstr(card, "\"[pay]"));
	free(card);
	cJSON_Delete(v);
}

static void
test_size_limits(void **state)
{
	size_t big = 200 * 1024;
	char *out = xmalloc(big + 1);

	(void)state;
	for (size_t i = 0; i < big; i++)
		out[i] = i % 80 == 79 ? '\n' : 'x';
	out[big] = '\0';
	cJSON *v = view_with(NULL, NULL);
	cJSON *runs = cJSON_GetObjectItem(v, "step_runs");
	for (int i = 0; i < 30; i++) {
		cJSON *r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "phase", "step");
		cJSON_AddStringToObject(r, "name", "noisy");
		cJSON_AddStringToObject(r, "status", "failed");
		cJSON_AddStringToObject(r, "output", out);
		cJSON_AddItemToArray(runs, r);
	}
	char *card = render(v, false, TEAMS_CARD_MAX_WEBHOOK);
	size_t webhook_len = strlen(card);
	assert_true(webhook_len <= TEAMS_CARD_MAX_WEBHOOK);
	assert_non_null(strstr(card, "…"));
	assert_non_null(strstr(card, "INC-7"));
	assert_non_null(strstr(card, "earlier step runs not shown"));
	free(card);
	card = render(v, true, 0);
	assert_true(strlen(card) <= TEAMS_CARD_MAX_BOT);
	assert_true(strlen(card) > webhook_len); /* the bot's limit keeps more of the output */
	assert_non_null(strstr(card, "Action.Execute"));
	free(card);
	/* the last resort still says what and where */
	cJSON_DeleteItemFromObject(v, "title");
	cJSON_AddStringToObject(v, "title", "t");
	card = render(v, true, 700);
	assert_true(strlen(card) <= 1000);
	assert_non_null(strstr(card, "This incident is too large for a card: use `show INC-7`."));
	free(card);
	cJSON_Delete(v);
	free(out);
}

static void
test_timeline_text(void **state)
{
	cJSON *rows =
	    cJSON_Parse("[{\"id\":3,\"at\":\"2026-11-23T10:00:05.123Z\",\"actor\":\"healer\","
			"\"kind\":\"incident.opened\",\"message\":\"opened from alertmanager alert "
			"ServiceDown\"},{\"id\":9,\"at\":\"2026-11-23T10:01:00.000Z\",\"actor\":"
			"\"teams:aad-1\","
			"\"kind\":\"approval.granted\",\"message\":\"<b>x</b> & y\"}]");
	char *t = teams_timeline_text(rows);

	(void)state;
	assert_string_equal(t, "<b>10:00:05</b> healer — opened from alertmanager alert ServiceDown"
			       "<br><b>10:01:00</b> teams:aad-1 — &lt;b&gt;x&lt;/b&gt; &amp; y");
	free(t);
	cJSON_Delete(rows);
	rows = cJSON_CreateArray();
	assert_null(teams_timeline_text(rows));
	cJSON_Delete(rows);
}

/* A recovery ladder: every stage with its outcome, the current one bold; none without. */
static void
test_ladder(void **state)
{
	cJSON *v = view_with(
	    "ladder",
	    cJSON_Parse("{\"stages\":[{\"stage\":1,\"runbook\":\"restart-service\",\"title\":"
			"\"Restart\",\"status\":\"rolled_back\",\"current\":false},"
			"{\"stage\":2,\"runbook\":\"scale-out\",\"title\":\"Scale out\","
			"\"status\":\"proposed\",\"current\":true}],\"current\":2,"
			"\"exhausted\":false,\"page\":[]}"));
	char *c;

	(void)state;
	c = render(v, true, 0);
	assert_non_null(strstr(c, "\"**Recovery ladder:**\""));
	assert_non_null(strstr(c, "1. restart-service — Restart: rolled\\\\_back\\r**▶ 2. "
				  "scale-out — Scale out: proposed**"));
	free(c);
	cJSON_Delete(v);
	v = view_with("ladder", cJSON_CreateNull());
	c = render(v, true, 0);
	assert_null(strstr(c, "Recovery ladder"));
	free(c);
	cJSON_Delete(v);
}

/* Related alerts: the probable cause and for each the short fingerprint that tells it from
 * the incident's other alerts, name, resource, state, occurrences and when it joined. */
static void
test_related(void **state)
{
	cJSON *v = view_with(
	    "related",
	    cJSON_Parse("[{\"fingerprint\":\"c0ffee0001aaaaaa\",\"title\":\"DeployStarted\","
			"\"alertname\":\"DeployStarted\",\"resource\":\"ci\",\"occurrences\":1,"
			"\"cleared\":false,\"cause\":true,\"joined_at\":\"2023-11-14T22:15:03.000Z\"},"
			"{\"fingerprint\":\"c0ffee0002bbbbbb\",\"title\":\"HighLatency on web-1\","
			"\"alertname\":null,\"resource\":\"api\",\"occurrences\":3,\"cleared\":true,"
			"\"cause\":false,\"joined_at\":\"2023-11-15T01:02:00.000Z\"}]"));
	char *c;

	(void)state;
	cJSON_AddStringToObject(v, "created_at", "2023-11-14T22:13:20.000Z");
	cJSON_AddStringToObject(v, "fingerprint", "aaaa1111bbbb2222");
	cJSON_AddItemToObject(v, "cause", cJSON_Parse("{\"title\":\"DeployStarted\"}"));
	c = render(v, true, 0);
	assert_non_null(strstr(c, "\"**Probable cause:** DeployStarted\""));
	assert_non_null(strstr(c, "\"**Related alerts (2):** split one out with split INC-7 ID\""));
	/* the two share nine characters: ten tell them apart; another day shows its date */
	assert_non_null(strstr(c, "\"- c0ffee0001 **DeployStarted** on ci: firing ×1, joined "
				  "22:15:03 UTC, **probable cause**\\r- c0ffee0002 **HighLatency on "
				  "web-1** on api: cleared ×3, joined 2023-11-15 01:02 UTC\""));
	free(c);
	cJSON_Delete(v);
}

/* Past ten, "and N more" with the incident's web page. */
static void
test_related_cap(void **state)
{
	cJSON *rel = cJSON_CreateArray(), *v;
	char *c;

	(void)state;
	for (int i = 0; i < 12; i++) {
		cJSON *r = cJSON_CreateObject();
		char fp[40];

		snprintf(fp, sizeof(fp), "fp%02d0123456789abcdef", i);
		cJSON_AddStringToObject(r, "fingerprint", fp);
		cJSON_AddStringToObject(r, "alertname", "HighLatency");
		cJSON_AddStringToObject(r, "resource", "api");
		cJSON_AddNumberToObject(r, "occurrences", 1);
		cJSON_AddItemToArray(rel, r);
	}
	v = view_with("related", rel);
	cJSON_AddStringToObject(v, "url", "https://healer.example/ui/incidents/7");
	c = render(v, true, 0);
	assert_non_null(strstr(c, "\\r- fp090123 **HighLatency** on api: firing ×1, joined -"));
	assert_null(strstr(c, "fp100123"));
	assert_non_null(strstr(c, "\\rand 2 more: https://healer.example/ui/incidents/7\""));
	free(c);
	cJSON_Delete(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_card_awaiting), cmocka_unit_test(test_card_states),
	    cmocka_unit_test(test_card_refusal_notice),
	    cmocka_unit_test(test_card_dry_run_plan),
	    cmocka_unit_test(test_card_failed_step_stderr),
	    cmocka_unit_test(test_card_memory),	  cmocka_unit_test(test_escaping),
	    cmocka_unit_test(test_size_limits),	  cmocka_unit_test(test_timeline_text), cmocka_unit_test(test_ladder), cmocka_unit_test(test_related),
	    cmocka_unit_test(test_related_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
