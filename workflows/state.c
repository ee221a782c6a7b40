/* state.c — incident state names and the one table of allowed transitions (design.md). */
#include <stddef.h>
#include <string.h>

#include "state.h"

#define BIT(s) (1u << (s))

static const char *const state_names[ST__COUNT] = {
    [ST_OPEN] = "open",
    [ST_AWAITING_APPROVAL] = "awaiting_approval",
    [ST_APPROVED] = "approved",
    [ST_BLOCKED] = "blocked",
    [ST_NEEDS_ATTENTION] = "needs_attention",
    [ST_REJECTED] = "rejected",
    [ST_EXPIRED] = "expired",
    [ST_RUNNING] = "running",
    [ST_VERIFYING] = "verifying",
    [ST_RESOLVED] = "resolved",
    [ST_FAILED] = "failed",
    [ST_ROLLED_BACK] = "rolled_back",
    [ST_CLOSED] = "closed",
};

/*
 * The transition table: for each state, the set of states it may move to. A terminal state
 * has an empty set. Every non-terminal state may be closed by a human (or because the alert
 * cleared before anything ran), so ST_CLOSED appears in every non-empty row. A state never
 * moves to itself: a compare-and-set from X to X would let two racing clicks both "win".
 */
static const unsigned state_next[ST__COUNT] = {
    [ST_OPEN] = BIT(ST_AWAITING_APPROVAL) | BIT(ST_APPROVED) | BIT(ST_BLOCKED) |
		BIT(ST_NEEDS_ATTENTION) | BIT(ST_CLOSED),
    [ST_AWAITING_APPROVAL] = BIT(ST_APPROVED) | BIT(ST_REJECTED) | BIT(ST_EXPIRED) | BIT(ST_CLOSED),
    /* a block ends (cooldown over) with a fresh decision */
    [ST_BLOCKED] = BIT(ST_AWAITING_APPROVAL) | BIT(ST_APPROVED) | BIT(ST_CLOSED),
    /* a human picks a runbook (or re-decides) for an incident the bot could not handle */
    [ST_NEEDS_ATTENTION] =
	BIT(ST_AWAITING_APPROVAL) | BIT(ST_APPROVED) | BIT(ST_BLOCKED) | BIT(ST_CLOSED),
    [ST_APPROVED] = BIT(ST_RUNNING) | BIT(ST_CLOSED),
    /* needs_attention: interrupted by a crash while running a non-idempotent step */
    [ST_RUNNING] = BIT(ST_VERIFYING) | BIT(ST_FAILED) | BIT(ST_NEEDS_ATTENTION) | BIT(ST_CLOSED),
    [ST_VERIFYING] = BIT(ST_RESOLVED) | BIT(ST_FAILED) | BIT(ST_CLOSED),
    /* needs_attention: the rollback itself failed or was interrupted, or the last stage of
     * a recovery ladder failed; awaiting_approval, approved, blocked: the ladder's next
     * stage, decided like any proposal once the failed stage is rolled back (a stage that
     * is not the last never goes to the final rolled_back) */
    [ST_FAILED] = BIT(ST_ROLLED_BACK) | BIT(ST_NEEDS_ATTENTION) | BIT(ST_AWAITING_APPROVAL) |
		  BIT(ST_APPROVED) | BIT(ST_BLOCKED) | BIT(ST_CLOSED),
    [ST_REJECTED] = 0,
    [ST_EXPIRED] = 0,
    [ST_RESOLVED] = 0,
    [ST_ROLLED_BACK] = 0,
    [ST_CLOSED] = 0,
};

static bool
state_valid(int s)
{
	return s >= 0 && s < ST__COUNT;
}

const char *
state_name(enum incident_state s)
{
	if (!state_valid((int)s))
		return NULL;
	return state_names[s];
}

int
state_from_name(const char *name)
{
	int i;

	if (name == NULL)
		return -1;
	for (i = 0; i < ST__COUNT; i++)
		if (strcmp(state_names[i], name) == 0)
			return i;
	return -1;
}

bool
state_can_transition(enum incident_state from, enum incident_state to)
{
	if (!state_valid((int)from) || !state_valid((int)to))
		return false;
	return (state_next[from] & BIT(to)) != 0;
}

bool
state_is_terminal(enum incident_state s)
{
	return state_valid((int)s) && state_next[s] == 0;
}
