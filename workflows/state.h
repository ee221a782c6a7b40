/* state.h — the incident state machine: names and the one table of allowed transitions. Pure. */
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

/* "open", "awaiting_approval", ... ; NULL for out-of-range. */
const char *state_name(enum incident_state s);
/* Returns the state or -1 for an unknown name. */
int state_from_name(const char *name);
/* True when `from → to` is in the transition table (design.md "Incident states"). */
bool state_can_transition(enum incident_state from, enum incident_state to);
/* resolved, rejected, expired, rolled_back, closed: nothing further happens. */
bool state_is_terminal(enum incident_state s);

#endif
