/* loop.c — the lws context and its service thread, timers, the post queue, worker pools. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "config.h"
#include "http_server.h"
#include "log.h"
#include "loop.h"
#include "util.h"

#define TIMER_BUCKETS 256
#define CLIENT_PROTOCOLS_MAX 8
#define POOL_THREADS_MAX 16
#define FETCH_THREADS_DEFAULT 4

/* A one-shot timer; the sul is embedded so lws needs no allocation of its own. */
struct timer {
	lws_sorted_usec_list_t sul;
	uint64_t id;
	loop_fn fn;
	void *arg;
	struct timer *next; /* bucket chain */
};

struct post {
	struct post *next;
	loop_fn fn;
	loop_fn cancel; /* at shutdown, for a post never run (a job's result); may be NULL */
	void *arg;
};

struct job {
	struct job *next;
	loop_fn work;
	work_done_fn done;
	void *arg;
};

struct pool {
	const char *name;
	int nthreads;
	int started;
	bool inited; /* mu and cv are initialised */
	pthread_t threads[POOL_THREADS_MAX];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *head, *tail;
	bool quit;
};

static void post_add(loop_fn fn, loop_fn cancel, void *arg);
static void job_deliver(void *arg);
static void job_cancel(void *arg);

static struct lws_context *ctx;
static struct lws_vhost *client_vh;
static char *ca_file;

/* Read from signal handlers: a lock-free atomic flag is all they touch besides the pipe. */
static atomic_bool stop_flag;
static bool stop_consumed;
static pthread_t loop_thread;

static struct timer *timers[TIMER_BUCKETS];
static uint64_t timer_next_id;

static pthread_mutex_t post_mu = PTHREAD_MUTEX_INITIALIZER;
static struct post *post_head, *post_tail;
static bool post_open;

static struct pool pools[WORK__COUNT] = {
    [WORK_IO] = {.name = "io", .nthreads = 2},
    [WORK_EXEC] = {.name = "exec", .nthreads = 4},
    [WORK_FETCH] = {.name = "fetch", .nthreads = FETCH_THREADS_DEFAULT},
};

static int loop_callback(struct lws *, enum lws_callback_reasons, void *, void *, size_t);

/* Slot 0 is the loop's own protocol: it receives EVENT_WAIT_CANCELLED once per wake. */
static struct lws_protocols client_protocols[CLIENT_PROTOCOLS_MAX + 2] = {
    {"healer-loop", loop_callback, 0, 0, 0, NULL, 0},
};
static int client_protocols_n = 1;

/* lws lines end in '\n' and arrive on the loop thread; route them into our log. */
static void
loop_lws_emit(int level, const char *line)
{
	size_t n = strlen(line);

	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	if (level & LLL_ERR)
		log_errorx("lws: %.*s", (int)n, line);
	else if (level & LLL_WARN)
		log_warnx("lws: %.*s", (int)n, line);
	else
		log_info("lws: %.*s", (int)n, line);
}

/* Runs every fn posted so far. Later posts wake the loop again, so one swap suffices and a
 * fn that posts itself cannot starve the sockets. */
static void
post_drain(void)
{
	struct post *p, *next;

	pthread_mutex_lock(&post_mu);
	p = post_head;
	post_head = post_tail = NULL;
	pthread_mutex_unlock(&post_mu);

	for (; p != NULL; p = next) {
		loop_fn fn = p->fn;
		void *arg = p->arg;

		next = p->next;
		free(p);
		fn(arg);
	}
}

static int
loop_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	if (reason == LWS_CALLBACK_EVENT_WAIT_CANCELLED) {
		post_drain();
		return 0;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

int
loop_client_protocol_add(const struct lws_protocols *p)
{
	if (ctx != NULL || client_protocols_n >= CLIENT_PROTOCOLS_MAX + 1) {
		log_errorx("loop: client protocol %s added too late or table full", p->name);
		return -1;
	}
	client_protocols[client_protocols_n++] = *p;
	return 0;
}

static void *
worker_main(void *p)
{
	struct pool *pool = p;
	struct job *job;

	for (;;) {
		pthread_mutex_lock(&pool->mu);
		while (pool->head == NULL && !pool->quit)
			pthread_cond_wait(&pool->cv, &pool->mu);
		if (pool->quit) {
			pthread_mutex_unlock(&pool->mu);
			break;
		}
		job = pool->head;
		pool->head = job->next;
		if (pool->head == NULL)
			pool->tail = NULL;
		pthread_mutex_unlock(&pool->mu);

		job->work(job->arg);
		if (job->done != NULL)
			post_add(job_deliver, job_cancel, job); /* owned by the post queue now */
		else
			free(job);
	}
	return NULL;
}

static int
pool_start(struct pool *pool)
{
	char name[32];
	int i, rc;

	pthread_mutex_init(&pool->mu, NULL);
	pthread_cond_init(&pool->cv, NULL);
	pool->inited = true;
	pool->quit = false;
	pool->head = pool->tail = NULL;
	for (i = 0; i < pool->nthreads; i++) {
		rc = pthread_create(&pool->threads[i], NULL, worker_main, pool);
		if (rc != 0) {
			errno = rc;
			log_warn("loop: starting %s worker", pool->name);
			return -1;
		}
		snprintf(name, sizeof(name), "healer-%s-%d", pool->name, i);
		name[15] = '\0'; /* the kernel's limit for thread names */
		pthread_setname_np(pool->threads[i], name);
		pool->started++;
	}
	return 0;
}

/* Jobs not yet started are cancelled (their done runs with WORK_CANCELLED once the workers
 * are joined); running ones finish and their results are cancelled by loop_shutdown. */
static void
pool_stop(struct pool *pool)
{
	struct job *job, *next, *dropped_jobs;
	int i, dropped = 0;

	if (!pool->inited)
		return;
	pthread_mutex_lock(&pool->mu);
	pool->quit = true;
	dropped_jobs = pool->head;
	for (job = pool->head; job != NULL; job = job->next)
		dropped++;
	pool->head = pool->tail = NULL;
	pthread_cond_broadcast(&pool->cv);
	pthread_mutex_unlock(&pool->mu);

	for (i = 0; i < pool->started; i++)
		pthread_join(pool->threads[i], NULL);
	pthread_mutex_destroy(&pool->mu);
	pthread_cond_destroy(&pool->cv);
	pool->inited = false;
	pool->started = 0;
	for (job = dropped_jobs; job != NULL; job = next) {
		next = job->next;
		job_cancel(job);
	}
	if (dropped > 0)
		log_warnx("loop: %d queued %s job(s) dropped at shutdown", dropped, pool->name);
}

int
loop_init(void)
{
	struct lws_context_creation_info info;
	const char *ca;
	int i;

	if (ctx != NULL)
		fatalx("loop_init called twice");
	lws_set_log_level(LLL_USER | LLL_ERR | LLL_WARN, loop_lws_emit);

	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT | LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.gid = -1;
	info.uid = -1;
	/* Context-wide in 4.1.6; Teams sends Authorization headers far above the 4 KB default.
	 * Room beyond HTTP_MAX_HEADERS lets the server answer 431 instead of lws dropping. */
	info.max_http_header_data2 = HTTP_HEADER_SPACE;
	ctx = lws_create_context(&info);
	if (ctx == NULL) {
		log_errorx("loop: lws_create_context failed");
		return -1;
	}

	/* Without DO_SSL_GLOBAL_INIT on this vhost every wss connect fails with SSL_new. */
	memset(&info, 0, sizeof(info));
	info.vhost_name = "client";
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.protocols = client_protocols;
	ca = config_get("HEALER_CA_FILE");
	if (ca != NULL && *ca != '\0') {
		free(ca_file);
		ca_file = xstrdup(ca);
		info.client_ssl_ca_filepath = ca_file;
	}
	client_vh = lws_create_vhost(ctx, &info);
	if (client_vh == NULL) {
		log_errorx("loop: creating the client vhost failed");
		goto fail;
	}

	loop_thread = pthread_self();
	atomic_store(&stop_flag, false);
	stop_consumed = false;
	pthread_mutex_lock(&post_mu);
	post_open = true;
	pthread_mutex_unlock(&post_mu);

	/* a source that hangs until its timeout holds a fetch worker for that long: the
	 * operator sizes this pool for the sources that may hang at once */
	pools[WORK_FETCH].nthreads = cfg.fetch_workers >= 1 && cfg.fetch_workers <= POOL_THREADS_MAX
					 ? cfg.fetch_workers
					 : FETCH_THREADS_DEFAULT;
	for (i = 0; i < WORK__COUNT; i++)
		if (pool_start(&pools[i]) != 0)
			goto fail;
	return 0;

fail:
	loop_shutdown();
	return -1;
}

struct lws_context *
loop_context(void)
{
	return ctx;
}

struct lws_vhost *
loop_client_vhost(void)
{
	return client_vh;
}

void
loop_run(void)
{
	if (ctx == NULL)
		fatalx("loop_run before loop_init");
	if (stop_consumed) {
		atomic_store(&stop_flag, false);
		stop_consumed = false;
	}
	loop_thread = pthread_self();
	/* Timeout 0: lws sleeps until the next sul or socket event, so an idle loop never wakes. */
	while (!atomic_load(&stop_flag)) {
		if (lws_service(ctx, 0) < 0) {
			log_errorx("loop: lws_service failed; stopping");
			atomic_store(&stop_flag, true);
		}
	}
	stop_consumed = true;
}

void
loop_stop(void)
{
	struct lws_context *c = ctx;

	atomic_store(&stop_flag, true);
	if (c != NULL)
		lws_cancel_service(c);
}

bool
loop_stopping(void)
{
	return atomic_load(&stop_flag);
}

bool
loop_on_loop_thread(void)
{
	return ctx != NULL && pthread_equal(pthread_self(), loop_thread);
}

/* Queues fn(arg) for the loop; `cancel` (if any) runs instead when it never will. */
static void
post_add(loop_fn fn, loop_fn cancel, void *arg)
{
	struct post *p = xmalloc(sizeof(*p));

	p->fn = fn;
	p->cancel = cancel;
	p->arg = arg;
	p->next = NULL;
	pthread_mutex_lock(&post_mu);
	if (!post_open) {
		pthread_mutex_unlock(&post_mu);
		free(p);
		if (cancel != NULL)
			cancel(arg);
		else
			log_warnx("loop: post after shutdown dropped");
		return;
	}
	if (post_tail != NULL)
		post_tail->next = p;
	else
		post_head = p;
	post_tail = p;
	/* Under the lock so loop_shutdown cannot destroy the context in between. */
	lws_cancel_service(ctx);
	pthread_mutex_unlock(&post_mu);
}

void
loop_post(loop_fn fn, void *arg)
{
	post_add(fn, NULL, arg);
}

/* A job's result on the loop thread, or its cancellation when the loop is gone. */
static void
job_deliver(void *arg)
{
	struct job *job = arg;

	job->done(job->arg, WORK_DONE);
	free(job);
}

static void
job_cancel(void *arg)
{
	struct job *job = arg;

	if (job->done != NULL)
		job->done(job->arg, WORK_CANCELLED);
	free(job);
}

static struct timer **
timer_slot(uint64_t id)
{
	struct timer **tp = &timers[id % TIMER_BUCKETS];

	while (*tp != NULL && (*tp)->id != id)
		tp = &(*tp)->next;
	return tp;
}

static void
timer_fire(lws_sorted_usec_list_t *sul)
{
	struct timer *t = lws_container_of(sul, struct timer, sul);
	struct timer **tp = timer_slot(t->id);
	loop_fn fn = t->fn;
	void *arg = t->arg;

	*tp = t->next;
	free(t);
	fn(arg);
}

uint64_t
loop_timer_add(int64_t delay_ms, loop_fn fn, void *arg)
{
	struct timer *t;
	struct timer **head;

	if (!loop_on_loop_thread())
		fatalx("loop_timer_add off the loop thread");
	if (delay_ms < 0)
		delay_ms = 0;
	t = xcalloc(1, sizeof(*t));
	t->id = ++timer_next_id;
	t->fn = fn;
	t->arg = arg;
	head = &timers[t->id % TIMER_BUCKETS];
	t->next = *head;
	*head = t;
	lws_sul_schedule(ctx, 0, &t->sul, timer_fire, (lws_usec_t)delay_ms * LWS_US_PER_MS);
	return t->id;
}

void
loop_timer_cancel(uint64_t id)
{
	struct timer **tp, *t;

	if (id == 0 || ctx == NULL)
		return;
	if (!loop_on_loop_thread())
		fatalx("loop_timer_cancel off the loop thread");
	tp = timer_slot(id);
	if ((t = *tp) == NULL)
		return; /* fired or cancelled already */
	*tp = t->next;
	lws_sul_cancel(&t->sul);
	free(t);
}

int
work_pool_threads(enum work_pool pool_id)
{
	if ((int)pool_id < 0 || pool_id >= WORK__COUNT)
		return 0;
	return pools[pool_id].nthreads;
}

void
work_submit(enum work_pool pool_id, loop_fn work, work_done_fn done, void *arg)
{
	struct pool *pool;
	struct job *job;

	if ((int)pool_id < 0 || pool_id >= WORK__COUNT)
		fatalx("work_submit: bad pool %d", (int)pool_id);
	pool = &pools[pool_id];
	if (!pool->inited) {
		log_warnx("loop: %s job cancelled: worker pools are not running", pool->name);
		if (done != NULL)
			done(arg, WORK_CANCELLED);
		return;
	}
	job = xmalloc(sizeof(*job));
	job->next = NULL;
	job->work = work;
	job->done = done;
	job->arg = arg;

	pthread_mutex_lock(&pool->mu);
	if (pool->quit) {
		pthread_mutex_unlock(&pool->mu);
		log_warnx("loop: %s job submitted during shutdown cancelled", pool->name);
		job_cancel(job);
		return;
	}
	if (pool->tail != NULL)
		pool->tail->next = job;
	else
		pool->head = job;
	pool->tail = job;
	pthread_cond_signal(&pool->cv);
	pthread_mutex_unlock(&pool->mu);
}

void
loop_shutdown(void)
{
	struct post *p, *next;
	struct timer *t, *tnext;
	size_t i;

	atomic_store(&stop_flag, true);
	for (i = 0; i < WORK__COUNT; i++)
		pool_stop(&pools[i]);

	/* Workers are joined: nothing posts any more. Results not yet run are skipped. */
	pthread_mutex_lock(&post_mu);
	post_open = false;
	p = post_head;
	post_head = post_tail = NULL;
	pthread_mutex_unlock(&post_mu);
	for (; p != NULL; p = next) {
		next = p->next;
		if (p->cancel != NULL)
			p->cancel(p->arg);
		free(p);
	}

	for (i = 0; i < TIMER_BUCKETS; i++) {
		for (t = timers[i]; t != NULL; t = tnext) {
			tnext = t->next;
			lws_sul_cancel(&t->sul);
			free(t);
		}
		timers[i] = NULL;
	}

	if (ctx != NULL)
		lws_context_destroy(ctx);
	ctx = NULL;
	client_vh = NULL;
	free(ca_file);
	ca_file = NULL;
}
