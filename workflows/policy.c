/* policy.c — policy defaults, freeze windows, roles, and the pure proposal/click-time decisions. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "policy.h"
#include "policy_int.h"
#include "util.h"

#define MIN_PER_DAY (24 * 60)
#define MIN_PER_WEEK (7 * MIN_PER_DAY)

/* Monday first: freeze windows count minutes from Monday 00:00. */
static const char *const freeze_days[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

static const char *const decision_kind_names[] = {
    [DECIDE_AUTOPILOT] = "autopilot",
    [DECIDE_APPROVAL] = "approval",
    [DECIDE_BLOCKED] = "blocked",
};

const char *
decision_kind_name(enum decision_kind k)
{
	if ((int)k < 0 || (size_t)k >= ARRAY_LEN(decision_kind_names))
		return NULL;
	return decision_kind_names[k];
}

/* Appends formatted text to a NUL-terminated fixed buffer, truncating silently. */
static void __attribute__((format(printf, 3, 4)))
str_append(char *out, size_t outlen, const char *fmt, ...)
{
	size_t used = strnlen(out, outlen);
	va_list ap;

	if (used + 1 >= outlen)
		return;
	va_start(ap, fmt);
	vsnprintf(out + used, outlen - used, fmt, ap);
	va_end(ap);
}

static void
rule_set(struct approval_rule *r, const char *const *roles, size_t nroles, int count,
	 bool requester_may_approve)
{
	size_t i;

	for (i = 0; i < nroles && i < POLICY_MAX_ROLES; i++)
		r->roles[i] = xstrdup(roles[i]);
	r->nroles = i;
	r->count = count;
	r->requester_may_approve = requester_may_approve;
}

void
policy_defaults(struct policy *p)
{
	static const char *const any[] = {"any"};
	static const char *const medium[] = {"engineer", "lead", "admin"};
	static const char *const high[] = {"lead", "admin"};

	memset(p, 0, sizeof(*p));
	p->ap_max_risk = RISK_LOW;
	p->ap_max_cost_usd = 20;
	p->ap_min_confidence = 0.8;
	p->ap_max_usd_per_day = 100;
	rule_set(&p->approvals[RISK_LOW], any, ARRAY_LEN(any), 1, true);
	rule_set(&p->approvals[RISK_MEDIUM], medium, ARRAY_LEN(medium), 1, true);
	rule_set(&p->approvals[RISK_HIGH], high, ARRAY_LEN(high), 1, false);
	rule_set(&p->approvals[RISK_CRITICAL], high, ARRAY_LEN(high), 2, false);
	p->approval_ttl_ms = 30 * 60 * 1000;
	p->max_runs_per_hour = 10;
	p->max_concurrent = 3;
	p->cooldown_ms = 5 * 60 * 1000;
	if (freeze_parse("Sat 00:00-Sun 23:59", &p->freeze[0]) == 0)
		p->nfreeze = 1;
}

void
policy_free(struct policy *p)
{
	size_t i, j;

	if (p == NULL)
		return;
	for (i = 0; i < RISK__COUNT; i++)
		for (j = 0; j < p->approvals[i].nroles; j++)
			free(p->approvals[i].roles[j]);
	for (i = 0; i < p->nfreeze; i++)
		free(p->freeze[i].text);
	for (i = 0; i < p->nroles; i++) {
		for (j = 0; j < p->roles[i].nusers; j++)
			free(p->roles[i].users[j]);
		free(p->roles[i].users);
		free(p->roles[i].role);
	}
	free(p->roles);
	policy_mail_free(p);
	correlate_free(&p->correlate);
	memset(p, 0, sizeof(*p));
}

/* "Sat" → 5 (Monday = 0); -1 if not a day name. Advances *sp past it. */
static int
parse_day(const char **sp)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(freeze_days); i++) {
		if (strncasecmp(*sp, freeze_days[i], 3) == 0 && !isalpha((unsigned char)(*sp)[3])) {
			*sp += 3;
			return (int)i;
		}
	}
	return -1;
}

/* "HH:MM" with two digits each → minutes since midnight; -1 if malformed. */
static int
parse_clock(const char **sp)
{
	const char *s = *sp;
	int h, m;

	if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2] != ':' ||
	    !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 23 || m > 59)
		return -1;
	*sp += 5;
	return h * 60 + m;
}

static void
skip_spaces(const char **sp)
{
	while (**sp == ' ' || **sp == '\t')
		(*sp)++;
}

/* One span "Day HH:MM-Day HH:MM"; the end may be earlier in the week than the start, in
 * which case the window wraps over Sunday→Monday. */
int
freeze_parse(const char *s, struct freeze_window *out)
{
	const char *p = s;
	int d1, t1, d2, t2;

	if (s == NULL)
		return -1;
	skip_spaces(&p);
	if ((d1 = parse_day(&p)) < 0)
		return -1;
	skip_spaces(&p);
	if ((t1 = parse_clock(&p)) < 0)
		return -1;
	skip_spaces(&p);
	if (*p++ != '-')
		return -1;
	skip_spaces(&p);
	if ((d2 = parse_day(&p)) < 0)
		return -1;
	skip_spaces(&p);
	if ((t2 = parse_clock(&p)) < 0)
		return -1;
	skip_spaces(&p);
	if (*p != '\0')
		return -1;
	out->start_min = d1 * MIN_PER_DAY + t1;
	out->end_min = d2 * MIN_PER_DAY + t2;
	out->text = xstrdup(s);
	return 0;
}

/* Minutes since Monday 00:00 in the process's local time. */
static int
week_minute(int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return -1;
	return ((tm.tm_wday + 6) % 7) * MIN_PER_DAY + tm.tm_hour * 60 + tm.tm_min;
}

bool
policy_in_freeze(const struct policy *p, int64_t now_ms, const char **which)
{
	const struct freeze_window *w;
	int m = week_minute(now_ms);
	size_t i;
	bool in;

	if (m < 0)
		return false;
	for (i = 0; i < p->nfreeze; i++) {
		w = &p->freeze[i];
		if (w->start_min <= w->end_min)
			in = m >= w->start_min && m <= w->end_min;
		else
			in = m >= w->start_min || m <= w->end_min;
		if (in) {
			if (which != NULL)
				*which = w->text;
			return true;
		}
	}
	return false;
}

bool
policy_user_has_role(const struct policy *p, const char *user, const char *role)
{
	const struct role_members *rm;
	size_t i, j;

	if (user == NULL || *user == '\0' || role == NULL)
		return false;
	if (strcmp(role, "any") == 0)
		return true;
	for (i = 0; i < p->nroles; i++) {
		rm = &p->roles[i];
		if (strcmp(rm->role, role) != 0)
			continue;
		for (j = 0; j < rm->nusers; j++)
			if (strcmp(rm->users[j], user) == 0)
				return true;
	}
	return false;
}

void
policy_user_roles(const struct policy *p, const char *user, char *out, size_t outlen)
{
	size_t i;

	if (outlen == 0)
		return;
	out[0] = '\0';
	for (i = 0; i < p->nroles; i++)
		if (policy_user_has_role(p, user, p->roles[i].role))
			str_append(out, outlen, "%s%s", out[0] ? ", " : "", p->roles[i].role);
}

/* "a", "a or b", "a, b or c" when with_or; else "a, b, c" (the stored roles field). */
static void
roles_join(const struct approval_rule *r, bool with_or, char *out, size_t outlen)
{
	size_t i;
	const char *sep;

	out[0] = '\0';
	for (i = 0; i < r->nroles; i++) {
		if (i == 0)
			sep = "";
		else if (with_or && i == r->nroles - 1)
			sep = " or ";
		else
			sep = ", ";
		str_append(out, outlen, "%s%s", sep, r->roles[i]);
	}
}

static bool
rule_allows(const struct policy *p, const struct approval_rule *r, const char *user)
{
	size_t i;

	for (i = 0; i < r->nroles; i++)
		if (policy_user_has_role(p, user, r->roles[i]))
			return true;
	return false;
}

/* Local "HH:MM" of the first whole minute at or after ms: "until 14:05" must not be a
 * minute at which the block still holds. */
static void
clock_format_ceil(int64_t ms, char *out, size_t outlen)
{
	time_t t = (time_t)((ms + 59999) / 60000 * 60);
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL || strftime(out, outlen, "%H:%M", &tm) == 0)
		snprintf(out, outlen, "?");
}

/* Money compared in whole cents so that $95.00 + $5.00 is not "more than" $100.00. */
static long long
cents(double usd)
{
	return llround(usd * 100.0);
}

static const char *
plural(long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* Fills out and returns true when a rate rule blocks the action; checked in the order a
 * human would want to hear about them (the one with a known end first). */
static bool
decide_blocked(const struct policy *p, const struct decision_ctx *ctx, struct decision *out)
{
	char hhmm[16];
	int64_t until;

	if (p->cooldown_ms > 0 && ctx->last_run_on_resource_ms > 0 &&
	    ctx->now_ms < ctx->last_run_on_resource_ms + p->cooldown_ms) {
		until = ctx->last_run_on_resource_ms + p->cooldown_ms;
		clock_format_ceil(until, hhmm, sizeof(hhmm));
		out->blocked_until_ms = until;
		snprintf(out->reason, sizeof(out->reason), "blocked: cooldown on %s until %s",
			 ctx->resource != NULL && *ctx->resource ? ctx->resource : "this resource",
			 hhmm);
	} else if (p->max_runs_per_hour > 0 && ctx->runs_last_hour >= p->max_runs_per_hour) {
		snprintf(out->reason, sizeof(out->reason),
			 "blocked: %d %s in the last hour (limit %d)", ctx->runs_last_hour,
			 plural(ctx->runs_last_hour, "run", "runs"), p->max_runs_per_hour);
	} else if (p->max_concurrent > 0 && ctx->running >= p->max_concurrent) {
		snprintf(out->reason, sizeof(out->reason), "blocked: %d %s running (limit %d)",
			 ctx->running, plural(ctx->running, "action", "actions"),
			 p->max_concurrent);
	} else {
		return false;
	}
	out->kind = DECIDE_BLOCKED;
	return true;
}

/* Returns 0 when every autopilot condition holds, else -1 with the first failing one in
 * why. The freeze goes first because it also changes who may approve. */
static int
autopilot_refusal(const struct policy *p, enum risk_level risk, double cost, double confidence,
		  const struct decision_ctx *ctx, const char *freeze, char *why, size_t whylen)
{
	if (freeze != NULL)
		snprintf(why, whylen, "change freeze %s (only admin may approve)", freeze);
	else if (!ctx->autopilot_enabled)
		snprintf(why, whylen, "autopilot is switched off");
	/* a guess from shared words is a hint for a human, however low the confidence bar is
	 * set: the threshold alone let it through at min_confidence 0 */
	else if (ctx->analysis_source != NULL && strcmp(ctx->analysis_source, "search") == 0)
		snprintf(why, whylen, "suggested by text search (never on autopilot)");
	else if (risk > p->ap_max_risk)
		snprintf(why, whylen, "risk %s", risk_level_name(risk));
	else if (cents(cost) > cents(p->ap_max_cost_usd))
		snprintf(why, whylen, "cost $%.2f > autopilot limit $%.2f", cost,
			 p->ap_max_cost_usd);
	else if (!(confidence + 1e-9 >= p->ap_min_confidence))
		snprintf(why, whylen, "confidence %.2f < %.2f", confidence, p->ap_min_confidence);
	else if (cents(ctx->usd_autopilot_today) + cents(cost) > cents(p->ap_max_usd_per_day))
		snprintf(why, whylen, "autopilot budget $%.2f + $%.2f > $%.2f per day",
			 ctx->usd_autopilot_today, cost, p->ap_max_usd_per_day);
	else
		return 0;
	return -1;
}

void
policy_decide(const struct policy *p, enum risk_level risk, double cost_usd, double confidence,
	      const struct decision_ctx *ctx, struct decision *out)
{
	const struct approval_rule *rule;
	const char *freeze = NULL;
	char why[200], roles[sizeof(out->roles)];

	memset(out, 0, sizeof(*out));
	/* an out-of-range level is a caller bug; treat it as the most dangerous */
	if ((int)risk < 0 || risk >= RISK__COUNT)
		risk = RISK_CRITICAL;
	if (decide_blocked(p, ctx, out))
		return;
	(void)policy_in_freeze(p, ctx->now_ms, &freeze);
	if (autopilot_refusal(p, risk, cost_usd, confidence, ctx, freeze, why, sizeof(why)) == 0) {
		out->kind = DECIDE_AUTOPILOT;
		out->requester_may_approve = true;
		snprintf(out->reason, sizeof(out->reason),
			 "autopilot: risk %s ≤ %s, $%.2f ≤ $%.2f, confidence %.2f ≥ %.2f",
			 risk_level_name(risk), risk_level_name(p->ap_max_risk), cost_usd,
			 p->ap_max_cost_usd, confidence, p->ap_min_confidence);
		return;
	}
	rule = &p->approvals[risk];
	out->kind = DECIDE_APPROVAL;
	out->approvals_needed = rule->count;
	out->requester_may_approve = rule->requester_may_approve;
	if (freeze != NULL) {
		out->admin_only = true;
		snprintf(out->roles, sizeof(out->roles), "admin");
		snprintf(roles, sizeof(roles), "admin");
	} else {
		roles_join(rule, false, out->roles, sizeof(out->roles));
		roles_join(rule, true, roles, sizeof(roles));
	}
	str_append(out->reason, sizeof(out->reason), "needs %d %s from %s: %s", rule->count,
		   plural(rule->count, "approval", "approvals"), roles, why);
}

static void
time_format_hhmm(int64_t ms, char *out, size_t outlen)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL || strftime(out, outlen, "%H:%M", &tm) == 0)
		snprintf(out, outlen, "?");
}

/* "approve needs role lead or admin (you have: engineer)" */
static void
explain_roles(const struct policy *p, const struct approval_rule *rule, const char *user,
	      const char *verb, char *why, size_t whylen)
{
	char need[160], have[160];

	roles_join(rule, true, need, sizeof(need));
	policy_user_roles(p, user, have, sizeof(have));
	snprintf(why, whylen, "%s needs role %s (you have: %s)", verb, need,
		 have[0] ? have : "none");
}

int
policy_check_approval(const struct policy *p, enum risk_level risk, const char *user,
		      const char *requester, const char *const *approvers, size_t napprovers,
		      int64_t now_ms, int64_t expires_at_ms, char *why, size_t whylen)
{
	const struct approval_rule *rule;
	const char *freeze = NULL;
	char hhmm[16];
	size_t i;

	if ((int)risk < 0 || risk >= RISK__COUNT)
		risk = RISK_CRITICAL;
	rule = &p->approvals[risk];
	if (user == NULL || *user == '\0') {
		snprintf(why, whylen, "unknown user");
		return -1;
	}
	if (expires_at_ms > 0 && now_ms >= expires_at_ms) {
		time_format_hhmm(expires_at_ms, hhmm, sizeof(hhmm));
		snprintf(why, whylen, "approval expired at %s", hhmm);
		return -1;
	}
	for (i = 0; i < napprovers; i++) {
		if (approvers[i] != NULL && strcmp(approvers[i], user) == 0) {
			snprintf(why, whylen, "you already approved");
			return -1;
		}
	}
	if (policy_in_freeze(p, now_ms, &freeze)) {
		if (!policy_user_has_role(p, user, "admin")) {
			snprintf(why, whylen, "change freeze %s: only admin may approve", freeze);
			return -1;
		}
	} else if (!rule_allows(p, rule, user)) {
		explain_roles(p, rule, user, "approve", why, whylen);
		return -1;
	}
	if (!rule->requester_may_approve && requester != NULL && strcmp(requester, user) == 0) {
		snprintf(why, whylen, "the requester may not approve a high-risk action alone");
		return -1;
	}
	return 0;
}

int
policy_check_actor(const struct policy *p, enum risk_level risk, const char *user, const char *verb,
		   char *why, size_t whylen)
{
	const struct approval_rule *rule;

	if ((int)risk < 0 || risk >= RISK__COUNT)
		risk = RISK_CRITICAL;
	rule = &p->approvals[risk];
	if (user == NULL || *user == '\0') {
		snprintf(why, whylen, "unknown user");
		return -1;
	}
	if (rule_allows(p, rule, user))
		return 0;
	explain_roles(p, rule, user, verb != NULL ? verb : "this", why, whylen);
	return -1;
}

bool
policy_user_valid(const char *user)
{
	static const char *const prefixes[] = {"slack:", "teams:", "console:"};
	const char *rest = NULL, *s;
	size_t i;

	if (user == NULL)
		return false;
	if (strncmp(user, "email:", 6) == 0)
		return policy_mail_address_valid(user + 6);
	for (i = 0; i < ARRAY_LEN(prefixes); i++)
		if (strncmp(user, prefixes[i], strlen(prefixes[i])) == 0)
			rest = user + strlen(prefixes[i]);
	if (rest == NULL || *rest == '\0' || strlen(rest) > 128)
		return false;
	for (s = rest; *s; s++)
		if (!isalnum((unsigned char)*s) && strchr("._@:-", *s) == NULL)
			return false;
	return true;
}
