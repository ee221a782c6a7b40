/* command_exec.c — runs parsed commands through the engine and words the replies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card_text.h"
#include "command.h"
#include "engine.h"
#include "loop.h"
#include "stats.h"
#include "store.h"
#include "util.h"

#define MSG_MAX 1024

static void
reply_set(struct command_reply *r, bool ok, const char *text)
{
	r->ok = ok;
	free(r->text);
	r->text = xasprintf("%s%s", ok ? "" : "refused: ", text);
}

static cJSON *
kv_object(const struct command *c)
{
	cJSON *o = cJSON_CreateObject();

	for (size_t i = 0; i < c->nkv; i++) {
		cJSON_DeleteItemFromObject(o, c->keys[i]);
		cJSON_AddStringToObject(o, c->keys[i], c->values[i]);
	}
	return o;
}

static void
exec_runbooks(struct command_reply *r)
{
	const struct runbook_set *rbs = engine_runbooks();
	struct buf b;

	buf_init(&b, 64 * 1024);
	r->data = cJSON_CreateArray();
	for (size_t i = 0; rbs && i < rbs->n; i++) {
		const struct runbook *rb = rbs->v[i];
		buf_printf(&b, "%-28s %-8s %s\n", rb->id, risk_level_name(rb->risk), rb->title);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", rb->id);
		cJSON_AddStringToObject(o, "title", rb->title);
		cJSON_AddStringToObject(o, "risk", risk_level_name(rb->risk));
		cJSON_AddItemToArray(r->data, o);
	}
	if (b.len == 0)
		buf_printf(&b, "no runbooks loaded\n");
	r->ok = true;
	r->text = buf_steal(&b);
}

/* The reply to `stats` from the figures (or their absence). */
static void
stats_reply(const char *window, int rc, cJSON *stats, struct command_reply *r)
{
	if (rc != 0) {
		cJSON_Delete(stats);
		reply_set(r, false, "statistics are not available right now");
		return;
	}
	cJSON_AddStringToObject(stats, "window", window);
	cJSON_AddBoolToObject(stats, "autopilot_enabled", engine_autopilot_enabled());
	r->ok = true;
	r->text = stats_text(stats);
	r->data = stats;
}

static void
exec_stats(const struct command *c, struct command_reply *r)
{
	cJSON *stats = NULL;
	int64_t span, now = now_ms();

	if (stats_window_parse(c->text, &span) != 0) {
		reply_set(r, false, "stats takes 24h, 7d or 30d");
		return;
	}
	stats_reply(c->text, store_stats(now - span, now + 1, &stats), stats, r);
}

void
command_execute(const struct command *c, const char *user, struct command_reply *r)
{
	char msg[MSG_MAX];
	int64_t id = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	r->incident_id = c->incident_id;
	msg[0] = '\0';
	switch (c->verb) {
	case CMD_HELP:
		reply_set(r, true, command_help());
		return;
	case CMD_LIST: {
		cJSON *list = NULL;
		if (store_incident_list(c->all, 50, &list) != 0) {
			reply_set(r, false, "the incident list is not available right now");
			return;
		}
		r->ok = true;
		r->text = card_text_list(list);
		r->data = list;
		return;
	}
	case CMD_SHOW: {
		cJSON *view = engine_incident_view(c->incident_id);
		if (view == NULL) {
			snprintf(msg, sizeof(msg), "INC-%lld does not exist",
				 (long long)c->incident_id);
			reply_set(r, false, msg);
			return;
		}
		r->ok = true;
		r->text = card_text_render(view, 78, now_ms());
		r->data = view;
		return;
	}
	case CMD_APPROVE:
		rc = engine_approve(c->incident_id, user, c->card.version ? &c->card : NULL, msg,
				    sizeof(msg));
		break;
	case CMD_REJECT:
		rc = engine_reject(c->incident_id, user, c->text, c->card.version ? &c->card : NULL,
				   msg, sizeof(msg));
		break;
	case CMD_DRYRUN: {
		char *plan = NULL;
		rc = engine_dryrun(c->incident_id, user, &plan, msg, sizeof(msg));
		if (rc == ENGINE_OK) {
			r->ok = true;
			r->text = plan;
			return;
		}
		break;
	}
	case CMD_ACK:
		rc = engine_ack(c->incident_id, user, msg, sizeof(msg));
		break;
	case CMD_CLOSE:
		rc = engine_close(c->incident_id, user, msg, sizeof(msg));
		break;
	case CMD_SPLIT:
		rc = engine_split(c->incident_id, c->text, user, &id, msg, sizeof(msg));
		r->incident_id = id;
		break;
	case CMD_MERGE:
		rc = engine_merge(c->other_id, c->incident_id, user, msg, sizeof(msg));
		break;
	case CMD_DECLARE: {
		cJSON *labels = kv_object(c);
		rc = engine_declare(user, c->text, c->severity, labels, &id, msg, sizeof(msg));
		cJSON_Delete(labels);
		r->incident_id = id;
		break;
	}
	case CMD_RUN: {
		cJSON *params = kv_object(c);
		rc = engine_run(user, c->runbook, params, &id, msg, sizeof(msg));
		cJSON_Delete(params);
		r->incident_id = id;
		break;
	}
	case CMD_STATS:
		exec_stats(c, r);
		return;
	case CMD_RUNBOOKS:
		exec_runbooks(r);
		return;
	case CMD_AUTOPILOT:
		rc = engine_autopilot_set(user, c->on, msg, sizeof(msg));
		break;
	default:
		rc = ENGINE_REFUSED;
		snprintf(msg, sizeof(msg), "unsupported command");
	}
	reply_set(r, rc == ENGINE_OK, msg);
}

/* Every command is on the record, including the ones that did not parse. */
static void
audit_line(const char *line, const char *user, int64_t incident_id)
{
	if (store_begin() == 0) {
		char *l = utf8_truncate(line, 300);
		if (store_audit(user, incident_id, "command", l, NULL) == 0)
			store_commit();
		else
			store_rollback();
		free(l);
	}
}

void
command_run_line(const char *line, const char *user, struct command_reply *r)
{
	struct command c;
	char err[256];

	int perr = command_parse(line, &c, err, sizeof(err));

	audit_line(line, user, perr ? 0 : c.incident_id);
	if (perr != 0) {
		memset(r, 0, sizeof(*r));
		reply_set(r, false, err);
		return;
	}
	command_execute(&c, user, r);
}

/*
 * The asynchronous form: a report over 30 days of incidents reads for a while, so `stats`
 * runs on a worker through its own read-only connection and answers later; every other verb
 * answers before command_execute_async returns.
 */
struct stats_job {
	char window[16];
	int64_t since, until;
	int rc;
	cJSON *stats;
	command_done_fn done;
	void *ctx;
};

static void
stats_work(void *arg)
{
	struct stats_job *j = arg;

	j->rc = store_reader_attach();
	if (j->rc == 0)
		j->rc = store_stats(j->since, j->until, &j->stats);
}

static void
stats_done(void *arg, enum work_status status)
{
	struct stats_job *j = arg;
	struct command_reply r = {0};

	if (status == WORK_CANCELLED) {
		/* the surface's done still runs: it owns its context and frees it */
		cJSON_Delete(j->stats);
		reply_set(&r, false, "healer is shutting down; ask again after the restart");
		j->done(&r, j->ctx);
		command_reply_free(&r);
		free(j);
		return;
	}
	stats_reply(j->window, j->rc, j->stats, &r);
	j->done(&r, j->ctx);
	command_reply_free(&r);
	free(j);
}

void
command_execute_async(const struct command *c, const char *user, command_done_fn done, void *ctx)
{
	struct command_reply r = {0};
	int64_t span, now = now_ms();

	if (c->verb == CMD_STATS && stats_window_parse(c->text, &span) == 0) {
		struct stats_job *j = xcalloc(1, sizeof(*j));
		snprintf(j->window, sizeof(j->window), "%.15s", c->text);
		j->since = now - span;
		j->until = now + 1;
		j->done = done;
		j->ctx = ctx;
		work_submit(WORK_IO, stats_work, stats_done, j);
		return;
	}
	command_execute(c, user, &r);
	done(&r, ctx);
	command_reply_free(&r);
}

void
command_run_line_async(const char *line, const char *user, command_done_fn done, void *ctx)
{
	struct command c;
	char err[256];
	int perr = command_parse(line, &c, err, sizeof(err));

	audit_line(line, user, perr ? 0 : c.incident_id);
	if (perr != 0) {
		struct command_reply r = {0};
		reply_set(&r, false, err);
		done(&r, ctx);
		command_reply_free(&r);
		return;
	}
	command_execute_async(&c, user, done, ctx);
}
