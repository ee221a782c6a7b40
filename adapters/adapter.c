/* adapter.c — the registry of chat adapters: which are started, and kicking their outboxes. */
#include <stddef.h>

#include "adapter.h"
#include "log.h"
#include "util.h"

/* Built-in adapters in start order; Slack and Teams join this table. */
extern struct adapter slack_adapter; /* adapters/slack/slack.c */
extern struct adapter teams_adapter; /* adapters/teams/teams.c */
static struct adapter *const all[] = {&console_adapter, &slack_adapter, &teams_adapter};
static struct adapter *started[ARRAY_LEN(all)];
static const char *started_names[ARRAY_LEN(all) + 1];
static size_t nstarted;

void
adapters_prepare(void)
{
	for (size_t i = 0; i < ARRAY_LEN(all); i++)
		if (all[i]->prepare)
			all[i]->prepare(all[i]);
}

int
adapters_start(void)
{
	int rc = 0;

	for (size_t i = 0; i < ARRAY_LEN(all); i++) {
		int r = all[i]->start(all[i]);
		if (r == 0) {
			started[nstarted] = all[i];
			started_names[nstarted++] = all[i]->name;
			log_info("adapter %s started", all[i]->name);
		} else if (r < 0) {
			log_warnx("adapter %s failed to start", all[i]->name);
			rc = -1;
		}
	}
	started_names[nstarted] = NULL;
	return rc;
}

void
adapters_stop(void)
{
	for (size_t i = nstarted; i-- > 0;)
		if (started[i]->stop)
			started[i]->stop(started[i]);
	nstarted = 0;
	started_names[0] = NULL;
}

void
adapters_kick(void)
{
	for (size_t i = 0; i < nstarted; i++)
		started[i]->kick(started[i]);
}

const char *const *
adapters_enabled(void)
{
	return started_names;
}
