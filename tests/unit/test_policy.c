/* test_policy.c — policy decisions, click-time checks, freeze windows and the policy loader. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "policy.h"
#include "util.h"

/* Monday 2024-05-06 00:00:00 UTC; tests run with TZ=UTC. */
#define MONDAY_S 1714953600LL
enum { MON, TUE, WED, THU, FRI, SAT, SUN };

static int64_t
at(int day, int hh, int mm)
{
	return (MONDAY_S + day * 86400LL + hh * 3600LL + mm * 60LL) * 1000;
}

static void
use_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static void
role_add(struct policy *p, const char *role, const char *user)
{
	struct role_members *rm = NULL;
	size_t i;

	for (i = 0; i < p->nroles; i++)
		if (strcmp(p->roles[i].role, role) == 0)
			rm = &p->roles[i];
	if (rm == NULL) {
		p->roles = xrealloc(p->roles, (p->nroles + 1) * sizeof(*p->roles));
		rm = &p->roles[p->nroles++];
		memset(rm, 0, sizeof(*rm));
		rm->role = xstrdup(role);
	}
	rm->users = xrealloc(rm->users, (rm->nusers + 1) * sizeof(*rm->users));
	rm->users[rm->nusers++] = xstrdup(user);
}

/* design.md's example policy with a few people in it. */
static int
setup_policy(void **state)
{
	struct policy *p = xcalloc(1, sizeof(*p));

	use_tz("UTC");
	policy_defaults(p);
	role_add(p, "admin", "console:root");
	role_add(p, "admin", "slack:UADMIN");
	role_add(p, "lead", "slack:ULEAD1");
	role_add(p, "lead", "slack:ULEAD2");
	role_add(p, "lead", "slack:UADMIN");
	role_add(p, "engineer", "slack:UENG");
	*state = p;
	return 0;
}

static int
teardown_policy(void **state)
{
	policy_free(*state);
	free(*state);
	return 0;
}

/* An ordinary Wednesday morning: autopilot on, nothing spent, nothing running. */
static struct decision_ctx
quiet_ctx(void)
{
	struct decision_ctx c = {
	    .now_ms = at(WED, 10, 0), .autopilot_enabled = true, .resource = "i-0abc"};
	return c;
}

struct decide_case {
	enum risk_level risk;
	double cost, confidence;
	bool kill_switch_off;
	double spent_today;
	int64_t now_ms;
	enum decision_kind kind;
	int needed;
	const char *roles;
	bool admin_only;
	const char *reason;
};

static void
test_decide_matrix(void **state)
{
	const struct policy *p = *state;
	const int64_t wed = at(WED, 10, 0), sat = at(SAT, 12, 0);
	const char *fz = "change freeze Sat 00:00-Sun 23:59 (only admin may approve)";
	char want[320];
	const struct decide_case cases[] = {
	    {RISK_LOW, 0, 0.9, false, 0, wed, DECIDE_AUTOPILOT, 0, "", false,
	     "autopilot: risk low ≤ low, $0.00 ≤ $20.00, confidence 0.90 ≥ 0.80"},
	    /* boundaries are inclusive: exactly the limits still qualify */
	    {RISK_LOW, 20, 0.8, false, 80, wed, DECIDE_AUTOPILOT, 0, "", false,
	     "autopilot: risk low ≤ low, $20.00 ≤ $20.00, confidence 0.80 ≥ 0.80"},
	    {RISK_LOW, 20.01, 0.9, false, 0, wed, DECIDE_APPROVAL, 1, "any", false,
	     "needs 1 approval from any: cost $20.01 > autopilot limit $20.00"},
	    {RISK_LOW, 57.6, 0.9, false, 0, wed, DECIDE_APPROVAL, 1, "any", false,
	     "needs 1 approval from any: cost $57.60 > autopilot limit $20.00"},
	    {RISK_LOW, 0, 0.4, false, 0, wed, DECIDE_APPROVAL, 1, "any", false,
	     "needs 1 approval from any: confidence 0.40 < 0.80"},
	    {RISK_LOW, 10, 0.9, false, 95, wed, DECIDE_APPROVAL, 1, "any", false,
	     "needs 1 approval from any: autopilot budget $95.00 + $10.00 > $100.00 per day"},
	    {RISK_LOW, 10, 0.9, false, 90, wed, DECIDE_AUTOPILOT, 0, "", false,
	     "autopilot: risk low ≤ low, $10.00 ≤ $20.00, confidence 0.90 ≥ 0.80"},
	    {RISK_LOW, 0, 0.9, true, 0, wed, DECIDE_APPROVAL, 1, "any", false,
	     "needs 1 approval from any: autopilot is switched off"},
	    {RISK_MEDIUM, 0, 0.9, false, 0, wed, DECIDE_APPROVAL, 1, "engineer, lead, admin", false,
	     "needs 1 approval from engineer, lead or admin: risk medium"},
	    {RISK_HIGH, 0, 0.9, false, 0, wed, DECIDE_APPROVAL, 1, "lead, admin", false,
	     "needs 1 approval from lead or admin: risk high"},
	    {RISK_CRITICAL, 0, 0.9, false, 0, wed, DECIDE_APPROVAL, 2, "lead, admin", false,
	     "needs 2 approvals from lead or admin: risk critical"},
	    /* the first failing condition is named: risk before cost before confidence */
	    {RISK_MEDIUM, 57.6, 0.1, false, 0, wed, DECIDE_APPROVAL, 1, "engineer, lead, admin",
	     false, "needs 1 approval from engineer, lead or admin: risk medium"},
	    {RISK_LOW, 57.6, 0.1, false, 99, wed, DECIDE_APPROVAL, 1, "any", false,
	     "needs 1 approval from any: cost $57.60 > autopilot limit $20.00"},
	    {RISK_LOW, 0, 0.1, true, 0, wed, DECIDE_APPROVAL, 1, "any", false,
	     "needs 1 approval from any: autopilot is switched off"},
	    /* a freeze: no autopilot, only admin approves, whatever the level */
	    {RISK_LOW, 0, 0.9, false, 0, sat, DECIDE_APPROVAL, 1, "admin", true, NULL},
	    {RISK_LOW, 0, 0.9, true, 0, sat, DECIDE_APPROVAL, 1, "admin", true, NULL},
	    {RISK_MEDIUM, 0, 0.9, false, 0, sat, DECIDE_APPROVAL, 1, "admin", true, NULL},
	    {RISK_HIGH, 99, 0.1, false, 0, sat, DECIDE_APPROVAL, 1, "admin", true, NULL},
	    {RISK_CRITICAL, 0, 0.9, false, 0, sat, DECIDE_APPROVAL, 2, "admin", true, NULL},
	};
	struct decision_ctx ctx;
	struct decision d;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct decide_case *c = &cases[i];

		ctx = quiet_ctx();
		ctx.now_ms = c->now_ms;
		ctx.autopilot_enabled = !c->kill_switch_off;
		ctx.usd_autopilot_today = c->spent_today;
		policy_decide(p, c->risk, c->cost, c->confidence, &ctx, &d);
		if (c->reason != NULL)
			snprintf(want, sizeof(want), "%s", c->reason);
		else
			snprintf(want, sizeof(want), "needs %d %s from admin: %s", c->needed,
				 c->needed == 1 ? "approval" : "approvals", fz);
		if (strcmp(d.reason, want) != 0)
			fail_msg("case %zu: reason \"%s\", want \"%s\"", i, d.reason, want);
		assert_string_equal(decision_kind_name(d.kind), decision_kind_name(c->kind));
		assert_int_equal(d.approvals_needed, c->needed);
		assert_string_equal(d.roles, c->roles);
		assert_int_equal(d.admin_only, c->admin_only);
		assert_int_equal(d.blocked_until_ms, 0);
		if (c->kind == DECIDE_APPROVAL)
			assert_int_equal(d.requester_may_approve, c->risk < RISK_HIGH);
	}
}

static void
test_decide_blocked_order(void **state)
{
	const struct policy *p = *state;
	struct decision_ctx ctx = quiet_ctx();
	struct decision d;

	/* cooldown (5 min) beats the rate limit, which beats concurrency */
	ctx.last_run_on_resource_ms = at(WED, 9, 58);
	ctx.runs_last_hour = 10;
	ctx.running = 3;
	policy_decide(p, RISK_LOW, 0, 0.9, &ctx, &d);
	assert_int_equal(d.kind, DECIDE_BLOCKED);
	assert_string_equal(d.reason, "blocked: cooldown on i-0abc until 10:03");
	assert_int_equal(d.blocked_until_ms, at(WED, 10, 3));
	assert_int_equal(d.approvals_needed, 0);

	ctx.last_run_on_resource_ms = at(WED, 9, 55); /* cooldown just over */
	policy_decide(p, RISK_LOW, 0, 0.9, &ctx, &d);
	assert_string_equal(d.reason, "blocked: 10 runs in the last hour (limit 10)");
	assert_int_equal(d.blocked_until_ms, 0);

	ctx.runs_last_hour = 9;
	policy_decide(p, RISK_LOW, 0, 0.9, &ctx, &d);
	assert_int_equal(d.kind, DECIDE_BLOCKED);
	assert_string_equal(d.reason, "blocked: 3 actions running (limit 3)");

	ctx.running = 2;
	policy_decide(p, RISK_LOW, 0, 0.9, &ctx, &d);
	assert_int_equal(d.kind, DECIDE_AUTOPILOT);

	/* blocked beats a freeze and a critical risk */
	ctx = quiet_ctx();
	ctx.now_ms = at(SAT, 12, 0);
	ctx.running = 4;
	policy_decide(p, RISK_CRITICAL, 500, 0.1, &ctx, &d);
	assert_int_equal(d.kind, DECIDE_BLOCKED);
	assert_string_equal(d.reason, "blocked: 4 actions running (limit 3)");
	assert_false(d.admin_only);
}

static void
test_decide_cooldown_rounds_up(void **state)
{
	const struct policy *p = *state;
	struct decision_ctx ctx = quiet_ctx();
	struct decision d;

	/* ends 10:03:30: "until 10:03" would be a minute at which it is still blocked */
	ctx.last_run_on_resource_ms = at(WED, 9, 58) + 30000;
	policy_decide(p, RISK_HIGH, 0, 0.9, &ctx, &d);
	assert_string_equal(d.reason, "blocked: cooldown on i-0abc until 10:04");
	assert_int_equal(d.blocked_until_ms, at(WED, 10, 3) + 30000);

	ctx.resource = NULL;
	policy_decide(p, RISK_HIGH, 0, 0.9, &ctx, &d);
	assert_string_equal(d.reason, "blocked: cooldown on this resource until 10:04");
}

/* Where the proposal came from is an input: a text-search guess never runs by itself, even
 * when the thresholds would let any confidence and risk through. */
static void
test_decide_search_never_autopilot(void **state)
{
	struct policy p;
	struct decision_ctx ctx = quiet_ctx();
	struct decision d;
	static const char *const sources[] = {"rules", "request", "llm", NULL};

	(void)state;
	policy_defaults(&p);
	p.ap_min_confidence = 0;
	p.ap_max_risk = RISK_MEDIUM;
	ctx.analysis_source = "search";
	policy_decide(&p, RISK_MEDIUM, 0, 0.0, &ctx, &d);
	assert_int_equal(d.kind, DECIDE_APPROVAL);
	assert_int_equal(d.approvals_needed, 1);
	assert_string_equal(d.reason, "needs 1 approval from engineer, lead or admin: suggested "
				      "by text search (never on autopilot)");
	policy_decide(&p, RISK_LOW, 0, 0.99, &ctx, &d);
	assert_int_equal(d.kind, DECIDE_APPROVAL);
	assert_string_equal(
	    d.reason, "needs 1 approval from any: suggested by text search (never on autopilot)");
	/* the kill switch and a freeze are still named first: they say more */
	ctx.autopilot_enabled = false;
	policy_decide(&p, RISK_LOW, 0, 0.99, &ctx, &d);
	assert_string_equal(d.reason, "needs 1 approval from any: autopilot is switched off");
	ctx.autopilot_enabled = true;
	/* blocked still beats everything */
	ctx.running = 3;
	policy_decide(&p, RISK_LOW, 0, 0.99, &ctx, &d);
	assert_int_equal(d.kind, DECIDE_BLOCKED);
	ctx.running = 0;
	/* every other source, and an unknown one, goes by the thresholds */
	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
		ctx.analysis_source = sources[i];
		policy_decide(&p, RISK_LOW, 0, 0.0, &ctx, &d);
		assert_int_equal(d.kind, DECIDE_AUTOPILOT);
	}
	policy_free(&p);
}

static void
test_decide_custom_limits(void **state)
{
	struct policy p;
	struct decision_ctx ctx = quiet_ctx();
	struct decision d;

	(void)state;
	policy_defaults(&p);
	p.max_runs_per_hour = 1;
	p.max_concurrent = 1;
	p.cooldown_ms = 0;
	p.ap_max_risk = RISK_MEDIUM;
	ctx.last_run_on_resource_ms = ctx.now_ms - 1000;
	ctx.runs_last_hour = 1;
	policy_decide(&p, RISK_LOW, 0, 0.9, &ctx, &d);
	assert_string_equal(d.reason, "blocked: 1 run in the last hour (limit 1)");
	ctx.runs_last_hour = 0;
	ctx.running = 1;
	policy_decide(&p, RISK_LOW, 0, 0.9, &ctx, &d);
	assert_string_equal(d.reason, "blocked: 1 action running (limit 1)");

	/* 0 = no limit */
	p.max_runs_per_hour = 0;
	p.max_concurrent = 0;
	ctx.runs_last_hour = 1000;
	ctx.running = 1000;
	policy_decide(&p, RISK_MEDIUM, 1.5, 0.95, &ctx, &d);
	assert_int_equal(d.kind, DECIDE_AUTOPILOT);
	assert_string_equal(
	    d.reason, "autopilot: risk medium ≤ medium, $1.50 ≤ $20.00, confidence 0.95 ≥ 0.80");
	policy_decide(&p, RISK_HIGH, 1.5, 0.95, &ctx, &d);
	assert_string_equal(d.reason, "needs 1 approval from lead or admin: risk high");

	/* a one-role rule and a four-role rule */
	free(p.approvals[RISK_HIGH].roles[0]);
	p.approvals[RISK_HIGH].roles[0] = xstrdup("sre");
	p.approvals[RISK_HIGH].roles[2] = xstrdup("dba");
	p.approvals[RISK_HIGH].roles[3] = xstrdup("oncall");
	p.approvals[RISK_HIGH].nroles = 4;
	policy_decide(&p, RISK_HIGH, 1.5, 0.95, &ctx, &d);
	assert_string_equal(d.reason, "needs 1 approval from sre, admin, dba or oncall: risk high");
	assert_string_equal(d.roles, "sre, admin, dba, oncall");
	free(p.approvals[RISK_HIGH].roles[1]);
	free(p.approvals[RISK_HIGH].roles[2]);
	free(p.approvals[RISK_HIGH].roles[3]);
	p.approvals[RISK_HIGH].nroles = 1;
	policy_decide(&p, RISK_HIGH, 1.5, 0.95, &ctx, &d);
	assert_string_equal(d.reason, "needs 1 approval from sre: risk high");
	policy_free(&p);
}

static void
test_roles(void **state)
{
	const struct policy *p = *state;
	char buf[64];

	assert_true(policy_user_has_role(p, "slack:UADMIN", "admin"));
	assert_true(policy_user_has_role(p, "slack:UADMIN", "lead"));
	assert_false(policy_user_has_role(p, "slack:UENG", "lead"));
	assert_false(policy_user_has_role(p, "slack:uadmin", "admin"));
	assert_true(policy_user_has_role(p, "teams:whoever", "any"));
	assert_false(policy_user_has_role(p, "", "any"));
	policy_user_roles(p, "slack:UADMIN", buf, sizeof(buf));
	assert_string_equal(buf, "admin, lead");
	policy_user_roles(p, "slack:UNOBODY", buf, sizeof(buf));
	assert_string_equal(buf, "");
	policy_user_roles(p, "slack:UADMIN", buf, 6);
	assert_string_equal(buf, "admin");

	assert_true(policy_user_valid("slack:U0123ABCD"));
	assert_true(policy_user_valid("teams:00000000-aad-object-id"));
	assert_true(policy_user_valid("console:root"));
	assert_false(policy_user_valid("U0123ABCD"));
	assert_false(policy_user_valid("slack:"));
	assert_true(policy_user_valid("email:a@b.c"));
	assert_false(policy_user_valid("email:a b@c.d"));
	assert_false(policy_user_valid("console:ro ot"));
	assert_false(policy_user_valid(NULL));
}

/* One click: returns the refusal text, or "ok". */
static const char *
click(const struct policy *p, enum risk_level r, const char *user, const char *requester,
      const char *const *approvers, size_t n, int64_t now, int64_t expires)
{
	static char why[200];

	strcpy(why, "untouched");
	if (policy_check_approval(p, r, user, requester, approvers, n, now, expires, why,
				  sizeof(why)) == 0)
		return "ok";
	return why;
}

static void
test_check_approval(void **state)
{
	const struct policy *p = *state;
	const int64_t now = at(WED, 10, 0), later = at(WED, 10, 30);
	const char *lead1[] = {"slack:ULEAD1"};

	/* roles */
	assert_string_equal(click(p, RISK_LOW, "slack:UNOBODY", NULL, NULL, 0, now, later), "ok");
	assert_string_equal(click(p, RISK_MEDIUM, "slack:UNOBODY", NULL, NULL, 0, now, later),
			    "approve needs role engineer, lead or admin (you have: none)");
	assert_string_equal(click(p, RISK_MEDIUM, "slack:UENG", NULL, NULL, 0, now, later), "ok");
	assert_string_equal(click(p, RISK_HIGH, "slack:UENG", NULL, NULL, 0, now, later),
			    "approve needs role lead or admin (you have: engineer)");
	assert_string_equal(click(p, RISK_HIGH, "slack:ULEAD1", NULL, NULL, 0, now, later), "ok");
	assert_string_equal(click(p, RISK_HIGH, "console:root", NULL, NULL, 0, now, later), "ok");
	assert_string_equal(click(p, RISK_HIGH, "", NULL, NULL, 0, now, later), "unknown user");

	/* the requester rule: medium allows self-approval, high and critical do not */
	assert_string_equal(click(p, RISK_MEDIUM, "slack:UENG", "slack:UENG", NULL, 0, now, later),
			    "ok");
	assert_string_equal(
	    click(p, RISK_HIGH, "slack:ULEAD1", "slack:ULEAD1", NULL, 0, now, later),
	    "the requester may not approve a high-risk action alone");
	assert_string_equal(
	    click(p, RISK_CRITICAL, "slack:ULEAD1", "slack:ULEAD1", NULL, 0, now, later),
	    "the requester may not approve a high-risk action alone");
	assert_string_equal(
	    click(p, RISK_HIGH, "slack:ULEAD2", "slack:ULEAD1", NULL, 0, now, later), "ok");

	/* critical: two distinct approvers */
	assert_string_equal(
	    click(p, RISK_CRITICAL, "slack:ULEAD1", "slack:UENG", NULL, 0, now, later), "ok");
	assert_string_equal(
	    click(p, RISK_CRITICAL, "slack:ULEAD1", "slack:UENG", lead1, 1, now, later),
	    "you already approved");
	assert_string_equal(
	    click(p, RISK_CRITICAL, "slack:ULEAD2", "slack:UENG", lead1, 1, now, later), "ok");
	assert_string_equal(
	    click(p, RISK_CRITICAL, "slack:UENG", "slack:UENG", lead1, 1, now, later),
	    "approve needs role lead or admin (you have: engineer)");

	/* expiry: the deadline's own millisecond is already too late; 0 = no deadline */
	assert_string_equal(click(p, RISK_HIGH, "slack:ULEAD1", NULL, NULL, 0, later - 1, later),
			    "ok");
	assert_string_equal(click(p, RISK_HIGH, "slack:ULEAD1", NULL, NULL, 0, later, later),
			    "approval expired at 10:30");
	assert_string_equal(
	    click(p, RISK_LOW, "slack:UNOBODY", NULL, NULL, 0, later + 3600000, later),
	    "approval expired at 10:30");
	assert_string_equal(click(p, RISK_HIGH, "slack:ULEAD1", NULL, NULL, 0, later + 3600000, 0),
			    "ok");
}

static void
test_check_approval_freeze(void **state)
{
	const struct policy *p = *state;
	const int64_t sat = at(SAT, 12, 0);
	const char *root[] = {"console:root"};

	assert_string_equal(click(p, RISK_HIGH, "slack:ULEAD1", NULL, NULL, 0, sat, 0),
			    "change freeze Sat 00:00-Sun 23:59: only admin may approve");
	assert_string_equal(click(p, RISK_LOW, "slack:UNOBODY", NULL, NULL, 0, sat, 0),
			    "change freeze Sat 00:00-Sun 23:59: only admin may approve");
	assert_string_equal(click(p, RISK_LOW, "console:root", NULL, NULL, 0, sat, 0), "ok");
	assert_string_equal(click(p, RISK_CRITICAL, "slack:UADMIN", NULL, root, 1, sat, 0), "ok");
	assert_string_equal(click(p, RISK_CRITICAL, "console:root", NULL, root, 1, sat, 0),
			    "you already approved");
	/* the requester rule still holds for admins */
	assert_string_equal(click(p, RISK_HIGH, "console:root", "console:root", NULL, 0, sat, 0),
			    "the requester may not approve a high-risk action alone");
}

static void
test_check_actor(void **state)
{
	const struct policy *p = *state;
	char why[200] = "";

	assert_int_equal(policy_check_actor(p, RISK_LOW, "slack:UNOBODY", "ack", why, sizeof(why)),
			 0);
	assert_int_equal(policy_check_actor(p, RISK_HIGH, "slack:UENG", "reject", why, sizeof(why)),
			 -1);
	assert_string_equal(why, "reject needs role lead or admin (you have: engineer)");
	assert_int_equal(policy_check_actor(p, RISK_MEDIUM, "teams:x", "dry-run", why, sizeof(why)),
			 -1);
	assert_string_equal(why, "dry-run needs role engineer, lead or admin (you have: none)");
	assert_int_equal(
	    policy_check_actor(p, RISK_CRITICAL, "slack:ULEAD2", "reject", why, sizeof(why)), 0);
}

static void
test_freeze_parse(void **state)
{
	struct freeze_window w;
	static const char *const bad[] = {
	    "",
	    "Sat",
	    "Sat 00:00",
	    "Sat 0:00-Sun 23:59",
	    "Sat 24:00-Sun 23:59",
	    "Sat 00:60-Sun 23:59",
	    "Sat 00:00-Sun 23:59 and more",
	    "Mon-Fri 18:00-20:00",
	    "Fri 18:00-Mon",
	    "Satu 00:00-Sun 23:59",
	    "Sat 00:00–Sun 23:59", /* en dash */
	    "Sat 00:00-Sun 23:5",
	};
	size_t i;

	(void)state;
	assert_int_equal(freeze_parse("Sat 00:00-Sun 23:59", &w), 0);
	assert_int_equal(w.start_min, 5 * 1440);
	assert_int_equal(w.end_min, 6 * 1440 + 23 * 60 + 59);
	assert_string_equal(w.text, "Sat 00:00-Sun 23:59");
	free(w.text);
	assert_int_equal(freeze_parse("fri 18:00 - MON 08:00", &w), 0);
	assert_int_equal(w.start_min, 4 * 1440 + 18 * 60);
	assert_int_equal(w.end_min, 8 * 60);
	assert_string_equal(w.text, "fri 18:00 - MON 08:00");
	free(w.text);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		w.text = NULL;
		if (freeze_parse(bad[i], &w) == 0)
			fail_msg("'%s' should not parse", bad[i]);
		assert_null(w.text);
	}
	assert_int_equal(freeze_parse(NULL, &w), -1);
}

static void
test_freeze_match(void **state)
{
	struct policy p;
	const char *which = NULL;

	(void)state;
	use_tz("UTC");
	policy_defaults(&p); /* Sat 00:00-Sun 23:59 */
	assert_false(policy_in_freeze(&p, at(FRI, 23, 59), NULL));
	assert_true(policy_in_freeze(&p, at(SAT, 0, 0), &which));
	assert_string_equal(which, "Sat 00:00-Sun 23:59");
	assert_true(policy_in_freeze(&p, at(SUN, 23, 59) + 59999, NULL));
	assert_false(policy_in_freeze(&p, at(SUN, 23, 59) + 60000, NULL));
	assert_false(policy_in_freeze(&p, at(MON, 0, 0), NULL));

	/* a second window wrapping over Sunday→Monday, and a one-minute window */
	free(p.freeze[0].text);
	assert_int_equal(freeze_parse("Wed 10:00-Wed 10:00", &p.freeze[0]), 0);
	assert_int_equal(freeze_parse("Fri 18:00-Mon 08:00", &p.freeze[1]), 0);
	p.nfreeze = 2;
	assert_false(policy_in_freeze(&p, at(FRI, 17, 59), NULL));
	assert_true(policy_in_freeze(&p, at(FRI, 18, 0), &which));
	assert_string_equal(which, "Fri 18:00-Mon 08:00");
	assert_true(policy_in_freeze(&p, at(SUN, 12, 0), NULL));
	assert_true(policy_in_freeze(&p, at(MON, 0, 0), NULL));
	assert_true(policy_in_freeze(&p, at(MON, 8, 0) + 59999, NULL));
	assert_false(policy_in_freeze(&p, at(MON, 8, 1), NULL));
	assert_false(policy_in_freeze(&p, at(WED, 9, 59), NULL));
	assert_true(policy_in_freeze(&p, at(WED, 10, 0), &which));
	assert_string_equal(which, "Wed 10:00-Wed 10:00");
	assert_false(policy_in_freeze(&p, at(WED, 10, 1), NULL));

	/* local time: Fri 15:00 UTC is Sat 00:00 in UTC+9 */
	policy_free(&p);
	policy_defaults(&p);
	assert_false(policy_in_freeze(&p, at(FRI, 15, 0), NULL));
	use_tz("JST-9");
	assert_true(policy_in_freeze(&p, at(FRI, 15, 0), NULL));
	assert_false(policy_in_freeze(&p, at(SUN, 15, 0), NULL));
	use_tz("UTC");
	policy_free(&p);
}

static void
test_defaults(void **state)
{
	struct policy p;

	(void)state;
	policy_defaults(&p);
	assert_int_equal(p.ap_max_risk, RISK_LOW);
	assert_true(p.ap_max_cost_usd == 20 && p.ap_min_confidence == 0.8 &&
		    p.ap_max_usd_per_day == 100);
	assert_int_equal(p.approvals[RISK_LOW].nroles, 1);
	assert_string_equal(p.approvals[RISK_LOW].roles[0], "any");
	assert_true(p.approvals[RISK_LOW].requester_may_approve);
	assert_int_equal(p.approvals[RISK_MEDIUM].nroles, 3);
	assert_int_equal(p.approvals[RISK_CRITICAL].count, 2);
	assert_false(p.approvals[RISK_HIGH].requester_may_approve);
	assert_int_equal(p.approval_ttl_ms, 30 * 60 * 1000);
	assert_int_equal(p.max_runs_per_hour, 10);
	assert_int_equal(p.max_concurrent, 3);
	assert_int_equal(p.cooldown_ms, 5 * 60 * 1000);
	assert_int_equal(p.nfreeze, 1);
	assert_int_equal(p.nroles, 0);
	policy_free(&p);
	assert_int_equal(p.nfreeze, 0);
	policy_free(&p); /* idempotent */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_decide_matrix, setup_policy, teardown_policy),
	    cmocka_unit_test_setup_teardown(test_decide_blocked_order, setup_policy,
					    teardown_policy),
	    cmocka_unit_test_setup_teardown(test_decide_cooldown_rounds_up, setup_policy,
					    teardown_policy),
	    cmocka_unit_test(test_decide_custom_limits),
	    cmocka_unit_test(test_decide_search_never_autopilot),
	    cmocka_unit_test_setup_teardown(test_roles, setup_policy, teardown_policy),
	    cmocka_unit_test_setup_teardown(test_check_approval, setup_policy, teardown_policy),
	    cmocka_unit_test_setup_teardown(test_check_approval_freeze, setup_policy,
					    teardown_policy),
	    cmocka_unit_test_setup_teardown(test_check_actor, setup_policy, teardown_policy),
	    cmocka_unit_test(test_freeze_parse),
	    cmocka_unit_test(test_freeze_match),
	    cmocka_unit_test(test_defaults),
	};

	use_tz("UTC");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
