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

static pthread_t reader;
static bool reader_started;

static void
console_line(void *arg)
{
	char *line = arg;
	struct command_reply r;

	if (line[0] != '\0') {
		command_run_line(line, cfg.console_user, &r);
		fprintf(stdout, "\n%s%s", r.text ? r.text : "",
			r.text && r.text[0] && r.text[strlen(r.text) - 1] == '\n' ? "" : "\n");
		fflush(stdout);
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
			fprintf(stdout, "\nrefused: line longer than %d bytes\n", CONSOLE_LINE_MAX - 2);
			fflush(stdout);
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
				fputs("\n", stdout);
				fputs(card, stdout);
				fflush(stdout);
				free(card);
				cJSON_Delete(view);
			}
		} else {
			const char *text =
				cJSON_GetStringValue(cJSON_GetObjectItem(it.payload, "text"));
			if (text)
				fprintf(stdout, "INC-%lld: %s\n", (long long)it.incident_id, text);
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
	if (cfg.console == -1 && (getenv("SLACK_BOT_TOKEN") || getenv("TEAMS_APP_ID")))
		return 1; /* chat configured: the terminal stays quiet unless asked for */
	if (pthread_create(&reader, NULL, console_reader, NULL) != 0) {
		log_warn("console: cannot start the stdin reader");
		return -1;
	}
	pthread_detach(reader);
	reader_started = true;
	log_info("console adapter: commands on stdin as %s", cfg.console_user);
	return 0;
}

static void
console_stop(struct adapter *a)
{
	(void)a;
	/* the reader is detached and blocked in fgets; it ends with the process */
	reader_started = false;
}

struct adapter console_adapter = {
	.name = "console",
	.start = console_start,
	.kick = console_kick,
	.stop = console_stop,
};
