/* loop_fixture.h — for tests that drive the real event loop: run it until a callback stops
 * it, failing the test when that takes too long. Include after cmocka.h and loop.h. */
#ifndef HEALER_LOOP_FIXTURE_H
#define HEALER_LOOP_FIXTURE_H

static bool timed_out;

static void
watchdog_fire(void *arg)
{
	(void)arg;
	timed_out = true;
	loop_stop();
}

/* Runs the loop until a test callback stops it; fails the test if that takes too long. */
static void
run_loop(int64_t limit_ms)
{
	uint64_t id;

	timed_out = false;
	id = loop_timer_add(limit_ms, watchdog_fire, NULL);
	loop_run();
	loop_timer_cancel(id);
	assert_false(timed_out);
}

#endif
