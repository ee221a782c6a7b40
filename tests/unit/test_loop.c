/* test_loop.c — the loop for real: timers, the post queue, worker pools, the client vhost. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "log.h"
#include "loop.h"
#include "util.h"
#include "loop_fixture.h"

static int
group_setup(void **state)
{
	(void)state;
	log_init("error");
	return loop_init();
}

static int
group_teardown(void **state)
{
	(void)state;
	loop_shutdown();
	return 0;
}

/* ---- loop ---- */

static char order[16];

static void
mark(void *arg)
{
	strcat(order, arg);
}

static void
mark_stop(void *arg)
{
	mark(arg);
	loop_stop();
}

static void
test_timers_fire_in_order(void **state)
{
	int64_t t0 = mono_ms();
	uint64_t a, x;

	(void)state;
	order[0] = '\0';
	loop_timer_add(60, mark_stop, "c");
	a = loop_timer_add(20, mark, "a");
	loop_timer_add(40, mark, "b");
	x = loop_timer_add(30, mark, "x");
	loop_timer_cancel(x);
	loop_timer_cancel(x); /* a cancelled id is ignored */
	run_loop(2000);
	assert_string_equal(order, "abc");
	assert_true(mono_ms() - t0 >= 60);
	loop_timer_cancel(a); /* a fired id is ignored */
}

static uint64_t victim;

static void
cancel_victim(void *arg)
{
	(void)arg;
	strcat(order, "k");
	loop_timer_cancel(victim);
}

/* A timer callback may cancel a pending timer; timers added with delay 0 still fire. */
static void
test_timer_cancel_from_callback(void **state)
{
	(void)state;
	order[0] = '\0';
	loop_timer_add(0, mark, "0");
	loop_timer_add(10, cancel_victim, NULL);
	victim = loop_timer_add(20, mark, "v");
	loop_timer_add(40, mark, "e");
	loop_timer_add(50, mark_stop, "f");
	run_loop(2000);
	assert_string_equal(order, "0kef");
}

struct posted {
	pthread_t ran_on;
	bool on_loop_in_callback;
	bool on_loop_in_thread;
};

static void
posted_fn(void *arg)
{
	struct posted *p = arg;

	p->ran_on = pthread_self();
	p->on_loop_in_callback = loop_on_loop_thread();
	loop_stop();
}

static void *
poster_main(void *arg)
{
	struct posted *p = arg;

	p->on_loop_in_thread = loop_on_loop_thread();
	usleep(20000);
	loop_post(posted_fn, p);
	return NULL;
}

static void
test_post_runs_on_loop_thread(void **state)
{
	struct posted p = {0};
	pthread_t t;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, poster_main, &p), 0);
	run_loop(2000);
	pthread_join(t, NULL);
	assert_true(pthread_equal(p.ran_on, pthread_self()));
	assert_true(p.on_loop_in_callback);
	assert_false(p.on_loop_in_thread);
}

#define NJOBS 12
struct job {
	bool work_on_loop, done_on_loop, worked;
};
static int jobs_done;

static void
job_work(void *arg)
{
	struct job *j = arg;

	j->work_on_loop = loop_on_loop_thread();
	usleep(5000);
	j->worked = true;
}

static void
job_done(void *arg, enum work_status status)
{
	struct job *j = arg;

	j->done_on_loop = loop_on_loop_thread() && j->worked && status == WORK_DONE;
	if (++jobs_done == NJOBS)
		loop_stop();
}

static void
test_work_submit_done_on_loop(void **state)
{
	struct job jobs[NJOBS];
	int i;

	(void)state;
	memset(jobs, 0, sizeof(jobs));
	jobs_done = 0;
	for (i = 0; i < NJOBS; i++)
		work_submit(i % 2 ? WORK_IO : WORK_EXEC, job_work, job_done, &jobs[i]);
	run_loop(5000);
	assert_int_equal(jobs_done, NJOBS);
	for (i = 0; i < NJOBS; i++) {
		assert_false(jobs[i].work_on_loop);
		assert_true(jobs[i].done_on_loop);
	}
}

/* Shutdown cancels what never came back: done runs once per job, with WORK_CANCELLED, for the
 * jobs still queued and for the results never delivered, so their args can be freed. */
static int cancelled, delivered;

static void
slow_work(void *arg)
{
	(void)arg;
	usleep(20 * 1000);
}

static void
count_done(void *arg, enum work_status status)
{
	(void)arg;
	if (status == WORK_CANCELLED)
		cancelled++;
	else
		delivered++;
}

static void
test_shutdown_cancels_every_job(void **state)
{
	(void)state;
	cancelled = delivered = 0;
	for (int i = 0; i < 12; i++)
		work_submit(i % 2 ? WORK_IO : WORK_EXEC, slow_work, count_done, NULL);
	usleep(30 * 1000); /* some are running or finished, their results not yet delivered */
	loop_shutdown();
	assert_int_equal(delivered, 0);
	assert_int_equal(cancelled, 12);
	/* with the pools gone, a new job is cancelled at once */
	work_submit(WORK_IO, slow_work, count_done, NULL);
	assert_int_equal(cancelled, 13);
	assert_int_equal(loop_init(), 0); /* for the tests after this one */
}

static void
test_client_vhost(void **state)
{
	static const struct lws_protocols late = {"late", NULL, 0, 0, 0, NULL, 0};

	(void)state;
	assert_non_null(loop_client_vhost());
	assert_int_equal(loop_client_protocol_add(&late), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_timers_fire_in_order),
	    cmocka_unit_test(test_timer_cancel_from_callback),
	    cmocka_unit_test(test_post_runs_on_loop_thread),
	    cmocka_unit_test(test_work_submit_done_on_loop),
	    cmocka_unit_test(test_shutdown_cancels_every_job),
	    cmocka_unit_test(test_client_vhost),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
