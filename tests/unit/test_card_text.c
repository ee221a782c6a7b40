/* test_card_text.c — the console card: what a terminal user reads (title with the state's
 * mark, cost/risk/decision on top, wrapped lines keeping their indentation, a failed step's
 * stderr, one duration, a proposal that never ran), every line exactly the frame's width in
 * display columns; and the help text aligned in display columns. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "card_text.h"
#include "command.h"
#include "present.h"

#define NOW 1767261695000LL /* 2026-01-01T10:01:35Z */

static const char *VIEW =
    "{\"id\":7,\"key\":\"INC-7\",\"version\":3,\"state\":\"awaiting_approval\","
    "\"severity\":\"sev2\",\"title\":\"ServiceDown api on web-1\",\"resource\":\"api\","
    "\"source\":\"alertmanager\",\"occurrences\":2,\"alert_cleared\":false,"
    "\"created_at\":\"2026-01-01T10:00:00.000Z\",\"resolved_at\":null,\"acked_by\":null,"
    "\"analysis\":\"Matched runbook restart-service\",\"confidence\":0.9,"
    "\"analysis_source\":\"search\",\"attention\":null,\"outcome\":null,"
    "\"action\":{\"runbook\":\"restart-service\",\"runbook_title\":\"Restart\","
    "\"params\":{\"service\":\"api\",\"incident\":\"INC-7\"},"
    "\"steps\":[\"restart: systemctl restart api\"],\"cost_usd\":0,"
    "\"cost_formula\":\"fixed $0.00\",\"risk_score\":35,\"risk_level\":\"medium\","
    "\"risk_reasons\":[\"+30 runbook risk medium\",\"+5 severity sev2\"],"
    "\"decision\":\"approval\",\"decision_reason\":\"needs 1 approval from lead or "
    "admin: risk medium\",\"approvals_needed\":1,\"started_at\":null},"
    "\"approvals\":[{\"user\":\"teams:0000-0020\",\"decision\":\"approve\"}],"
    "\"people\":{\"teams:0000-0020\":\"Dana Ops\"},"
    "\"step_runs\":[{\"phase\":\"diagnostic\",\"name\":\"logs\","
    "\"status\":\"ok\",\"duration_ms\":12,\"output\":\"line one\\nline two\","
    "\"error\":null}],\"timeline\":[],\"similar\":[]}";

/* Every line of the frame is `width` display columns wide. */
static void
assert_frame(const char *t, size_t width)
{
	const char *p = t;

	while (*p) {
		const char *nl = strchr(p, '\n');
		assert_non_null(nl);
		size_t c = present_cols(p, (size_t)(nl - p));
		if (c != width)
			fail_msg("line is %zu columns, not %zu: %.*s", c, width, (int)(nl - p), p);
		p = nl + 1;
	}
}

/* The line holding `needle` (a copy without its newline). */
static char *
line_of(const char *t, const char *needle)
{
	const char *at = strstr(t, needle), *start, *end;

	if (at == NULL)
		fail_msg("no line with \"%s\" in:\n%s", needle, t);
	for (start = at; start > t && start[-1] != '\n'; start--)
		;
	end = strchr(at, '\n');
	return strndup(start, (size_t)(end - start));
}

static char *
render(cJSON *v)
{
	char *t = card_text_render(v, 78, NOW);

	assert_frame(t, 78);
	return t;
}

static void
test_awaiting(void **state)
{
	cJSON *v = cJSON_Parse(VIEW);
	char *t = render(v);

	(void)state;
	assert_non_null(strstr(t, "╭─ 🟠 INC-7 · sev2 · awaiting approval ─"));
	/* cost, risk and the decision right under the title line */
	const char *title = strstr(t, "ServiceDown api on web-1"), *cost = strstr(t, "Cost:");
	assert_non_null(cost);
	assert_true(cost > title && cost < strstr(t, "Resource:"));
	assert_non_null(strstr(t, "Cost:      $0.00 (fixed $0.00)   Risk: 35/100 medium"));
	assert_non_null(strstr(t, "Decision:  needs 1 approval from lead or admin: risk medium"));
	assert_non_null(strstr(t, "Age: 1 min 35 s"));
	assert_non_null(strstr(t, "Analysis:  text-search suggestion, confidence 0.90"));
	assert_non_null(strstr(t, "─ proposed fix ─"));
	assert_non_null(strstr(t, "Params:    service=api "));
	assert_null(strstr(t, "incident=INC-7"));
	assert_non_null(strstr(t, "  1. restart: systemctl restart api"));
	assert_non_null(strstr(t, "Risk from: +30 runbook risk medium"));
	/* the approver by name, not by id */
	assert_non_null(strstr(t, "Approvals: 1 of 1: Dana Ops"));
	assert_null(strstr(t, "teams:0000-0020"));
	assert_non_null(strstr(t, "✅ diagnostic logs (12 ms)"));
	assert_non_null(strstr(t, "│ line two"));
	assert_non_null(strstr(t,
			       "Actions:   approve INC-7 | reject INC-7 <reason> | dryrun INC-7 | "
			       "ack "));
	assert_non_null(strstr(t, "│            INC-7 | close INC-7 "));
	free(t);
	cJSON_Delete(v);
}

/* A long line wraps under its own text, never back to the frame's first column. */
static void
test_wrap_keeps_indentation(void **state)
{
	cJSON *v = cJSON_Parse(VIEW);
	char longtext[600] = "";

	(void)state;
	for (int i = 0; i < 40; i++)
		strcat(longtext, "wordy ");
	cJSON_ReplaceItemInObject(v, "attention", cJSON_CreateString(longtext));
	cJSON_ReplaceItemInObject(v, "analysis", cJSON_CreateString(longtext));
	char *t = render(v);
	const char *p = strstr(t, "│ Attention: wordy");
	assert_non_null(p);
	p = strchr(p, '\n') + 1;
	/* the continuation starts under "wordy", in the label column */
	assert_true(strncmp(p, "│            wordy", strlen("│            wordy")) == 0);
	p = strstr(t, "│ Analysis:  text-search suggestion");
	p = strchr(p, '\n') + 1;
	assert_true(strncmp(p, "│            wordy", strlen("│            wordy")) == 0);
	p = strchr(p, '\n') + 1;
	assert_true(strncmp(p, "│            wordy", strlen("│            wordy")) == 0);
	free(t);
	cJSON_Delete(v);
}

/* Failed: the step's last stderr lines, not only "exit status 1". */
static void
test_failed_step_shows_stderr(void **state)
{
	cJSON *v = cJSON_Parse(VIEW);
	cJSON *run =
	    cJSON_Parse("{\"phase\":\"step\",\"idx\":0,\"name\":\"restart\",\"status\":"
			"\"failed\",\"exit_code\":1,\"duration_ms\":40,\"error\":\"exit status "
			"1\",\"output\":\"\",\"stderr\":\"a\\nb\\nc\\nd\\nFailed to restart "
			"api.service: Unit api.service not found.\\n\"}");

	(void)state;
	cJSON_ReplaceItemInObject(v, "state", cJSON_CreateString("failed"));
	cJSON_AddItemToArray(cJSON_GetObjectItem(v, "step_runs"), run);
	char *t = render(v);
	assert_non_null(strstr(t, "❌ step       restart (40 ms)"));
	assert_non_null(strstr(t, "     exit status 1"));
	assert_non_null(
	    strstr(t, "     ! Failed to restart api.service: Unit api.service not found."));
	assert_non_null(strstr(t, "     ! a "));
	/* failed is not terminal: a human may still acknowledge or close it */
	assert_non_null(strstr(t, "Actions:   ack INC-7 | close INC-7"));
	assert_non_null(strstr(t, "╭─ ❌ INC-7 · sev2 · failed ─"));
	free(t);
	cJSON_Delete(v);
}

/* Finished: the outcome carries the one duration (opened → finished); a similar incident's
 * time to resolve uses the same source; a proposal that never ran says so. */
static void
test_finished_one_duration(void **state)
{
	cJSON *v = cJSON_Parse(VIEW);
	cJSON *sim = cJSON_Parse(
	    "[{\"key\":\"INC-3\",\"title\":\"disk full\",\"state\":\"closed\",\"runbook\":"
	    "\"free-disk-space\",\"runbook_ran\":false,\"outcome\":\"Closed by alice\","
	    "\"resolve_s\":120.0},"
	    "{\"key\":\"INC-2\",\"title\":\"api down\",\"state\":\"resolved\",\"runbook\":"
	    "\"restart-service\",\"runbook_ran\":true,\"outcome\":\"Resolved by autopilot, "
	    "verified\",\"resolve_s\":0.011}]");

	(void)state;
	cJSON_ReplaceItemInObject(v, "state", cJSON_CreateString("resolved"));
	cJSON_ReplaceItemInObject(v, "resolved_at", cJSON_CreateString("2026-01-01T10:00:41.000Z"));
	cJSON_ReplaceItemInObject(v, "outcome",
				  cJSON_CreateString("Resolved after approval, verified"));
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(v, "action"), "started_at",
				  cJSON_CreateString("2026-01-01T10:00:30.000Z"));
	cJSON_ReplaceItemInObject(v, "similar", sim);
	char *t = render(v);
	assert_non_null(strstr(t, "╭─ ✅ INC-7 · sev2 · resolved ─"));
	assert_non_null(
	    strstr(t, "Outcome:   Resolved after approval, verified, 41 s after it opened"));
	assert_non_null(strstr(t, "─ fix that ran ─"));
	assert_null(strstr(t, "Actions:"));
	char *l = line_of(t, "INC-3");
	assert_non_null(
	    strstr(l, "closed       free-disk-space (proposed, never ran), closed after"));
	free(l);
	/* its continuation lines up under the state, not at the frame */
	assert_non_null(strstr(t, "│          2 min 0 s "));
	l = line_of(t, "INC-2");
	assert_non_null(strstr(l, "resolved     restart-service, resolved in 11 ms"));
	free(l);
	free(t);
	/* closed by hand before anything ran: the proposal reads as one */
	cJSON_ReplaceItemInObject(v, "state", cJSON_CreateString("closed"));
	cJSON_ReplaceItemInObject(v, "outcome", cJSON_CreateString("Closed by alice"));
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(v, "action"), "started_at",
				  cJSON_CreateNull());
	t = render(v);
	assert_non_null(strstr(t, "─ proposed fix (never ran) ─"));
	assert_non_null(strstr(t, "Outcome:   Closed by alice, 41 s after it opened"));
	free(t);
	cJSON_Delete(v);
}

/* Help: the descriptions start in one column, whatever the usage holds ("…"). */
static void
test_help_aligned(void **state)
{
	const char *h = command_help(), *p = h;
	size_t col = 0;

	(void)state;
	assert_non_null(strstr(h, "reject ID reason…"));
	while (*p) {
		const char *nl = strchr(p, '\n');
		/* usage, padding, one blank, the description: find where the padding ends */
		const char *d = p;
		const char *gap = strstr(p, "  ");
		assert_true(gap != NULL && gap < nl);
		for (d = gap; *d == ' '; d++)
			;
		size_t c = present_cols(p, (size_t)(d - p));
		if (col == 0)
			col = c;
		if (c != col)
			fail_msg("description at column %zu, not %zu: %.*s", c, col, (int)(nl - p),
				 p);
		p = nl + 1;
	}
	assert_int_equal(col, 45);
}

/* Related alerts: each with the short fingerprint split takes, state, count, joined time;
 * ten of them, then "and N more" with the web page. */
static void
test_related(void **state)
{
	cJSON *v = cJSON_Parse(VIEW), *rel = cJSON_CreateArray();
	char *t, *l;

	(void)state;
	cJSON_AddStringToObject(v, "fingerprint", "aaaa1111bbbb2222");
	cJSON_AddItemToObject(v, "cause", cJSON_Parse("{\"title\":\"ServiceDown api on web-1\"}"));
	for (int i = 0; i < 12; i++) {
		cJSON *r = cJSON_CreateObject();
		char fp[40];

		snprintf(fp, sizeof(fp), "c0ffee%02d0123456789", i);
		cJSON_AddStringToObject(r, "fingerprint", fp);
		cJSON_AddStringToObject(r, "alertname", "HighLatency");
		cJSON_AddStringToObject(r, "resource", "web-1");
		cJSON_AddNumberToObject(r, "occurrences", i + 1);
		cJSON_AddBoolToObject(r, "cleared", i == 1);
		cJSON_AddStringToObject(r, "joined_at", "2026-01-01T10:02:03.000Z");
		cJSON_AddItemToArray(rel, r);
	}
	cJSON_AddItemToObject(v, "related", rel);
	cJSON_AddStringToObject(v, "url", "https://healer.example/ui/incidents/7");
	t = render(v);
	l = line_of(t, "Related:");
	assert_non_null(strstr(l, "Related:   12 alert(s); split one out with: split INC-7 ID"));
	free(l);
	l = line_of(t, "c0ffee01");
	assert_non_null(strstr(l, "  c0ffee01  HighLatency on web-1: cleared ×2, joined 10:02:03 UTC"));
	free(l);
	assert_non_null(strstr(t, "c0ffee09  HighLatency on web-1: firing ×10"));
	assert_null(strstr(t, "c0ffee10"));
	assert_non_null(strstr(t, "and 2 more: https://healer.example/ui/incidents/7"));
	free(t);
	cJSON_Delete(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_awaiting),
	    cmocka_unit_test(test_wrap_keeps_indentation),
	    cmocka_unit_test(test_failed_step_shows_stderr),
	    cmocka_unit_test(test_finished_one_duration),
	    cmocka_unit_test(test_help_aligned),
	    cmocka_unit_test(test_related),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
