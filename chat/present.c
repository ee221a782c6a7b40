/* present.c — the display semantics every chat surface shares: what an incident view means
 * on a card (terminal, buttons, labels, wording, outcome, durations, names). Pure. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "present.h"
#include "util.h"
#include "view.h"

/* The header mark of an undecided incident is its severity. */
static const struct {
	const char *severity, *emoji, *tone;
} severities[] = {
    {"sev1", "🔴", "attention"},
    {"sev2", "🟠", "warning"},
    {"sev3", "🟡", "accent"},
    {"sev4", "🔵", "default"},
};

/* Once a decision is taken the header follows the state. NULL emoji: the severity's. Every
 * emoji here is drawn two columns wide by terminals (present_cols agrees). */
static const struct {
	const char *state, *emoji, *tone;
} state_looks[] = {
    {"open", NULL, NULL},
    {"awaiting_approval", NULL, NULL},
    {"approved", "⏳", "accent"},
    {"running", "⏳", "accent"},
    {"verifying", "⏳", "accent"},
    {"blocked", "⛔", "warning"},
    {"needs_attention", "🚨", "attention"},
    {"resolved", "✅", "good"},
    {"failed", "❌", "attention"},
    {"rolled_back", "⏪", "attention"},
    {"rejected", "🚫", "default"},
    {"expired", "⌛", "default"},
    {"closed", "🏁", "default"},
};

/* ONE wording per analysis source, on every surface (views.md "analysis_source"). */
static const char *const sources[][2] = {
    {"rules", "rule match"},
    {"search", "text-search suggestion"},
    {"llm", "LLM analysis"},
    {"request", "requested by a human"},
};

static const char *const risk_tones[][2] = {
    {"low", "good"}, {"medium", "warning"}, {"high", "attention"}, {"critical", "attention"}};

static const char *const failed_statuses[] = {"failed", "timeout", "error"};

const char *
present_source_name(const char *src)
{
	for (size_t i = 0; src && i < ARRAY_LEN(sources); i++)
		if (strcmp(src, sources[i][0]) == 0)
			return sources[i][1];
	return "";
}

void
present_state_label(const char *state, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s", state && *state ? state : "unknown");
	for (char *p = out; *p; p++)
		if (*p == '_')
			*p = ' ';
}

/* Milliseconds of an RFC 3339 member, or 0 when absent. */
static int64_t
view_ms(const cJSON *o, const char *k)
{
	int64_t ms = 0;
	const char *s = view_str(o, k);

	if (*s == '\0' || time_parse_iso(s, &ms) != 0 || ms <= 0)
		return 0;
	return ms;
}

static const char *
fix_heading(const cJSON *act, bool terminal, const char *state)
{
	bool started = *view_str(act, "started_at") != '\0';

	if (!cJSON_IsObject(act))
		return "";
	if (!started)
		return terminal ? "proposed fix (never ran)" : "proposed fix";
	/* verifying with a fix that succeeded: it waits for related alerts to clear */
	if ((strcmp(state, "running") == 0 || strcmp(state, "verifying") == 0) &&
	    strcmp(view_str(act, "status"), "succeeded") != 0)
		return "fix (running)";
	return "fix that ran";
}

void
present_view(const cJSON *view, struct present *p)
{
	const char *state = view_str(view, "state"), *sev = view_str(view, "severity");
	const cJSON *act = cJSON_GetObjectItem(view, "action");
	size_t i;

	memset(p, 0, sizeof(*p));
	if (!cJSON_IsObject(act))
		act = NULL;
	p->terminal = state_is_terminal_name(state);
	present_state_label(state, p->state_label, sizeof(p->state_label));
	p->emoji = "⚪";
	p->tone = "default";
	for (i = 0; i < ARRAY_LEN(severities); i++)
		if (strcmp(sev, severities[i].severity) == 0) {
			p->emoji = severities[i].emoji;
			p->tone = severities[i].tone;
		}
	for (i = 0; i < ARRAY_LEN(state_looks); i++)
		if (strcmp(state, state_looks[i].state) == 0 && state_looks[i].emoji) {
			p->emoji = state_looks[i].emoji;
			p->tone = state_looks[i].tone;
		}
	int st = state_from_name(state);
	p->buttons = st < 0 ? 0 : state_verbs((enum incident_state)st) & PRESENT_BUTTONS;
	/* approve, reject and dry run act on a proposal; ack once is enough */
	if (act == NULL)
		p->buttons &= ~(unsigned)(VERB_APPROVE | VERB_REJECT | VERB_DRYRUN);
	if (*view_str(view, "acked_by"))
		p->buttons &= ~(unsigned)VERB_ACK;
	p->source = present_source_name(view_str(view, "analysis_source"));
	p->risk_tone = "";
	for (i = 0; act && i < ARRAY_LEN(risk_tones); i++)
		if (strcmp(view_str(act, "risk_level"), risk_tones[i][0]) == 0)
			p->risk_tone = risk_tones[i][1];
	if (act && *p->risk_tone == '\0')
		p->risk_tone = "attention"; /* an unknown level is treated as the worst */
	/* the one duration of an incident: opened → finished, from the store's own times */
	int64_t created = view_ms(view, "created_at"), done = view_ms(view, "resolved_at");
	if (created > 0 && done >= created)
		duration_format(done - created, p->duration, sizeof(p->duration));
	p->fix_heading = fix_heading(act, p->terminal, state);
}

char *
present_outcome(const cJSON *view)
{
	struct present p;
	char *outcome = present_names(view, view_str(view, "outcome")), *line;

	present_view(view, &p);
	if (*outcome) {
		/* "Closed by teams:…" from the engine reads "Closed by Dana Ops" */
		line = *p.duration ? xasprintf("%s, %s after it opened", outcome, p.duration)
				   : xstrdup(outcome);
		free(outcome);
		return line;
	}
	free(outcome);
	if (!p.terminal)
		return NULL;
	char label[32];
	present_state_label(view_str(view, "state"), label, sizeof(label));
	if (label[0] >= 'a' && label[0] <= 'z')
		label[0] = (char)(label[0] - 'a' + 'A');
	return *p.duration ? xasprintf("%s after %s", label, p.duration) : xstrdup(label);
}

char *
present_similar_runbook(const cJSON *s)
{
	const char *rb = view_str(s, "runbook");
	const cJSON *ran = cJSON_GetObjectItem(s, "runbook_ran");

	if (*rb == '\0')
		return xstrdup("no runbook");
	/* a proposal that was closed, rejected or expired must not read as the fix */
	if (cJSON_IsFalse(ran))
		return xasprintf("%s (proposed, never ran)", rb);
	return xstrdup(rb);
}

void
present_similar_time(const cJSON *s, char *out, size_t outlen)
{
	const cJSON *rs = cJSON_GetObjectItem(s, "resolve_s");
	char d[32], label[32];

	if (outlen)
		out[0] = '\0';
	if (!cJSON_IsNumber(rs) || rs->valuedouble < 0)
		return;
	duration_format((int64_t)(rs->valuedouble * 1000), d, sizeof(d));
	present_state_label(view_str(s, "state"), label, sizeof(label));
	if (strcmp(view_str(s, "state"), "resolved") == 0)
		snprintf(out, outlen, "resolved in %s", d);
	else
		snprintf(out, outlen, "%s after %s", label, d);
}

bool
present_run_failed(const cJSON *run)
{
	const char *st = view_str(run, "status");

	for (size_t i = 0; i < ARRAY_LEN(failed_statuses); i++)
		if (strcmp(st, failed_statuses[i]) == 0)
			return true;
	return false;
}

const char *
present_run_mark(const char *status)
{
	static const struct {
		const char *status, *mark;
	} marks[] = {
	    {"ok", "✅"},
	    {"running", "⏳"},
	    /* the daemon stopped while the step ran: not known to have failed */
	    {"interrupted", "⚠️"},
	};

	for (size_t i = 0; i < ARRAY_LEN(marks); i++)
		if (strcmp(status, marks[i].status) == 0)
			return marks[i].mark;
	return "❌";
}

char *
present_stderr_tail(const cJSON *run)
{
	const char *err = view_str(run, "stderr"), *start;
	size_t n = strlen(err);
	int lines = 0;
	struct buf b;

	if (!present_run_failed(run))
		return NULL;
	while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == '\r' || err[n - 1] == ' '))
		n--;
	if (n == 0)
		return NULL;
	/* back from the end to the start of the PRESENT_STDERR_LINES-th last line */
	for (start = err + n; start > err; start--)
		if (start[-1] == '\n' && ++lines == PRESENT_STDERR_LINES)
			break;
	buf_init(&b, PRESENT_STDERR_MAX + 8);
	while (start < err + n) {
		const char *nl = memchr(start, '\n', (size_t)(err + n - start));
		size_t len = nl ? (size_t)(nl - start) : (size_t)(err + n - start);
		char *raw = xstrndup(start, len),
		     *cut = utf8_truncate(raw, PRESENT_STDERR_LINE_MAX);
		/* terminal control bytes from a child never reach a screen */
		for (char *q = cut; *q; q++)
			if ((unsigned char)*q < 0x20 || *q == 0x7f)
				*q = *q == '\t' ? ' ' : '?';
		if (b.len)
			buf_append_trunc(&b, "\n", 1);
		buf_append_trunc(&b, cut, strlen(cut));
		free(raw);
		free(cut);
		start += len + (nl ? 1 : 0);
	}
	char *all = buf_steal(&b), *capped = utf8_truncate(all, PRESENT_STDERR_MAX);
	free(all);
	return capped;
}

const char *
present_user(const cJSON *view, const char *id)
{
	const char *name;

	if (id == NULL || *id == '\0')
		return "";
	name = view_str(cJSON_GetObjectItem(view, "people"), id);
	if (*name)
		return name;
	if (strncmp(id, "console:", 8) == 0 && id[8])
		return id + 8;
	return id;
}

const char *
present_next_user(const char *text, size_t *len)
{
	static const char *const prefixes[] = {"slack:", "teams:", "console:"};
	static const char idchars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				      "0123456789._@-";

	for (const char *p = text; p && *p; p++) {
		/* a word start: an id glued to other letters is something else */
		if (p > text && (strchr(idchars, p[-1]) != NULL || p[-1] == ':'))
			continue;
		for (size_t i = 0; i < ARRAY_LEN(prefixes); i++) {
			size_t pl = strlen(prefixes[i]);
			if (strncmp(p, prefixes[i], pl) != 0)
				continue;
			size_t n = strspn(p + pl, idchars);
			/* a trailing dot or dash ends the sentence, not the id */
			while (n > 0 && (p[pl + n - 1] == '.' || p[pl + n - 1] == '-'))
				n--;
			if (n == 0)
				continue;
			*len = pl + n;
			return p;
		}
	}
	return NULL;
}

char *
present_names(const cJSON *view, const char *text)
{
	struct buf b;
	const char *p = text ? text : "", *at;
	size_t n;

	buf_init(&b, 0);
	while ((at = present_next_user(p, &n)) != NULL) {
		char *id = xstrndup(at, n);
		buf_append(&b, p, (size_t)(at - p));
		const char *name = present_user(view, id);
		buf_append(&b, name, strlen(name));
		free(id);
		p = at + n;
	}
	buf_append(&b, p, strlen(p));
	return buf_steal(&b);
}

/* Code point ranges drawn two columns wide (East Asian Wide/Fullwidth and emoji). */
static const uint32_t wide[][2] = {
    {0x1100, 0x115F},	{0x231A, 0x231B},   {0x23E9, 0x23EC},	{0x23F0, 0x23F0},
    {0x23F3, 0x23F3},	{0x25FD, 0x25FE},   {0x2614, 0x2615},	{0x26AA, 0x26AB},
    {0x26BD, 0x26BE},	{0x26C4, 0x26C5},   {0x26D4, 0x26D4},	{0x26EA, 0x26EA},
    {0x26F2, 0x26F5},	{0x26FA, 0x26FD},   {0x2705, 0x2705},	{0x270A, 0x270B},
    {0x2728, 0x2728},	{0x274C, 0x274C},   {0x274E, 0x274E},	{0x2753, 0x2755},
    {0x2757, 0x2757},	{0x2795, 0x2797},   {0x27B0, 0x27B0},	{0x27BF, 0x27BF},
    {0x2B1B, 0x2B1C},	{0x2B50, 0x2B50},   {0x2B55, 0x2B55},	{0x2E80, 0x303E},
    {0x3041, 0x33FF},	{0x3400, 0x4DBF},   {0x4E00, 0x9FFF},	{0xA000, 0xA4CF},
    {0xAC00, 0xD7A3},	{0xF900, 0xFAFF},   {0xFE30, 0xFE4F},	{0xFF00, 0xFF60},
    {0xFFE0, 0xFFE6},	{0x1F300, 0x1F64F}, {0x1F680, 0x1F6FF}, {0x1F7E0, 0x1F7EB},
    {0x1F900, 0x1F9FF}, {0x1FA70, 0x1FAFF}, {0x20000, 0x3FFFD},
};

/* Decodes one code point at s (at most n bytes); *len receives its byte length. Invalid
 * bytes decode as themselves, one byte long. */
static uint32_t
decode(const unsigned char *s, size_t n, size_t *len)
{
	size_t need = s[0] < 0x80	      ? 1
		      : (s[0] & 0xE0) == 0xC0 ? 2
		      : (s[0] & 0xF0) == 0xE0 ? 3
		      : (s[0] & 0xF8) == 0xF0 ? 4
					      : 1;
	static const unsigned char mask[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
	uint32_t cp;

	if (need > n)
		need = 1;
	cp = s[0] & mask[need];
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*len = 1;
			return s[0];
		}
		cp = cp << 6 | (s[i] & 0x3F);
	}
	*len = need;
	return cp;
}

static int
cp_cols(uint32_t cp)
{
	/* combining marks, zero-width joiner and space, variation selectors */
	if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x200B && cp <= 0x200F) ||
	    (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0x20D0 && cp <= 0x20FF))
		return 0;
	for (size_t i = 0; i < ARRAY_LEN(wide); i++)
		if (cp >= wide[i][0] && cp <= wide[i][1])
			return 2;
	return 1;
}

size_t
present_cols(const char *s, size_t n)
{
	size_t c = 0, len;

	for (size_t i = 0; i < n && s[i]; i += len)
		c += (size_t)cp_cols(decode((const unsigned char *)s + i, n - i, &len));
	return c;
}
