/* console.c — the terminal adapter: prints each incident card when it changes and reads
 * the shared command grammar from stdin as the console user. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adapter.h"
#include "card_text.h"
#include "command.h"
#include "config.h"
#include "engine.h"
#include "log.h"
#include "loop.h"
#include "store.h"
#include "util.h"

#define CONSOLE_LINE_MAX 4096
#define CONSOLE_WIDTH 78
#define CONSOLE_QUEUE_MAX (1024 * 1024)

static pthread_t reader, writer;
static bool reader_started;

/* Output goes through a capped queue and a writer thread: a terminal that stops reading
 * (a full pipe, a suspended pager) must never stall the loop. What does not fit is dropped
 * and counted, and the count is printed once the terminal drains. */
static pthread_mutex_t out_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t out_cond = PTHREAD_COND_INITIALIZER;
static struct buf out_queue;
static size_t out_dropped;

static void
console_write(const char *s)
{
	size_t n = strlen(s);

	pthread_mutex_lock(&out_mtx);
	if (out_queue.len + n > CONSOLE_QUEUE_MAX)
		out_dropped++;
	else
		buf_append(&out_queue, s, n);
	pthread_cond_signal(&out_cond);
	pthread_mutex_unlock(&out_mtx);
}

static void *
console_writer(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&out_mtx);
		while (out_queue.len == 0)
			pthread_cond_wait(&out_cond, &out_mtx);
		char *chunk = buf_steal(&out_queue);
		size_t dropped = out_dropped;
		out_dropped = 0;
		pthread_mutex_unlock(&out_mtx);
		fputs(chunk, stdout);
		if (dropped)
			fprintf(stdout, "[console: %zu messages dropped: the terminal was not reading]\n",
				dropped);
		fflush(stdout);
		free(chunk);
	}
	return NULL;
}

static void
console_line(void *arg)
{
	char *line = arg;
	struct command_reply r;

	if (line[0] != '\0') {
		command_run_line(line, cfg.console_user, &r);
		const char *t = r.text ? r.text : "";
		char *msg = xasprintf("\n%s%s", t, t[0] && t[strlen(t) - 1] == '\n' ? "" : "\n");
		console_write(msg);
		free(msg);
		command_reply_free(&r);
	}
	free(line);
}

/* The reader thread only reads; every command runs on the loop thread. */
static void *
console_reader(void *arg)
{
	char buf[CONSOLE_LINE_MAX];

	(void)arg;
	while (fgets(buf, sizeof(buf), stdin) != NULL) {
		size_t n = strlen(buf);
		if (n == sizeof(buf) - 1 && buf[n - 1] != '\n') {
			int c;
			while ((c = getchar()) != EOF && c != '\n')
				;
			console_write("\nrefused: line too long\n");
			continue;
		}
		buf[strcspn(buf, "\r\n")] = '\0';
		loop_post(console_line, xstrdup(buf));
	}
	return NULL; /* EOF: the daemon keeps running without a terminal */
}

static bool drain_queued;

/* Drains every due outbox row; card rows are rendered from the store at drain time, so the
 * changes committed in one turn of the loop print one card of the latest state. */
static void
console_drain(void *arg)
{
	struct adapter *a = arg;
	struct outbox_item it;

	drain_queued = false;
	while (store_outbox_next(a->name, now_ms(), &it) == 0) {
		if (strcmp(it.kind, "card") == 0) {
			cJSON *view = engine_incident_view(it.incident_id);
			if (view) {
				char *card = card_text_render(view, CONSOLE_WIDTH, now_ms());
				console_write("\n");
				console_write(card);
				free(card);
				cJSON_Delete(view);
			}
		} else {
			const char *text =
				cJSON_GetStringValue(cJSON_GetObjectItem(it.payload, "text"));
			if (text) {
				char *l = xasprintf("INC-%lld: %s\n", (long long)it.incident_id, text);
				console_write(l);
				free(l);
			}
		}
		store_outbox_done(&it);
		outbox_item_free(&it);
	}
}

static void
console_kick(struct adapter *a)
{
	if (!drain_queued) {
		drain_queued = true;
		loop_post(console_drain, a);
	}
}

static int
console_start(struct adapter *a)
{
	(void)a;
	if (cfg.console == 0)
		return 1;
	if (cfg.console == -1 && (config_get("SLACK_BOT_TOKEN") || config_get("TEAMS_APP_ID")))
		return 1; /* chat configured: the terminal stays quiet unless asked for */
	buf_init(&out_queue, 0);
	if (pthread_create(&writer, NULL, console_writer, NULL) != 0 ||
	    pthread_create(&reader, NULL, console_reader, NULL) != 0) {
		log_warn("console: cannot start the terminal threads");
		return -1;
	}
	pthread_detach(writer);
	pthread_detach(reader);
	reader_started = true;
	log_info("console adapter: commands on stdin as %s", cfg.console_user);
	return 0;
}

static void
console_stop(struct adapter *a)
{
	(void)a;
	/* the reader is detached and blocked in fgets; it ends with the process. What the
	 * writer has not printed yet is printed now, so the last card is never lost. */
	reader_started = false;
	pthread_mutex_lock(&out_mtx);
	if (out_queue.len)
		fputs(out_queue.data, stdout);
	out_queue.len = 0;
	fflush(stdout);
	pthread_mutex_unlock(&out_mtx);
}

struct adapter console_adapter = {
	.name = "console",
	.start = console_start,
	.kick = console_kick,
	.stop = console_stop,
};
