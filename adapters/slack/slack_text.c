/* slack_text.c — the rest of what Slack shows: thread replies from the timeline, the reject
 * modal, the App Home tab, command replies, mention text back to a command, and the button
 * values that carry what a card showed. Pure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "present.h"
#include "slack_card.h"
#include "slack_card_int.h"
#include "util.h"

#define DIAG_OUTPUT_MAX 1200 /* a diagnostic's output in the thread: enough to read, not a log */
#define HOME_ROWS_MAX 90     /* leaves room for the header blocks under the 100-block limit */

/* ---- Block Kit builders shared with slack_card.c (slack_card_int.h) ---- */

char *
slack_escape(const char *s)
{
	struct buf b;

	buf_init(&b, 0);
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			buf_append(&b, "&amp;", 5);
			break;
		case '<':
			buf_append(&b, "&lt;", 4);
			break;
		case '>':
			buf_append(&b, "&gt;", 4);
			break;
		default:
			buf_append(&b, s, 1);
		}
	}
	return buf_steal(&b);
}

/* Appends escaped user text, cut to max bytes before escaping so an entity is never split. */
void
sc_esc(struct buf *b, const char *s, size_t max)
{
	char *cut = utf8_truncate(s ? s : "", max);
	char *e = slack_escape(cut);

	buf_printf(b, "%s", e);
	free(e);
	free(cut);
}

/* A user as mrkdwn: a Slack user is a mention, anyone else their escaped name. */
void
sc_user(struct buf *b, const char *user)
{
	if (strncmp(user, "slack:", 6) == 0 &&
	    strspn(user + 6, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			     "0123456789") == strlen(user + 6) &&
	    user[6] != '\0')
		buf_printf(b, "<@%s>", user + 6);
	else
		sc_esc(b, user, 128);
}

void
sc_person(struct buf *b, const cJSON *view, const char *user)
{
	if (strncmp(user, "slack:", 6) == 0)
		sc_user(b, user);
	else
		sc_esc(b, present_user(view, user), 128);
}

void
sc_people(struct buf *b, const cJSON *view, const char *text, size_t max)
{
	char *cut = utf8_truncate(text ? text : "", max);
	const char *p = cut, *at;
	size_t n;

	while ((at = present_next_user(p, &n)) != NULL) {
		char *part = xstrndup(p, (size_t)(at - p)), *id = xstrndup(at, n);
		sc_esc(b, part, max);
		sc_person(b, view, id);
		free(part);
		free(id);
		p = at + n;
	}
	sc_esc(b, p, max);
	free(cut);
}

cJSON *
sc_text(const char *type, const char *s, size_t max)
{
	cJSON *t = cJSON_CreateObject();
	char *cut = utf8_truncate(s, max);

	cJSON_AddStringToObject(t, "type", type);
	cJSON_AddStringToObject(t, "text", cut[0] ? cut : " ");
	if (strcmp(type, "plain_text") == 0)
		cJSON_AddBoolToObject(t, "emoji", true);
	free(cut);
	return t;
}

/* Adds a block unless the message is full: a card never exceeds the limit, whatever the
 * view holds. */
void
sc_add(cJSON *blocks, cJSON *block, int max)
{
	if (cJSON_GetArraySize(blocks) >= max) {
		cJSON_Delete(block);
		return;
	}
	cJSON_AddItemToArray(blocks, block);
}

cJSON *
sc_section(const char *md)
{
	cJSON *s = cJSON_CreateObject();

	cJSON_AddStringToObject(s, "type", "section");
	cJSON_AddItemToObject(s, "text", sc_text("mrkdwn", md, SLACK_TEXT_MAX));
	return s;
}

cJSON *
sc_context(const char *md)
{
	cJSON *c = cJSON_CreateObject();
	cJSON *els = cJSON_AddArrayToObject(c, "elements");

	cJSON_AddStringToObject(c, "type", "context");
	cJSON_AddItemToArray(els, sc_text("mrkdwn", md, SLACK_TEXT_MAX));
	return c;
}

/* "<!date^…^{date_short_pretty} {time}|fallback>": shown in each reader's time zone. */
void
sc_date(struct buf *b, const char *iso, const char *fmt)
{
	int64_t ms;

	if (iso == NULL || time_parse_iso(iso, &ms) != 0 || ms <= 0) {
		buf_printf(b, "—");
		return;
	}
	buf_printf(b, "<!date^%lld^%s|%.19sZ>", (long long)(ms / 1000), fmt, iso);
}

/* "awaiting_approval" → "awaiting approval" */
void
sc_state(struct buf *b, const char *state)
{
	for (const char *p = state; *p; p++)
		buf_append(b, *p == '_' ? " " : p, 1);
}

/* ---- thread replies ---- */

static const char *
kind_mark(const char *kind)
{
	static const char *const marks[][2] = {
	    {"incident.opened", "🚨"},	  {"alert.received", "🔁"},
	    {"analysis.proposed", "🔎"},	  {"policy.decision", "⚖️"},
	    {"approval.granted", "👍"},	  {"approval.refused", "🚫"},
	    {"approval.rejected", "👎"},	  {"step.started", "▶️"},
	    {"step.finished", "⚙️"},  {"step.resumed", "↩️"},
	    {"incident.state", "➡️"}, {"incident.ack", "👀"},
	    {"command", "⌨️"},	  {"param.refused", "🚫"}};

	for (size_t i = 0; i < ARRAY_LEN(marks); i++)
		if (strcmp(kind, marks[i][0]) == 0)
			return marks[i][1];
	return "•";
}

/* The output of the diagnostic named in "diagnostic 'name' …", latest attempt. Borrowed. */
static const char *
diag_output(const cJSON *view, const char *message)
{
	const cJSON *r, *found = NULL;
	const char *q, *e;
	size_t n;

	if (strncmp(message, "diagnostic '", 12) != 0)
		return NULL;
	q = message + 12;
	if ((e = strstr(q, "' ")) == NULL)
		return NULL;
	n = (size_t)(e - q);
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(view, "step_runs"))
	{
		const char *name = view_str(r, "name");
		if (strcmp(view_str(r, "phase"), "diagnostic") == 0 && strlen(name) == n &&
		    strncmp(name, q, n) == 0)
			found = r;
	}
	if (found == NULL)
		return NULL;
	return view_str(found, "output")[0] ? view_str(found, "output") : view_str(found, "stderr");
}

/* Where the similar incidents go: the first row of the analysis, i.e. the proposal, or the
 * move to needs_attention when nothing could be proposed. -1 if none yet. */
static int
similar_row(const cJSON *tl)
{
	const cJSON *r;
	int i = 0;

	cJSON_ArrayForEach(r, tl)
	{
		const char *k = view_str(r, "kind");
		if (strcmp(k, "analysis.proposed") == 0 ||
		    (strcmp(k, "incident.state") == 0 &&
		     strstr(view_str(r, "message"), "→ needs_attention") != NULL))
			return i;
		i++;
	}
	return -1;
}

static void
similar_lines(struct buf *b, const cJSON *view)
{
	const cJSON *s;
	char dur[48];

	if (cJSON_GetArraySize(cJSON_GetObjectItem(view, "similar")) == 0)
		return;
	buf_printf(b, "\n*Similar incidents:*");
	cJSON_ArrayForEach(s, cJSON_GetObjectItem(view, "similar"))
	{
		buf_printf(b, "\n• *");
		sc_esc(b, view_str(s, "key"), 32);
		buf_printf(b, "* ");
		sc_esc(b, view_str(s, "title"), 200);
		buf_printf(b, " — ");
		if (view_str(s, "outcome")[0])
			sc_esc(b, view_str(s, "outcome"), 300);
		else
			sc_state(b, view_str(s, "state"));
		if (view_str(s, "runbook")[0]) {
			char *rb = present_similar_runbook(s);
			buf_printf(b, " (");
			sc_esc(b, rb, 140);
			buf_printf(b, ")");
			free(rb);
		}
		/* the same duration as on the cards: opened → finished */
		present_similar_time(s, dur, sizeof(dur));
		if (dur[0])
			buf_printf(b, ", %s", dur);
	}
}

void
sc_ladder_block(cJSON *blocks, const cJSON *v, int max)
{
	const cJSON *s, *ladder = cJSON_GetObjectItem(v, "ladder");
	struct buf b;

	if (!cJSON_IsObject(ladder))
		return;
	buf_init(&b, 0);
	buf_printf(&b, "*Recovery ladder*");
	cJSON_ArrayForEach(s, cJSON_GetObjectItem(ladder, "stages"))
	{
		bool cur = cJSON_IsTrue(cJSON_GetObjectItem(s, "current"));

		buf_printf(&b, "\n%s%d. `", cur ? ":arrow_forward: *" : "",
			   (int)view_num(s, "stage"));
		sc_esc(&b, view_str(s, "runbook"), 64);
		buf_printf(&b, "` ");
		sc_esc(&b, view_str(s, "title"), 200);
		buf_printf(&b, ": ");
		sc_esc(&b, view_str(s, "status"), 16);
		buf_printf(&b, "%s", cur ? "*" : "");
	}
	sc_add(blocks, sc_section(b.data), max);
	buf_free(&b);
}

/* The end of a recovery ladder calls the people who approve its last stage: Slack members
 * are mentioned (notified), anyone else is named. */
static void
page_line(struct buf *b, const cJSON *view)
{
	const cJSON *m, *page = cJSON_GetObjectItem(cJSON_GetObjectItem(view, "ladder"), "page");
	int n = 0;

	cJSON_ArrayForEach(m, page)
	{
		if (!cJSON_IsString(m))
			continue;
		buf_printf(b, "%s", n++ ? " " : "\n:rotating_light: ");
		sc_user(b, m->valuestring);
	}
}

static void
row_line(struct buf *b, const cJSON *view, const cJSON *row, bool with_similar)
{
	const char *actor = view_str(row, "actor"), *msg = view_str(row, "message");
	const char *out;

	buf_printf(b, "%s ", kind_mark(view_str(row, "kind")));
	sc_date(b, cJSON_GetStringValue(cJSON_GetObjectItem(row, "at")), "{time_secs}");
	buf_printf(b, " ");
	if (actor[0] && strcmp(actor, "healer") != 0) {
		buf_printf(b, "*");
		sc_person(b, view, actor);
		buf_printf(b, "* ");
	}
	sc_people(b, view, msg, 1500);
	if (strcmp(view_str(row, "kind"), "ladder.exhausted") == 0)
		page_line(b, view);
	if ((out = diag_output(view, msg)) != NULL && out[0]) {
		size_t n = strlen(out);
		while (n > 0 && out[n - 1] == '\n')
			n--;
		char *o = xstrndup(out, n);
		buf_printf(b, "\n```");
		sc_esc(b, o, DIAG_OUTPUT_MAX);
		buf_printf(b, "```");
		free(o);
	}
	if (with_similar)
		similar_lines(b, view);
}

char *
slack_thread_render(const cJSON *view, size_t from, size_t *next)
{
	const cJSON *tl = cJSON_GetObjectItem(view, "timeline");
	size_t n = (size_t)cJSON_GetArraySize(tl), i;
	struct buf out, line;
	int sim = similar_row(tl);

	*next = from;
	if (from >= n)
		return NULL;
	buf_init(&out, 0);
	buf_init(&line, 0);
	for (i = from; i < n; i++) {
		buf_free(&line);
		row_line(&line, view, cJSON_GetArrayItem(tl, (int)i), (int)i == sim);
		if (out.len > 0 && out.len + 1 + line.len > SLACK_MSG_TEXT_MAX)
			break;
		if (line.len > SLACK_MSG_TEXT_MAX) {
			char *cut = utf8_truncate(line.data, SLACK_MSG_TEXT_MAX - 8);
			buf_printf(&out, "%s", cut);
			if (strstr(line.data, "```") && !strstr(cut + strlen(cut) - 8, "```"))
				buf_printf(&out, "```");
			free(cut);
		} else {
			buf_printf(&out, "%s%s", out.len ? "\n" : "", line.data);
		}
		*next = i + 1;
	}
	buf_free(&line);
	return buf_steal(&out);
}

cJSON *
slack_reject_modal(const char *value, const char *channel)
{
	cJSON *m = cJSON_CreateObject(), *blocks, *in, *el;
	char title[64], *meta, *key = NULL;
	int64_t id = 0;
	struct card_ref ref;

	if (slack_value_parse(value, &id, &ref) == 0)
		key = xasprintf("INC-%lld", (long long)id);
	snprintf(title, sizeof(title), "Reject %s", key ? key : "incident");
	meta = xasprintf("%s|%s", value ? value : "", channel ? channel : "");
	cJSON_AddStringToObject(m, "type", "modal");
	cJSON_AddStringToObject(m, "callback_id", SLACK_REJECT_CALLBACK);
	cJSON_AddItemToObject(m, "title", sc_text("plain_text", title, SLACK_MODAL_TITLE_MAX));
	cJSON_AddItemToObject(m, "submit", sc_text("plain_text", "Reject", SLACK_MODAL_TITLE_MAX));
	cJSON_AddItemToObject(m, "close", sc_text("plain_text", "Cancel", SLACK_MODAL_TITLE_MAX));
	if (strlen(meta) <= SLACK_METADATA_MAX)
		cJSON_AddStringToObject(m, "private_metadata", meta);
	blocks = cJSON_AddArrayToObject(m, "blocks");
	in = cJSON_CreateObject();
	cJSON_AddStringToObject(in, "type", "input");
	cJSON_AddStringToObject(in, "block_id", SLACK_REJECT_BLOCK);
	cJSON_AddItemToObject(in, "label",
			      sc_text("plain_text", "Why reject this action?", SLACK_TEXT_MAX));
	el = cJSON_AddObjectToObject(in, "element");
	cJSON_AddStringToObject(el, "type", "plain_text_input");
	cJSON_AddStringToObject(el, "action_id", SLACK_REJECT_INPUT);
	cJSON_AddBoolToObject(el, "multiline", true);
	cJSON_AddNumberToObject(el, "max_length", 500); /* the grammar keeps 511 bytes */
	sc_add(blocks, in, SLACK_VIEW_BLOCKS_MAX);
	free(meta);
	free(key);
	return m;
}

/* A link that opens the card's message: channel archive URL with the ts without its dot.
 * The ids are checked because the URL goes inside mrkdwn <url|text> and a button url. */
bool
sc_card_url(struct buf *b, const char *channel, const char *ts)
{
	size_t cl = strlen(channel), tl = strlen(ts);

	if (cl == 0 || cl > 32 || strspn(channel, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != cl ||
	    tl == 0 || tl > 32 || strspn(ts, "0123456789.") != tl)
		return false;
	buf_printf(b, "https://slack.com/archives/%s/p", channel);
	for (; *ts; ts++)
		if (*ts != '.')
			buf_append(b, ts, 1);
	return true;
}

cJSON *
slack_home_render(const cJSON *list, int64_t now)
{
	cJSON *v = cJSON_CreateObject(), *blocks, *hdr;
	const cJSON *it;
	struct buf b;
	char upd[40];
	int n = cJSON_GetArraySize(list), shown = 0;

	cJSON_AddStringToObject(v, "type", "home");
	blocks = cJSON_AddArrayToObject(v, "blocks");
	hdr = cJSON_CreateObject();
	cJSON_AddStringToObject(hdr, "type", "header");
	cJSON_AddItemToObject(hdr, "text",
			      sc_text("plain_text", "healer — open incidents", SLACK_HEADER_MAX));
	sc_add(blocks, hdr, SLACK_VIEW_BLOCKS_MAX);
	buf_init(&b, 0);
	time_format_iso(now, upd, sizeof(upd));
	buf_printf(&b, "%d open incident%s · updated ", n, n == 1 ? "" : "s");
	sc_date(&b, upd, "{date_short_pretty} {time}");
	sc_add(blocks, sc_context(b.data), SLACK_VIEW_BLOCKS_MAX);
	buf_free(&b);
	if (n == 0)
		sc_add(blocks, sc_section("Nothing open. :sunny:"), SLACK_VIEW_BLOCKS_MAX);
	cJSON_ArrayForEach(it, list)
	{
		cJSON *s;
		const char *ch = view_str(it, "slack_channel"), *ts = view_str(it, "slack_ts");
		if (shown == HOME_ROWS_MAX) {
			buf_printf(&b, "… and %d more: `/incident list`", n - shown);
			sc_add(blocks, sc_context(b.data), SLACK_VIEW_BLOCKS_MAX);
			buf_free(&b);
			break;
		}
		shown++;
		buf_printf(&b, "*%s* · ", view_str(it, "key"));
		sc_state(&b, view_str(it, "state"));
		buf_printf(&b, " · %s\n", view_str(it, "severity"));
		sc_esc(&b, view_str(it, "title"), 400);
		buf_printf(&b, "\n");
		sc_esc(&b, view_str(it, "resource")[0] ? view_str(it, "resource") : "—", 200);
		buf_printf(&b, " · %d occurrence%s · opened ", (int)view_num(it, "occurrences"),
			   (int)view_num(it, "occurrences") == 1 ? "" : "s");
		sc_date(&b, cJSON_GetStringValue(cJSON_GetObjectItem(it, "created_at")),
			"{date_short_pretty} {time}");
		s = sc_section(b.data);
		buf_free(&b);
		if (sc_card_url(&b, ch, ts)) {
			cJSON *btn = cJSON_AddObjectToObject(s, "accessory");
			cJSON_AddStringToObject(btn, "type", "button");
			cJSON_AddItemToObject(
			    btn, "text", sc_text("plain_text", "Open card", SLACK_BUTTON_TEXT_MAX));
			cJSON_AddStringToObject(btn, "action_id", SLACK_ACT_OPEN);
			cJSON_AddStringToObject(btn, "value", view_str(it, "key"));
			cJSON_AddStringToObject(btn, "url", b.data);
		}
		buf_free(&b);
		sc_add(blocks, s, SLACK_VIEW_BLOCKS_MAX);
	}
	return v;
}

char *
slack_reply_text(const char *text, bool ok, size_t max)
{
	const char *t = text ? text : "";
	size_t n = strlen(t);
	bool multi;
	struct buf b;
	char *r, *inner;

	while (n > 0 && t[n - 1] == '\n')
		n--;
	inner = xstrndup(t, n);
	multi = strchr(inner, '\n') != NULL;
	buf_init(&b, 0);
	if (!ok)
		buf_printf(&b, ":no_entry_sign: ");
	if (multi)
		buf_printf(&b, "```\n");
	sc_esc(&b, inner, max > 64 ? max - 64 : max); /* room for the fences */
	if (multi)
		buf_printf(&b, "\n```");
	r = utf8_truncate(b.data ? b.data : "", max);
	buf_free(&b);
	free(inner);
	return r;
}

char *
slack_mention_command(const char *text)
{
	static const char *const map[][2] = {{"&amp;", "&"}, {"&lt;", "<"},  {"&gt;", ">"},
					     {"“", "\""},    {"”", "\""},    {"‘", "'"},
					     {"’", "'"},     {"\u00a0", " "}};
	const char *p = text ? text : "";
	struct buf b;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (strncmp(p, "<@", 2) != 0 || strchr(p, '>') == NULL)
			break;
		p = strchr(p, '>') + 1;
	}
	buf_init(&b, 0);
	while (*p) {
		size_t i;
		for (i = 0; i < ARRAY_LEN(map); i++) {
			size_t l = strlen(map[i][0]);
			if (strncmp(p, map[i][0], l) == 0) {
				buf_printf(&b, "%s", map[i][1]);
				p += l;
				break;
			}
		}
		if (i == ARRAY_LEN(map))
			buf_append(&b, p++, 1);
	}
	return buf_steal(&b);
}

/* ---- button values (slack_card.h) ---- */

void
slack_value_format(int64_t id, const struct card_ref *ref, char *out, size_t outlen)
{
	snprintf(out, outlen, "%lld:%d:%lld:%s", (long long)id, ref->version,
		 (long long)ref->action_id, ref->state);
}

int
slack_value_parse(const char *value, int64_t *id, struct card_ref *ref)
{
	long long iid, aid;
	int ver, n = 0;

	memset(ref, 0, sizeof(ref[0]));
	if (value == NULL || strlen(value) > 200 ||
	    sscanf(value, "%lld:%d:%lld:%n", &iid, &ver, &aid, &n) != 3 || n == 0 || iid <= 0 ||
	    ver <= 0 || aid < 0)
		return -1;
	const char *st = value + n;
	size_t sl = strcspn(st, "|");
	if (sl == 0 || sl >= sizeof(ref->state) || strspn(st, "abcdefghijklmnopqrstuvwxyz_") < sl)
		return -1;
	memcpy(ref->state, st, sl);
	ref->state[sl] = '\0';
	ref->version = ver;
	ref->action_id = aid;
	*id = iid;
	return 0;
}
