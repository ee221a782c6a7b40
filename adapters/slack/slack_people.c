/* slack_people.c — Slack users' display names for the cards of every surface: users.info on
 * a worker when a user acts and the store has no fresh name, kept in the store with an
 * expiry (a renamed user is picked up a day later). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "log.h"
#include "slack_int.h"
#include "util.h"

#define NAME_TTL_MS (24LL * 3600 * 1000)
#define UID_MAX 24
#define INFLIGHT_MAX 16 /* questions in flight; more users at once wait for their next act */

/* Users asked about and not answered yet. Loop thread. */
static char inflight[INFLIGHT_MAX][UID_MAX];

static bool
valid_uid(const char *uid)
{
	size_t n = strlen(uid);

	return n >= 2 && n < UID_MAX && strspn(uid, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == n;
}

/* The name people see in Slack: the display name, else the real name, else the handle. */
static const char *
best_name(const cJSON *user)
{
	const cJSON *profile = cJSON_GetObjectItem(user, "profile");
	const char *const tries[] = {
	    cJSON_GetStringValue(cJSON_GetObjectItem(profile, "display_name")),
	    cJSON_GetStringValue(cJSON_GetObjectItem(profile, "real_name")),
	    cJSON_GetStringValue(cJSON_GetObjectItem(user, "real_name")),
	    cJSON_GetStringValue(cJSON_GetObjectItem(user, "name")),
	};

	for (size_t i = 0; i < ARRAY_LEN(tries); i++)
		if (tries[i] && *tries[i])
			return tries[i];
	return NULL;
}

static void
info_done(const struct slack_result *res, void *arg)
{
	char *slot = arg, user[UID_MAX + 8];

	snprintf(user, sizeof(user), "slack:%s", slot);
	slot[0] = '\0'; /* free for the next question */
	if (!res->ok)
		return; /* logged by the API client; the id stays on the cards */
	const char *name = best_name(cJSON_GetObjectItem(res->json, "user"));
	if (name && chat_person_set(user, name, NAME_TTL_MS) == 0)
		log_debug("slack: %s is %s", user, name);
}

void
slack_people_learn(const char *uid)
{
	char user[UID_MAX + 8], name[STORE_PERSON_NAME_MAX + 8], query[UID_MAX + 8];
	bool fresh;
	char *slot = NULL;

	if (uid == NULL || !valid_uid(uid))
		return;
	snprintf(user, sizeof(user), "slack:%s", uid);
	if (chat_person_get(user, name, sizeof(name), &fresh) == 0 && fresh)
		return;
	for (size_t i = 0; i < INFLIGHT_MAX; i++) {
		if (strcmp(inflight[i], uid) == 0)
			return; /* already asked */
		if (slot == NULL && inflight[i][0] == '\0')
			slot = inflight[i];
	}
	if (slot == NULL)
		return;
	snprintf(slot, UID_MAX, "%s", uid);
	snprintf(query, sizeof(query), "user=%s", uid);
	slack_api_call_query("users.info", query, info_done, slot);
}
