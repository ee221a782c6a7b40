/* test_slack_card.c — the Block Kit card, thread, modal, App Home and text helpers: content
 * a user sees, and every Block Kit limit of protocols.md section 5 on hostile views. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "slack/slack_card.h"
#include "slack/slack_int.h"
#include "util.h"

#define NOW_MS 1700000100000LL

static const char *VIEW =
    "{\"id\":7,\"key\":\"INC-7\",\"version\":12,\"state\":\"awaiting_approval\","
    "\"severity\":\"sev2\",\"title\":\"ServiceDown api on web-1\",\"resource\":\"api\","
    "\"source\":\"alertmanager\",\"occurrences\":3,\"alert_cleared\":false,"
    "\"created_at\":\"2023-11-14T22:13:20.000Z\",\"age_s\":95,\"acked_by\":null,"
    "\"assignee\":null,\"analysis\":\"Matched runbook restart-service by rule <x> & y\","
    "\"confidence\":0.9,\"attention\":null,\"outcome\":null,"
    "\"action\":{\"id\":4,\"runbook\":\"restart-service\",\"runbook_title\":\"Restart a stuck "
    "systemd service\",\"params\":{\"service\":\"api\"},\"steps\":[\"systemctl restart api\"],"
    "\"cost_usd\":0.0,\"cost_formula\":\"fixed $0.00\",\"risk_score\":35,\"risk_level\":\"medium\","
    "\"risk_reasons\":[\"+30 runbook risk medium\",\"+5 severity sev2\"],\"decision\":\"approval\","
    "\"decision_reason\":\"needs 2 approvals from lead or admin: risk medium\","
    "\"approvals_needed\":2,\"roles\":\"lead, admin\",\"requester_may_approve\":true},"
    "\"approvals\":[{\"user\":\"slack:U0123ABCD\",\"decision\":\"approve\"}],"
    "\"step_runs\":[{\"phase\":\"diagnostic\",\"idx\":0,\"name\":\"recent logs\",\"attempt\":1,"
    "\"status\":\"ok\",\"duration_ms\":12,\"output\":\"line <1>\\nline 2\\n\",\"stderr\":\"\"}],"
    "\"timeline\":[{\"at\":\"2023-11-14T22:13:20.000Z\",\"actor\":\"healer\",\"kind\":"
    "\"incident.opened\",\"message\":\"opened from alertmanager alert ServiceDown\"},"
    "{\"at\":\"2023-11-14T22:13:21.000Z\",\"actor\":\"healer\",\"kind\":\"step.finished\","
    "\"message\":\"diagnostic 'recent logs' ok in 12 ms\"},"
    "{\"at\":\"2023-11-14T22:13:22.000Z\",\"actor\":\"healer\",\"kind\":\"analysis.proposed\","
    "\"message\":\"proposed restart-service: cost fixed $0.00, risk 35 (medium)\"},"
    "{\"at\":\"2023-11-14T22:13:25.000Z\",\"actor\":\"slack:U0123ABCD\",\"kind\":"
    "\"approval.granted\",\"message\":\"INC-7: approval 1 of 2 by slack:U0123ABCD\"}],"
    "\"analysis_source\":\"rules\",\"similar\":[{\"id\":3,\"key\":\"INC-3\",\"title\":"
    "\"ServiceDown <api> on web-2\",\"state\":\"resolved\",\"runbook\":\"restart-service\","
    "\"outcome\":\"Resolved in 41 s by autopilot, verified\",\"resolve_s\":47.2},"
    "{\"id\":5,\"key\":\"INC-5\",\"title\":\"ServiceDown api\",\"state\":\"running\","
    "\"runbook\":null,\"outcome\":null,\"resolve_s\":null}]}";

/* ---- a Block Kit limit checker, applied to everything rendered ---- */

static size_t
u8len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static void
assert_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 : 3;
		assert_true(*p < 0x80 || (*p & 0xC0) == 0xC0);
		p++;
		for (int i = 0; i < n; i++, p++)
			assert_int_equal(*p & 0xC0, 0x80);
	}
}

static void
check_text(const cJSON *t, size_t max)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(t, "text"));

	assert_non_null(s);
	assert_true(s[0] != '\0');
	assert_utf8(s);
	assert_true(u8len(s) <= max);
}

static void
check_element(const cJSON *e)
{
	const char *type = cJSON_GetStringValue(cJSON_GetObjectItem(e, "type"));
	const cJSON *c;

	if (strcmp(type, "button") != 0)
		return;
	check_text(cJSON_GetObjectItem(e, "text"), 75);
	assert_true(u8len(cJSON_GetStringValue(cJSON_GetObjectItem(e, "action_id"))) <= 255);
	if (cJSON_GetObjectItem(e, "value"))
		assert_true(strlen(cJSON_GetStringValue(cJSON_GetObjectItem(e, "value"))) <= 2000);
	if ((c = cJSON_GetObjectItem(e, "confirm")) != NULL) {
		check_text(cJSON_GetObjectItem(c, "title"), 100);
		check_text(cJSON_GetObjectItem(c, "text"), 300);
		check_text(cJSON_GetObjectItem(c, "confirm"), 30);
		check_text(cJSON_GetObjectItem(c, "deny"), 30);
	}
}

static void
check_blocks(const cJSON *blocks, int max_blocks)
{
	const cJSON *b, *x;

	assert_true(cJSON_IsArray(blocks));
	assert_true(cJSON_GetArraySize(blocks) <= max_blocks);
	cJSON_ArrayForEach(b, blocks)
	{
		const char *type = cJSON_GetStringValue(cJSON_GetObjectItem(b, "type"));
		assert_non_null(type);
		if (strcmp(type, "header") == 0)
			check_text(cJSON_GetObjectItem(b, "text"), 150);
		if (strcmp(type, "section") == 0) {
			if ((x = cJSON_GetObjectItem(b, "text")) != NULL)
				check_text(x, 3000);
			if ((x = cJSON_GetObjectItem(b, "fields")) != NULL) {
				const cJSON *f;
				assert_true(cJSON_GetArraySize(x) <= 10);
				cJSON_ArrayForEach(f, x) check_text(f, 2000);
			}
			if ((x = cJSON_GetObjectItem(b, "accessory")) != NULL)
				check_element(x);
		}
		if (strcmp(type, "context") == 0) {
			assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(b, "elements")) <= 10);
			cJSON_ArrayForEach(x, cJSON_GetObjectItem(b, "elements"))
			    check_text(x, 3000);
		}
		if (strcmp(type, "actions") == 0) {
			assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(b, "elements")) <= 25);
			cJSON_ArrayForEach(x, cJSON_GetObjectItem(b, "elements")) check_element(x);
		}
		if ((x = cJSON_GetObjectItem(b, "block_id")) != NULL)
			assert_true(strlen(x->valuestring) <= 255);
	}
}

static void
check_message(const cJSON *msg)
{
	const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(msg, "text"));

	assert_non_null(text); /* the notification and screen-reader fallback */
	assert_true(text[0] != '\0');
	assert_true(u8len(text) <= 3000);
	assert_utf8(text);
	check_blocks(cJSON_GetObjectItem(msg, "blocks"), 50);
}

/* All block texts joined, to look for what a user reads. */
static char *
all_text(const cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j);

	return s;
}

static const cJSON *
find_block(const cJSON *msg, const char *type)
{
	const cJSON *b;

	cJSON_ArrayForEach(b, cJSON_GetObjectItem(msg, "blocks"))
	{
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(b, "type")), type) == 0)
			return b;
	}
	return NULL;
}

static const cJSON *
find_button(const cJSON *msg, const char *action_id)
{
	const cJSON *acts = find_block(msg, "actions"), *e;

	cJSON_ArrayForEach(e, cJSON_GetObjectItem(acts, "elements"))
	{
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "action_id")), action_id) ==
		    0)
			return e;
	}
	return NULL;
}

/* How many text objects of `type` anywhere in j contain needle. */
static int
count_raw(const cJSON *j, const char *type, const char *needle)
{
	const cJSON *c;
	int n = 0;

	if (cJSON_IsObject(j)) {
		const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(j, "type"));
		const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(j, "text"));
		if (t && text && strcmp(t, type) == 0 && strstr(text, needle))
			n++;
	}
	cJSON_ArrayForEach(c, j) n += count_raw(c, type, needle);
	return n;
}

/* ---- tests ---- */

static void
test_card_content(void **state)
{
	cJSON *v = cJSON_Parse(VIEW), *msg;
	const cJSON *hdr, *btn;
	char *s;

	(void)state;
	msg = slack_card_render(v, NOW_MS);
	check_message(msg);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(msg, "text")),
			    "INC-7 [sev2] awaiting approval: ServiceDown api on web-1");
	hdr = find_block(msg, "header");
	assert_string_equal(cJSON_GetObjectItem(hdr, "text")->child->next->valuestring,
			    "🟠 sev2 · INC-7 · ServiceDown api on web-1");
	s = all_text(msg);
	assert_non_null(strstr(s, "*State*\\nawaiting approval"));
	assert_non_null(strstr(s, "*Occurrences*\\n3"));
	assert_non_null(
	    strstr(s, "<!date^1700000000^{date_short_pretty} {time}|2023-11-14T22:13:20Z>"));
	assert_non_null(strstr(s, "*Analysis* (rule match, confidence 90%)"));
	assert_non_null(strstr(s, "*Similar:* INC-3 (resolved), INC-5 (running)"));
	assert_non_null(strstr(s, "rule &lt;x&gt; &amp; y")); /* user text escaped */
	assert_non_null(strstr(s, "`restart-service` — Restart a stuck systemd service"));
	assert_non_null(strstr(s, "service=`api`"));
	assert_non_null(strstr(s, "1. `systemctl restart api`"));
	assert_non_null(strstr(s, "$0.00 (fixed $0.00)"));
	assert_non_null(strstr(s, "35/100 medium"));
	assert_non_null(strstr(s, "+30 runbook risk medium · +5 severity sev2"));
	assert_non_null(strstr(s, "*Approvals:* 1 of 2: <@U0123ABCD>"));
	assert_non_null(strstr(s, "*Who may approve:* lead, admin"));
	free(s);
	/* cost, risk and the decision stand out: fields right under the header */
	const cJSON *facts = cJSON_GetArrayItem(cJSON_GetObjectItem(msg, "blocks"), 1);
	const cJSON *f = cJSON_GetObjectItem(facts, "fields");
	assert_int_equal(cJSON_GetArraySize(f), 3);
	assert_string_equal(cJSON_GetArrayItem(f, 0)->child->next->valuestring,
			    "*Cost*\n$0.00 (fixed $0.00)");
	assert_string_equal(cJSON_GetArrayItem(f, 1)->child->next->valuestring,
			    "*Risk*\n🟠 *35/100 medium*");
	assert_string_equal(cJSON_GetArrayItem(f, 2)->child->next->valuestring,
			    "*Decision*\nneeds 2 approvals from lead or admin: risk medium");

	btn = find_button(msg, SLACK_ACT_APPROVE);
	assert_non_null(btn);
	assert_string_equal(cJSON_GetObjectItem(btn, "style")->valuestring, "primary");
	assert_string_equal(cJSON_GetObjectItem(btn, "value")->valuestring,
			    "7:12:4:awaiting_approval");
	assert_non_null(cJSON_GetObjectItem(btn, "confirm")); /* risk medium */
	btn = find_button(msg, SLACK_ACT_REJECT);
	assert_string_equal(cJSON_GetObjectItem(btn, "style")->valuestring, "danger");
	assert_non_null(find_button(msg, SLACK_ACT_DRYRUN));
	assert_non_null(find_button(msg, SLACK_ACT_ACK));
	cJSON_Delete(msg);

	/* low risk: no confirm; acked: no Acknowledge button */
	cJSON *act = cJSON_GetObjectItem(v, "action");
	cJSON_ReplaceItemInObject(act, "risk_level", cJSON_CreateString("low"));
	cJSON_ReplaceItemInObject(v, "acked_by", cJSON_CreateString("slack:U9"));
	msg = slack_card_render(v, NOW_MS);
	assert_null(cJSON_GetObjectItem(find_button(msg, SLACK_ACT_APPROVE), "confirm"));
	assert_null(find_button(msg, SLACK_ACT_ACK));
	s = all_text(msg);
	assert_non_null(strstr(s, "acked by <@U9>"));
	free(s);
	cJSON_Delete(msg);
	cJSON_Delete(v);
}

/* A step the daemon was running when it stopped is not known to have failed: ⚠️, not ❌. */
static void
test_card_interrupted_step(void **state)
{
	cJSON *v = cJSON_Parse(VIEW), *msg;
	char *s;

	(void)state;
	cJSON_AddItemToArray(cJSON_GetObjectItem(v, "step_runs"),
			     cJSON_Parse("{\"phase\":\"step\",\"idx\":0,\"name\":\"restart\","
					 "\"attempt\":1,\"status\":\"interrupted\",\"duration_ms\":900}"));
	msg = slack_card_render(v, NOW_MS);
	check_message(msg);
	s = all_text(msg);
	assert_non_null(strstr(s, "1. `systemctl restart api` ⚠️"));
	assert_null(strstr(s, "1. `systemctl restart api` ❌"));
	free(s);
	cJSON_Delete(msg);
	cJSON_Delete(v);
}

static void
test_card_running_and_finished(void **state)
{
	cJSON *v = cJSON_Parse(VIEW), *msg, *runs;
	char *s;

	(void)state;
	cJSON_ReplaceItemInObject(v, "state", cJSON_CreateString("running"));
	cJSON *steps = cJSON_GetObjectItem(cJSON_GetObjectItem(v, "action"), "steps");
	cJSON_AddItemToArray(steps, cJSON_CreateString("curl -f http://api/health"));
	runs = cJSON_GetObjectItem(v, "step_runs");
	cJSON_AddItemToArray(runs,
			     cJSON_Parse("{\"phase\":\"step\",\"idx\":0,\"name\":\"restart\","
					 "\"attempt\":1,\"status\":\"ok\",\"duration_ms\":2100}"));
	cJSON_AddItemToArray(runs, cJSON_Parse("{\"phase\":\"step\",\"idx\":1,\"name\":\"check\","
					       "\"attempt\":2,\"status\":\"running\"}"));
	msg = slack_card_render(v, NOW_MS);
	check_message(msg);
	s = all_text(msg);
	assert_non_null(strstr(s, "1. `systemctl restart api` ✅ 2 s"));
	assert_non_null(strstr(s, "2. `curl -f http://api/health` ⏳ (attempt 2)"));
	assert_null(find_button(msg, SLACK_ACT_APPROVE)); /* nothing to approve while running */
	free(s);
	cJSON_Delete(msg);

	/* a failed step: the last lines of its stderr, escaped, in a code block; failed is
	 * not terminal (a human may still acknowledge or close it) */
	cJSON_ReplaceItemInObject(v, "state", cJSON_CreateString("failed"));
	cJSON_ReplaceItemInObject(v, "outcome",
				  cJSON_CreateString("Failed: exit status 1; no rollback defined"));
	cJSON_AddItemToArray(runs, cJSON_Parse("{\"phase\":\"step\",\"idx\":1,\"name\":\"check\","
					       "\"attempt\":3,\"status\":\"failed\",\"error\":"
					       "\"exit status 1\",\"stderr\":\"1\\n2\\n3\\n4\\n5\\n"
					       "curl: (7) <refused> ```\\n\"}"));
	msg = slack_card_render(v, NOW_MS);
	check_message(msg);
	s = all_text(msg);
	assert_non_null(strstr(s, "❌ *step `check` failed:* exit status 1\\n```2\\n3\\n4\\n5\\n"
				  "curl: (7) &lt;refused&gt; \'\'\'```"));
	assert_non_null(strstr(s, "❌ *Failed: exit status 1; no rollback defined*"));
	free(s);
	assert_non_null(find_button(msg, SLACK_ACT_ACK));
	assert_null(find_button(msg, SLACK_ACT_APPROVE));
	assert_null(find_button(msg, SLACK_ACT_DRYRUN));
	cJSON_Delete(msg);

	cJSON_ReplaceItemInObject(v, "state", cJSON_CreateString("resolved"));
	cJSON_ReplaceItemInObject(v, "outcome", cJSON_CreateString("Resolved by autopilot, verified"));
	cJSON_AddStringToObject(v, "resolved_at", "2023-11-14T22:14:01.000Z");
	msg = slack_card_render(v, NOW_MS);
	check_message(msg);
	assert_null(find_block(msg, "actions"));
	/* the header follows the state: resolved is ✅, not the severity's 🟠 */
	assert_string_equal(
	    cJSON_GetObjectItem(find_block(msg, "header"), "text")->child->next->valuestring,
	    "✅ sev2 · INC-7 · ServiceDown api on web-1");
	s = all_text(msg);
	/* the one duration: opened (22:13:20) → resolved (22:14:01) */
	assert_non_null(strstr(s, "✅ *Resolved by autopilot, verified, 41 s after it opened*"));
	free(s);
	assert_non_null(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(msg, "text")),
			       "— Resolved by autopilot, verified"));
	cJSON_Delete(msg);
	cJSON_Delete(v);
}

/* Everything a peer or a runbook author controls, at sizes far past every limit. */
static void
test_card_limits_hostile_view(void **state)
{
	cJSON *v = cJSON_Parse(VIEW), *msg, *act, *arr;
	struct buf big;
	char *s;

	(void)state;
	buf_init(&big, 0);
	for (int i = 0; i < 5000; i++)
		buf_printf(&big, "é<&>"); /* multibyte and escapable: cuts must land well */
	act = cJSON_GetObjectItem(v, "action");
	cJSON_ReplaceItemInObject(v, "title", cJSON_CreateString(big.data));
	cJSON_ReplaceItemInObject(v, "analysis", cJSON_CreateString(big.data));
	cJSON_ReplaceItemInObject(v, "resource", cJSON_CreateString(big.data));
	cJSON_ReplaceItemInObject(v, "attention", cJSON_CreateString(big.data));
	cJSON_ReplaceItemInObject(v, "assignee", cJSON_CreateString(big.data));
	cJSON_ReplaceItemInObject(act, "runbook_title", cJSON_CreateString(big.data));
	cJSON_ReplaceItemInObject(act, "cost_formula", cJSON_CreateString(big.data));
	cJSON_ReplaceItemInObject(act, "decision_reason", cJSON_CreateString(big.data));
	cJSON_ReplaceItemInObject(act, "roles", cJSON_CreateString(big.data));
	arr = cJSON_GetObjectItem(act, "steps");
	for (int i = 0; i < 400; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(big.data));
	arr = cJSON_GetObjectItem(act, "risk_reasons");
	for (int i = 0; i < 100; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(big.data));
	arr = cJSON_GetObjectItem(v, "approvals");
	for (int i = 0; i < 500; i++) {
		char u[32];
		snprintf(u, sizeof(u), "slack:U%06d", i);
		cJSON *a = cJSON_CreateObject();
		cJSON_AddStringToObject(a, "user", u);
		cJSON_AddStringToObject(a, "decision", "approve");
		cJSON_AddItemToArray(arr, a);
	}
	arr = cJSON_GetObjectItem(v, "step_runs");
	for (int i = 0; i < 300; i++) {
		cJSON *r =
		    cJSON_Parse("{\"phase\":\"verify\",\"status\":\"failed\",\"attempt\":1}");
		cJSON_AddNumberToObject(r, "idx", i);
		cJSON_AddStringToObject(r, "name", big.data);
		cJSON_AddItemToArray(arr, r);
	}
	msg = slack_card_render(v, NOW_MS);
	check_message(msg);
	s = all_text(msg);
	assert_non_null(strstr(s, "… and "));
	free(s);
	/* mrkdwn never carries the raw text; the plain_text header needs no escaping */
	assert_int_equal(count_raw(msg, "mrkdwn", "<&>"), 0);
	assert_true(count_raw(msg, "mrkdwn", "é&lt;&amp;&gt;") > 5);
	assert_int_equal(count_raw(msg, "plain_text", "é<&>"), 1);
	cJSON_Delete(msg);

	/* and finished, with a huge outcome */
	cJSON_ReplaceItemInObject(v, "state", cJSON_CreateString("failed"));
	cJSON_ReplaceItemInObject(v, "outcome", cJSON_CreateString(big.data));
	msg = slack_card_render(v, NOW_MS);
	check_message(msg);
	cJSON_Delete(msg);
	buf_free(&big);
	cJSON_Delete(v);
}

/* What the analysis showed (views.md "analysis_source", "similar", "llm"): how it was reached,
 * what the model cost, and at most three past incidents, linked to their cards when known. */
static void
test_card_memory(void **state)
{
	cJSON *v = cJSON_Parse(VIEW), *msg, *llm;
	const cJSON *b, *sim_block = NULL, *llm_block = NULL;
	char *s;

	(void)state;
	cJSON_ReplaceItemInObject(v, "analysis_source", cJSON_CreateString("search"));
	cJSON_ReplaceItemInObject(
	    v, "similar",
	    cJSON_Parse(
		"[{\"id\":3,\"key\":\"INC-3\",\"title\":\"ServiceDown api on web-2\","
		"\"state\":\"resolved\",\"resource\":\"api\",\"same_resource\":true,"
		"\"runbook\":\"restart-service\",\"outcome\":\"Resolved in 41 s by "
		"autopilot, verified\",\"resolve_s\":47.2,\"slack_channel\":\"C0CHAN\","
		"\"slack_ts\":\"1700000000.000100\"},"
		"{\"id\":5,\"key\":\"INC-5\",\"title\":\"ServiceDown <api> & co\","
		"\"state\":\"needs_attention\",\"same_resource\":false,\"runbook\":null,"
		"\"outcome\":null,\"resolve_s\":null,\"slack_channel\":\"C0<x>\","
		"\"slack_ts\":\"1.2\"},"
		"{\"id\":6,\"key\":\"INC-6\",\"title\":\"t\",\"state\":\"failed\","
		"\"same_resource\":false,\"runbook\":\"a<b>\",\"runbook_ran\":false,"
		"\"outcome\":\"Failed: exit 1\","
		"\"resolve_s\":3725.5},"
		"{\"id\":8,\"key\":\"INC-8\",\"title\":\"fourth\",\"state\":\"resolved\"}]"));
	llm = cJSON_Parse("{\"model\":\"gpt-4o-mini\",\"status\":\"ok\",\"error\":null,"
			  "\"prompt_tokens\":1830,\"completion_tokens\":96,\"cost_usd\":0.0004}");
	cJSON_AddItemToObject(v, "llm", llm);
	msg = slack_card_render(v, NOW_MS);
	check_message(msg);
	cJSON_ArrayForEach(b, cJSON_GetObjectItem(msg, "blocks"))
	{
		const char *t = cJSON_GetStringValue(
		    cJSON_GetObjectItem(cJSON_GetObjectItem(b, "text"), "text"));
		const cJSON *el = cJSON_GetArrayItem(cJSON_GetObjectItem(b, "elements"), 0);
		if (t && strncmp(t, "*Similar:*", 10) == 0)
			sim_block = b;
		if (el && cJSON_IsString(cJSON_GetObjectItem(el, "text")) &&
		    strstr(cJSON_GetObjectItem(el, "text")->valuestring, "LLM"))
			llm_block = b;
	}
	assert_non_null(sim_block);
	assert_string_equal(
	    cJSON_GetObjectItem(sim_block, "text")->child->next->valuestring,
	    "*Similar:* INC-3 (resolved), INC-5 (needs attention), INC-6 (failed)\n"
	    "• *<https://slack.com/archives/C0CHAN/p1700000000000100|INC-3>* · restart-service "
	    "· resolved in 47 s · same resource\n"
	    "      Resolved in 41 s by autopilot, verified\n"
	    "• *INC-5* · no runbook\n"
	    "      ServiceDown &lt;api&gt; &amp; co\n"
	    "• *INC-6* · a&lt;b&gt; (proposed, never ran) · failed after 1 h 2 min\n"
	    "      Failed: exit 1");
	assert_non_null(llm_block);
	assert_string_equal(
	    cJSON_GetStringValue(cJSON_GetObjectItem(
		cJSON_GetArrayItem(cJSON_GetObjectItem(llm_block, "elements"), 0), "text")),
	    "🤖 *LLM:* gpt-4o-mini, ok, 1830+96 tokens, $0.0004");
	s = all_text(msg);
	assert_non_null(strstr(s, "*Analysis* (text-search suggestion, confidence 90%)\\nMatched"));
	assert_null(strstr(s, "INC-8")); /* three at most, as the console */
	free(s);
	cJSON_Delete(msg);

	/* a model not used says why in short; one still thinking says the decision waits */
	cJSON_ReplaceItemInObject(llm, "status", cJSON_CreateString("timeout"));
	msg = slack_card_render(v, NOW_MS);
	s = all_text(msg);
	assert_non_null(
	    strstr(s, "🤖 *LLM:* gpt-4o-mini, not used (timeout), 1830+96 tokens, $0.0004"));
	free(s);
	cJSON_Delete(msg);
	cJSON_ReplaceItemInObject(llm, "status", cJSON_CreateString("pending"));
	cJSON_ReplaceItemInObject(v, "analysis_source", cJSON_CreateString("llm"));
	cJSON_ReplaceItemInObject(v, "confidence", cJSON_CreateNull());
	msg = slack_card_render(v, NOW_MS);
	s = all_text(msg);
	assert_non_null(
	    strstr(s, "🤖 *LLM:* gpt-4o-mini is analysing; the decision waits for it"));
	assert_non_null(strstr(s, "*Analysis* (LLM analysis)\\nMatched"));
	free(s);
	cJSON_Delete(msg);
	cJSON_Delete(v);

	/* no memory: no empty section, and the same card as a view without those keys */
	v = cJSON_Parse(VIEW);
	cJSON_ReplaceItemInObject(v, "analysis_source", cJSON_CreateNull());
	cJSON_ReplaceItemInObject(v, "similar", cJSON_CreateArray());
	cJSON_AddNullToObject(v, "llm");
	msg = slack_card_render(v, NOW_MS);
	check_message(msg);
	s = all_text(msg);
	assert_null(strstr(s, "Similar"));
	assert_null(strstr(s, "LLM"));
	assert_non_null(strstr(s, "*Analysis* (confidence 90%)\\nMatched"));
	cJSON_DeleteItemFromObject(v, "analysis_source");
	cJSON_DeleteItemFromObject(v, "similar");
	cJSON_DeleteItemFromObject(v, "llm");
	cJSON *bare = slack_card_render(v, NOW_MS);
	char *s2 = all_text(bare);
	assert_string_equal(s, s2);
	/* header, fields, analysis, divider, proposal, cost/risk, reasons, decision, buttons,
	 * footer */
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(msg, "blocks")), 10);
	free(s);
	free(s2);
	cJSON_Delete(bare);
	cJSON_Delete(msg);
	cJSON_Delete(v);
}

/* A hostile memory: huge escapable texts in every similar incident stay under the limits. */
static void
test_card_memory_limits(void **state)
{
	cJSON *v = cJSON_Parse(VIEW), *sim = cJSON_CreateArray(), *msg;
	struct buf big;
	char *s;

	(void)state;
	buf_init(&big, 0);
	for (int i = 0; i < 3000; i++)
		buf_printf(&big, "é<&>");
	for (int i = 0; i < 20; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "key", big.data);
		cJSON_AddStringToObject(o, "state", "resolved");
		cJSON_AddStringToObject(o, "runbook", big.data);
		cJSON_AddStringToObject(o, "outcome", big.data);
		cJSON_AddStringToObject(o, "title", big.data);
		cJSON_AddStringToObject(o, "slack_channel", "C0CHAN");
		cJSON_AddStringToObject(o, "slack_ts", "1700000000.000100");
		cJSON_AddItemToArray(sim, o);
	}
	cJSON_ReplaceItemInObject(v, "similar", sim);
	cJSON_AddItemToObject(v, "llm", cJSON_Parse("{\"status\":\"ok\"}"));
	cJSON_AddStringToObject(cJSON_GetObjectItem(v, "llm"), "model", big.data);
	msg = slack_card_render(v, NOW_MS);
	check_message(msg);
	assert_int_equal(count_raw(msg, "mrkdwn", "<&>"), 0);
	s = all_text(msg);
	/* whole entries only: the first fits, the next two do not */
	assert_non_null(strstr(s, "…\\n… and 2 more\"}"));
	assert_non_null(strstr(s, "\\n• *"));
	assert_null(strstr(strstr(s, "\\n• *") + 1, "\\n• *"));
	free(s);
	cJSON_Delete(msg);
	buf_free(&big);
	cJSON_Delete(v);
}

static void
test_card_minimal_view(void **state)
{
	/* an incident with no proposal yet and nulls everywhere */
	cJSON *v = cJSON_Parse("{\"id\":1,\"key\":\"INC-1\",\"version\":1,\"state\":\"open\","
			       "\"severity\":\"sev4\",\"title\":\"\",\"resource\":\"\","
			       "\"source\":\"generic\",\"occurrences\":1,\"created_at\":null,"
			       "\"age_s\":0,\"action\":null,\"approvals\":[],\"step_runs\":[],"
			       "\"timeline\":[]}");
	cJSON *msg = slack_card_render(v, NOW_MS);
	size_t next = 99;

	(void)state;
	check_message(msg);
	assert_non_null(find_button(msg, SLACK_ACT_ACK));
	assert_null(find_button(msg, SLACK_ACT_APPROVE));
	assert_null(find_button(msg, SLACK_ACT_DRYRUN));
	assert_null(slack_thread_render(v, 0, &next));
	assert_int_equal(next, 0);
	cJSON_Delete(msg);
	cJSON_Delete(v);
}

static void
test_value_round_trip(void **state)
{
	struct card_ref ref = {.version = 12, .action_id = 4, .state = "awaiting_approval"}, back;
	char value[128];
	int64_t id = 0;

	(void)state;
	slack_value_format(7, &ref, value, sizeof(value));
	assert_string_equal(value, "7:12:4:awaiting_approval");
	assert_int_equal(slack_value_parse(value, &id, &back), 0);
	assert_int_equal(id, 7);
	assert_int_equal(back.version, 12);
	assert_int_equal(back.action_id, 4);
	assert_string_equal(back.state, "awaiting_approval");
	assert_int_equal(slack_value_parse("7:12:0:open|C123", &id, &back), 0);
	assert_string_equal(back.state, "open");
	assert_int_equal(slack_value_parse(NULL, &id, &back), -1);
	assert_int_equal(slack_value_parse("", &id, &back), -1);
	assert_int_equal(slack_value_parse("7:12:4:", &id, &back), -1);
	assert_int_equal(slack_value_parse("0:12:4:open", &id, &back), -1);
	assert_int_equal(slack_value_parse("7:0:4:open", &id, &back), -1);
	assert_int_equal(slack_value_parse("7:1:4:Open; DROP", &id, &back), -1);
	assert_int_equal(slack_value_parse("7:1:4:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &id, &back), -1);
}

static void
test_thread(void **state)
{
	cJSON *v = cJSON_Parse(VIEW), *tl;
	size_t next = 0, from;
	char *t;
	int chunks = 0;

	(void)state;
	t = slack_thread_render(v, 0, &next);
	assert_int_equal(next, 4);
	/* the similar incidents come with the proposal, with what happened to them */
	assert_non_null(strstr(t,
			       "proposed restart-service: cost fixed $0.00, risk 35 (medium)\n"
			       "*Similar incidents:*\n• *INC-3* ServiceDown &lt;api&gt; on web-2 — "
			       "Resolved in 41 s by autopilot, verified (restart-service), resolved in "
			       "47 s\n"
			       "• *INC-5* ServiceDown api — running"));
	assert_non_null(strstr(t, "🚨 <!date^1700000000^{time_secs}|2023-11-14T22:13:20Z> opened "
				  "from alertmanager alert ServiceDown"));
	/* the diagnostic's output, escaped, in a code block */
	assert_non_null(strstr(t, "diagnostic 'recent logs' ok in 12 ms\n```line &lt;1&gt;\nline "
				  "2```"));
	assert_non_null(strstr(t, "👍 <!date^1700000005^{time_secs}|2023-11-14T22:13:25Z> "
				  "*<@U0123ABCD>* INC-7: approval 1 of 2"));
	free(t);
	t = slack_thread_render(v, 3, &next);
	assert_null(strstr(t, "opened"));
	assert_null(strstr(t, "Similar")); /* once, with its row */
	assert_int_equal(next, 4);
	free(t);
	assert_null(slack_thread_render(v, 4, &next));

	/* a long timeline comes in several messages, each under the limit, none lost */
	tl = cJSON_GetObjectItem(v, "timeline");
	for (int i = 0; i < 300; i++) {
		char m[64];
		snprintf(m, sizeof(m), "row %d %s", i, i == 150 ? "" : "padding padding padding");
		cJSON *r = cJSON_Parse("{\"at\":\"2023-11-14T22:14:00.000Z\",\"actor\":\"console:"
				       "root\",\"kind\":\"command\"}");
		cJSON_AddStringToObject(r, "message", m);
		cJSON_AddItemToArray(tl, r);
	}
	for (from = 0; (t = slack_thread_render(v, from, &next)) != NULL; from = next) {
		assert_true(next > from);
		assert_true(strlen(t) <= SLACK_MSG_TEXT_MAX);
		assert_utf8(t);
		chunks++;
		free(t);
	}
	assert_int_equal(from, 304);
	assert_true(chunks >= 3);
	cJSON_Delete(v);
}

/* A recovery ladder: the card lists the stages, the current one bold; the row that ends the
 * ladder mentions the Slack members who must look and names everyone else. */
static void
test_ladder(void **state)
{
	cJSON *v = cJSON_Parse(VIEW), *msg, *tl;
	size_t next = 0;
	char *t;

	(void)state;
	cJSON_DeleteItemFromObject(v, "ladder");
	cJSON_AddItemToObject(
	    v, "ladder",
	    cJSON_Parse("{\"stages\":[{\"stage\":1,\"runbook\":\"restart-service\",\"title\":"
			"\"Restart <x>\",\"status\":\"rolled_back\",\"current\":false},"
			"{\"stage\":2,\"runbook\":\"scale-out\",\"title\":\"Scale out\","
			"\"status\":\"failed\",\"current\":true}],\"current\":2,"
			"\"exhausted\":true,\"page\":[\"slack:ULEAD\",\"console:bob\"]}"));
	msg = slack_card_render(v, NOW_MS);
	assert_int_equal(count_raw(msg, "mrkdwn",
				   "*Recovery ladder*\n1. `restart-service` Restart &lt;x&gt;: "
				   "rolled_back\n:arrow_forward: *2. `scale-out` Scale out: failed*"),
			 1);
	cJSON_Delete(msg);
	tl = cJSON_GetObjectItem(v, "timeline");
	cJSON_AddItemToArray(tl, cJSON_Parse("{\"at\":\"2023-11-14T22:14:00.000Z\",\"actor\":"
					     "\"healer\",\"kind\":\"ladder.exhausted\","
					     "\"message\":\"Recovery ladder exhausted\"}"));
	t = slack_thread_render(v, 4, &next);
	assert_non_null(t);
	assert_non_null(strstr(t, "Recovery ladder exhausted\n:rotating_light: <@ULEAD> "
				  "console:bob"));
	free(t);
	/* no ladder: no section */
	cJSON_DeleteItemFromObject(v, "ladder");
	cJSON_AddNullToObject(v, "ladder");
	msg = slack_card_render(v, NOW_MS);
	assert_int_equal(count_raw(msg, "mrkdwn", "Recovery ladder"), 0);
	cJSON_Delete(msg);
	cJSON_Delete(v);
}

/* Related alerts: the probable cause, the count, and for each the short fingerprint that
 * tells it from the incident's other alerts, its name, resource, state, occurrences and
 * when it joined, escaped. */
static void
test_related(void **state)
{
	cJSON *v = cJSON_Parse(VIEW), *msg;

	(void)state;
	cJSON_DeleteItemFromObject(v, "related");
	cJSON_AddItemToObject(
	    v, "related",
	    cJSON_Parse("[{\"fingerprint\":\"c0ffee0001aaaaaa\",\"title\":\"DeployStarted <shop>\","
			"\"alertname\":null,\"resource\":\"ci\",\"occurrences\":1,\"cleared\":false,"
			"\"cause\":true,\"joined_at\":\"2023-11-14T22:15:03.000Z\"},"
			"{\"fingerprint\":\"c0ffee0002bbbbbb\",\"title\":\"HighLatency on web-1\","
			"\"alertname\":\"HighLatency\",\"resource\":\"api\",\"occurrences\":3,"
			"\"cleared\":true,\"cause\":false,\"joined_at\":\"2023-11-14T22:16:00.000Z\"}]"));
	cJSON_AddItemToObject(v, "cause", cJSON_Parse("{\"title\":\"DeployStarted <shop>\"}"));
	msg = slack_card_render(v, NOW_MS);
	/* the two share nine characters: ten tell them apart */
	assert_int_equal(
	    count_raw(msg, "mrkdwn",
		      "*Probable cause:* DeployStarted &lt;shop&gt;\n*Related alerts (2):* split one "
		      "out with `split INC-7 ID`\n• `c0ffee0001` *DeployStarted &lt;shop&gt;* on "
		      "`ci`: firing ×1, joined <!date^1700000103^{time_secs}|2023-11-14T22:15:03Z>, "
		      "*probable cause*\n• `c0ffee0002` *HighLatency* on `api`: cleared ×3, joined "
		      "<!date^1700000160^{time_secs}|2023-11-14T22:16:00Z>"),
	    1);
	assert_int_equal(count_raw(msg, "mrkdwn", "more"), 0);
	cJSON_Delete(msg);
	cJSON_Delete(v);
}

/* n related alerts named name (fingerprints fp00…, fp01…), the view's url set or not. */
static cJSON *
related_view(int n, const char *name, const char *url)
{
	cJSON *v = cJSON_Parse(VIEW), *rel = cJSON_CreateArray();

	for (int i = 0; i < n; i++) {
		cJSON *r = cJSON_CreateObject();
		char fp[40];

		snprintf(fp, sizeof(fp), "fp%02d0123456789abcdef", i);
		cJSON_AddStringToObject(r, "fingerprint", fp);
		cJSON_AddStringToObject(r, "title", name);
		cJSON_AddStringToObject(r, "alertname", name);
		cJSON_AddStringToObject(r, "resource", "api");
		cJSON_AddNumberToObject(r, "occurrences", 1);
		cJSON_AddFalseToObject(r, "cleared");
		cJSON_AddFalseToObject(r, "cause");
		cJSON_AddStringToObject(r, "joined_at", "2023-11-14T22:15:03.000Z");
		cJSON_AddItemToArray(rel, r);
	}
	cJSON_DeleteItemFromObject(v, "related");
	cJSON_AddItemToObject(v, "related", rel);
	cJSON_DeleteItemFromObject(v, "url");
	cJSON_AddItemToObject(v, "url", url ? cJSON_CreateString(url) : cJSON_CreateNull());
	return v;
}

/* The related section text of a rendered card. */
static const char *
related_text(const cJSON *msg)
{
	const cJSON *b;

	cJSON_ArrayForEach(b, cJSON_GetObjectItem(msg, "blocks"))
	{
		const char *t = cJSON_GetStringValue(
		    cJSON_GetObjectItem(cJSON_GetObjectItem(b, "text"), "text"));
		if (t && strstr(t, "*Related alerts"))
			return t;
	}
	fail_msg("no related section");
	return NULL;
}

/* Past ten alerts, or past what one section holds, "and N more" with the web page. */
static void
test_related_cap(void **state)
{
	cJSON *v = related_view(25, "HighLatency", "https://healer.example/ui/incidents/7"), *msg;
	const char *t;
	char long_name[400];

	(void)state;
	msg = slack_card_render(v, NOW_MS);
	t = related_text(msg);
	assert_non_null(strstr(t, "*Related alerts (25):*"));
	assert_non_null(strstr(t, "• `fp090123` *HighLatency*"));
	assert_null(strstr(t, "`fp100123`"));
	assert_non_null(strstr(t, "\nand 15 more: https://healer.example/ui/incidents/7"));
	assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(msg, "blocks")) <= 50);
	cJSON_Delete(msg);
	cJSON_Delete(v);
	/* without HEALER_PUBLIC_URL: where the whole list is */
	v = related_view(11, "HighLatency", NULL);
	msg = slack_card_render(v, NOW_MS);
	assert_non_null(strstr(related_text(msg),
			       "\nand 1 more (all of them: healer incidents show INC-7 --json)"));
	cJSON_Delete(msg);
	cJSON_Delete(v);
	/* names that escape five times longer: whole lines within 3000, the rest counted */
	memset(long_name, '&', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	v = related_view(10, long_name, NULL);
	msg = slack_card_render(v, NOW_MS);
	t = related_text(msg);
	assert_true(strlen(t) <= 3000);
	int shown = 0;
	for (const char *p = t; (p = strstr(p, "\n• `fp")) != NULL; p++)
		shown++;
	char more[64];
	snprintf(more, sizeof(more), "\nand %d more", 10 - shown);
	assert_true(shown >= 1 && shown < 10);
	assert_non_null(strstr(t, more));
	cJSON_Delete(msg);
	cJSON_Delete(v);
}

static void
test_modal_and_home(void **state)
{
	cJSON *m = slack_reject_modal("7:12:4:awaiting_approval", "C0CHAN"), *list, *home;
	char *s;

	(void)state;
	assert_string_equal(cJSON_GetObjectItem(m, "callback_id")->valuestring,
			    SLACK_REJECT_CALLBACK);
	assert_string_equal(cJSON_GetObjectItem(m, "private_metadata")->valuestring,
			    "7:12:4:awaiting_approval|C0CHAN");
	check_text(cJSON_GetObjectItem(m, "title"), 24);
	assert_string_equal(cJSON_GetObjectItem(m, "title")->child->next->valuestring,
			    "Reject INC-7");
	check_text(cJSON_GetObjectItem(m, "submit"), 24);
	check_blocks(cJSON_GetObjectItem(m, "blocks"), 100);
	s = all_text(m);
	assert_non_null(strstr(s, "\"block_id\":\"reason\""));
	assert_non_null(strstr(s, "\"action_id\":\"reason_input\""));
	free(s);
	cJSON_Delete(m);

	list = cJSON_CreateArray();
	for (int i = 200; i > 0; i--) {
		cJSON *it = cJSON_CreateObject();
		char key[16];
		snprintf(key, sizeof(key), "INC-%d", i);
		cJSON_AddNumberToObject(it, "id", i);
		cJSON_AddStringToObject(it, "key", key);
		cJSON_AddStringToObject(it, "state", "awaiting_approval");
		cJSON_AddStringToObject(it, "severity", "sev2");
		cJSON_AddStringToObject(it, "title", "disk <full> & slow");
		cJSON_AddStringToObject(it, "resource", "db-1");
		cJSON_AddNumberToObject(it, "occurrences", 2);
		cJSON_AddStringToObject(it, "created_at", "2023-11-14T22:13:20.000Z");
		if (i == 200) {
			cJSON_AddStringToObject(it, "slack_channel", "C0CHAN");
			cJSON_AddStringToObject(it, "slack_ts", "1700000000.000100");
		}
		cJSON_AddItemToArray(list, it);
	}
	home = slack_home_render(list, NOW_MS);
	assert_string_equal(cJSON_GetObjectItem(home, "type")->valuestring, "home");
	check_blocks(cJSON_GetObjectItem(home, "blocks"), 100);
	s = all_text(home);
	assert_non_null(strstr(s, "200 open incidents"));
	assert_non_null(
	    strstr(s, "*INC-200* · awaiting approval · sev2\\ndisk &lt;full&gt; &amp; slow"));
	assert_non_null(strstr(s, "https://slack.com/archives/C0CHAN/p1700000000000100"));
	assert_non_null(strstr(s, "… and 110 more"));
	free(s);
	cJSON_Delete(home);
	cJSON_Delete(list);

	list = cJSON_CreateArray();
	home = slack_home_render(list, NOW_MS);
	s = all_text(home);
	assert_non_null(strstr(s, "Nothing open."));
	free(s);
	cJSON_Delete(home);
	cJSON_Delete(list);
}

static void
test_text_helpers(void **state)
{
	char *s;

	(void)state;
	s = slack_escape("a<b>&c");
	assert_string_equal(s, "a&lt;b&gt;&amp;c");
	free(s);
	s = slack_reply_text("INC-7: approval 1 of 2 by slack:U1\n", true, 3000);
	assert_string_equal(s, "INC-7: approval 1 of 2 by slack:U1");
	free(s);
	s = slack_reply_text("refused: approve needs role lead or admin (you have: engineer)",
			     false, 3000);
	assert_string_equal(s, ":no_entry_sign: refused: approve needs role lead or admin (you "
			       "have: engineer)");
	free(s);
	s = slack_reply_text("INC-1  open  <db>\nINC-2  closed\n", true, 3000);
	assert_string_equal(s, "```\nINC-1  open  &lt;db&gt;\nINC-2  closed\n```");
	free(s);
	s = slack_reply_text("ééééééééééééééééééééééééééééééééééééééééééééééééééééé\n"
			     "éééééééééééééééééééééééééééééééééééééééééééééééééééé",
			     true, 100);
	assert_true(strlen(s) <= 100);
	assert_utf8(s);
	free(s);

	s = slack_mention_command("<@U0BOT> approve INC-7");
	assert_string_equal(s, "approve INC-7");
	free(s);
	s = slack_mention_command(
	    "  <@U0BOT>  <@U0BOT2> declare “disk &lt;full&gt; &amp; slow” sev2");
	assert_string_equal(s, "declare \"disk <full> & slow\" sev2");
	free(s);
	s = slack_mention_command(NULL);
	assert_string_equal(s, "");
	free(s);
}

/* The Socket Mode URL from apps.connections.open, taken apart for lws. */
static void
test_url_split(void **state)
{
	struct slack_open j;

	(void)state;
	memset(&j, 0, sizeof(j));
	assert_int_equal(
	    slack_url_split("wss://wss-primary.slack.com/link/?ticket=abc&app_id=A1", &j), 0);
	assert_true(j.tls);
	assert_int_equal(j.port, 443);
	assert_string_equal(j.host, "wss-primary.slack.com");
	assert_string_equal(j.path, "/link/?ticket=abc&app_id=A1");
	memset(&j, 0, sizeof(j));
	assert_int_equal(slack_url_split("ws://127.0.0.1:38489/link/?ticket=1", &j), 0);
	assert_false(j.tls);
	assert_int_equal(j.port, 38489);
	assert_string_equal(j.host, "127.0.0.1");
	memset(&j, 0, sizeof(j));
	assert_int_equal(slack_url_split("ws://[::1]:9000?x=1", &j), 0);
	assert_string_equal(j.host, "::1");
	assert_int_equal(j.port, 9000);
	assert_string_equal(j.path, "/?x=1");
	memset(&j, 0, sizeof(j));
	assert_int_equal(slack_url_split("https://slack.com/link", &j), -1);
	assert_string_equal(j.why, "not a ws:// or wss:// URL");
	assert_int_equal(slack_url_split("wss://host:99999/x", &j), -1);
	assert_int_equal(slack_url_split("wss://host:12ab/x", &j), -1);
	assert_int_equal(slack_url_split("wss:///x", &j), -1);
	assert_int_equal(slack_url_split("wss://[::1/x", &j), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_card_content),
	    cmocka_unit_test(test_card_running_and_finished),
	    cmocka_unit_test(test_card_interrupted_step),
	    cmocka_unit_test(test_card_limits_hostile_view),
	    cmocka_unit_test(test_card_memory),
	    cmocka_unit_test(test_card_memory_limits),
	    cmocka_unit_test(test_card_minimal_view),
	    cmocka_unit_test(test_value_round_trip),
	    cmocka_unit_test(test_thread), cmocka_unit_test(test_ladder), cmocka_unit_test(test_related),
	    cmocka_unit_test(test_related_cap),
	    cmocka_unit_test(test_modal_and_home),
	    cmocka_unit_test(test_text_helpers),
	    cmocka_unit_test(test_url_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
