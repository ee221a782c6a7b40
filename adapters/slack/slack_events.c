/* slack_events.c — Socket Mode envelopes: ack first, then dedupe and dispatch slash commands,
 * button clicks, the reject modal, mentions and the App Home tab to the shared grammar. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "command.h"
#include "log.h"
#include "loop.h"
#include "slack_card.h"
#include "slack_int.h"
#include "util.h"

#define SEEN_RING 4096	  /* recent ids remembered: redeliveries come within minutes */
#define SEEN_BUCKETS 8192 /* a power of two */
#define SEEN_KEY_MAX 96
#define ACK_TEXT_MAX 2900 /* longer slash answers go through response_url */
#define RESPONSE_TEXT_MAX 12000
#define PENDING_MAX 10000 /* envelopes acked but not yet processed */

struct seen {
	char key[SEEN_KEY_MAX];
	int next; /* bucket chain, -1 at the end */
};

struct pending {
	struct pending *next;
	cJSON *env;
};

static struct seen *ring;
static int *buckets;
static size_t ring_pos, ring_used;
static struct pending *ph, *pt;
static size_t npending;
static bool proc_posted;

void
slack_events_init(void)
{
	ring = xcalloc(SEEN_RING, sizeof(*ring));
	buckets = xmalloc(SEEN_BUCKETS * sizeof(*buckets));
	for (size_t i = 0; i < SEEN_BUCKETS; i++)
		buckets[i] = -1;
	ring_pos = ring_used = 0;
}

void
slack_events_free(void)
{
	struct pending *p, *next;

	for (p = ph; p; p = next) {
		next = p->next;
		cJSON_Delete(p->env);
		free(p);
	}
	ph = pt = NULL;
	npending = 0;
	free(ring);
	free(buckets);
	ring = NULL;
	buckets = NULL;
}

static unsigned
hash(const char *s)
{
	unsigned h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h & (SEEN_BUCKETS - 1);
}

/* Remembers key; true if it was seen already. The oldest key is forgotten to make room. */
static bool
seen(const char *prefix, const char *id)
{
	char key[SEEN_KEY_MAX];
	int *pp, i;

	if (id == NULL || *id == '\0' || ring == NULL)
		return false;
	snprintf(key, sizeof(key), "%s:%s", prefix, id);
	for (i = buckets[hash(key)]; i >= 0; i = ring[i].next)
		if (strcmp(ring[i].key, key) == 0)
			return true;
	if (ring_used == SEEN_RING) {
		struct seen *old = &ring[ring_pos];
		for (pp = &buckets[hash(old->key)]; *pp >= 0; pp = &ring[*pp].next)
			if (*pp == (int)ring_pos) {
				*pp = old->next;
				break;
			}
	} else {
		ring_used++;
	}
	snprintf(ring[ring_pos].key, SEEN_KEY_MAX, "%s", key);
	ring[ring_pos].next = buckets[hash(key)];
	buckets[hash(key)] = (int)ring_pos;
	ring_pos = (ring_pos + 1) % SEEN_RING;
	return false;
}

static const char *
jstr(const cJSON *o, const char *path)
{
	/* "a.b.c": nested members */
	char part[64];
	const char *p = path, *dot;

	while (o && (dot = strchr(p, '.')) != NULL) {
		snprintf(part, sizeof(part), "%.*s", (int)(dot - p), p);
		o = cJSON_GetObjectItem(o, part);
		p = dot + 1;
	}
	return cJSON_GetStringValue(cJSON_GetObjectItem(o, p));
}

/* After a refusal the engine audited: the thread should show it, so sync the card. */
static void
refresh_card(int64_t id)
{
	if (id > 0)
		chat_notify_one(SLACK_ADAPTER, id); /* an unknown id has no card to sync */
}

/* "slack:<uid>", the policy's name for the user; their display name is fetched for the
 * cards while the audit keeps the id. */
static void
user_name(char *out, size_t outlen, const char *uid)
{
	snprintf(out, outlen, "slack:%s", uid ? uid : "");
	if (uid)
		slack_people_learn(uid);
}

/* ---- slash commands: answered in the ack, or through response_url when the answer takes
 * longer than the ack may wait (stats) ---- */

struct slash_reply {
	struct sm_conn *conn; /* valid only while handle_slash runs */
	char eid[96];
	char *url;
	bool acked;
};

static void
slash_done(struct command_reply *r, void *ctx)
{
	struct slash_reply *s = ctx;
	char *reply = slack_reply_text(r->text, r->ok, RESPONSE_TEXT_MAX);
	cJSON *ack = cJSON_CreateObject();

	cJSON_AddStringToObject(ack, "response_type", "ephemeral");
	cJSON_AddStringToObject(ack, "text", reply);
	if (!s->acked && strlen(reply) <= ACK_TEXT_MAX) {
		slack_link_ack(s->conn, s->eid, ack, NULL);
		cJSON_Delete(ack);
	} else {
		if (!s->acked)
			slack_link_ack(s->conn, s->eid, NULL, NULL);
		slack_api_respond(s->url, ack); /* takes ack */
	}
	if (!r->ok)
		refresh_card(r->incident_id);
	free(reply);
	if (s->acked) { /* answered after handle_slash returned: the last one out frees */
		free(s->url);
		free(s);
	} else {
		s->acked = true;
		s->conn = NULL;
	}
}

static void
handle_slash(struct sm_conn *c, const char *eid, const cJSON *p)
{
	const char *uid = jstr(p, "user_id"), *url = jstr(p, "response_url");
	char user[96], *line;
	struct slash_reply *s;

	if (uid == NULL) {
		slack_link_ack(c, eid, NULL, NULL);
		return;
	}
	user_name(user, sizeof(user), uid);
	line = slack_mention_command(jstr(p, "text"));
	s = xcalloc(1, sizeof(*s));
	s->conn = c;
	snprintf(s->eid, sizeof(s->eid), "%s", eid);
	s->url = xstrdup(url);
	command_run_line_async(line[0] ? line : "help", user, slash_done, s);
	free(line);
	if (s->acked) { /* answered in the ack */
		free(s->url);
		free(s);
		return;
	}
	/* the answer comes later: ack now (Slack waits 3 s at most), answer by response_url */
	slack_link_ack(c, eid, NULL, NULL);
	s->acked = true;
	s->conn = NULL;
}

/* ---- events: mentions and the App Home tab ---- */

struct mention_reply {
	char *uid, *channel, *ts;
};

static void
mention_done(struct command_reply *r, void *ctx)
{
	struct mention_reply *m = ctx;
	char *reply = slack_reply_text(r->text, r->ok, SLACK_MSG_TEXT_MAX);

	if (!r->ok) {
		slack_api_ephemeral(m->channel, m->uid, reply);
		refresh_card(r->incident_id);
	} else {
		cJSON *b = cJSON_CreateObject();
		cJSON_AddStringToObject(b, "channel", m->channel);
		if (m->ts)
			cJSON_AddStringToObject(b, "thread_ts", m->ts);
		cJSON_AddStringToObject(b, "text", reply);
		slack_api_call("chat.postMessage", b, NULL, NULL);
	}
	free(reply);
	free(m->uid);
	free(m->channel);
	free(m->ts);
	free(m);
}

static void
handle_mention(const cJSON *ev)
{
	const char *uid = jstr(ev, "user"), *ch = jstr(ev, "channel");
	const char *ts = jstr(ev, "thread_ts") ? jstr(ev, "thread_ts") : jstr(ev, "ts");
	char user[96], *line;
	struct mention_reply *m;

	if (uid == NULL || ch == NULL || cJSON_GetObjectItem(ev, "bot_id"))
		return;
	user_name(user, sizeof(user), uid);
	line = slack_mention_command(jstr(ev, "text"));
	m = xcalloc(1, sizeof(*m));
	m->uid = xstrdup(uid);
	m->channel = xstrdup(ch);
	m->ts = xstrdup(ts);
	command_run_line_async(line[0] ? line : "help", user, mention_done, m);
	free(line);
}

static void
publish_home(const char *uid)
{
	cJSON *list = NULL, *it, *body;
	struct chat_ref ref;

	if (chat_incident_list(false, 100, &list) != 0)
		return;
	cJSON_ArrayForEach(it, list)
	{
		int64_t id = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(it, "id"));
		if (chat_ref_get(SLACK_ADAPTER, id, &ref) == 0 && ref.msg_id[0]) {
			cJSON_AddStringToObject(it, "slack_channel", ref.channel);
			cJSON_AddStringToObject(it, "slack_ts", ref.msg_id);
		}
	}
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "user_id", uid);
	cJSON_AddItemToObject(body, "view", slack_home_render(list, now_ms()));
	cJSON_Delete(list);
	slack_api_call("views.publish", body, NULL, NULL);
}

static void
handle_event(const cJSON *p)
{
	const cJSON *ev = cJSON_GetObjectItem(p, "event");
	const char *type = jstr(ev, "type");

	if (seen("event", jstr(p, "event_id")) || type == NULL)
		return;
	if (strcmp(type, "app_mention") == 0)
		handle_mention(ev);
	else if (strcmp(type, "app_home_opened") == 0 && jstr(ev, "user") &&
		 (jstr(ev, "tab") == NULL || strcmp(jstr(ev, "tab"), "home") == 0))
		publish_home(jstr(ev, "user"));
	else
		log_debug("slack: ignoring event %s", type);
}

/* ---- interactivity: buttons and the reject modal ---- */

static void
click(const char *uid, const char *ch, enum command_verb verb, int64_t id,
      const struct card_ref *ref)
{
	struct command c;
	struct command_reply r;
	char user[96], *reply;

	memset(&c, 0, sizeof(c));
	c.verb = verb;
	c.incident_id = id;
	c.card = *ref;
	user_name(user, sizeof(user), uid);
	command_execute(&c, user, &r);
	if (!r.ok || verb == CMD_DRYRUN) {
		reply = slack_reply_text(r.text, r.ok, SLACK_MSG_TEXT_MAX);
		slack_api_ephemeral(ch, uid, reply);
		free(reply);
	}
	if (!r.ok)
		refresh_card(id);
	command_reply_free(&r);
}

static void
handle_actions(const cJSON *p)
{
	const cJSON *a = cJSON_GetArrayItem(cJSON_GetObjectItem(p, "actions"), 0);
	const char *uid = jstr(p, "user.id"), *aid = jstr(a, "action_id");
	const char *ch = jstr(p, "container.channel_id") ? jstr(p, "container.channel_id")
							 : jstr(p, "channel.id");
	const char *value = jstr(a, "value");
	char key[160];
	struct card_ref ref;
	int64_t id;

	if (uid == NULL || aid == NULL)
		return;
	snprintf(key, sizeof(key), "%s:%s", uid, jstr(a, "action_ts") ? jstr(a, "action_ts") : "");
	if (jstr(a, "action_ts") && seen("action", key))
		return;
	if (strcmp(aid, SLACK_ACT_OPEN) == 0)
		return; /* a link button: Slack opens it */
	if (slack_value_parse(value, &id, &ref) != 0) {
		log_warnx("slack: click on %s with an unreadable value ignored", aid);
		return;
	}
	if (strcmp(aid, SLACK_ACT_APPROVE) == 0)
		click(uid, ch, CMD_APPROVE, id, &ref);
	else if (strcmp(aid, SLACK_ACT_DRYRUN) == 0)
		click(uid, ch, CMD_DRYRUN, id, &ref);
	else if (strcmp(aid, SLACK_ACT_ACK) == 0)
		click(uid, ch, CMD_ACK, id, &ref);
	else if (strcmp(aid, SLACK_ACT_REJECT) == 0 && jstr(p, "trigger_id")) {
		cJSON *b = cJSON_CreateObject();
		cJSON_AddStringToObject(b, "trigger_id", jstr(p, "trigger_id"));
		cJSON_AddItemToObject(b, "view", slack_reject_modal(value, ch));
		slack_api_call("views.open", b, NULL, NULL);
	} else
		log_debug("slack: ignoring action %s", aid);
}

static const char *
reject_reason(const cJSON *p)
{
	const cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(p, "view"), "state");

	v = cJSON_GetObjectItem(cJSON_GetObjectItem(v, "values"), SLACK_REJECT_BLOCK);
	return jstr(cJSON_GetObjectItem(v, SLACK_REJECT_INPUT), "value");
}

static bool
is_reject_submission(const cJSON *env)
{
	const cJSON *p = cJSON_GetObjectItem(env, "payload");
	const char *cb = jstr(p, "view.callback_id");

	return jstr(p, "type") && strcmp(jstr(p, "type"), "view_submission") == 0 && cb &&
	       strcmp(cb, SLACK_REJECT_CALLBACK) == 0;
}

static bool
blank(const char *s)
{
	return s == NULL || s[strspn(s, " \t\r\n")] == '\0';
}

static void
handle_reject(const cJSON *p)
{
	const char *uid = jstr(p, "user.id"), *meta = jstr(p, "view.private_metadata");
	char value[256], user[96], *reason, *reply;
	const char *bar, *ch;
	struct command c;
	struct command_reply r;
	int64_t id;

	if (uid == NULL || meta == NULL || (bar = strrchr(meta, '|')) == NULL ||
	    (size_t)(bar - meta) >= sizeof(value))
		return;
	snprintf(value, sizeof(value), "%.*s", (int)(bar - meta), meta);
	ch = bar + 1;
	memset(&c, 0, sizeof(c));
	if (slack_value_parse(value, &id, &c.card) != 0)
		return;
	c.verb = CMD_REJECT;
	c.incident_id = id;
	reason = utf8_truncate(reject_reason(p), sizeof(c.text) - 1);
	snprintf(c.text, sizeof(c.text), "%s", reason);
	free(reason);
	user_name(user, sizeof(user), uid);
	command_execute(&c, user, &r);
	if (!r.ok) {
		reply = slack_reply_text(r.text, false, SLACK_MSG_TEXT_MAX);
		slack_api_ephemeral(ch, uid, reply);
		free(reply);
		refresh_card(id);
	}
	command_reply_free(&r);
}

/* ---- envelopes ---- */

static void
process(const cJSON *env)
{
	const char *type = jstr(env, "type");
	const cJSON *p = cJSON_GetObjectItem(env, "payload");
	const char *ptype = jstr(p, "type");

	if (seen("envelope", jstr(env, "envelope_id")) || type == NULL)
		return;
	if (strcmp(type, "events_api") == 0)
		handle_event(p);
	else if (strcmp(type, "interactive") == 0 && ptype && strcmp(ptype, "block_actions") == 0)
		handle_actions(p);
	else if (is_reject_submission(env))
		handle_reject(p);
	else
		log_debug("slack: ignoring envelope %s/%s", type, ptype ? ptype : "-");
}

static void
process_all(void *arg)
{
	struct pending *p;

	(void)arg;
	proc_posted = false;
	while ((p = ph) != NULL && ring != NULL) {
		ph = p->next;
		if (ph == NULL)
			pt = NULL;
		npending--;
		process(p->env);
		cJSON_Delete(p->env);
		free(p);
	}
}

void
slack_envelope(struct sm_conn *c, cJSON *env)
{
	const char *eid = jstr(env, "envelope_id"), *type = jstr(env, "type");

	if (type && strcmp(type, "slash_commands") == 0) {
		/* the answer rides on the ack, so this one runs first */
		if (seen("envelope", eid))
			slack_link_ack(c, eid, NULL, NULL);
		else
			handle_slash(c, eid, cJSON_GetObjectItem(env, "payload"));
		cJSON_Delete(env);
		return;
	}
	if (is_reject_submission(env) &&
	    blank(reject_reason(cJSON_GetObjectItem(env, "payload")))) {
		cJSON *ack = cJSON_Parse("{\"response_action\":\"errors\",\"errors\":{}}");
		cJSON_AddStringToObject(cJSON_GetObjectItem(ack, "errors"), SLACK_REJECT_BLOCK,
					"Say why you reject this action: it goes on the record.");
		slack_link_ack(c, eid, ack, NULL);
		cJSON_Delete(ack);
		cJSON_Delete(env);
		return;
	}
	slack_link_ack(c, eid, NULL, env);
}

void
slack_envelope_acked(cJSON *env)
{
	struct pending *p;

	if (npending >= PENDING_MAX || ring == NULL) {
		log_warnx("slack: %zu envelopes waiting; dropping %s", npending,
			  jstr(env, "envelope_id"));
		cJSON_Delete(env);
		return;
	}
	p = xmalloc(sizeof(*p));
	p->next = NULL;
	p->env = env;
	if (pt)
		pt->next = p;
	else
		ph = p;
	pt = p;
	npending++;
	if (!proc_posted) {
		proc_posted = true;
		loop_post(process_all, NULL);
	}
}
