/* test_chat.c — the chat core's delivery engine with a recording transport: a new surface
 * is this one struct. Coalescing, the thread cursor by audit id, pacing, Retry-After, FATAL
 * (dropped, or halting the transport), giving up, and cards per state. Real loop, real
 * workers, a temporary store; pacing is checked against a clock the tests step. */
#include "store_fixture.h"

#include <pthread.h>

#include "chat.h"
#include "log.h"
#include "loop.h"
#include "loop_fixture.h"

#define CALLS_MAX 128

/* ---- the recording transport ---- */

struct call {
	char op[8]; /* post | update | reply */
	char payload[256];
	char msg_id[256];
	int64_t incident_id;
	int64_t at_ms;
};

static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
static struct call calls[CALLS_MAX];
static int ncalls, nposted;
/* scripted answers, used in order by post/update/reply; past the end: OK */
static struct chat_result script[8];
static int nscript, script_next;
static char halted_why[300];

static char *
rec_card(const cJSON *view, int64_t now)
{
	(void)now;
	return xasprintf("card %s v%d", cJSON_GetStringValue(cJSON_GetObjectItem(view, "state")),
			 (int)cJSON_GetNumberValue(cJSON_GetObjectItem(view, "version")));
}

/* Rows go three to a message, so cursor and chunking are visible. */
static char *
rec_line(const cJSON *view, const cJSON *rows, size_t from, const char *note, size_t *next)
{
	size_t n = (size_t)cJSON_GetArraySize(rows), i;
	struct buf b;

	(void)view;
	*next = from;
	if (note)
		return xasprintf("note %s", note);
	buf_init(&b, 0);
	for (i = from; i < n && i < from + 3; i++)
		buf_printf(&b, "%s%d", b.len ? "," : "",
			   (int)cJSON_GetNumberValue(
			       cJSON_GetObjectItem(cJSON_GetArrayItem(rows, (int)i), "id")));
	*next = i;
	return buf_steal(&b);
}

static void
record(const char *op, const struct chat_dest *d, const char *payload, struct chat_result *res)
{
	pthread_mutex_lock(&mtx);
	if (script_next < nscript)
		*res = script[script_next++];
	else
		res->status = CHAT_OK;
	if (ncalls < CALLS_MAX) {
		struct call *c = &calls[ncalls++];
		snprintf(c->op, sizeof(c->op), "%s", op);
		snprintf(c->payload, sizeof(c->payload), "%s", payload);
		snprintf(c->msg_id, sizeof(c->msg_id), "%s", d->ref.msg_id);
		c->incident_id = d->incident_id;
		c->at_ms = mono_ms();
	}
	if (res->status == CHAT_OK && strcmp(op, "post") == 0)
		snprintf(res->msg_id, sizeof(res->msg_id), "m%d", ++nposted);
	pthread_mutex_unlock(&mtx);
}

static void
rec_post(const struct chat_dest *d, const char *card, struct chat_result *res)
{
	record("post", d, card, res);
}

static void
rec_update(const struct chat_dest *d, const char *card, struct chat_result *res)
{
	record("update", d, card, res);
}

static void
rec_reply(const struct chat_dest *d, const char *line, struct chat_result *res)
{
	record("reply", d, line, res);
}

static int
rec_target(struct chat_transport *t, struct chat_ref *ref)
{
	(void)t;
	snprintf(ref->channel, sizeof(ref->channel), "C-rec");
	return 0;
}

static void
rec_halted(struct chat_transport *t, const char *why)
{
	(void)t;
	snprintf(halted_why, sizeof(halted_why), "%s", why);
}

static struct chat_transport rec = {
    .name = "rec",
    .halted = rec_halted,
    .target = rec_target,
    .card = rec_card,
    .line = rec_line,
    .post = rec_post,
    .update = rec_update,
    .reply = rec_reply,
};
static struct chat_transport *const recs[] = {&rec};

/* ---- helpers ---- */

static int want_calls;

static void
check_calls(void *arg)
{
	int n;

	(void)arg;
	pthread_mutex_lock(&mtx);
	n = ncalls;
	pthread_mutex_unlock(&mtx);
	if (n >= want_calls)
		loop_stop();
	else
		loop_timer_add(5, check_calls, NULL);
}

static void
stop_cb(void *arg)
{
	(void)arg;
	loop_stop();
}

/* Runs the loop for ms: what is due happens, nothing else is awaited. */
static void
settle(int64_t ms)
{
	loop_timer_add(ms, stop_cb, NULL);
	run_loop(ms + 5000);
}

/* The pacing clock of the tests that step time: it moves only when they say. */
static int64_t fake_now = 1000000;

static int64_t
fake_clock(void)
{
	return fake_now;
}

/* A slow machine: the pacing clock moves on 60 ms at every reading, so a token can refill
 * between two checks of one drain pass. */
static int64_t
drifting_clock(void)
{
	return __atomic_add_fetch(&fake_now, 60, __ATOMIC_SEQ_CST);
}

/* Moves the pacing clock on, wakes the sender and lets the loop run what is now due. */
static void
clock_step(int64_t ms)
{
	fake_now += ms;
	chat_kick();
	settle(200);
}

/* Runs the loop until n calls were recorded, then a little longer to catch extra ones. */
static void
wait_calls(int n, int64_t limit_ms)
{
	want_calls = n;
	loop_timer_add(5, check_calls, NULL);
	run_loop(limit_ms);
	settle(150);
}

static void
notify(int64_t id, enum chat_kind kind, int times)
{
	assert_int_equal(store_begin(), STORE_OK);
	for (int i = 0; i < times; i++)
		assert_int_equal(chat_notify(id, kind), STORE_OK);
	assert_int_equal(store_commit(), STORE_OK);
	chat_kick();
}

static int
chat_setup(void **state)
{
	static const struct chat_limits none = {.timeline_rows = 0};

	if (setup(state) != 0)
		return -1;
	memset(calls, 0, sizeof(calls));
	ncalls = nposted = nscript = script_next = 0;
	halted_why[0] = '\0';
	rec.limits = none;
	rec.update = rec_update;
	return 0;
}

static int
chat_teardown(void **state)
{
	chat_stop();
	chat_pace_clock(NULL);
	settle(50); /* what the stop left posted runs now */
	return teardown(state);
}

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

/* ---- tests ---- */

/* Three changes committed together are one card of the latest state; the next change
 * updates that card. */
static void
test_card_coalesced_then_updated(void **state)
{
	int64_t id = new_incident("fp-1", "d-1");
	struct chat_ref r;

	(void)state;
	chat_start_with(recs, 1);
	notify(id, CHAT_CARD, 3);
	wait_calls(1, 3000);
	assert_int_equal(ncalls, 1);
	assert_string_equal(calls[0].op, "post");
	assert_string_equal(calls[0].payload, "card open v1");
	assert_int_equal(chat_ref_get("rec", id, &r), STORE_OK);
	assert_string_equal(r.channel, "C-rec");
	assert_string_equal(r.msg_id, "m1");
	assert_string_equal(r.last_state, "open");
	notify(id, CHAT_CARD, 1);
	wait_calls(2, 3000);
	assert_int_equal(ncalls, 2);
	assert_string_equal(calls[1].op, "update");
	assert_string_equal(calls[1].msg_id, "m1");
	assert_int_equal(raw_int("SELECT count(*) FROM outbox WHERE sent_at IS NULL"), 0);
}

/* 250 timeline rows, more than any view holds: every row reaches the thread once, in
 * order, and the cursor is the last audit id delivered. A reply that fails keeps the
 * cursor at the last one that went out. */
static void
test_thread_cursor_by_audit_id(void **state)
{
	int64_t id = new_incident("fp-2", "d-2"), last;
	struct chat_ref r;
	struct buf all;
	char want[8192];
	size_t wl = 0;

	(void)state;
	rec.limits.timeline_rows = 30;
	rec.limits.replies_per_item = 4; /* 12 rows per item: many items */
	assert_int_equal(store_begin(), STORE_OK);
	for (int i = 0; i < 250; i++)
		assert_int_equal(store_audit("healer", id, "alert.repeat", "fired again", NULL),
				 STORE_OK);
	assert_int_equal(store_commit(), STORE_OK);
	last = raw_int("SELECT max(id) FROM audit WHERE incident_id = 1");
	assert_int_equal(raw_int("SELECT count(*) FROM audit WHERE incident_id = 1"), 250);
	/* the 2nd reply fails once: the item is retried soon (the card updated again), rows
	 * already delivered are not repeated */
	nscript = 3;
	script[2] = (struct chat_result){.status = CHAT_RETRY_AFTER, .retry_ms = 10};
	rec.limits.backoff_base_ms = 10;
	chat_start_with(recs, 1);
	notify(id, CHAT_CARD, 1);
	/* the card, 250 rows by three, the failed reply and the card's update on the retry */
	wait_calls(1 + 84 + 1 + 1, 20000);
	assert_int_equal(ncalls, 87);
	buf_init(&all, 0);
	for (int i = 0; i < ncalls; i++)
		if (strcmp(calls[i].op, "reply") == 0 && i != 2) /* calls[2] failed */
			buf_printf(&all, "%s%s", all.len ? "," : "", calls[i].payload);
	for (int64_t a = last - 249; a <= last; a++)
		wl += (size_t)snprintf(want + wl, sizeof(want) - wl, "%s%lld", wl ? "," : "",
				       (long long)a);
	assert_string_equal(all.data, want);
	buf_free(&all);
	assert_int_equal(chat_ref_get("rec", id, &r), STORE_OK);
	assert_int_equal(r.last_audit_id, last);
	assert_string_equal(calls[3].op, "update");
	assert_string_equal(calls[2].payload, calls[4].payload); /* the retry resent it */
}

/* A note goes into the thread as its own message, after the card. */
static void
test_note(void **state)
{
	int64_t id = new_incident("fp-n", "d-n");

	(void)state;
	chat_start_with(recs, 1);
	assert_int_equal(store_begin(), STORE_OK);
	assert_int_equal(chat_notify_note(id, "similar: INC-3"), STORE_OK);
	assert_int_equal(store_commit(), STORE_OK);
	chat_kick();
	wait_calls(2, 3000);
	assert_int_equal(ncalls, 2);
	assert_string_equal(calls[0].op, "post"); /* no card yet: the thread needs one */
	assert_string_equal(calls[1].op, "reply");
	assert_string_equal(calls[1].payload, "note similar: INC-3");
	assert_string_equal(calls[1].msg_id, "m1");
}

/* Posts draw from the bucket: a burst of two, then one every 200 ms. */
static void
test_pacing(void **state)
{
	int64_t ids[5];

	(void)state;
	rec.limits.burst = 2;
	rec.limits.per_s = 5;
	for (int i = 0; i < 5; i++) {
		char fp[16];
		snprintf(fp, sizeof(fp), "fp-p%d", i);
		ids[i] = new_incident(fp, fp);
	}
	chat_pace_clock(fake_clock);
	chat_start_with(recs, 1);
	assert_int_equal(store_begin(), STORE_OK);
	for (int i = 0; i < 5; i++)
		assert_int_equal(chat_notify(ids[i], CHAT_CARD), STORE_OK);
	assert_int_equal(store_commit(), STORE_OK);
	chat_kick();
	/* the burst, then nothing while the clock stands still, however long that is */
	wait_calls(2, 10000);
	settle(300);
	assert_int_equal(ncalls, 2);
	/* 5/s: 150 ms is less than a token, 210 ms one, 400 ms more two more */
	clock_step(150);
	assert_int_equal(ncalls, 2);
	clock_step(60);
	wait_calls(3, 10000);
	assert_int_equal(ncalls, 3);
	clock_step(400);
	wait_calls(5, 10000);
	assert_int_equal(ncalls, 5);
	for (int i = 0; i < 5; i++)
		assert_string_equal(calls[i].op, "post");
	assert_int_equal(raw_int("SELECT count(*) FROM outbox WHERE sent_at IS NULL"), 0);
	/* pacing is not a failure: no attempt counted */
	assert_int_equal(raw_int("SELECT max(attempts) FROM outbox"), 0);
}

/* Cards go out in the order their incidents queued them, even when a token refills between
 * the check that passed one over and the check of the next. */
static void
test_pacing_keeps_order(void **state)
{
	int64_t ids[6];

	(void)state;
	rec.limits.burst = 1;
	rec.limits.per_s = 5;
	for (int i = 0; i < 6; i++) {
		char fp[16];
		snprintf(fp, sizeof(fp), "fp-k%d", i);
		ids[i] = new_incident(fp, fp);
	}
	chat_pace_clock(drifting_clock);
	chat_start_with(recs, 1);
	assert_int_equal(store_begin(), STORE_OK);
	for (int i = 0; i < 6; i++)
		assert_int_equal(chat_notify(ids[i], CHAT_CARD), STORE_OK);
	assert_int_equal(store_commit(), STORE_OK);
	chat_kick();
	wait_calls(6, 20000);
	for (int i = 0; i < 6; i++) {
		assert_string_equal(calls[i].op, "post");
		assert_int_equal(calls[i].incident_id, ids[i]);
	}
}

/* Sliding windows count every request, updates too when asked. */
static void
test_window_pacing(void **state)
{
	int64_t id = new_incident("fp-w", "d-w");

	(void)state;
	rec.limits.windows[0].window_ms = 400;
	rec.limits.windows[0].max = 1;
	rec.limits.pace_updates = true;
	chat_pace_clock(fake_clock);
	chat_start_with(recs, 1);
	notify(id, CHAT_CARD, 1);
	wait_calls(1, 3000);
	notify(id, CHAT_CARD, 1);
	settle(300);
	assert_int_equal(ncalls, 1); /* the window is full while the clock stands still */
	clock_step(399);
	assert_int_equal(ncalls, 1);
	clock_step(1); /* the first request has left the window */
	wait_calls(2, 3000);
	assert_int_equal(ncalls, 2);
	assert_string_equal(calls[1].op, "update");
}

/* A Retry-After holds the item (and, paused, the whole surface) for that long. */
static void
test_retry_after(void **state)
{
	int64_t id = new_incident("fp-r", "d-r");

	(void)state;
	nscript = 1;
	script[0] = (struct chat_result){
	    .status = CHAT_RETRY_AFTER, .retry_ms = 500, .pause = true, .reason = "429"};
	chat_start_with(recs, 1);
	notify(id, CHAT_CARD, 1);
	wait_calls(2, 5000);
	assert_int_equal(ncalls, 2);
	assert_string_equal(calls[0].op, "post");
	assert_string_equal(calls[1].op, "post");
	assert_true(calls[1].at_ms - calls[0].at_ms >= 480);
	assert_int_equal(raw_int("SELECT attempts FROM outbox"), 1);
	assert_int_equal(raw_int("SELECT sent_at IS NOT NULL FROM outbox"), 1);
}

/* FATAL drops the item and nothing is retried; the next change tries afresh. */
static void
test_fatal_dropped(void **state)
{
	int64_t id = new_incident("fp-f", "d-f");
	struct chat_ref r;

	(void)state;
	nscript = 1;
	script[0] = (struct chat_result){.status = CHAT_FATAL, .reason = "invalid_blocks"};
	chat_start_with(recs, 1);
	notify(id, CHAT_CARD, 1);
	wait_calls(1, 3000);
	assert_int_equal(ncalls, 1);
	assert_int_equal(raw_int("SELECT sent_at IS NOT NULL FROM outbox"), 1);
	assert_int_equal(chat_ref_get("rec", id, &r), STORE_NOTFOUND);
	notify(id, CHAT_CARD, 1);
	wait_calls(2, 3000);
	assert_string_equal(calls[1].op, "post");
}

/* FATAL with halt stops the transport: the item stays for the next start. */
static void
test_fatal_halts(void **state)
{
	int64_t id = new_incident("fp-h", "d-h");

	(void)state;
	nscript = 1;
	script[0] = (struct chat_result){
	    .status = CHAT_FATAL, .halt = true, .reason = "token_revoked: fix the token"};
	chat_start_with(recs, 1);
	notify(id, CHAT_CARD, 1);
	wait_calls(1, 3000);
	notify(id, CHAT_CARD, 1);
	settle(300); /* nothing comes */
	assert_int_equal(ncalls, 1);
	assert_string_equal(halted_why, "token_revoked: fix the token");
	assert_int_equal(raw_int("SELECT count(*) FROM outbox WHERE sent_at IS NULL"), 2);
}

/* After max_attempts failures the item is given up. */
static void
test_gives_up(void **state)
{
	int64_t id = new_incident("fp-g", "d-g");

	(void)state;
	rec.limits.max_attempts = 2;
	rec.limits.backoff_base_ms = 10;
	nscript = 3;
	for (int i = 0; i < 3; i++)
		script[i] = (struct chat_result){.status = CHAT_RETRY_AFTER, .reason = "503"};
	chat_start_with(recs, 1);
	notify(id, CHAT_CARD, 1);
	settle(1000);
	assert_int_equal(ncalls, 2);
	assert_int_equal(raw_int("SELECT sent_at IS NOT NULL FROM outbox"), 1);
	assert_int_equal(raw_int("SELECT attempts FROM outbox"), 1);
}

/* A surface that cannot update (a webhook) posts a card once per state. */
static void
test_post_per_state(void **state)
{
	int64_t id = new_incident("fp-s", "d-s");

	(void)state;
	rec.update = NULL;
	rec.limits.post_per_state = true;
	chat_start_with(recs, 1);
	notify(id, CHAT_CARD, 1);
	wait_calls(1, 3000);
	notify(id, CHAT_CARD, 1);
	settle(300);
	assert_int_equal(ncalls, 1);
	assert_int_equal(store_incident_cas(id, "open", "acknowledged"), STORE_OK);
	notify(id, CHAT_CARD, 1);
	wait_calls(2, 3000);
	assert_int_equal(ncalls, 2);
	assert_string_equal(calls[1].op, "post");
	assert_string_equal(calls[1].payload, "card acknowledged v2");
}

static void
test_backoff(void **state)
{
	struct chat_limits l = {.backoff_base_ms = 1000, .backoff_max_ms = 60000};

	(void)state;
	assert_int_equal(chat_backoff_ms(&l, 0, 0, 0), 1000);
	assert_int_equal(chat_backoff_ms(&l, 3, 0, 0), 8000);
	assert_int_equal(chat_backoff_ms(&l, 30, 0, 0), 60000);
	assert_int_equal(chat_backoff_ms(&l, 0, 30000, 0), 30000); /* a floor wins */
	assert_true(chat_backoff_ms(&l, 0, 0, 249) <= 1250);	   /* jitter ≤ a quarter */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_card_coalesced_then_updated, chat_setup,
					    chat_teardown),
	    cmocka_unit_test_setup_teardown(test_thread_cursor_by_audit_id, chat_setup,
					    chat_teardown),
	    cmocka_unit_test_setup_teardown(test_note, chat_setup, chat_teardown),
	    cmocka_unit_test_setup_teardown(test_pacing, chat_setup, chat_teardown),
	    cmocka_unit_test_setup_teardown(test_window_pacing, chat_setup, chat_teardown),
	    cmocka_unit_test_setup_teardown(test_pacing_keeps_order, chat_setup, chat_teardown),
	    cmocka_unit_test_setup_teardown(test_retry_after, chat_setup, chat_teardown),
	    cmocka_unit_test_setup_teardown(test_fatal_dropped, chat_setup, chat_teardown),
	    cmocka_unit_test_setup_teardown(test_fatal_halts, chat_setup, chat_teardown),
	    cmocka_unit_test_setup_teardown(test_gives_up, chat_setup, chat_teardown),
	    cmocka_unit_test_setup_teardown(test_post_per_state, chat_setup, chat_teardown),
	    cmocka_unit_test(test_backoff),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
