/* state.h — the incident state machine: names, the one table of allowed transitions, which
 * states are terminal and which human verbs each state allows. Pure. */
#ifndef HEALER_STATE_H
#define HEALER_STATE_H

#include <stdbool.h>

enum incident_state {
	ST_OPEN,
	ST_AWAITING_APPROVAL,
	ST_APPROVED,
	ST_BLOCKED,
	ST_NEEDS_ATTENTION,
	ST_REJECTED,
	ST_EXPIRED,
	ST_RUNNING,
	ST_VERIFYING,
	ST_RESOLVED,
	ST_FAILED,
	ST_ROLLED_BACK,
	ST_CLOSED,
	ST__COUNT
};

/* The human verbs on an incident, as bits: what a card may offer and the engine accepts. */
enum state_verb {
	VERB_APPROVE = 1u << 0,
	VERB_REJECT = 1u << 1,
	VERB_DRYRUN = 1u << 2,
	VERB_ACK = 1u << 3,
	VERB_CLOSE = 1u << 4,
};

/* "open", "awaiting_approval", ... ; NULL for out-of-range. */
const char *state_name(enum incident_state s);
/* Returns the state or -1 for an unknown name. */
int state_from_name(const char *name);
/* True when `from → to` is in the transition table (design.md "Incident states"). */
bool state_can_transition(enum incident_state from, enum incident_state to);
/* Name-based form of state_can_transition: false when either name is unknown. */
bool state_can_transition_name(const char *from, const char *to);
/* resolved, rejected, expired, rolled_back, closed: nothing further happens. False for an
 * unknown state. */
bool state_is_terminal(enum incident_state s);
/* Name-based form of state_is_terminal. */
bool state_is_terminal_name(const char *name);
/* The state_verb bits a human may use in state s (0 for terminal or unknown states). */
unsigned state_verbs(enum incident_state s);
/* True when a human may use `verb` (one state_verb bit) on an incident in state `name`. */
bool state_allows(const char *name, enum state_verb verb);

#endif
