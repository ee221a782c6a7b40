/* test_ladder.c — the recovery ladder checks of `runbooks validate`: every stage exists,
 * its parameters can be bound from the first stage's alerts, and no ladder loops. Run from
 * the repo root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "runbook.h"

#define DIR "tests/data/runbooks/"

/* Loads a directory; keeps only the errors (warnings dropped), returns the error count. */
static int
load(const char *dir, struct runbook_set *s, struct diag_list *d)
{
	int n = runbook_load_dir(dir, s, d);
	size_t kept = 0;

	for (size_t i = 0; i < d->n; i++) {
		if (strstr(d->msgs[i], ": warning: ") != NULL)
			free(d->msgs[i]);
		else
			d->msgs[kept++] = d->msgs[i];
	}
	d->n = kept;
	return n;
}

static void
test_ladder_ok(void **state)
{
	struct runbook_set s;
	struct diag_list d = {0};

	(void)state;
	assert_int_equal(load(DIR "ladder-ok", &s, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(s.n, 3);
	const struct runbook *rb = runbook_find(&s, "restart");
	assert_non_null(rb);
	assert_int_equal(rb->nescalate, 2);
	assert_string_equal(rb->escalate[0], "scale-out");
	assert_string_equal(rb->escalate[1], "rollback-deploy");
	assert_int_equal(rb->escalate_line, 9);
	runbook_set_free(&s);
	diag_free(&d);
}

static void
test_ladder_missing_stage(void **state)
{
	struct runbook_set s;
	struct diag_list d = {0};

	(void)state;
	assert_int_equal(load(DIR "ladder-missing", &s, &d), 1);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.msgs[0], DIR "ladder-missing/a-restart.yaml:9: escalate[1]: "
					   "no runbook 'rollback-deploy'");
	assert_int_equal(s.n, 2); /* the runbooks still load; the engine pages a human there */
	runbook_set_free(&s);
	diag_free(&d);
}

static void
test_ladder_unbindable(void **state)
{
	struct runbook_set s;
	struct diag_list d = {0};

	(void)state;
	assert_int_equal(load(DIR "ladder-params", &s, &d), 2);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.msgs[0], DIR "ladder-params/a-restart.yaml:8: escalate[0]: stage "
					   "'scale-out' needs parameter 'count' from the command "
					   "line, which a later stage never has");
	assert_string_equal(d.msgs[1], DIR "ladder-params/a-restart.yaml:8: escalate[1]: stage "
					   "'resize' needs parameter 'volume' from "
					   "annotations.volume, which the alerts of 'restart' may "
					   "lack (require it there, or give a default)");
	runbook_set_free(&s);
	diag_free(&d);
}

static void
test_ladder_cycle(void **state)
{
	struct runbook_set s;
	struct diag_list d = {0};

	(void)state;
	assert_int_equal(load(DIR "ladder-cycle", &s, &d), 3);
	assert_int_equal(d.n, 3);
	assert_string_equal(d.msgs[0], DIR "ladder-cycle/a.yaml:4: escalate: cycle: the escalate "
					   "lists lead from 'first' back to a runbook already on "
					   "the way");
	assert_string_equal(d.msgs[1], DIR "ladder-cycle/b.yaml:3: escalate: cycle: the escalate "
					   "lists lead from 'second' back to a runbook already on "
					   "the way");
	assert_string_equal(d.msgs[2], DIR "ladder-cycle/c.yaml:3: escalate[1]: cycle: 'self' is "
					   "already on the ladder of 'self'");
	runbook_set_free(&s);
	diag_free(&d);
}

static void
test_ladder_shape(void **state)
{
	struct diag_list d = {0};
	struct runbook *rb = NULL;
	char path[] = "/tmp/test_ladder_XXXXXX.yaml";
	int fd = mkstemps(path, 5);
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("id: x\ntitle: X\nescalate: scale-out\nsteps:\n  - {name: a, exec: [/bin/true]}\n",
	      f);
	fclose(f);
	assert_int_equal(runbook_load_file(path, &rb, &d), 1);
	assert_null(rb);
	char want[160];
	snprintf(want, sizeof(want),
		 "%s:3: escalate: expected a list of runbook ids, got a single "
		 "value",
		 path);
	assert_string_equal(d.msgs[0], want);
	unlink(path);
	diag_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ladder_ok),	      cmocka_unit_test(test_ladder_missing_stage),
	    cmocka_unit_test(test_ladder_unbindable), cmocka_unit_test(test_ladder_cycle),
	    cmocka_unit_test(test_ladder_shape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
