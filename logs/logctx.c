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

static void
hhmmss(int64_t ms, char *out, size_t outlen)
{
	char iso[40];

	if (ms <= 0) {
		snprintf(out, outlen, "?");
		return;
	}
	time_format_iso(ms, iso, sizeof(iso));
	snprintf(out, outlen, "%.8s", iso + 11);
}

static cJSON *
iso_or_null(int64_t ms)
{
	char iso[40];

	if (ms <= 0)
		return cJSON_CreateNull();
	time_format_iso(ms, iso, sizeof(iso));
	return cJSON_CreateString(iso);
}

/* The words of a template for the search: masks and punctuation left out. */
static void
terms_of(const char *text, struct buf *b)
{
	for (const char *p = text; *p;) {
		if (*p == '<') {
			const char *e = strchr(p, '>');
			if (e != NULL && e - p < 8) {
				p = e + 1;
				continue;
			}
		}
		char c = *p++;
		bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '_' || (c & 0x80);
		if (word)
			buf_append(b, &c, 1);
		else if (b->len > 0 && b->data[b->len - 1] != ' ')
			buf_append(b, " ", 1);
	}
	if (b->len > 0 && b->data[b->len - 1] != ' ')
		buf_append(b, " ", 1);
}

char *
logctx_summary(const struct logs_source *src, const struct logs_result *r, const char *setup_error,
	       bool after, int64_t start_ms, int64_t end_ms, cJSON **data)
{
	static const char *const status_names[] = {"ok", "timeout", "error"};
	static const char *const level_names[] = {"other", "warning", "error"};
	char when[48] = "", a[16], z[16], secs[32];
	const struct logtpl *top[LOGCTX_TOP];
	size_t n = 0, distinct = 0;
	long seen = 0, kept = 0, dropped = 0;
	struct buf line, terms;
	cJSON *d = cJSON_CreateObject(), *arr;

	buf_init(&line, 8192);
	buf_init(&terms, LOGCTX_EVIDENCE_MAX);
	if (after) {
		duration_format(src->after_ms, a, sizeof(a));
		snprintf(when, sizeof(when), " (again at +%s)", a);
	}
	cJSON_AddStringToObject(d, "source", src->name);
	cJSON_AddStringToObject(d, "backend", logs_kind_name(src->kind));
	cJSON_AddStringToObject(d, "fetch", after ? "after" : "open");
	cJSON_AddItemToObject(d, "window_start", iso_or_null(start_ms));
	cJSON_AddItemToObject(d, "window_end", iso_or_null(end_ms));
	if (setup_error != NULL) {
		cJSON_AddStringToObject(d, "status", "error");
		cJSON_AddStringToObject(d, "error", setup_error);
		buf_printf(&line, "logs: %s%s not queried: %s", src->name, when, setup_error);
		goto done;
	}
	cJSON_AddStringToObject(d, "status", status_names[r->status]);
	if (r->status != LOGS_OK)
		cJSON_AddStringToObject(d, "error", r->error);
	else
		cJSON_AddNullToObject(d, "error");
	if (r->status == LOGS_TIMEOUT) {
		duration_format(src->timeout_ms, secs, sizeof(secs));
		buf_printf(&line, "logs: %s%s timed out after %s", src->name, when, secs);
		goto done;
	}
	if (r->status == LOGS_FAILED) {
		buf_printf(&line, "logs: %s%s failed: %s", src->name, when, r->error);
		goto done;
	}
	logtpl_counts(r->tpl, &seen, &kept, &dropped);
	n = logtpl_top(r->tpl, top, LOGCTX_TOP, &distinct);
	cJSON_AddNumberToObject(d, "lines", (double)r->lines);
	cJSON_AddNumberToObject(d, "matched", (double)kept);
	cJSON_AddNumberToObject(d, "distinct", (double)distinct);
	cJSON_AddBoolToObject(d, "capped", r->capped || dropped > 0);
	cJSON_AddNumberToObject(d, "took_ms", (double)r->took_ms);
	hhmmss(start_ms, a, sizeof(a));
	hhmmss(end_ms, z, sizeof(z));
	if (kept == 0) {
		buf_printf(&line, "logs: %s%s: no errors or warnings in %ld lines (%s–%s UTC)",
			   src->name, when, r->lines, a, z);
	} else {
		buf_printf(&line,
			   "logs: %s%s: %ld errors/warnings in %ld lines (%s–%s UTC), %zu "
			   "pattern%s%s:",
			   src->name, when, kept, r->lines, a, z, distinct,
			   distinct == 1 ? "" : "s", distinct > n ? ", the most frequent" : "");
	}
	if (r->capped)
		buf_printf(&line, " [stopped at the cap of %d lines]", src->limit);
	arr = cJSON_AddArrayToObject(d, "templates");
	for (size_t i = 0; i < n; i++) {
		cJSON *t = cJSON_CreateObject();
		hhmmss(top[i]->first_ms, a, sizeof(a));
		hhmmss(top[i]->last_ms, z, sizeof(z));
		buf_printf(&line, "\n  %ld× %s (%s–%s)", top[i]->count, top[i]->text, a, z);
		cJSON_AddStringToObject(t, "template", top[i]->text);
		cJSON_AddStringToObject(t, "level", level_names[top[i]->level]);
		cJSON_AddNumberToObject(t, "count", (double)top[i]->count);
		cJSON_AddItemToObject(t, "first_seen", iso_or_null(top[i]->first_ms));
		cJSON_AddItemToObject(t, "last_seen", iso_or_null(top[i]->last_ms));
		cJSON_AddItemToArray(arr, t);
		terms_of(top[i]->text, &terms);
	}
done:
	if (!cJSON_HasObjectItem(d, "templates"))
		cJSON_AddArrayToObject(d, "templates");
	/* the first line alone is what a card shows above the templates */
	char *first =
	    xstrndup(line.data ? line.data : "", strcspn(line.data ? line.data : "", "\n"));
	if (*first && first[strlen(first) - 1] == ':')
		first[strlen(first) - 1] = '\0';
	cJSON_AddStringToObject(d, "summary", first);
	free(first);
	char *t = buf_steal(&terms);
	cJSON_AddStringToObject(d, "terms", t);
	free(t);
	*data = d;
	return buf_steal(&line);
}

/* Records every job of the run in one transaction; the cards are refreshed by the commit. */
static void
run_record(struct run *r)
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
 * queries. */
static void
after_schedule(const struct run *first)
{
	int64_t now = now_ms(), latest = 0;
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
		if (end > latest)
			latest = end;
	}
	if (r->n == 0) {
		run_free(r);
		return;
	}
	/* one fetch for all: once the latest `after` has passed */
	r->timer = loop_timer_add(latest - now > 0 ? latest - now : 0, after_fire, r);
}

static void
run_finish(struct run *r)
{
	r->finished = true;
	if (r->timer)
		loop_timer_cancel(r->timer);
	r->timer = 0;
	run_record(r);
	if (!r->after) {
		after_schedule(r);
		r->hooks->then(r->incident_id);
	}
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
