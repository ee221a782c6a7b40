/* slack_card.c — the incident card in Block Kit, rendered from the incident view. Pure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logctx.h"
#include "present.h"
#include "slack_card.h"
#include "slack_card_int.h"
#include "util.h"

#define STEP_LINES_BUDGET 2600 /* the proposal section keeps room for its heading */
#define SIMILAR_SHOWN 3	       /* what the analysis shows of its memory (views.md "similar") */
#define SIMILAR_BUDGET 2900    /* whole entries only, under the section text limit */

/* "🤖 *LLM:* gpt-4o-mini, ok, 1830+96 tokens, $0.0004": what the model was asked and cost. */
static void
llm_block(cJSON *blocks, const cJSON *llm)
{
	const char *status = view_str(llm, "status");
	struct buf b;

	if (!cJSON_IsObject(llm))
		return;
	buf_init(&b, 0);
	buf_printf(&b, "🤖 *LLM:* ");
	sc_esc(&b, view_str(llm, "model")[0] ? view_str(llm, "model") : "model", 100);
	if (strcmp(status, "pending") == 0) {
		buf_printf(&b, " is analysing; the decision waits for it");
	} else {
		/* why it was not used is in the analysis text */
		buf_printf(&b, ", %s", strcmp(status, "ok") == 0 ? "" : "not used (");
		sc_esc(&b, status, 24);
		buf_printf(&b, "%s, %d+%d tokens, $%.4f", strcmp(status, "ok") == 0 ? "" : ")",
			   (int)view_num(llm, "prompt_tokens"),
			   (int)view_num(llm, "completion_tokens"), view_num(llm, "cost_usd"));
	}
	sc_add(blocks, sc_context(b.data), SLACK_BLOCKS_MAX);
	buf_free(&b);
}

/* One similar incident: its key (a link to its card when the caller says where that is),
 * runbook, time to resolve, whether it hit the same resource, then what happened to it. */
static void
similar_entry(struct buf *b, const cJSON *s)
{
	struct buf url;
	char dur[48];

	buf_init(&url, 0);
	buf_printf(b, "\n• *");
	if (sc_card_url(&url, view_str(s, "slack_channel"), view_str(s, "slack_ts")))
		buf_printf(b, "<%s|", url.data);
	sc_esc(b, view_str(s, "key"), 32);
	buf_printf(b, "%s*", url.len ? ">" : "");
	buf_free(&url);
	char *rb = present_similar_runbook(s); /* the state is in the heading just above */
	buf_printf(b, " · ");
	sc_esc(b, rb, 140);
	free(rb);
	present_similar_time(s, dur, sizeof(dur));
	if (dur[0])
		buf_printf(b, " · %s", dur);
	if (cJSON_IsTrue(cJSON_GetObjectItem(s, "same_resource")))
		buf_printf(b, " · same resource");
	buf_printf(b, "\n      ");
	sc_esc(b, view_str(s, view_str(s, "outcome")[0] ? "outcome" : "title"), 300);
}

/* "*Similar:* INC-3 (resolved), INC-5 (running)" then one entry each: the past incidents
 * the analysis found, as many whole entries as fit in one section. */
static void
similar_block(cJSON *blocks, const cJSON *v)
{
	const cJSON *sim = cJSON_GetObjectItem(v, "similar"), *s;
	int n = 0, total = cJSON_GetArraySize(sim);
	struct buf b, e;

	if (total == 0)
		return;
	total = total < SIMILAR_SHOWN ? total : SIMILAR_SHOWN;
	buf_init(&b, 0);
	buf_init(&e, 0);
	cJSON_ArrayForEach(s, sim)
	{
		if (n == total)
			break;
		buf_printf(&b, "%s", n++ ? ", " : "*Similar:* ");
		sc_esc(&b, view_str(s, "key"), 32);
		buf_printf(&b, " (");
		sc_state(&b, view_str(s, "state"));
		buf_printf(&b, ")");
	}
	n = 0;
	cJSON_ArrayForEach(s, sim)
	{
		if (n == total)
			break;
		buf_free(&e);
		similar_entry(&e, s);
		if (b.len + e.len > SIMILAR_BUDGET) {
			buf_printf(&b, "\n… and %d more", total - n);
			break;
		}
		buf_printf(&b, "%s", e.data);
		n++;
	}
	buf_free(&e);
	sc_add(blocks, sc_section(b.data), SLACK_BLOCKS_MAX);
	buf_free(&b);
}

/* The latest run of (phase, idx), or NULL. */
static const cJSON *
find_run(const cJSON *runs, const char *phase, int idx)
{
	const cJSON *r, *found = NULL;

	cJSON_ArrayForEach(r, runs)
	{
		if (strcmp(view_str(r, "phase"), phase) == 0 && (int)view_num(r, "idx") == idx)
			found = r;
	}
	return found;
}

static void
run_line(struct buf *b, const cJSON *run)
{
	char dur[32];

	buf_printf(b, " %s", present_run_mark(view_str(run, "status")));
	if (strcmp(view_str(run, "status"), "running") != 0) {
		duration_format((int64_t)view_num(run, "duration_ms"), dur, sizeof(dur));
		buf_printf(b, " %s", dur);
	}
	if ((int)view_num(run, "attempt") > 1)
		buf_printf(b, " (attempt %d)", (int)view_num(run, "attempt"));
}

static void
fields_block(cJSON *blocks, const cJSON *v)
{
	cJSON *s = cJSON_CreateObject(), *f;
	struct buf b;
	const char *who = view_str(v, "assignee");

	cJSON_AddStringToObject(s, "type", "section");
	f = cJSON_AddArrayToObject(s, "fields");
	buf_init(&b, 0);
	buf_printf(&b, "*State*\n");
	sc_state(&b, view_str(v, "state"));
	if (cJSON_IsString(cJSON_GetObjectItem(v, "acked_by"))) {
		buf_printf(&b, " · acked by ");
		sc_person(&b, v, view_str(v, "acked_by"));
	}
	cJSON_AddItemToArray(f, sc_text("mrkdwn", b.data, SLACK_FIELD_MAX));
	buf_free(&b);
	buf_printf(&b, "*Resource*\n");
	sc_esc(&b, view_str(v, "resource")[0] ? view_str(v, "resource") : "—", 500);
	cJSON_AddItemToArray(f, sc_text("mrkdwn", b.data, SLACK_FIELD_MAX));
	buf_free(&b);
	buf_printf(&b, "*Source*\n");
	sc_esc(&b, view_str(v, "source"), 200);
	cJSON_AddItemToArray(f, sc_text("mrkdwn", b.data, SLACK_FIELD_MAX));
	buf_free(&b);
	char age[32];
	duration_format((int64_t)view_num(v, "age_s") * 1000, age, sizeof(age));
	buf_printf(&b, "*Age*\n%s, since ", view_num(v, "age_s") < 1 ? "just now" : age);
	sc_date(&b, cJSON_GetStringValue(cJSON_GetObjectItem(v, "created_at")),
		"{date_short_pretty} {time}");
	cJSON_AddItemToArray(f, sc_text("mrkdwn", b.data, SLACK_FIELD_MAX));
	buf_free(&b);
	buf_printf(&b, "*Occurrences*\n%d%s", (int)view_num(v, "occurrences"),
		   cJSON_IsTrue(cJSON_GetObjectItem(v, "alert_cleared")) ? " (alert cleared)" : "");
	cJSON_AddItemToArray(f, sc_text("mrkdwn", b.data, SLACK_FIELD_MAX));
	buf_free(&b);
	buf_printf(&b, "*Assignee*\n");
	if (who[0])
		sc_person(&b, v, who);
	else
		buf_printf(&b, "—");
	cJSON_AddItemToArray(f, sc_text("mrkdwn", b.data, SLACK_FIELD_MAX));
	buf_free(&b);
	sc_add(blocks, s, SLACK_BLOCKS_MAX);
}

/* The proposal: runbook, bound parameters and the steps, with status marks once running. */
static void
proposal_block(cJSON *blocks, const cJSON *act, const cJSON *runs)
{
	const cJSON *p, *step;
	struct buf b, line;
	int i = 0;

	buf_init(&b, 0);
	buf_printf(&b, "*Proposed runbook* `");
	sc_esc(&b, view_str(act, "runbook"), 128);
	buf_printf(&b, "`");
	if (view_str(act, "runbook_title")[0]) {
		buf_printf(&b, " — ");
		sc_esc(&b, view_str(act, "runbook_title"), 200);
	}
	if (cJSON_GetArraySize(cJSON_GetObjectItem(act, "params")) > 0) {
		buf_printf(&b, "\n*Parameters:*");
		cJSON_ArrayForEach(p, cJSON_GetObjectItem(act, "params"))
		{
			buf_printf(&b, " ");
			sc_esc(&b, p->string, 64);
			buf_printf(&b, "=`");
			sc_esc(&b, cJSON_IsString(p) ? p->valuestring : "?", 200);
			buf_printf(&b, "`");
		}
	}
	buf_printf(&b, "\n*Steps:*");
	buf_init(&line, 0);
	cJSON_ArrayForEach(step, cJSON_GetObjectItem(act, "steps"))
	{
		const cJSON *run = find_run(runs, "step", i);
		buf_free(&line);
		buf_printf(&line, "\n%d. `", i + 1);
		sc_esc(&line, cJSON_GetStringValue(step), 300);
		buf_printf(&line, "`");
		if (run)
			run_line(&line, run);
		if (b.len + line.len > STEP_LINES_BUDGET) {
			buf_printf(&b, "\n… and %d more",
				   cJSON_GetArraySize(cJSON_GetObjectItem(act, "steps")) - i);
			break;
		}
		buf_printf(&b, "%s", line.data);
		i++;
	}
	/* verification and rollback runs, once there are any */
	cJSON_ArrayForEach(step, runs)
	{
		const char *ph = view_str(step, "phase");
		if (strcmp(ph, "verify") != 0 && strcmp(ph, "rollback") != 0)
			continue;
		if (find_run(runs, ph, (int)view_num(step, "idx")) != step)
			continue; /* an earlier attempt */
		buf_free(&line);
		buf_printf(&line, "\n%s: ", ph);
		sc_esc(&line, view_str(step, "name"), 100);
		run_line(&line, step);
		if (b.len + line.len > STEP_LINES_BUDGET + 300) {
			buf_printf(&b, "\n…");
			break;
		}
		buf_printf(&b, "%s", line.data);
	}
	buf_free(&line);
	sc_add(blocks, sc_section(b.data), SLACK_BLOCKS_MAX);
	buf_free(&b);
}

/* Cost, risk and the decision as fields right under the header: what an approver weighs
 * first. The risk level carries a mark by its tone (present.risk_tone). */
static void
key_facts_block(cJSON *blocks, const cJSON *act, const struct present *p)
{
	static const char *const tone_marks[][2] = {
	    {"good", "🟢"}, {"warning", "🟠"}, {"attention", "🔴"}};
	const char *mark = "";
	cJSON *s = cJSON_CreateObject(), *f;
	struct buf b;

	for (size_t i = 0; i < ARRAY_LEN(tone_marks); i++)
		if (strcmp(p->risk_tone, tone_marks[i][0]) == 0)
			mark = tone_marks[i][1];
	cJSON_AddStringToObject(s, "type", "section");
	f = cJSON_AddArrayToObject(s, "fields");
	buf_init(&b, 0);
	buf_printf(&b, "*Cost*\n$%.2f (", view_num(act, "cost_usd"));
	sc_esc(&b, view_str(act, "cost_formula"), 1000);
	buf_printf(&b, ")");
	cJSON_AddItemToArray(f, sc_text("mrkdwn", b.data, SLACK_FIELD_MAX));
	buf_free(&b);
	buf_printf(&b, "*Risk*\n%s%s*%d/100 ", mark, *mark ? " " : "",
		   (int)view_num(act, "risk_score"));
	sc_esc(&b, view_str(act, "risk_level"), 16);
	buf_printf(&b, "*");
	cJSON_AddItemToArray(f, sc_text("mrkdwn", b.data, SLACK_FIELD_MAX));
	buf_free(&b);
	if (view_str(act, "decision")[0]) {
		buf_printf(&b, "*Decision*\n");
		sc_esc(&b,
		       view_str(act, "decision_reason")[0] ? view_str(act, "decision_reason")
							   : view_str(act, "decision"),
		       1500);
		cJSON_AddItemToArray(f, sc_text("mrkdwn", b.data, SLACK_FIELD_MAX));
		buf_free(&b);
	}
	sc_add(blocks, s, SLACK_BLOCKS_MAX);
}

/* Why the risk is what it is, under the proposal. */
static void
risk_reasons_block(cJSON *blocks, const cJSON *act)
{
	const cJSON *r;
	struct buf b;

	buf_init(&b, 0);
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(act, "risk_reasons"))
	{
		buf_printf(&b, "%s", b.len ? " · " : "*Risk from:* ");
		sc_esc(&b, cJSON_GetStringValue(r), 200);
	}
	if (b.len)
		sc_add(blocks, sc_context(b.data), SLACK_BLOCKS_MAX);
	buf_free(&b);
}

/* A failed step's last stderr lines as a code block: why it failed, not only its exit. */
static void
failures_block(cJSON *blocks, const cJSON *runs)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, runs)
	{
		char *tail;
		if (find_run(runs, view_str(r, "phase"), (int)view_num(r, "idx")) != r)
			continue; /* an earlier attempt */
		if ((tail = present_stderr_tail(r)) == NULL)
			continue;
		/* a backtick run in the output must not end the code block early */
		for (char *q = tail; *q; q++)
			if (*q == '`')
				*q = '\'';
		struct buf b;
		buf_init(&b, 0);
		buf_printf(&b, "❌ *");
		sc_esc(&b, view_str(r, "phase"), 16);
		buf_printf(&b, " `");
		sc_esc(&b, view_str(r, "name"), 100);
		buf_printf(&b, "` failed");
		if (view_str(r, "error")[0]) {
			buf_printf(&b, ":* ");
			sc_esc(&b, view_str(r, "error"), 200);
		} else {
			buf_printf(&b, "*");
		}
		buf_printf(&b, "\n```");
		sc_esc(&b, tail, PRESENT_STDERR_MAX);
		buf_printf(&b, "```");
		sc_add(blocks, sc_section(b.data), SLACK_BLOCKS_MAX);
		buf_free(&b);
		free(tail);
	}
}

static void
decision_block(cJSON *blocks, const cJSON *v, const cJSON *act)
{
	const cJSON *a;
	struct buf b;
	int n = 0, shown = 0;

	/* the decision itself is at the top (key_facts_block): here, who may and who did */
	if (strcmp(view_str(act, "decision"), "approval") != 0)
		return;
	buf_init(&b, 0);
	buf_printf(&b, "*Who may approve:* ");
	sc_esc(&b, view_str(act, "roles")[0] ? view_str(act, "roles") : "anyone", 300);
	if (!cJSON_IsTrue(cJSON_GetObjectItem(act, "requester_may_approve")))
		buf_printf(&b, " (not the requester)");
	cJSON_ArrayForEach(a, cJSON_GetObjectItem(v, "approvals")) n +=
	    strcmp(view_str(a, "decision"), "approve") == 0;
	buf_printf(&b, "\n*Approvals:* %d of %d", n, (int)view_num(act, "approvals_needed"));
	cJSON_ArrayForEach(a, cJSON_GetObjectItem(v, "approvals"))
	{
		if (strcmp(view_str(a, "decision"), "approve") != 0)
			continue;
		if (b.len > 2500) {
			buf_printf(&b, ", …");
			break;
		}
		buf_printf(&b, "%s", shown++ ? ", " : ": ");
		sc_person(&b, v, view_str(a, "user"));
	}
	sc_add(blocks, sc_section(b.data), SLACK_BLOCKS_MAX);
	buf_free(&b);
}

static cJSON *
button(const char *label, const char *action_id, const char *value, const char *style)
{
	cJSON *btn = cJSON_CreateObject();
	char *v = utf8_truncate(value, SLACK_VALUE_MAX);

	cJSON_AddStringToObject(btn, "type", "button");
	cJSON_AddItemToObject(btn, "text", sc_text("plain_text", label, SLACK_BUTTON_TEXT_MAX));
	cJSON_AddStringToObject(btn, "action_id", action_id);
	cJSON_AddStringToObject(btn, "value", v);
	if (style)
		cJSON_AddStringToObject(btn, "style", style);
	free(v);
	return btn;
}

/* Approve asks again when the action is risky: a misclick must not restart production. */
static cJSON *
approve_confirm(const cJSON *v, const cJSON *act)
{
	cJSON *c = cJSON_CreateObject();
	struct buf b;

	buf_init(&b, 0);
	buf_printf(&b, "Approve %s?", view_str(v, "key"));
	cJSON_AddItemToObject(c, "title", sc_text("plain_text", b.data, SLACK_CONFIRM_TITLE_MAX));
	buf_free(&b);
	buf_printf(&b, "Run *");
	sc_esc(&b, view_str(act, "runbook"), 80);
	buf_printf(&b, "* on *");
	sc_esc(&b, view_str(v, "resource"), 80);
	buf_printf(&b, "*: risk %d (%s), cost $%.2f.", (int)view_num(act, "risk_score"),
		   view_str(act, "risk_level"), view_num(act, "cost_usd"));
	cJSON_AddItemToObject(c, "text", sc_text("mrkdwn", b.data, SLACK_CONFIRM_TEXT_MAX));
	buf_free(&b);
	cJSON_AddItemToObject(c, "confirm",
			      sc_text("plain_text", "Approve", SLACK_CONFIRM_BUTTON_MAX));
	cJSON_AddItemToObject(c, "deny", sc_text("plain_text", "Cancel", SLACK_CONFIRM_BUTTON_MAX));
	cJSON_AddStringToObject(c, "style", "primary");
	return c;
}

static void
buttons_block(cJSON *blocks, const cJSON *v, const cJSON *act, const struct present *p)
{
	const char *state = view_str(v, "state");
	cJSON *blk = cJSON_CreateObject(), *els, *btn;
	struct card_ref ref;
	char value[128], bid[48];

	memset(&ref, 0, sizeof(ref));
	ref.version = (int)view_num(v, "version");
	ref.action_id = act ? (int64_t)view_num(act, "id") : 0;
	snprintf(ref.state, sizeof(ref.state), "%s", state);
	slack_value_format((int64_t)view_num(v, "id"), &ref, value, sizeof(value));
	cJSON_AddStringToObject(blk, "type", "actions");
	snprintf(bid, sizeof(bid), "inc%lld_v%d", (long long)view_num(v, "id"), ref.version);
	cJSON_AddStringToObject(blk, "block_id", bid);
	els = cJSON_AddArrayToObject(blk, "elements");
	if (p->buttons & VERB_APPROVE) {
		btn = button("Approve", SLACK_ACT_APPROVE, value, "primary");
		if (strcmp(view_str(act, "risk_level"), "low") != 0)
			cJSON_AddItemToObject(btn, "confirm", approve_confirm(v, act));
		cJSON_AddItemToArray(els, btn);
	}
	if (p->buttons & VERB_REJECT)
		cJSON_AddItemToArray(els, button("Reject", SLACK_ACT_REJECT, value, "danger"));
	if (p->buttons & VERB_DRYRUN)
		cJSON_AddItemToArray(els, button("Dry run", SLACK_ACT_DRYRUN, value, NULL));
	if (p->buttons & VERB_ACK)
		cJSON_AddItemToArray(els, button("Acknowledge", SLACK_ACT_ACK, value, NULL));
	if (cJSON_GetArraySize(els) == 0) {
		cJSON_Delete(blk);
		return;
	}
	sc_add(blocks, blk, SLACK_BLOCKS_MAX);
}

/* "✅ *Resolved by autopilot, verified, 41 s after it opened*": the shared outcome line. */
static void
outcome_block(cJSON *blocks, const cJSON *v, const struct present *p)
{
	char *line = present_outcome(v);
	struct buf b;

	if (line == NULL)
		return;
	buf_init(&b, 0);
	buf_printf(&b, "%s *", p->emoji);
	sc_esc(&b, line, 1000);
	buf_printf(&b, "*");
	sc_add(blocks, sc_section(b.data), SLACK_BLOCKS_MAX);
	buf_free(&b);
	free(line);
}

static char *
fallback_text(const cJSON *v)
{
	struct buf b;
	char *t;

	buf_init(&b, 0);
	buf_printf(&b, "%s [%s] ", view_str(v, "key"), view_str(v, "severity"));
	sc_state(&b, view_str(v, "state"));
	buf_printf(&b, ": ");
	sc_esc(&b, view_str(v, "title"), 1000);
	if (view_str(v, "outcome")[0]) {
		buf_printf(&b, " — ");
		sc_esc(&b, view_str(v, "outcome"), 1000);
	}
	t = utf8_truncate(b.data, SLACK_TEXT_MAX);
	buf_free(&b);
	return t;
}

cJSON *
slack_card_render(const cJSON *v, int64_t now)
{
	cJSON *msg = cJSON_CreateObject(), *blocks, *hdr;
	const cJSON *act = cJSON_GetObjectItem(v, "action");
	char *fb = fallback_text(v), upd[40];
	struct present p;
	struct buf b;

	if (!cJSON_IsObject(act))
		act = NULL;
	present_view(v, &p);
	cJSON_AddStringToObject(msg, "text", fb);
	free(fb);
	blocks = cJSON_AddArrayToObject(msg, "blocks");

	buf_init(&b, 0);
	buf_printf(&b, "%s %s · %s · ", p.emoji, view_str(v, "severity"), view_str(v, "key"));
	buf_printf(&b, "%s", view_str(v, "title")); /* plain_text: nothing to escape */
	hdr = cJSON_CreateObject();
	cJSON_AddStringToObject(hdr, "type", "header");
	cJSON_AddItemToObject(hdr, "text", sc_text("plain_text", b.data, SLACK_HEADER_MAX));
	sc_add(blocks, hdr, SLACK_BLOCKS_MAX);
	buf_free(&b);

	if (act)
		key_facts_block(blocks, act, &p);
	fields_block(blocks, v);
	if (view_str(v, "attention")[0]) {
		buf_printf(&b, ":warning: *Needs attention:* ");
		sc_esc(&b, view_str(v, "attention"), 2000);
		sc_add(blocks, sc_section(b.data), SLACK_BLOCKS_MAX);
		buf_free(&b);
	}
	if (view_str(v, "analysis")[0]) {
		const char *src = p.source;
		bool conf = cJSON_IsNumber(cJSON_GetObjectItem(v, "confidence"));
		buf_printf(&b, "*Analysis*");
		if (src[0] || conf)
			buf_printf(&b, " (%s%s", src, src[0] && conf ? ", " : "");
		if (conf)
			buf_printf(&b, "confidence %.0f%%", view_num(v, "confidence") * 100);
		buf_printf(&b, "%s\n", src[0] || conf ? ")" : "");
		sc_esc(&b, view_str(v, "analysis"), 2200);
		sc_add(blocks, sc_section(b.data), SLACK_BLOCKS_MAX);
		buf_free(&b);
	}
	llm_block(blocks, cJSON_GetObjectItem(v, "llm"));
	char *logs = logctx_card_text(v, 3, 2500);
	if (logs) {
		buf_printf(&b, "*Logs*\n");
		sc_esc(&b, logs, 2800);
		sc_add(blocks, sc_section(b.data), SLACK_BLOCKS_MAX);
		buf_free(&b);
		free(logs);
	}
	sc_related_block(blocks, v, SLACK_BLOCKS_MAX);
	similar_block(blocks, v);
	if (act) {
		sc_add(blocks, cJSON_Parse("{\"type\":\"divider\"}"), SLACK_BLOCKS_MAX);
		proposal_block(blocks, act, cJSON_GetObjectItem(v, "step_runs"));
		risk_reasons_block(blocks, act);
		decision_block(blocks, v, act);
	}
	sc_ladder_block(blocks, v, SLACK_BLOCKS_MAX);
	failures_block(blocks, cJSON_GetObjectItem(v, "step_runs"));
	outcome_block(blocks, v, &p);
	if (!p.terminal)
		buttons_block(blocks, v, act, &p);
	time_format_iso(now, upd, sizeof(upd));
	buf_printf(&b, "%s · v%d · updated ", view_str(v, "key"), (int)view_num(v, "version"));
	sc_date(&b, upd, "{date_short_pretty} {time_secs}");
	sc_add(blocks, sc_context(b.data), SLACK_BLOCKS_MAX);
	buf_free(&b);
	return msg;
}
