/* chat_send.c — the delivery engine shared by every transport: picks outbox rows, renders
 * the card and the thread from the store on the loop thread, runs the transport's calls on
 * a worker, records card, cursor and outcome back on the loop, paces and retries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "engine.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "store.h"
#include "util.h"

#define POLL_MS (30 * 1000) /* picks up retries that came due and rows from before a restart */
#define SENT_RING 64	    /* recent counted requests, for the sliding windows */

struct chat_sender {
	struct chat_transport *t;
	bool busy, drain_posted, stopped;
	bool freed; /* chat_sender_free came while a job or a drain was pending */
	uint64_t wake_timer, poll_timer;
	int64_t wake_at;
	int64_t paused_until; /* epoch ms: the surface asked us to wait */
	double tokens;
	int64_t tokens_at; /* mono ms of the last refill */
	int64_t sent_at[SENT_RING];
	size_t sent_next;
	/* this drain pass passed an item over for lack of budget: what comes after it waits
	 * too, even if a token refills meanwhile, so that the queue keeps its order */
	bool pass_short;
	int64_t pass_until; /* pace clock: when the item passed over may go */
};

struct job {
	struct chat_sender *s;
	struct outbox_item it;
	struct chat_dest dest;
	char state[24];
	char *card; /* NULL = no card call */
	bool post;  /* the card goes out as a new message */
	char *lines[CHAT_REPLIES_MAX];
	int64_t line_audit[CHAT_REPLIES_MAX]; /* last audit id in each line; 0 = a note */
	int nlines;
	bool more; /* timeline rows left for a later item */
	/* filled by the worker */
	bool card_sent;
	int sent;
	struct chat_result res;
	int64_t picked_ms;
};

static void drain(struct chat_sender *s);

static void
count(struct chat_sender *s, const char *result)
{
	char labels[48];

	if (s->t->limits.metric == NULL)
		return;
	snprintf(labels, sizeof(labels), "result=\"%s\"", result);
	metrics_inc(s->t->limits.metric, "chat outbox sends", labels);
}

/* ---- pacing: a token bucket for new messages and sliding windows for every request ---- */

static int64_t (*pace_clock)(void) = mono_ms;

void
chat_pace_clock(int64_t (*clock_ms)(void))
{
	pace_clock = clock_ms != NULL ? clock_ms : mono_ms;
}

static void
tokens_refill(struct chat_sender *s)
{
	const struct chat_limits *l = &s->t->limits;
	int64_t now = pace_clock();

	if (s->tokens_at != 0)
		s->tokens += (double)(now - s->tokens_at) / 1000.0 * l->per_s;
	if (s->tokens > l->burst)
		s->tokens = l->burst;
	s->tokens_at = now;
}

/* How long until n more requests fit: 0 = now. */
static int64_t
pace_wait(struct chat_sender *s, int n_new, int n_counted)
{
	const struct chat_limits *l = &s->t->limits;
	int64_t now = pace_clock(), wait = 0;

	if (s->pass_short && (n_new > 0 || n_counted > 0))
		return s->pass_until > now ? s->pass_until - now : 1;
	if (l->per_s > 0 && n_new > 0) {
		tokens_refill(s);
		if (s->tokens < n_new)
			wait = (int64_t)(((double)n_new - s->tokens) / l->per_s * 1000) + 1;
	}
	for (size_t w = 0; w < CHAT_WINDOWS_MAX && l->windows[w].max > 0 && n_counted > 0; w++) {
		/* the (max - n + 1)-th most recent request must have left the window */
		int k = l->windows[w].max - n_counted;
		if (k < 0 || k >= SENT_RING)
			continue;
		int64_t t = s->sent_at[(s->sent_next + SENT_RING - 1 - (size_t)k) % SENT_RING];
		if (t > 0 && now - t < l->windows[w].window_ms &&
		    l->windows[w].window_ms - (now - t) > wait)
			wait = l->windows[w].window_ms - (now - t);
	}
	return wait;
}

static void
pace_note(struct chat_sender *s, int n_new, int n_counted)
{
	int64_t now = pace_clock();

	if (s->t->limits.per_s > 0)
		s->tokens -= n_new;
	while (n_counted-- > 0) {
		s->sent_at[s->sent_next] = now;
		s->sent_next = (s->sent_next + 1) % SENT_RING;
	}
}

/* ---- timers ---- */

static void
wake_fire(void *arg)
{
	struct chat_sender *s = arg;

	s->wake_timer = 0;
	drain(s);
}

static void
wake_at(struct chat_sender *s, int64_t at)
{
	int64_t now = now_ms();

	if (s->stopped || (s->wake_timer != 0 && s->wake_at <= at))
		return;
	loop_timer_cancel(s->wake_timer);
	s->wake_at = at;
	s->wake_timer = loop_timer_add(at > now ? at - now : 0, wake_fire, s);
}

static void
poll_fire(void *arg)
{
	struct chat_sender *s = arg;

	s->poll_timer = loop_timer_add(POLL_MS, poll_fire, s);
	drain(s);
}

int64_t
chat_backoff_ms(const struct chat_limits *l, int attempts, int64_t floor_ms, uint32_t r)
{
	int64_t base = l->backoff_base_ms > 0 ? l->backoff_base_ms : 1000;
	int64_t max = l->backoff_max_ms > 0 ? l->backoff_max_ms : 60000;
	int64_t d = base << (attempts < 16 ? attempts : 16);

	if (d > max)
		d = max;
	if (floor_ms > d)
		d = floor_ms;
	/* jitter, so a burst of items does not come back in lockstep */
	return d + (int64_t)(r % (uint32_t)(d / 4 + 1));
}

/* ---- the worker ---- */

static void
job_work(void *arg)
{
	struct job *j = arg;
	const struct chat_transport *t = j->s->t;

	memset(&j->res, 0, sizeof(j->res));
	if (j->card) {
		if (j->post)
			t->post(&j->dest, j->card, &j->res);
		else
			t->update(&j->dest, j->card, &j->res);
		if (j->res.status != CHAT_OK)
			return;
		j->card_sent = true;
		if (j->res.msg_id[0]) /* posted, or posted anew because the old one was gone */
			snprintf(j->dest.ref.msg_id, sizeof(j->dest.ref.msg_id), "%s",
				 j->res.msg_id);
	}
	for (int i = 0; i < j->nlines; i++) {
		if (t->update && j->dest.ref.msg_id[0] == '\0')
			return; /* no card to reply under */
		memset(&j->res, 0, sizeof(j->res));
		t->reply(&j->dest, j->lines[i], &j->res);
		if (j->res.status != CHAT_OK)
			return;
		j->sent++;
	}
}

/* ---- the loop ---- */

static void
job_free(struct job *j)
{
	outbox_item_free(&j->it);
	free(j->card);
	for (int i = 0; i < j->nlines; i++)
		free(j->lines[i]);
	free(j);
}

/* The view with, for each similar incident, its card on this transport. */
static cJSON *
view_for(struct chat_sender *s, int64_t id)
{
	cJSON *view = engine_incident_view(id), *it;
	struct chat_ref r;

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(view, "similar"))
	{
		int64_t sid = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(it, "id"));
		if (store_chatref_get(sid, s->t->name, &r) == 0 && r.msg_id[0]) {
			cJSON_AddStringToObject(it, "card_channel", r.channel);
			cJSON_AddStringToObject(it, "card_msg_id", r.msg_id);
		}
	}
	return view;
}

/* The thread: rows after the cursor, as few messages as fit, within the budget. */
static void
job_lines(struct job *j, const cJSON *view, int budget)
{
	const struct chat_limits *l = &j->s->t->limits;
	int max = l->replies_per_item < CHAT_REPLIES_MAX ? l->replies_per_item : CHAT_REPLIES_MAX;
	cJSON *rows = NULL;
	size_t from = 0, next, n;
	char *line;

	if (l->timeline_rows <= 0 || j->s->t->line == NULL || j->s->t->reply == NULL ||
	    store_chat_timeline(j->it.incident_id, j->dest.ref.last_audit_id, l->timeline_rows,
				&rows) != 0)
		return;
	n = (size_t)cJSON_GetArraySize(rows);
	while (from < n) {
		if (j->nlines >= max || budget < 1) {
			j->more = true;
			break;
		}
		if ((line = j->s->t->line(view, rows, from, NULL, &next)) == NULL || next <= from) {
			free(line);
			break;
		}
		j->line_audit[j->nlines] = (int64_t)cJSON_GetNumberValue(
		    cJSON_GetObjectItem(cJSON_GetArrayItem(rows, (int)next - 1), "id"));
		j->lines[j->nlines++] = line;
		budget--;
		from = next;
	}
	/* a full read may hide more rows behind it */
	if (n == (size_t)l->timeline_rows && from == n)
		j->more = true;
	cJSON_Delete(rows);
}

/* Fills j for its item. Returns 0 to send, 1 when there is nothing to send, 2 to wait
 * (*wait_ms) for the surface's limits, 3 to hold the item until *wait_ms (epoch ms) for a
 * later change to fold into it. */
static int
job_build(struct job *j, int64_t *wait_ms)
{
	struct chat_sender *s = j->s;
	const struct chat_transport *t = s->t;
	const struct chat_limits *l = &t->limits;
	const char *kind = j->it.kind;
	const char *note = cJSON_GetStringValue(cJSON_GetObjectItem(j->it.payload, "text"));
	bool card_kind = strcmp(kind, "card") == 0;
	struct chat_conv conv;
	cJSON *view;
	int rc = 1, budget, n_new, n_counted;
	int64_t hold;
	size_t next;
	char *line;

	if (!card_kind && strcmp(kind, "thread") != 0) {
		log_warnx("%s: outbox item of unknown kind %s dropped", t->name, kind);
		return 1;
	}
	j->dest.incident_id = j->it.incident_id;
	store_chatref_get(j->it.incident_id, t->name, &j->dest.ref);
	/* behind a card passed over for budget, a new card waits too: known without building
	 * the view, so a long queue under pacing costs a lookup per item, not a render */
	if (s->pass_short && card_kind && (j->dest.ref.msg_id[0] == '\0' || t->update == NULL)) {
		*wait_ms = pace_wait(s, 1, 1);
		return 2;
	}
	if ((view = view_for(s, j->it.incident_id)) == NULL)
		return 1;
	snprintf(j->state, sizeof(j->state), "%s",
		 cJSON_GetStringValue(cJSON_GetObjectItem(view, "state")) ?: "");
	if (j->dest.ref.channel[0] == '\0' && t->target && t->target(s->t, &j->dest.ref) != 0) {
		count(s, "no_conversation"); /* the transport said where to fix it */
		goto out;
	}
	if (chat_conv_get(t->name, j->dest.ref.channel, &conv) == 0)
		snprintf(j->dest.conv_type, sizeof(j->dest.conv_type), "%s", conv.type);
	/* a card: for a card item, and before a thread that has no card to hang from yet */
	bool want_card = card_kind || (t->update && j->dest.ref.msg_id[0] == '\0');
	if (want_card && l->post_per_state && strcmp(j->state, j->dest.ref.last_state) == 0)
		want_card = false; /* that state was posted already */
	if (want_card && card_kind && t->hold_ms && (hold = t->hold_ms(view, &j->dest.ref)) > 0 &&
	    j->it.created_at + hold > now_ms()) {
		*wait_ms = j->it.created_at + hold;
		rc = 3;
		goto out;
	}
	j->post = t->update == NULL || j->dest.ref.msg_id[0] == '\0';
	/* a new card and the note must fit now; the thread takes what budget is left */
	n_new = (want_card && j->post) + (note != NULL);
	n_counted = (want_card && (j->post || l->pace_updates)) + (note != NULL);
	if ((want_card || note) && (*wait_ms = pace_wait(s, n_new, n_counted)) > 0) {
		rc = 2;
		goto out;
	}
	if (want_card)
		j->card = t->card(view, now_ms());
	if (note && t->line && t->reply && (line = t->line(view, NULL, 0, note, &next)) != NULL)
		j->lines[j->nlines++] = line;
	for (budget = 0; budget < CHAT_REPLIES_MAX &&
			 pace_wait(s, n_new + budget + 1, n_counted + budget + 1) == 0;
	     budget++)
		;
	job_lines(j, view, budget);
	if (j->card == NULL && j->nlines == 0 && j->more) {
		/* a thread with no budget left: wait rather than spin */
		*wait_ms = pace_wait(s, 1, 1);
		j->more = false;
		rc = 2;
		goto out;
	}
	rc = j->card || j->nlines ? 0 : 1;
	if (rc == 0)
		pace_note(s, (j->card && j->post) + j->nlines,
			  (j->card && (j->post || l->pace_updates)) + j->nlines);
out:
	cJSON_Delete(view);
	return rc;
}

static void
record(struct job *j)
{
	struct chat_ref *r = &j->dest.ref;
	int64_t id = j->it.incident_id;
	bool changed = j->card_sent;

	if (j->card_sent)
		snprintf(r->last_state, sizeof(r->last_state), "%s", j->state);
	for (int i = j->sent; i-- > 0;)
		if (j->line_audit[i] > 0) {
			r->last_audit_id = j->line_audit[i];
			changed = true;
			break;
		}
	/* a message id we got is kept even when the thread then failed: the retry updates
	 * this card rather than posting a second one */
	if (changed && store_chatref_set(id, j->s->t->name, r) != 0)
		log_warnx("%s: INC-%lld: card delivered but its reference not stored",
			  j->s->t->name, (long long)id);
}

static void
job_done(void *arg, enum work_status status)
{
	struct job *j = arg;
	struct chat_sender *s = j->s;
	const struct chat_transport *t = s->t;
	const struct chat_result *res = &j->res;
	int64_t id = j->it.incident_id, d;

	s->busy = false;
	/* cancelled at shutdown: the row stays in the outbox for the next start */
	if (s->freed || status == WORK_CANCELLED) {
		job_free(j);
		if (s->freed)
			chat_sender_free(s);
		return;
	}
	log_debug("%s: INC-%lld %s: card %s, %d thread message(s), %s in %lld ms", t->name,
		  (long long)id, j->it.kind, j->card_sent ? (j->post ? "posted" : "updated") : "-",
		  j->sent, res->status == CHAT_OK ? "ok" : res->reason,
		  (long long)(mono_ms() - j->picked_ms));
	record(j);
	if (res->status == CHAT_OK) {
		store_outbox_done(&j->it);
		count(s, "ok");
		if (j->more && store_outbox_add(t->name, id, "thread", NULL) != 0)
			log_warnx("%s: INC-%lld: could not queue the rest of the thread", t->name,
				  (long long)id);
	} else if (res->status == CHAT_FATAL && res->halt) {
		store_outbox_retry(&j->it, now_ms(), res->reason); /* kept for the next start */
		s->stopped = true;
		if (t->halted)
			t->halted(s->t, res->reason);
		else
			log_errorx("%s: adapter stopped: %s", t->name, res->reason);
	} else if (res->status == CHAT_FATAL) {
		log_errorx("%s: %s for INC-%lld refused: %s; not retrying", t->name, res->op,
			   (long long)id, res->reason);
		store_outbox_done(&j->it);
		count(s, "failed");
	} else if (t->limits.max_attempts > 0 && j->it.attempts + 1 >= t->limits.max_attempts) {
		log_warnx("%s: giving up on INC-%lld after %d attempts: %s", t->name, (long long)id,
			  j->it.attempts + 1, res->reason);
		store_outbox_done(&j->it);
		count(s, "dropped");
	} else {
		d = chat_backoff_ms(&t->limits, j->it.attempts, res->retry_ms, (uint32_t)random());
		log_warnx("%s: %s for INC-%lld in %s failed: %s; retrying in %lld s", t->name,
			  res->op, (long long)id, j->dest.ref.channel, res->reason,
			  (long long)((d + 500) / 1000));
		store_outbox_retry(&j->it, now_ms() + d, res->reason);
		count(s, "retry");
		/* a throttled surface throttles every card: everything waits */
		if (res->pause)
			s->paused_until = now_ms() + d;
		wake_at(s, now_ms() + d);
	}
	job_free(j);
	chat_sender_kick(s);
}

static void
drain(struct chat_sender *s)
{
	struct job *j;
	int64_t wait_ms = 0, now, from_id = 0, at;
	bool passed = false;
	int rc;

	s->pass_short = false;
	while (!s->busy && !s->stopped) {
		if ((now = now_ms()) < s->paused_until) {
			wake_at(s, s->paused_until);
			return;
		}
		if (s->t->blocked_until && (at = s->t->blocked_until(s->t)) > now) {
			wake_at(s, at);
			return;
		}
		j = xcalloc(1, sizeof(*j));
		j->s = s;
		if (store_outbox_next_from(s->t->name, now, from_id, &j->it) != 0) {
			free(j);
			/* a timer may fire a little early: whatever is pending next wakes us.
			 * Items passed over for pacing have their own wake-up, but a later one
			 * may have been merged into since: pending items not yet due wake us
			 * too, so the queue never strands */
			if (store_outbox_due_at(s->t->name, &at) == 0 && (!passed || at > now))
				wake_at(s, at > now ? at : now + 1);
			return;
		}
		if ((rc = job_build(j, &wait_ms)) == 1) {
			store_outbox_done(&j->it);
			job_free(j);
			continue;
		}
		if (rc == 3) {
			/* held, not passed over: what comes after it may go first */
			if (store_outbox_defer(&j->it, wait_ms) != 0)
				log_warnx("%s: INC-%lld: could not hold a card", s->t->name,
					  (long long)j->it.incident_id);
			from_id = j->it.id + 1;
			wake_at(s, wait_ms);
			job_free(j);
			continue;
		}
		if (rc == 2) {
			/* out of budget: it keeps its place (pacing is not a failure) and what
			 * is queued behind it, updates that need no budget, goes on */
			from_id = j->it.id + 1;
			if (!s->pass_short)
				s->pass_until = pace_clock() + wait_ms;
			passed = s->pass_short = true;
			wake_at(s, now + wait_ms);
			job_free(j);
			if (s->t->limits.pace_updates)
				return; /* every request counts: nothing behind it can go either */
			continue;
		}
		s->busy = true;
		j->picked_ms = mono_ms();
		work_submit(WORK_IO, job_work, job_done, j);
	}
}

static void
drain_posted(void *arg)
{
	struct chat_sender *s = arg;

	s->drain_posted = false;
	if (s->freed)
		chat_sender_free(s);
	else
		drain(s);
}

struct chat_sender *
chat_sender_new(struct chat_transport *t)
{
	struct chat_sender *s = xcalloc(1, sizeof(*s));

	s->t = t;
	s->tokens = t->limits.burst;
	s->poll_timer = loop_timer_add(POLL_MS, poll_fire, s);
	return s;
}

void
chat_sender_kick(struct chat_sender *s)
{
	if (s && !s->drain_posted && !s->stopped) {
		s->drain_posted = true;
		loop_post(drain_posted, s);
	}
}

void
chat_sender_stop(struct chat_sender *s)
{
	s->stopped = true;
	loop_timer_cancel(s->wake_timer);
	loop_timer_cancel(s->poll_timer);
	s->wake_timer = s->poll_timer = 0;
}

void
chat_sender_free(struct chat_sender *s)
{
	/* a drain already posted, or a job in flight, still points here: the last of them
	 * frees it */
	if (s == NULL)
		return;
	s->freed = true;
	s->stopped = true;
	if (!s->busy && !s->drain_posted)
		free(s);
}
