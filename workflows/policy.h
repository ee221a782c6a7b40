/* policy.h — the policy file (autopilot limits, approvals per risk, TTL, rate limits, freeze
 * windows, roles) and the pure decisions made from it: at proposal time and at click time. */
#ifndef HEALER_POLICY_H
#define HEALER_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include "correlate.h"
#include "runbook.h"

#define POLICY_MAX_ROLES 8
#define POLICY_MAX_FREEZE 16

struct approval_rule {
	char *roles[POLICY_MAX_ROLES]; /* "any" = every user */
	size_t nroles;
	int count;                  /* distinct approvers needed */
	bool requester_may_approve; /* default true */
};

/* A weekly window in local time: minutes since Monday 00:00, end inclusive of its minute. */
struct freeze_window {
	int start_min, end_min;
	char *text; /* as written, e.g. "Sat 00:00-Sun 23:59" */
};

struct role_members {
	char *role;
	char **users; /* "slack:U…", "teams:…", "console:name" */
	size_t nusers;
};

/* mail: routes — who gets a mail for which severities and states (adapters/email). */
#define POLICY_MAX_MAIL_ROUTES 32
#define POLICY_MAX_MAIL_TO 64
struct mail_route {
	char **to;	   /* bare addresses */
	size_t nto;
	unsigned sev_mask; /* bit n for sevN; 0 = every severity */
	char **states;	   /* state names; none = every change of state */
	size_t nstates;
};

struct policy {
	/* autopilot */
	enum risk_level ap_max_risk;
	double ap_max_cost_usd, ap_min_confidence, ap_max_usd_per_day;
	struct approval_rule approvals[RISK__COUNT];
	int64_t approval_ttl_ms;
	int max_runs_per_hour, max_concurrent; /* 0 = no limit */
	int64_t cooldown_ms;                   /* 0 = none */
	struct freeze_window freeze[POLICY_MAX_FREEZE];
	size_t nfreeze;
	struct role_members *roles;
	size_t nroles;
	struct mail_route *mail_routes;
	size_t nmail_routes;
	struct correlate_rules correlate; /* none by default: every alert opens its own */
};

/* Defaults equal design.md's example. */
void policy_defaults(struct policy *p);
/* Loads and validates; errors as "file:line: message" into errs. Returns 0 or error count.
 * A missing file is an error only when must_exist (else the defaults). `out` is overwritten,
 * not freed first; on errors it holds the defaults, so it is always safe to use and free. */
int policy_load(const char *path, bool must_exist, struct policy *out, struct diag_list *errs);
void policy_free(struct policy *p);

/* Parses "Sat 00:00-Sun 23:59" (also "Mon-Fri 18:00-20:00"? no: one span). 0 or -1. */
int freeze_parse(const char *s, struct freeze_window *out);
/* True when now (epoch ms, local time of the process's TZ) is inside a freeze window; the
 * window's text goes to `which` when non-NULL. */
bool policy_in_freeze(const struct policy *p, int64_t now_ms, const char **which);

bool policy_user_has_role(const struct policy *p, const char *user, const char *role);
/* Comma list of the user's roles, "" if none; into out. */
void policy_user_roles(const struct policy *p, const char *user, char *out, size_t outlen);
/* True for "slack:<id>", "teams:<id>", "console:<name>" (id: 1–128 of [A-Za-z0-9._@:-]) and
 * "email:<address>" (policy_mail_address_valid). */
bool policy_user_valid(const char *user);

/* A bare mail address healer will write into headers: 3–254 bytes, local part of
 * [A-Za-z0-9._%+-], one '@', a domain of [A-Za-z0-9.-] with a dot. Nothing that could
 * break a header or an SMTP command. */
bool policy_mail_address_valid(const char *addr);
/* Whether route r mails a change to `state` of an incident of `severity`. */
bool policy_mail_route_matches(const struct mail_route *r, const char *severity,
			       const char *state);

/* What the store knows that a decision depends on. */
struct decision_ctx {
	int64_t now_ms;
	bool autopilot_enabled;    /* kill switch */
	double usd_autopilot_today; /* spent by autopilot runs since local midnight */
	int runs_last_hour;
	int running;                /* actions in approved/running/verifying */
	int64_t last_run_on_resource_ms; /* start of last action on this resource, 0 = never */
	const char *resource;
	/* where the proposal came from: "rules" | "request" | "llm" | "search" (a text-search
	 * guess, never autopilot); NULL when unknown */
	const char *analysis_source;
};

enum decision_kind { DECIDE_AUTOPILOT, DECIDE_APPROVAL, DECIDE_BLOCKED };
const char *decision_kind_name(enum decision_kind k); /* "autopilot" "approval" "blocked" */

struct decision {
	enum decision_kind kind;
	int approvals_needed;
	char roles[160];           /* "lead, admin" or "any" */
	bool requester_may_approve;
	bool admin_only;           /* freeze: only admin may approve */
	int64_t blocked_until_ms;  /* cooldown/rate limit end, 0 if not time-bound */
	char reason[320];          /* the one line shown on every surface */
};

/* The decision for a proposed action. Blocked beats everything (cooldown, max runs per
 * hour, max concurrent); then autopilot if every autopilot condition holds (kill switch
 * on, no freeze, the proposal is not a text-search guess, risk ≤ max_risk, cost ≤ max_cost,
 * confidence ≥ min_confidence, today's autopilot spend + cost ≤ max_usd_per_day); else approvals
 * per the risk level. The reason names the deciding rule, e.g. "needs 2 approvals from lead or
 * admin: risk critical", "autopilot: risk low ≤ low, $0.00 ≤ $20.00, confidence 0.90 ≥ 0.80",
 * "needs 1 approval from any: cost $57.60 > autopilot limit $20.00",
 * "needs 1 approval from any: suggested by text search (never on autopilot)",
 * "blocked: cooldown on i-0abc until 14:05". */
void policy_decide(const struct policy *p, enum risk_level risk, double cost_usd,
		   double confidence, const struct decision_ctx *ctx, struct decision *out);

/* Click-time check of one approval. `approvers` are the users who already approved this
 * action. Returns 0 if `user` may approve now, else -1 with `why` saying what is needed
 * ("approve needs role lead or admin (you have: engineer)", "you already approved",
 * "the requester may not approve a high-risk action alone", "approval expired at …",
 * "change freeze Sat 00:00-Sun 23:59: only admin may approve"). */
int policy_check_approval(const struct policy *p, enum risk_level risk, const char *user,
			  const char *requester, const char *const *approvers, size_t napprovers,
			  int64_t now_ms, int64_t expires_at_ms, char *why, size_t whylen);
/* Who may reject/dry-run/ack: anyone who could approve at this risk (or any role member
 * when the rule is "any"). Same return convention. */
int policy_check_actor(const struct policy *p, enum risk_level risk, const char *user,
		       const char *verb, char *why, size_t whylen);

#endif
