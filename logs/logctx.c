/* logctx.c — the log context of new incidents: one fetch per source on WORK_FETCH workers, a
 * deadline timer on the loop, the records on the incident, and the later "after" fetch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "logctx.h"
#include "logs_fetch.h"
#include "loop.h"
#include "metrics.h"
#include "store.h"
#include "util.h"

#define DEADLINE_MARGIN_MS 300 /* the workers' own timeouts normally end a fetch first */
/* Fetches on WORK_FETCH at once: half the pool, at least one. The pool also carries the
 * metric watcher and the model: hanging log sources must never hold every worker. */
static int
fetch_max(void)
{
	int n = work_pool_threads(WORK_FETCH) / 2;

	return n >= 1 ? n : 1;
}

static struct logs_config conf;

/* One source's fetch for one incident. */
struct job {
	struct run *run;
	const struct logs_source *src;
	struct logs_query q;
	char *query, *target;
	char setup_error[256]; /* the query could not be built: nothing fetched */
	bool done;
	struct logs_result res;
	struct job *next; /* in the queue for a worker */
};

/* The fetches of one incident at one moment (when it opened, or once `after` passed). */
struct run {
	int64_t incident_id, start_ms;
	const struct logctx_hooks *hooks;
	bool after;	/* the second fetch: no analysis waits for it */
	int64_t due_at; /* after: when the latest source's `after` has passed */
	bool finished;	/* recorded (every answer in, or the deadline passed) */
	uint64_t timer; /* the deadline, or the start of an after run */
	size_t n, ndone;
	struct job *jobs;
};

void
logctx_init(struct logs_config *cfg)
{
	logs_config_free(&conf);
	if (cfg != NULL) {
		conf = *cfg;
		memset(cfg, 0, sizeof(*cfg)); /* owned here now */
	}
	/* a backend's error text could echo a credential back: never into the log */
	for (size_t i = 0; i < conf.n; i++) {
		const struct logs_source *s = &conf.v[i];
		if (s->api_key_env)
			log_redact(getenv(s->api_key_env));
		if (s->password_env)
			log_redact(getenv(s->password_env));
		if (s->kind == LOGS_CLOUDWATCH) {
			log_redact(getenv("AWS_SECRET_ACCESS_KEY"));
			log_redact(getenv("AWS_SESSION_TOKEN"));
		}
	}
}

void
logctx_shutdown(void)
{
	/* after loop_shutdown: no worker still reads a source */
	logs_config_free(&conf);
}

bool
logctx_enabled(void)
{
	return conf.n > 0;
}

static void
run_free(struct run *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->jobs[i].query);
		free(r->jobs[i].target);
		logs_result_free(&r->jobs[i].res);
	}
	free(r->jobs);
	free(r);
}

/* ---- the record ---- */

static int due_keep(const struct run *after);

/* Records every job of the run in one transaction; the cards are refreshed by the commit.
 * The first run keeps the second fetch it leaves (after, may be NULL) in the same
 * transaction; the second run forgets it: a restart finds exactly what is still due. */
static void
run_record(struct run *r, const struct run *after)
{
	int rc = store_begin();

	for (size_t i = 0; rc == 0 && i < r->n; i++) {
		struct job *j = &r->jobs[i];
		struct logs_result timed_out = {.status = LOGS_TIMEOUT};
		const struct logs_result *res = j->done ? &j->res : &timed_out;
		cJSON *data = NULL;
		char *m = logctx_summary(j->src, res, j->setup_error[0] ? j->setup_error : NULL,
					 r->after, j->q.start_ms, j->q.end_ms, &data);
		rc = store_logs_add(r->incident_id, m, data);
		if (res->status != LOGS_OK || j->setup_error[0])
			log_warnx("INC-%lld: %s", (long long)r->incident_id, m);
		char lab[96];
		snprintf(lab, sizeof(lab), "source=\"%s\",result=\"%s\"", j->src->name,
			 j->setup_error[0]	       ? "error"
			 : res->status == LOGS_OK      ? "ok"
			 : res->status == LOGS_TIMEOUT ? "timeout"
						       : "error");
		metrics_inc("healer_log_fetches_total", "Log context fetches by source and result",
			    lab);
		free(m);
		cJSON_Delete(data);
	}
	if (rc == 0)
		rc = r->after ? store_logs_due_clear(r->incident_id) : due_keep(after);
	if (rc == 0)
		rc = r->hooks->notify(r->incident_id);
	if (r->hooks->commit(rc) != 0)
		log_warnx("INC-%lld: could not record the log context", (long long)r->incident_id);
}

/* ---- the runs ---- */

static void run_submit(struct run *r);

static void
after_fire(void *arg)
{
	struct run *r = arg;

	r->timer = 0;
	run_submit(r);
}

/* The second fetch of the sources whose `after` has not passed yet, from the first run's
 * queries; NULL when there is none. Not armed yet. */
static struct run *
after_build(const struct run *first)
{
	struct run *r = xcalloc(1, sizeof(*r));

	r->incident_id = first->incident_id;
	r->start_ms = first->start_ms;
	r->hooks = first->hooks;
	r->after = true;
	r->jobs = xcalloc(first->n, sizeof(*r->jobs));
	for (size_t i = 0; i < first->n; i++) {
		const struct job *f = &first->jobs[i];
		int64_t end = first->start_ms + f->src->after_ms;
		if (f->src->after_ms <= 0 || f->setup_error[0] || end <= f->q.end_ms)
			continue;
		struct job *j = &r->jobs[r->n++];
		j->run = r;
		j->src = f->src;
		j->query = xstrdup(f->query);
		j->target = xstrdup(f->target);
		j->q = f->q;
		j->q.query = j->query;
		j->q.target = j->target;
		j->q.end_ms = end;
		if (end > r->due_at)
			r->due_at = end;
	}
	if (r->n == 0) {
		run_free(r);
		return NULL;
	}
	return r;
}

/* In the store: when the second fetch is due and of which sources (their queries are made
 * again from the incident after a restart). */
static int
due_keep(const struct run *after)
{
	cJSON *names;
	int rc;

	if (after == NULL)
		return 0;
	names = cJSON_CreateArray();
	for (size_t i = 0; i < after->n; i++)
		cJSON_AddItemToArray(names, cJSON_CreateString(after->jobs[i].src->name));
	rc = store_logs_due_set(after->incident_id, after->due_at, names);
	cJSON_Delete(names);
	return rc;
}

/* One fetch for all: once the latest `after` has passed. */
static void
after_arm(struct run *r)
{
	int64_t now = now_ms();

	r->timer = loop_timer_add(r->due_at - now > 0 ? r->due_at - now : 0, after_fire, r);
}

static void
run_finish(struct run *r)
{
	struct run *after = NULL;

	r->finished = true;
	if (r->timer)
		loop_timer_cancel(r->timer);
	r->timer = 0;
	if (!r->after)
		after = after_build(r);
	run_record(r, after);
	if (after != NULL)
		after_arm(after);
	if (!r->after)
		r->hooks->then(r->incident_id);
	if (r->ndone == r->n)
		run_free(r);
}

static void
deadline_fire(void *arg)
{
	struct run *r = arg;

	r->timer = 0;
	if (!r->finished)
		run_finish(r);
}

static void
job_work(void *arg)
{
	struct job *j = arg;

	logs_fetch(&j->q, &j->res);
}

static void
job_done(void *arg)
{
	struct job *j = arg;
	struct run *r = j->run;

	/* an answer after the deadline was already recorded as a timeout: dropped */
	if (!r->finished)
		j->done = true;
	r->ndone++;
	if (r->finished) {
		if (r->ndone == r->n)
			run_free(r);
		return;
	}
	if (r->ndone == r->n)
		run_finish(r);
}

/* The jobs waiting for a worker, oldest first; how many are on one. Loop thread. */
static struct job *queue_head, *queue_tail;
static int inflight;

static void queue_pump(void);

static void
job_done_io(void *arg, enum work_status status)
{
	struct job *j = arg;

	inflight--;
	if (status == WORK_CANCELLED) {
		/* shutting down: nothing is recorded; a run still waiting on its deadline ends
		 * with the process */
		if (++j->run->ndone == j->run->n && j->run->finished)
			run_free(j->run);
		return;
	}
	job_done(arg);
	queue_pump();
}

static void
queue_pump(void)
{
	while (inflight < fetch_max() && queue_head != NULL) {
		struct job *j = queue_head;
		if ((queue_head = j->next) == NULL)
			queue_tail = NULL;
		/* its run's deadline passed while it waited: recorded as timed out already */
		/* no query to send: recorded as not queried, no worker needed */
		if (j->setup_error[0]) {
			job_done(j);
			continue;
		}
		if (j->run->finished || mono_ms() >= j->q.not_after_mono) {
			j->res.status = LOGS_TIMEOUT;
			snprintf(j->res.error, sizeof(j->res.error), "timed out");
			job_done(j);
			continue;
		}
		inflight++;
		work_submit(WORK_FETCH, job_work, job_done_io, j);
	}
}

static void
run_submit(struct run *r)
{
	int64_t longest = 0;

	for (size_t i = 0; i < r->n; i++)
		if (r->jobs[i].src->timeout_ms > longest)
			longest = r->jobs[i].src->timeout_ms;
	r->timer = loop_timer_add(longest + DEADLINE_MARGIN_MS, deadline_fire, r);
	for (size_t i = 0; i < r->n; i++) {
		struct job *j = &r->jobs[i];
		/* a fetch that starts late still ends by the run's deadline */
		j->q.not_after_mono = mono_ms() + longest;
		j->next = NULL;
		if (queue_tail)
			queue_tail->next = j;
		else
			queue_head = j;
		queue_tail = j;
	}
	queue_pump();
}

/* The query and target of one source for the incident; a setup error otherwise. */
static void
job_prepare(struct job *j, const cJSON *vars)
{
	const struct logs_source *s = j->src;
	static const enum logs_escape query_esc[] = {
	    [LOGS_LOKI] = LOGS_ESC_LOGQL,
	    [LOGS_OPENSEARCH] = LOGS_ESC_LUCENE,
	    [LOGS_CLOUDWATCH] = LOGS_ESC_CWFILTER,
	};
	const char *target = s->kind == LOGS_OPENSEARCH ? s->index : s->group;
	char err[200];

	if (s->query &&
	    (j->query = logs_expand(s->query, vars, query_esc[s->kind], err, sizeof(err))) == NULL)
		goto fail;
	if (target &&
	    (j->target = logs_expand(target, vars, LOGS_ESC_GROUP, err, sizeof(err))) == NULL)
		goto fail;
	/* an index pattern goes into the URL path: one segment, no query */
	if (s->kind == LOGS_OPENSEARCH && strpbrk(j->target, "/?#") != NULL) {
		snprintf(err, sizeof(err), "index '%.60s' is not one path segment", j->target);
		goto fail;
	}
	j->q.query = j->query;
	j->q.target = j->target;
	return;
fail:
	snprintf(j->setup_error, sizeof(j->setup_error), "%s", err);
}

bool
logctx_incident_opened(int64_t id, const struct logctx_hooks *hooks)
{
	struct incident inc;
	char key[32];
	int64_t now = now_ms();

	if (conf.n == 0 || store_incident_get(id, &inc) != 0)
		return false;
	snprintf(key, sizeof(key), "INC-%lld", (long long)id);
	cJSON *vars =
	    logs_vars(key, inc.title, inc.severity, inc.resource, inc.labels, inc.annotations);
	struct run *r = xcalloc(1, sizeof(*r));
	r->incident_id = id;
	r->start_ms = inc.created_at;
	r->hooks = hooks;
	r->n = conf.n;
	r->jobs = xcalloc(conf.n, sizeof(*r->jobs));
	for (size_t i = 0; i < conf.n; i++) {
		struct job *j = &r->jobs[i];
		j->run = r;
		j->src = &conf.v[i];
		j->q.src = j->src;
		j->q.start_ms = inc.created_at - j->src->before_ms;
		j->q.end_ms = inc.created_at + j->src->after_ms;
		if (j->q.end_ms > now)
			j->q.end_ms = now;
		job_prepare(j, vars);
	}
	cJSON_Delete(vars);
	incident_free(&inc);
	run_submit(r);
	return true;
}

void
logctx_evidence(int64_t id, cJSON *annotations)
{
	cJSON *tmp = cJSON_CreateObject(), *row;
	struct buf b;

	if (conf.n == 0 || annotations == NULL || store_view_logs(id, tmp) != 0) {
		cJSON_Delete(tmp);
		return;
	}
	buf_init(&b, LOGCTX_EVIDENCE_MAX);
	cJSON_ArrayForEach(row, cJSON_GetObjectItem(tmp, "log_context"))
	{
		/* the words, not the masks: "<num>" must not become a search term */
		const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(row, "terms"));
		if (s && *s)
			buf_printf(&b, "%s%s", b.len ? " " : "", s);
	}
	if (b.len > 0) {
		char *s = buf_steal(&b);
		cJSON_DeleteItemFromObjectCaseSensitive(annotations, LOGCTX_EVIDENCE_KEY);
		cJSON_AddStringToObject(annotations, LOGCTX_EVIDENCE_KEY, s);
		free(s);
	}
	buf_free(&b);
	cJSON_Delete(tmp);
}

/* The queries of a kept second fetch, made again from the incident and the sources that are
 * still configured with an `after`; NULL when none is left. */
static struct run *
after_rebuild(const cJSON *due, const struct logctx_hooks *hooks)
{
	int64_t id = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(due, "incident_id"));
	const cJSON *names = cJSON_GetObjectItem(due, "sources"), *nm;
	struct incident inc;
	char key[32];
	struct run *r;

	if (store_incident_get(id, &inc) != 0)
		return NULL;
	snprintf(key, sizeof(key), "INC-%lld", (long long)id);
	cJSON *vars =
	    logs_vars(key, inc.title, inc.severity, inc.resource, inc.labels, inc.annotations);
	r = xcalloc(1, sizeof(*r));
	r->incident_id = id;
	r->start_ms = inc.created_at;
	r->hooks = hooks;
	r->after = true;
	r->jobs = xcalloc(conf.n, sizeof(*r->jobs));
	for (size_t i = 0; i < conf.n; i++) {
		const struct logs_source *src = &conf.v[i];
		bool named = false;
		cJSON_ArrayForEach(nm, names) named |=
		    cJSON_IsString(nm) && strcmp(nm->valuestring, src->name) == 0;
		if (!named || src->after_ms <= 0)
			continue;
		struct job *j = &r->jobs[r->n++];
		j->run = r;
		j->src = src;
		j->q.src = src;
		j->q.start_ms = inc.created_at - src->before_ms;
		j->q.end_ms = inc.created_at + src->after_ms;
		if (j->q.end_ms > r->due_at)
			r->due_at = j->q.end_ms;
		job_prepare(j, vars);
	}
	cJSON_Delete(vars);
	incident_free(&inc);
	if (r->n == 0) {
		run_free(r);
		return NULL;
	}
	return r;
}

void
logctx_resume(const struct logctx_hooks *hooks)
{
	cJSON *due = NULL, *d;
	struct run *r;
	int64_t id;

	if (store_logs_due_list(&due) != 0)
		return;
	cJSON_ArrayForEach(d, due)
	{
		id = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(d, "incident_id"));
		if (conf.n > 0 && (r = after_rebuild(d, hooks)) != NULL) {
			log_info(
			    "INC-%lld: log context fetched again in %lld s, as before the "
			    "restart",
			    (long long)id,
			    (long long)((r->due_at > now_ms() ? r->due_at - now_ms() : 0) / 1000));
			after_arm(r);
		} else if (store_logs_due_clear(id) != 0) {
			log_warnx("INC-%lld: could not forget a log fetch no longer due",
				  (long long)id);
		}
	}
	cJSON_Delete(due);
}
