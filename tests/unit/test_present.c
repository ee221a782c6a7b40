/* test_present.c — the display semantics every surface shares: terminal states, buttons per
 * state, labels and header marks, the analysis wording, the outcome line with its one
 * duration, a failed step's stderr tail, names for ids, terminal display columns. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "present.h"

static cJSON *
view_of(const char *state, bool with_action, const char *acked_by)
{
	cJSON *v = cJSON_CreateObject();

	cJSON_AddStringToObject(v, "state", state);
	cJSON_AddStringToObject(v, "severity", "sev3");
	cJSON_AddStringToObject(v, "created_at", "2026-01-01T10:00:00.000Z");
	cJSON_AddNullToObject(v, "resolved_at");
	if (acked_by)
		cJSON_AddStringToObject(v, "acked_by", acked_by);
	else
		cJSON_AddNullToObject(v, "acked_by");
	if (with_action) {
		cJSON *a = cJSON_AddObjectToObject(v, "action");
		cJSON_AddStringToObject(a, "risk_level", "medium");
		cJSON_AddNullToObject(a, "started_at");
	} else {
		cJSON_AddNullToObject(v, "action");
	}
	return v;
}

static void
test_terminal_and_buttons(void **state)
{
	static const struct {
		const char *state;
		bool terminal;
		unsigned buttons;
	} want[] = {
	    {"open", false, VERB_ACK},
	    {"awaiting_approval", false, VERB_APPROVE | VERB_REJECT | VERB_DRYRUN | VERB_ACK},
	    {"approved", false, VERB_ACK},
	    {"blocked", false, VERB_DRYRUN | VERB_ACK},
	    {"needs_attention", false, VERB_DRYRUN | VERB_ACK},
	    {"running", false, VERB_ACK},
	    {"verifying", false, VERB_ACK},
	    /* failed waits for its rollback or a human: the same on every surface */
	    {"failed", false, VERB_ACK},
	    {"resolved", true, 0},
	    {"rolled_back", true, 0},
	    {"rejected", true, 0},
	    {"expired", true, 0},
	    {"closed", true, 0},
	};
	struct present p;

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		cJSON *v = view_of(want[i].state, true, NULL);
		present_view(v, &p);
		if (p.terminal != want[i].terminal || p.buttons != want[i].buttons)
			fail_msg("%s: terminal %d buttons %#x", want[i].state, p.terminal,
				 p.buttons);
		cJSON_Delete(v);
	}
	/* no proposal: nothing to approve, reject or dry-run */
	cJSON *v = view_of("awaiting_approval", false, NULL);
	present_view(v, &p);
	assert_int_equal(p.buttons, VERB_ACK);
	cJSON_Delete(v);
	/* acknowledged once: no Acknowledge button */
	v = view_of("awaiting_approval", true, "console:alice");
	present_view(v, &p);
	assert_int_equal(p.buttons, VERB_APPROVE | VERB_REJECT | VERB_DRYRUN);
	cJSON_Delete(v);
	/* not an object at all */
	present_view(NULL, &p);
	assert_false(p.terminal);
	assert_int_equal(p.buttons, 0);
	assert_string_equal(p.state_label, "unknown");
}

static void
test_labels_marks_and_tones(void **state)
{
	struct present p;
	cJSON *v = view_of("awaiting_approval", true, NULL);

	(void)state;
	present_view(v, &p);
	assert_string_equal(p.state_label, "awaiting approval");
	assert_string_equal(p.emoji, "🟡"); /* undecided: the severity */
	assert_string_equal(p.risk_tone, "warning");
	assert_string_equal(p.fix_heading, "proposed fix");
	cJSON_Delete(v);
	v = view_of("resolved", true, NULL);
	present_view(v, &p);
	assert_string_equal(p.emoji, "✅"); /* the state, not the severity */
	assert_string_equal(p.tone, "good");
	assert_string_equal(p.fix_heading, "proposed fix (never ran)");
	cJSON_Delete(v);
	v = view_of("failed", true, NULL);
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(v, "action"), "started_at",
				  cJSON_CreateString("2026-01-01T10:00:01.000Z"));
	present_view(v, &p);
	assert_string_equal(p.emoji, "❌");
	assert_string_equal(p.tone, "attention");
	assert_string_equal(p.fix_heading, "fix that ran");
	cJSON_Delete(v);
	/* verifying: the fix runs its checks, or it succeeded and waits for related alerts */
	v = view_of("verifying", true, NULL);
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(v, "action"), "started_at",
				  cJSON_CreateString("2026-01-01T10:00:01.000Z"));
	present_view(v, &p);
	assert_string_equal(p.fix_heading, "fix (running)");
	cJSON_AddStringToObject(cJSON_GetObjectItem(v, "action"), "status", "succeeded");
	present_view(v, &p);
	assert_string_equal(p.fix_heading, "fix that ran");
	cJSON_Delete(v);
	v = view_of("running", false, NULL);
	present_view(v, &p);
	assert_string_equal(p.risk_tone, "");
	assert_string_equal(p.fix_heading, "");
	cJSON_Delete(v);
	/* one wording for each analysis source, whatever the surface */
	assert_string_equal(present_source_name("rules"), "rule match");
	assert_string_equal(present_source_name("search"), "text-search suggestion");
	assert_string_equal(present_source_name("llm"), "LLM analysis");
	assert_string_equal(present_source_name("request"), "requested by a human");
	assert_string_equal(present_source_name("bogus"), "");
	assert_string_equal(present_source_name(NULL), "");
}

static void
test_run_marks(void **state)
{
	(void)state;
	assert_string_equal(present_run_mark("ok"), "✅");
	assert_string_equal(present_run_mark("running"), "⏳");
	assert_string_equal(present_run_mark("interrupted"), "⚠️");
	assert_string_equal(present_run_mark("failed"), "❌");
	assert_string_equal(present_run_mark("timeout"), "❌");
	assert_string_equal(present_run_mark(""), "❌");
}

static void
test_outcome_and_duration(void **state)
{
	struct present p;
	cJSON *v = view_of("resolved", true, NULL);
	char *s;

	(void)state;
	cJSON_ReplaceItemInObject(v, "resolved_at", cJSON_CreateString("2026-01-01T10:00:41.000Z"));
	cJSON_AddStringToObject(v, "outcome", "Resolved by autopilot, verified");
	cJSON *people = cJSON_AddObjectToObject(v, "people");
	cJSON_AddStringToObject(people, "teams:aad-1", "Dana Ops");
	present_view(v, &p);
	assert_string_equal(p.duration, "41 s");
	s = present_outcome(v);
	assert_string_equal(s, "Resolved by autopilot, verified, 41 s after it opened");
	free(s);
	/* people in the outcome by name */
	cJSON_ReplaceItemInObject(v, "outcome", cJSON_CreateString("Closed by teams:aad-1"));
	s = present_outcome(v);
	assert_string_equal(s, "Closed by Dana Ops, 41 s after it opened");
	free(s);
	/* finished without an outcome line: the state and the same duration */
	cJSON_DeleteItemFromObject(v, "outcome");
	cJSON_ReplaceItemInObject(v, "state", cJSON_CreateString("expired"));
	s = present_outcome(v);
	assert_string_equal(s, "Expired after 41 s");
	free(s);
	cJSON_Delete(v);
	/* still going: nothing to say */
	v = view_of("running", true, NULL);
	assert_null(present_outcome(v));
	present_view(v, &p);
	assert_string_equal(p.duration, "");
	cJSON_Delete(v);
}

static void
test_similar_runbook(void **state)
{
	cJSON *s = cJSON_Parse("{\"runbook\":\"free-disk-space\",\"runbook_ran\":false}");
	char *t;

	(void)state;
	t = present_similar_runbook(s);
	assert_string_equal(t, "free-disk-space (proposed, never ran)");
	free(t);
	cJSON_ReplaceItemInObject(s, "runbook_ran", cJSON_CreateTrue());
	t = present_similar_runbook(s);
	assert_string_equal(t, "free-disk-space");
	free(t);
	char d[48];
	present_similar_time(s, d, sizeof(d));
	assert_string_equal(d, "");
	cJSON_AddStringToObject(s, "state", "resolved");
	cJSON_AddNumberToObject(s, "resolve_s", 47.2);
	present_similar_time(s, d, sizeof(d));
	assert_string_equal(d, "resolved in 47 s");
	cJSON_ReplaceItemInObject(s, "state", cJSON_CreateString("rolled_back"));
	present_similar_time(s, d, sizeof(d));
	assert_string_equal(d, "rolled back after 47 s");
	cJSON_ReplaceItemInObject(s, "runbook", cJSON_CreateNull());
	t = present_similar_runbook(s);
	assert_string_equal(t, "no runbook");
	free(t);
	cJSON_Delete(s);
}

static void
test_stderr_tail(void **state)
{
	cJSON *r = cJSON_Parse("{\"status\":\"failed\",\"exit_code\":1,\"stderr\":"
			       "\"one\\ntwo\\nthree\\nfour\\nfive\\nsix\\nseven\\n\\n\"}");
	char *t;

	(void)state;
	t = present_stderr_tail(r);
	assert_string_equal(t, "three\nfour\nfive\nsix\nseven");
	free(t);
	/* control bytes are neutralised; long lines are capped */
	char longline[600];
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	char *e = malloc(700);
	snprintf(e, 700, "\x1b[31mred\x07\n%s", longline);
	cJSON_ReplaceItemInObject(r, "stderr", cJSON_CreateString(e));
	free(e);
	t = present_stderr_tail(r);
	assert_non_null(t);
	assert_null(strchr(t, '\x1b'));
	assert_null(strchr(t, '\x07'));
	assert_true(strncmp(t, "?[31mred?\n", 10) == 0);
	assert_true(strlen(t) <= PRESENT_STDERR_MAX);
	assert_true(strlen(strchr(t, '\n') + 1) <= PRESENT_STDERR_LINE_MAX);
	free(t);
	/* a run that did not fail, or wrote nothing to stderr: nothing */
	cJSON_ReplaceItemInObject(r, "status", cJSON_CreateString("ok"));
	assert_null(present_stderr_tail(r));
	cJSON_ReplaceItemInObject(r, "status", cJSON_CreateString("timeout"));
	cJSON_ReplaceItemInObject(r, "stderr", cJSON_CreateString("\n \n"));
	assert_null(present_stderr_tail(r));
	cJSON_ReplaceItemInObject(r, "stderr", cJSON_CreateNull());
	assert_null(present_stderr_tail(r));
	cJSON_Delete(r);
}

static void
test_people(void **state)
{
	cJSON *v = cJSON_Parse("{\"people\":{\"teams:0000-0020\":\"Dana Ops\","
			       "\"slack:UENG\":\"eng\"}}");

	(void)state;
	assert_string_equal(present_user(v, "teams:0000-0020"), "Dana Ops");
	assert_string_equal(present_user(v, "slack:UENG"), "eng");
	assert_string_equal(present_user(v, "console:alice"), "alice");
	assert_string_equal(present_user(v, "teams:unknown"), "teams:unknown");
	assert_string_equal(present_user(NULL, "slack:UX"), "slack:UX");
	assert_string_equal(present_user(v, NULL), "");
	/* ids inside messages: whole words only, a sentence's full stop is not part of them */
	char *t = present_names(v, "INC-1: approval 1 of 1 by teams:0000-0020; asked slack:UENG.");
	assert_string_equal(t, "INC-1: approval 1 of 1 by Dana Ops; asked eng.");
	free(t);
	t = present_names(v, "closed by console:alice, not xslack:UENG or slack:");
	assert_string_equal(t, "closed by alice, not xslack:UENG or slack:");
	free(t);
	size_t n;
	const char *at = present_next_user("by teams:unknown-1 now", &n);
	assert_non_null(at);
	assert_int_equal(n, strlen("teams:unknown-1"));
	assert_null(present_next_user("no ids here", &n));
	cJSON_Delete(v);
}

static void
test_display_columns(void **state)
{
	(void)state;
	assert_int_equal(present_cols("abc", 3), 3);
	assert_int_equal(present_cols("reject ID reason…", strlen("reject ID reason…")), 17);
	assert_int_equal(present_cols("✅ ok", strlen("✅ ok")), 5);
	assert_int_equal(present_cols("🟠", strlen("🟠")), 2);
	assert_int_equal(present_cols("é", strlen("é")), 1);
	assert_int_equal(present_cols("⚠️", strlen("⚠️")), 1); /* U+26A0 + VS16 */
	assert_int_equal(present_cols("日本", strlen("日本")), 4);
	/* only the first n bytes; a cut sequence counts its bytes one each */
	assert_int_equal(present_cols("abc", 2), 2);
	assert_int_equal(present_cols("\xe2\x80", 2), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_terminal_and_buttons),
	    cmocka_unit_test(test_labels_marks_and_tones),
	    cmocka_unit_test(test_outcome_and_duration),
	    cmocka_unit_test(test_run_marks),
	    cmocka_unit_test(test_similar_runbook),
	    cmocka_unit_test(test_stderr_tail),
	    cmocka_unit_test(test_people),
	    cmocka_unit_test(test_display_columns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
