/* chat.c — the registry of transports, the one verb the engine knows (chat_notify: outbox
 * rows for every started transport) and what transports may read of the store. */
#include <stdio.h>
#include <string.h>

#include "chat.h"
#include "log.h"
#include "util.h"

#define CHAT_TRANSPORTS_MAX 8

/* Built-in transports in start order. A new surface is one folder and one line here. */
extern struct chat_transport console_transport; /* adapters/console/console.c */
extern struct chat_transport slack_transport;	/* adapters/slack/slack.c */
extern struct chat_transport teams_transport;	/* adapters/teams/teams.c */
extern struct chat_transport email_transport;	/* adapters/email/email.c */
static struct chat_transport *const builtin[] = {&console_transport, &slack_transport,
						 &teams_transport, &email_transport};

static struct {
	struct chat_transport *t;
	struct chat_sender *s;
} started[CHAT_TRANSPORTS_MAX];
static const char *started_names[CHAT_TRANSPORTS_MAX + 1];
static size_t nstarted;

void
chat_prepare(void)
{
	for (size_t i = 0; i < ARRAY_LEN(builtin); i++)
		if (builtin[i]->prepare)
			builtin[i]->prepare(builtin[i]);
}

int
chat_start_with(struct chat_transport *const *list, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n && nstarted < CHAT_TRANSPORTS_MAX; i++) {
		int r = list[i]->start ? list[i]->start(list[i]) : 0;
		if (r == 0) {
			started[nstarted].t = list[i];
			started[nstarted].s = chat_sender_new(list[i]);
			started_names[nstarted++] = list[i]->name;
			log_info("adapter %s started", list[i]->name);
		} else if (r < 0) {
			log_warnx("adapter %s failed to start", list[i]->name);
			rc = -1;
		}
	}
	started_names[nstarted] = NULL;
	return rc;
}

int
chat_start(void)
{
	return chat_start_with(builtin, ARRAY_LEN(builtin));
}

void
chat_stop(void)
{
	for (size_t i = nstarted; i-- > 0;) {
		chat_sender_stop(started[i].s);
		if (started[i].t->stop)
			started[i].t->stop(started[i].t);
		chat_sender_free(started[i].s);
		started[i].s = NULL;
	}
	nstarted = 0;
	started_names[0] = NULL;
}

void
chat_halt(const char *transport)
{
	for (size_t i = 0; i < nstarted; i++)
		if (strcmp(started[i].t->name, transport) == 0)
			chat_sender_stop(started[i].s);
}

const char *const *
chat_enabled(void)
{
	return started_names;
}

void
chat_kick(void)
{
	for (size_t i = 0; i < nstarted; i++)
		chat_sender_kick(started[i].s);
}

static const char *const kind_names[] = {[CHAT_CARD] = "card", [CHAT_THREAD] = "thread"};

int
chat_notify(int64_t incident_id, enum chat_kind kind)
{
	int rc = 0;

	for (size_t i = 0; i < nstarted && rc == 0; i++)
		rc = store_outbox_add(started[i].t->name, incident_id, kind_names[kind], NULL);
	return rc;
}

int
chat_notify_note(int64_t incident_id, const char *text)
{
	cJSON *payload = cJSON_CreateObject();
	int rc = 0;

	cJSON_AddStringToObject(payload, "text", text);
	for (size_t i = 0; i < nstarted && rc == 0; i++)
		rc = store_outbox_add(started[i].t->name, incident_id, "thread", payload);
	cJSON_Delete(payload);
	return rc;
}

int
chat_notify_one(const char *transport, int64_t incident_id)
{
	struct incident inc;
	int rc = store_incident_get(incident_id, &inc);

	if (rc != 0)
		return rc;
	incident_free(&inc);
	rc = store_outbox_add(transport, incident_id, "card", NULL);

	for (size_t i = 0; i < nstarted && rc == 0; i++)
		if (strcmp(started[i].t->name, transport) == 0)
			chat_sender_kick(started[i].s);
	return rc;
}

int
chat_ref_get(const char *transport, int64_t incident_id, struct chat_ref *out)
{
	return store_chatref_get(incident_id, transport, out);
}

int
chat_person_set(const char *user_id, const char *name, int64_t ttl_ms)
{
	return store_person_set(user_id, name, ttl_ms);
}

int
chat_person_get(const char *user_id, char *out, size_t outlen, bool *fresh)
{
	return store_person_get(user_id, out, outlen, fresh);
}

int
chat_audit(const char *actor, int64_t incident_id, const char *kind, const char *message)
{
	int rc = store_begin();

	if (rc == STORE_OK)
		rc = store_audit(actor, incident_id, kind, message, NULL);
	if (rc == STORE_OK)
		return store_commit();
	store_rollback();
	return rc;
}

int
chat_token_spend(const char *token_id, int64_t incident_id, const char *actor, const char *verb,
		 int64_t expires_ms)
{
	return store_link_use(token_id, incident_id, actor, verb, expires_ms);
}

int
chat_token_spent(const char *token_id, bool *spent)
{
	return store_link_used(token_id, spent);
}

int
chat_conv_install(const char *transport, const struct chat_conv *c, const char *actor,
		  const char *message)
{
	char kind[48];
	bool changed = false;
	int rc = store_begin();

	snprintf(kind, sizeof(kind), "%s.installed", transport);
	if (rc == 0)
		rc = store_chat_conv_set(transport, c, &changed);
	if (rc == 0 && changed)
		rc = store_audit(actor, 0, kind, message, NULL);
	if (rc == 0)
		rc = store_commit();
	else
		store_rollback();
	return rc;
}

int
chat_incident_list(bool all, int limit, cJSON **out)
{
	return store_incident_list(all, limit, out);
}

int
chat_conv_get(const char *transport, const char *conversation_id, struct chat_conv *out)
{
	return store_chat_conv_get(transport, conversation_id, out);
}

int
chat_conv_default(const char *transport, struct chat_conv *out)
{
	return store_chat_conv_default(transport, out);
}
