/* state.c — incident state names, the one table of allowed transitions, terminal states and
 * the human verbs each state allows (design.md "Incident states"). */
#include <stddef.h>
#include <string.h>

#include "state.h"

#define BIT(s) (1u << (s))

/* What nobody may do any more once a run started: the run decides what comes next. */
#define VERBS_WATCH (VERB_ACK)
/* A decision is pending on a proposal: it may be looked at, acknowledged or given up. */
#define VERBS_PENDING (VERB_DRYRUN | VERB_ACK | VERB_CLOSE)

struct state_def {
	const char *name;
	unsigned next;	/* BIT() of each state it may move to */
	bool terminal;	/* nothing further happens: no timers, no buttons, no verbs */
	unsigned verbs; /* enum state_verb bits a human may use */
};

/*
 * The table. Every non-terminal state may be closed (by a human, or because the alert cleared
 * before anything ran), so ST_CLOSED is in every non-terminal row; but a human may not close
 * while a run is in flight (approved, running, verifying): the run owns the incident until it
 * ends. A verifying incident whose fix verified and waits for related alerts is the one
 * exception, decided by the engine (eng_waiting), as the state alone cannot tell. A state never moves to itself: a compare-and-set from X to X would let two racing
 * clicks both "win". `failed` is not terminal: its rollback (or a human) still moves it.
 */
static const struct state_def states[ST__COUNT] = {
    [ST_OPEN] = {"open",
		 BIT(ST_AWAITING_APPROVAL) | BIT(ST_APPROVED) | BIT(ST_BLOCKED) |
		     BIT(ST_NEEDS_ATTENTION) | BIT(ST_CLOSED),
		 false, VERB_ACK | VERB_CLOSE},
    /* open (here and from blocked, needs_attention, verifying and failed): the probable
     * cause changed to an alert with a runbook not tried yet, so the incident is analysed
     * again for it and the proposal it had is withdrawn */
    [ST_AWAITING_APPROVAL] = {"awaiting_approval",
			      BIT(ST_OPEN) | BIT(ST_APPROVED) | BIT(ST_REJECTED) | BIT(ST_EXPIRED) |
				  BIT(ST_CLOSED),
			      false, VERB_APPROVE | VERB_REJECT | VERBS_PENDING},
    /* a block ends (cooldown over) with a fresh decision */
    [ST_BLOCKED] = {"blocked",
		    BIT(ST_OPEN) | BIT(ST_AWAITING_APPROVAL) | BIT(ST_APPROVED) | BIT(ST_CLOSED),
		    false, VERBS_PENDING},
    /* a human picks a runbook (or re-decides) for an incident the bot could not handle */
    [ST_NEEDS_ATTENTION] = {"needs_attention",
			    BIT(ST_OPEN) | BIT(ST_AWAITING_APPROVAL) | BIT(ST_APPROVED) |
				BIT(ST_BLOCKED) | BIT(ST_CLOSED),
			    false, VERBS_PENDING},
    /* needs_attention: its runbook is no longer loaded, so the run cannot start */
    [ST_APPROVED] = {"approved", BIT(ST_RUNNING) | BIT(ST_NEEDS_ATTENTION) | BIT(ST_CLOSED), false,
		     VERBS_WATCH},
    /* needs_attention: interrupted by a crash while running a non-idempotent step */
    [ST_RUNNING] = {"running",
		    BIT(ST_VERIFYING) | BIT(ST_FAILED) | BIT(ST_NEEDS_ATTENTION) | BIT(ST_CLOSED),
		    false, VERBS_WATCH},
    /* needs_attention: its runbook is no longer loaded when verification resumes. A
     * verified fix whose incident still waits for related alerts to clear stays here
     * (store: wait_until) until they clear or the grace period ends. */
    [ST_VERIFYING] = {"verifying",
		      BIT(ST_OPEN) | BIT(ST_RESOLVED) | BIT(ST_FAILED) | BIT(ST_NEEDS_ATTENTION) |
			  BIT(ST_CLOSED),
		      false, VERBS_WATCH},
    /* needs_attention: the rollback itself failed or was interrupted, or the last stage of
     * a recovery ladder failed; awaiting_approval, approved, blocked: the ladder's next
     * stage, decided like any proposal once the failed stage is rolled back (a stage that
     * is not the last never goes to the final rolled_back) */
    [ST_FAILED] = {"failed",
		   BIT(ST_OPEN) | BIT(ST_ROLLED_BACK) | BIT(ST_NEEDS_ATTENTION) |
		       BIT(ST_AWAITING_APPROVAL) | BIT(ST_APPROVED) | BIT(ST_BLOCKED) |
		       BIT(ST_CLOSED),
		   false, VERB_ACK | VERB_CLOSE},
    [ST_REJECTED] = {"rejected", 0, true, 0},
    [ST_EXPIRED] = {"expired", 0, true, 0},
    [ST_RESOLVED] = {"resolved", 0, true, 0},
    [ST_ROLLED_BACK] = {"rolled_back", 0, true, 0},
    [ST_CLOSED] = {"closed", 0, true, 0},
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
	return states[s].name;
}

int
state_from_name(const char *name)
{
	int i;

	if (name == NULL)
		return -1;
	for (i = 0; i < ST__COUNT; i++)
		if (strcmp(states[i].name, name) == 0)
			return i;
	return -1;
}

bool
state_can_transition(enum incident_state from, enum incident_state to)
{
	if (!state_valid((int)from) || !state_valid((int)to))
		return false;
	return (states[from].next & BIT(to)) != 0;
}

bool
state_can_transition_name(const char *from, const char *to)
{
	int f = state_from_name(from), t = state_from_name(to);

	return f >= 0 && t >= 0 && state_can_transition(f, t);
}

bool
state_is_terminal(enum incident_state s)
{
	return state_valid((int)s) && states[s].terminal;
}

bool
state_is_terminal_name(const char *name)
{
	int s = state_from_name(name);

	return s >= 0 && state_is_terminal(s);
}

unsigned
state_verbs(enum incident_state s)
{
	return state_valid((int)s) ? states[s].verbs : 0;
}

bool
state_allows(const char *name, enum state_verb verb)
{
	int s = state_from_name(name);

	return s >= 0 && (states[s].verbs & verb) != 0;
}
