/* result.h — the one result type of the store and the engine: 0 is success, each failure a
 * distinct negative value, so a status can travel from the store through the engine to a
 * reply without being mistaken for another. */
#ifndef HEALER_RESULT_H
#define HEALER_RESULT_H

enum result {
	RESULT_OK = 0,
	RESULT_ERROR =
	    -1, /* the database (or another internal part) failed; logged; nothing changed */
	RESULT_NOTFOUND = -2,  /* no such row */
	RESULT_CONFLICT = -3,  /* compare-and-set lost: the row changed meanwhile */
	RESULT_DUPLICATE = -4, /* already recorded (redelivered alert, second approval by a user) */
	RESULT_REFUSED = -5,   /* the policy or the state machine refuses; the message says why */
};

/* A short lower-case phrase for rc ("database error", "changed meanwhile", …); never NULL. */
const char *result_strerror(int rc);

#endif
