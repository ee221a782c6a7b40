/* test_policy_load.c — the policy file loader: values, defaults, and "file:line: message" errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "policy.h"
#include "util.h"

/* Tests run from the repository root (make unit / make asan). */
#define DATA "tests/data/policy/"

static char tmpdir[64];
static char tmpfile_path[96];

static int
setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_policy_load.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(tmpfile_path, sizeof(tmpfile_path), "%s/policy.yaml", tmpdir);
	return 0;
}

static int
teardown_dir(void **state)
{
	(void)state;
	unlink(tmpfile_path);
	rmdir(tmpdir);
	return 0;
}

/* All messages joined by "\n", with `path` shortened to "P". Caller frees. */
static char *
joined(const struct diag_list *d, const char *path)
{
	struct buf b;
	size_t i, plen = strlen(path);

	buf_init(&b, 0);
	for (i = 0; i < d->n; i++) {
		const char *m = d->msgs[i];
		if (strncmp(m, path, plen) == 0) {
			buf_printf(&b, "%sP%s", i ? "\n" : "", m + plen);
		} else {
			buf_printf(&b, "%s%s", i ? "\n" : "", m);
		}
	}
	return buf_steal(&b);
}

/* Loads `yaml` from a temp file; returns the errors as joined() does. */
static char *
load_text(const char *yaml, struct policy *p, int *nerr)
{
	struct diag_list errs = {0};
	FILE *f = fopen(tmpfile_path, "w");
	char *s;
	int n;

	assert_non_null(f);
	fputs(yaml, f);
	fclose(f);
	n = policy_load(tmpfile_path, true, p, &errs);
	assert_int_equal((size_t)n, errs.n);
	if (nerr != NULL)
		*nerr = n;
	s = joined(&errs, tmpfile_path);
	diag_free(&errs);
	return s;
}

/* Errors of `yaml` compared with `want`; the policy is freed. */
static void
expect_errors(const char *yaml, const char *want)
{
	struct policy p;
	char *got = load_text(yaml, &p, NULL);

	if (strcmp(got, want) != 0)
		fail_msg("for:\n%s\ngot:\n%s\nwant:\n%s", yaml, got, want);
	free(got);
	policy_free(&p);
}

static void
test_good_file(void **state)
{
	struct diag_list errs = {0};
	struct policy p;
	const struct approval_rule *crit;

	(void)state;
	assert_int_equal(policy_load(DATA "good.yaml", true, &p, &errs), 0);
	assert_int_equal(errs.n, 0);
	assert_int_equal(p.ap_max_risk, RISK_MEDIUM);
	assert_true(p.ap_max_cost_usd == 50.5);
	assert_true(p.ap_min_confidence == 0.9);
	assert_true(p.ap_max_usd_per_day == 250);
	crit = &p.approvals[RISK_CRITICAL];
	assert_int_equal(crit->nroles, 1);
	assert_string_equal(crit->roles[0], "admin");
	assert_int_equal(crit->count, 3);
	assert_true(crit->requester_may_approve);
	assert_int_equal(p.approvals[RISK_MEDIUM].nroles, 3);
	assert_string_equal(p.approvals[RISK_MEDIUM].roles[2], "admin");
	assert_false(p.approvals[RISK_HIGH].requester_may_approve);
	assert_int_equal(p.approval_ttl_ms, 90 * 60 * 1000);
	assert_int_equal(p.max_runs_per_hour, 20);
	assert_int_equal(p.max_concurrent, 0);
	assert_int_equal(p.cooldown_ms, 90 * 1000);
	assert_int_equal(p.nfreeze, 2);
	assert_string_equal(p.freeze[0].text, "Fri 18:00-Mon 08:00");
	assert_int_equal(p.freeze[1].start_min, 2 * 1440 + 12 * 60);
	assert_int_equal(p.nroles, 3);
	assert_string_equal(p.roles[0].role, "admin");
	assert_int_equal(p.roles[0].nusers, 3);
	assert_string_equal(p.roles[0].users[1], "teams:00000000-aad-object-id");
	assert_int_equal(p.roles[2].nusers, 0);
	assert_true(policy_user_has_role(&p, "console:root", "admin"));
	assert_true(policy_user_has_role(&p, "slack:ULEAD", "lead"));
	policy_free(&p);
}

static void
test_bad_file(void **state)
{
	struct diag_list errs = {0};
	struct policy p;
	char *got;
	const char *want =
	    "P:3: autopilot.max_risk: unknown risk level 'extreme' (expected low, medium, high "
	    "or critical)\n"
	    "P:4: autopilot.max_cost_usd: '-5' is not a non-negative number\n"
	    "P:5: autopilot.min_confidence: '1.5' is not a number between 0 and 1\n"
	    "P:6: autopilot: unknown key 'max_usd_per_dy' (expected max_risk, max_cost_usd, "
	    "min_confidence or max_usd_per_day)\n"
	    "P:8: approvals: unknown risk level 'urgent' (expected low, medium, high or "
	    "critical)\n"
	    "P:10: approvals.high.count: '0' is not an integer >= 1\n"
	    "P:11: approvals.critical.requester_may_approve: 'maybe' is not true or false\n"
	    "P:12: approval_ttl: bad duration '30 minutes' (e.g. 30s, 5m, 1h30m)\n"
	    "P:13: limits.max_runs_per_hour: '-1' is not a non-negative integer\n"
	    "P:13: limits.cooldown_per_resource: bad duration '5x' (e.g. 30s, 5m, 1h30m)\n"
	    "P:14: freeze: bad window 'Fri 18:00-Mon' (expected e.g. \"Sat 00:00-Sun 23:59\")\n"
	    "P:14: freeze: bad window 'Mon-Fri 18:00-20:00' (expected e.g. \"Sat 00:00-Sun "
	    "23:59\")\n"
	    "P:16: roles.admin: bad user id 'U0123ABCD' (expected slack:…, teams:… or "
	    "console:…)\n"
	    "P:19: roles: 'any' is built in (every user) and cannot be defined\n"
	    "P:20: unknown key 'colour' (expected autopilot, approvals, approval_ttl, limits, "
	    "freeze, roles, mail or correlate)\n"
	    "P:9: approvals.medium.roles: role 'leed' is not defined in roles";

	(void)state;
	assert_int_equal(policy_load(DATA "bad.yaml", true, &p, &errs), 16);
	got = joined(&errs, DATA "bad.yaml");
	if (strcmp(got, want) != 0)
		fail_msg("got:\n%s\nwant:\n%s", got, want);
	free(got);
	diag_free(&errs);
	/* nothing half-applied: a failed load leaves the defaults */
	assert_int_equal(p.ap_max_risk, RISK_LOW);
	assert_int_equal(p.nroles, 0);
	assert_int_equal(p.nfreeze, 1);
	assert_string_equal(p.freeze[0].text, "Sat 00:00-Sun 23:59");
	policy_free(&p);
}

static void
test_missing_file(void **state)
{
	struct diag_list errs = {0};
	struct policy p;

	(void)state;
	assert_int_equal(policy_load(DATA "no-such-file.yaml", false, &p, &errs), 0);
	assert_int_equal(errs.n, 0);
	assert_int_equal(p.max_concurrent, 3);
	policy_free(&p);
	assert_int_equal(policy_load(DATA "no-such-file.yaml", true, &p, &errs), 1);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.msgs[0], DATA "no-such-file.yaml: cannot read the policy: No such "
					       "file or directory");
	diag_free(&errs);
	policy_free(&p);
}

static void
test_shipped_policy(void **state)
{
	struct diag_list errs = {0};
	struct policy p;

	(void)state;
	assert_int_equal(policy_load("runbooks/policy.yaml", true, &p, &errs), 0);
	assert_int_equal(errs.n, 0);
	/* it documents the defaults: same values */
	assert_int_equal(p.ap_max_risk, RISK_LOW);
	assert_true(p.ap_max_cost_usd == 20 && p.ap_max_usd_per_day == 100);
	assert_int_equal(p.approvals[RISK_CRITICAL].count, 2);
	assert_int_equal(p.approval_ttl_ms, 30 * 60 * 1000);
	assert_int_equal(p.cooldown_ms, 5 * 60 * 1000);
	assert_int_equal(p.nfreeze, 1);
	assert_true(policy_user_has_role(&p, "console:root", "admin"));
	policy_free(&p);
}

static void
test_partial_and_empty(void **state)
{
	struct policy p;
	char *got;
	int n;

	(void)state;
	got = load_text("", &p, &n);
	assert_string_equal(got, "");
	assert_int_equal(p.max_runs_per_hour, 10);
	free(got);
	policy_free(&p);

	got = load_text("# only a comment\nautopilot: {max_cost_usd: .5}\nfreeze: []\n", &p, &n);
	assert_string_equal(got, "");
	assert_true(p.ap_max_cost_usd == 0.5);
	assert_true(p.ap_max_usd_per_day == 100);
	assert_int_equal(p.nfreeze, 0);
	assert_int_equal(p.approvals[RISK_MEDIUM].nroles, 3);
	free(got);
	policy_free(&p);

	/* a level written in part keeps the rest of its defaults */
	got = load_text(
	    "approvals:\n  high: {roles: [admin]}\nroles:\n  admin: [\"console:root\"]\n", &p, &n);
	assert_string_equal(got, "");
	assert_int_equal(p.approvals[RISK_HIGH].nroles, 1);
	assert_string_equal(p.approvals[RISK_HIGH].roles[0], "admin");
	assert_int_equal(p.approvals[RISK_HIGH].count, 1);
	assert_false(p.approvals[RISK_HIGH].requester_may_approve);
	free(got);
	policy_free(&p);

	/* an error anywhere: the defaults, not a mix */
	got = load_text("autopilot: {max_cost_usd: 50, max_risk: bogus}\n", &p, &n);
	assert_int_equal(n, 1);
	assert_true(p.ap_max_cost_usd == 20);
	free(got);
	policy_free(&p);
}

static void
test_errors_inline(void **state)
{
	(void)state;
	expect_errors("- autopilot\n",
		      "P:1: the policy must be a mapping (autopilot, approvals, ...)");
	expect_errors("autopilot: {max_risk: low\n", "P:2: YAML: did not find expected ',' or '}'");
	expect_errors("approval_ttl: 0\n", "P:1: approval_ttl: must be longer than 0");
	expect_errors("approval_ttl: banana\nautopilot: {max_risk: huge}\n",
		      "P:1: approval_ttl: bad duration 'banana' (e.g. 30s, 5m, 1h30m)\n"
		      "P:2: autopilot.max_risk: unknown risk level 'huge' (expected low, medium, "
		      "high or critical)");
	expect_errors("limits: {max_concurrent: 3}\n\nlimits: {max_concurrent: 4}\n",
		      "P:3: duplicate key 'limits'");
	expect_errors("limits: {max_concurrent: 3, max_concurrent: 4}\n",
		      "P:1: limits: duplicate key 'max_concurrent'");
	expect_errors("limits: [1, 2]\n", "P:1: limits must be a mapping");
	expect_errors("limits: {max_concurrent: [3]}\n",
		      "P:1: limits.max_concurrent must be a single value");
	expect_errors("limits: {max_concurrent: 2.5}\n",
		      "P:1: limits.max_concurrent: '2.5' is not a non-negative integer");
	expect_errors("autopilot:\n  max_cost_usd: 1e400\n  max_usd_per_day: 0x10\n",
		      "P:2: autopilot.max_cost_usd: '1e400' is not a non-negative number\n"
		      "P:3: autopilot.max_usd_per_day: '0x10' is not a non-negative number");
	expect_errors("approvals: [low]\n", "P:1: approvals must be a mapping of risk levels");
	expect_errors("approvals:\n  high: {roles: []}\n",
		      "P:2: approvals.high.roles must name at least one role");
	expect_errors("approvals:\n  high: {roles: lead}\n",
		      "P:2: approvals.high.roles must be a list of role names");
	expect_errors("approvals:\n  low: {roles: [any]}\n  low: {count: 2}\n",
		      "P:3: approvals: duplicate key 'low'");
	expect_errors("approvals: {high: {roles: [any], count: two, quorum: 2}}\n",
		      "P:1: approvals.high.count: 'two' is not an integer >= 1\n"
		      "P:1: approvals.high: unknown key 'quorum' (expected roles, count or "
		      "requester_may_approve)");
	expect_errors("approvals: {low: {roles: [a, b, c, d, e, f, g, h, i]}}\n",
		      "P:1: approvals.low.roles: too many roles (at most 8)\n"
		      "P:1: approvals.low.roles: role 'a' is not defined in roles\n"
		      "P:1: approvals.low.roles: role 'b' is not defined in roles\n"
		      "P:1: approvals.low.roles: role 'c' is not defined in roles\n"
		      "P:1: approvals.low.roles: role 'd' is not defined in roles\n"
		      "P:1: approvals.low.roles: role 'e' is not defined in roles\n"
		      "P:1: approvals.low.roles: role 'f' is not defined in roles\n"
		      "P:1: approvals.low.roles: role 'g' is not defined in roles\n"
		      "P:1: approvals.low.roles: role 'h' is not defined in roles");
	/* a role must be defined (even empty) when the file names it; `any` is built in */
	expect_errors("approvals:\n  medium: {roles: [engineer, any]}\n",
		      "P:2: approvals.medium.roles: role 'engineer' is not defined in roles");
	expect_errors("approvals:\n  medium: {roles: [engineer]}\nroles: {engineer: []}\n", "");
	expect_errors("freeze: Sat 00:00-Sun 23:59\n",
		      "P:1: freeze must be a list (write [] for none)");
	expect_errors("freeze:\n  - [Sat]\n",
		      "P:2: freeze: bad window '' (expected e.g. \"Sat 00:00-Sun 23:59\")");
	expect_errors("roles:\n  admin: console:root\n",
		      "P:2: roles.admin must be a list of user ids");
	expect_errors("roles:\n  admin: [\"console:root\"]\n  admin: []\n",
		      "P:3: roles: duplicate key 'admin'");
	expect_errors("roles: [admin]\n", "P:1: roles must be a mapping of role name to user ids");
	expect_errors("roles:\n  lead:\n    - slack:ULEAD\n    - \"slack:\"\n    - teams:x y\n",
		      "P:4: roles.lead: bad user id 'slack:' (expected slack:…, teams:… or "
		      "console:…)\n"
		      "P:5: roles.lead: bad user id 'teams:x y' (expected slack:…, teams:… or "
		      "console:…)");
}

static void
test_too_many_freeze_windows(void **state)
{
	struct buf b;
	char *yaml, *got, want[128];
	struct policy p;
	int i, n;

	(void)state;
	buf_init(&b, 0);
	buf_printf(&b, "freeze:\n");
	for (i = 0; i < POLICY_MAX_FREEZE + 1; i++)
		buf_printf(&b, "  - \"Mon %02d:00-Mon %02d:30\"\n", i, i);
	yaml = buf_steal(&b);
	got = load_text(yaml, &p, &n);
	snprintf(want, sizeof(want), "P:%d: freeze: too many windows (at most %d)",
		 POLICY_MAX_FREEZE + 2, POLICY_MAX_FREEZE);
	assert_string_equal(got, want);
	free(got);
	free(yaml);
	policy_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_file),
	    cmocka_unit_test(test_bad_file),
	    cmocka_unit_test(test_missing_file),
	    cmocka_unit_test(test_shipped_policy),
	    cmocka_unit_test(test_partial_and_empty),
	    cmocka_unit_test(test_errors_inline),
	    cmocka_unit_test(test_too_many_freeze_windows),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
