/* console.c — the terminal transport: prints each incident card when it changes and reads
 * the shared command grammar from stdin as the console user. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "card_text.h"
#include "chat.h"
#include "command.h"
#include "config.h"
#include "log.h"
#include "loop.h"
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
			fprintf(stdout,
				"[console: %zu messages dropped: the terminal was not reading]\n",
				dropped);
		fflush(stdout);
		free(chunk);
	}
	return NULL;
}

static void
console_reply(struct command_reply *r, void *ctx)
{
	const char *t = r->text ? r->text : "";
	char *msg = xasprintf("\n%s%s", t, t[0] && t[strlen(t) - 1] == '\n' ? "" : "\n");

	(void)ctx;
	console_write(msg);
	free(msg);
}

static void
console_line(void *arg)
{
	char *line = arg;

	if (line[0] != '\0')
		command_run_line_async(line, cfg.console_user, console_reply, NULL);
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

/* ---- the transport: cards and notes are printed whole, in the order they were queued;
 * a terminal has no message to update and no thread ---- */

static char *
console_card(const cJSON *view, int64_t now)
{
	char *card = card_text_render(view, CONSOLE_WIDTH, now);
	char *s = xasprintf("\n%s", card);

	free(card);
	return s;
}

static char *
console_note(const cJSON *view, const cJSON *rows, size_t from, const char *note, size_t *next)
{
	(void)rows;
	*next = from;
	if (note == NULL)
		return NULL;
	return xasprintf("INC-%lld: %s\n",
			 (long long)cJSON_GetNumberValue(cJSON_GetObjectItem(view, "id")), note);
}

static void
console_print(const struct chat_dest *d, const char *text, struct chat_result *res)
{
	(void)d;
	console_write(text);
	res->status = CHAT_OK;
}

static int
console_start(struct chat_transport *t)
{
	(void)t;
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
console_stop(struct chat_transport *t)
{
	(void)t;
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

struct chat_transport console_transport = {
    .name = "console",
    .start = console_start,
    .stop = console_stop,
    .card = console_card,
    .line = console_note,
    .post = console_print,
    .reply = console_print,
};
