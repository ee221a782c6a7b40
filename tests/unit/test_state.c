/* test_state.c — the incident state machine: names, the transition table, terminal states,
 * the human verbs each state allows. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "state.h"

struct edge {
	enum incident_state from, to;
};

/* Every allowed transition, written out independently of the table in state.c. */
static const struct edge allowed[] = {
    {ST_OPEN, ST_AWAITING_APPROVAL},
    {ST_OPEN, ST_APPROVED},
    {ST_OPEN, ST_BLOCKED},
    {ST_OPEN, ST_NEEDS_ATTENTION},
    {ST_OPEN, ST_CLOSED},
    {ST_AWAITING_APPROVAL, ST_APPROVED},
    {ST_AWAITING_APPROVAL, ST_REJECTED},
    {ST_AWAITING_APPROVAL, ST_EXPIRED},
    {ST_AWAITING_APPROVAL, ST_CLOSED},
    {ST_BLOCKED, ST_AWAITING_APPROVAL},
    {ST_BLOCKED, ST_APPROVED},
    {ST_BLOCKED, ST_CLOSED},
    {ST_NEEDS_ATTENTION, ST_AWAITING_APPROVAL},
    {ST_NEEDS_ATTENTION, ST_APPROVED},
    {ST_NEEDS_ATTENTION, ST_BLOCKED},
    {ST_NEEDS_ATTENTION, ST_CLOSED},
    {ST_APPROVED, ST_RUNNING},
    {ST_APPROVED, ST_CLOSED},
    {ST_APPROVED, ST_NEEDS_ATTENTION},
    {ST_RUNNING, ST_VERIFYING},
    {ST_RUNNING, ST_FAILED},
    {ST_RUNNING, ST_NEEDS_ATTENTION},
    {ST_RUNNING, ST_CLOSED},
    {ST_VERIFYING, ST_RESOLVED},
    {ST_VERIFYING, ST_FAILED},
    {ST_VERIFYING, ST_CLOSED},
    {ST_VERIFYING, ST_NEEDS_ATTENTION},
    {ST_FAILED, ST_ROLLED_BACK},
    {ST_FAILED, ST_CLOSED},
    {ST_FAILED, ST_NEEDS_ATTENTION},
    /* the next stage of a recovery ladder */
    {ST_FAILED, ST_AWAITING_APPROVAL},
    {ST_FAILED, ST_APPROVED},
    {ST_FAILED, ST_BLOCKED},
    /* the probable cause changed: analysed again for it */
    {ST_AWAITING_APPROVAL, ST_OPEN},
    {ST_BLOCKED, ST_OPEN},
    {ST_NEEDS_ATTENTION, ST_OPEN},
    {ST_VERIFYING, ST_OPEN},
    {ST_FAILED, ST_OPEN},
};

static bool
in_allowed(enum incident_state from, enum incident_state to)
{
	size_t i;

	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (allowed[i].from == from && allowed[i].to == to)
			return true;
	return false;
}

static void
test_names_round_trip(void **state)
{
	static const char *const names[ST__COUNT] = {
	    "open",	"awaiting_approval", "approved", "blocked",   "needs_attention",
	    "rejected", "expired",	     "running",	 "verifying", "resolved",
	    "failed",	"rolled_back",	     "closed"};
	int i;

	(void)state;
	for (i = 0; i < ST__COUNT; i++) {
		assert_string_equal(state_name((enum incident_state)i), names[i]);
		assert_int_equal(state_from_name(names[i]), i);
	}
	assert_null(state_name(ST__COUNT));
	assert_null(state_name((enum incident_state) - 1));
	assert_int_equal(state_from_name("Open"), -1);
	assert_int_equal(state_from_name(""), -1);
	assert_int_equal(state_from_name("open "), -1);
	assert_int_equal(state_from_name(NULL), -1);
}

static void
test_every_allowed_transition(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		if (!state_can_transition(allowed[i].from, allowed[i].to))
			fail_msg("%s -> %s should be allowed", state_name(allowed[i].from),
				 state_name(allowed[i].to));
	}
}

/* The full 13×13 matrix: anything not in the list above is refused. */
static void
test_everything_else_forbidden(void **state)
{
	int from, to, n = 0;

	(void)state;
	for (from = 0; from < ST__COUNT; from++) {
		for (to = 0; to < ST__COUNT; to++) {
			bool want = in_allowed(from, to);
			if (state_can_transition(from, to) != want)
				fail_msg("%s -> %s: expected %s", state_name(from), state_name(to),
					 want ? "allowed" : "forbidden");
			n += want;
		}
	}
	assert_int_equal(n, (int)(sizeof(allowed) / sizeof(allowed[0])));
}

static void
test_named_forbidden_samples(void **state)
{
	int s;

	(void)state;
	assert_false(state_can_transition(ST_RESOLVED, ST_RUNNING));
	assert_false(state_can_transition(ST_REJECTED, ST_APPROVED));
	assert_false(state_can_transition(ST_OPEN, ST_RUNNING));
	assert_false(state_can_transition(ST_EXPIRED, ST_APPROVED));
	assert_false(state_can_transition(ST_AWAITING_APPROVAL, ST_RUNNING));
	assert_false(state_can_transition(ST_APPROVED, ST_RESOLVED));
	assert_false(state_can_transition(ST_RUNNING, ST_RESOLVED));
	assert_false(state_can_transition(ST_ROLLED_BACK, ST_RUNNING));
	assert_false(state_can_transition(ST_BLOCKED, ST_RUNNING));
	for (s = 0; s < ST__COUNT; s++) {
		assert_false(state_can_transition(ST_CLOSED, s));
		assert_false(state_can_transition(s, s));
	}
	assert_false(state_can_transition(ST__COUNT, ST_CLOSED));
	assert_false(state_can_transition(ST_OPEN, ST__COUNT));
	assert_false(state_can_transition((enum incident_state) - 1, ST_CLOSED));
}

static void
test_terminal_states(void **state)
{
	int s;

	(void)state;
	for (s = 0; s < ST__COUNT; s++) {
		bool want = s == ST_RESOLVED || s == ST_REJECTED || s == ST_EXPIRED ||
			    s == ST_ROLLED_BACK || s == ST_CLOSED;
		if (state_is_terminal(s) != want)
			fail_msg("%s terminal: expected %d", state_name(s), want);
		/* any non-terminal state may be closed by a human */
		assert_int_equal(state_can_transition(s, ST_CLOSED), !want);
	}
	assert_false(state_is_terminal(ST__COUNT));
}

/* Which verbs a human may use in each state, written out independently of state.c. */
static void
test_verbs_per_state(void **state)
{
	static const struct {
		enum incident_state s;
		unsigned verbs;
	} want[] = {
	    {ST_OPEN, VERB_ACK | VERB_CLOSE},
	    {ST_AWAITING_APPROVAL, VERB_APPROVE | VERB_REJECT | VERB_DRYRUN | VERB_ACK | VERB_CLOSE},
	    {ST_APPROVED, VERB_ACK},
	    {ST_BLOCKED, VERB_DRYRUN | VERB_ACK | VERB_CLOSE},
	    {ST_NEEDS_ATTENTION, VERB_DRYRUN | VERB_ACK | VERB_CLOSE},
	    {ST_REJECTED, 0},
	    {ST_EXPIRED, 0},
	    {ST_RUNNING, VERB_ACK},
	    {ST_VERIFYING, VERB_ACK},
	    {ST_RESOLVED, 0},
	    {ST_FAILED, VERB_ACK | VERB_CLOSE},
	    {ST_ROLLED_BACK, 0},
	    {ST_CLOSED, 0},
	};
	size_t i;

	(void)state;
	assert_int_equal(sizeof(want) / sizeof(want[0]), ST__COUNT);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (state_verbs(want[i].s) != want[i].verbs)
			fail_msg("%s verbs: got %#x, want %#x", state_name(want[i].s),
				 state_verbs(want[i].s), want[i].verbs);
		/* a verb that closes needs the table to allow the close */
		if (want[i].verbs & VERB_CLOSE)
			assert_true(state_can_transition(want[i].s, ST_CLOSED));
		/* approve needs somewhere to go */
		if (want[i].verbs & VERB_APPROVE)
			assert_true(state_can_transition(want[i].s, ST_APPROVED));
		/* a terminal state offers nothing */
		if (state_is_terminal(want[i].s))
			assert_int_equal(want[i].verbs, 0);
	}
	assert_true(state_allows("awaiting_approval", VERB_APPROVE));
	assert_false(state_allows("running", VERB_DRYRUN));
	assert_false(state_allows("failed", VERB_APPROVE));
	assert_true(state_allows("failed", VERB_ACK));
	assert_false(state_allows("nonsense", VERB_ACK));
	assert_false(state_allows(NULL, VERB_ACK));
	assert_int_equal(state_verbs(ST__COUNT), 0);
}

static void
test_name_forms(void **state)
{
	(void)state;
	assert_true(state_can_transition_name("running", "verifying"));
	assert_false(state_can_transition_name("open", "running"));
	assert_false(state_can_transition_name("open", "bogus"));
	assert_false(state_can_transition_name(NULL, "closed"));
	assert_true(state_is_terminal_name("rolled_back"));
	/* failed waits for its rollback or a human: not terminal on any surface */
	assert_false(state_is_terminal_name("failed"));
	assert_false(state_is_terminal_name("bogus"));
	assert_false(state_is_terminal_name(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names_round_trip),
	    cmocka_unit_test(test_every_allowed_transition),
	    cmocka_unit_test(test_everything_else_forbidden),
	    cmocka_unit_test(test_named_forbidden_samples),
	    cmocka_unit_test(test_terminal_states),
	    cmocka_unit_test(test_verbs_per_state),
	    cmocka_unit_test(test_name_forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
