/* present.h — what every chat surface shows of an incident view: terminal or not, which
 * buttons, the state's label, emoji and tone, the analysis wording, the outcome line with its
 * one duration, a failed step's stderr tail, people's names. Pure: no I/O, no clock. */
#ifndef HEALER_PRESENT_H
#define HEALER_PRESENT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "correlate.h"
#include "state.h"

/* Buttons a card may show: the state_verb bits (state.h) of the verbs that have one. */
#define PRESENT_BUTTONS (VERB_APPROVE | VERB_REJECT | VERB_DRYRUN | VERB_ACK)

/* A failed step's stderr on a card: its last lines, each and all capped. */
#define PRESENT_STDERR_LINES 5
#define PRESENT_STDERR_LINE_MAX 200
#define PRESENT_STDERR_MAX 800

/* The display semantics of one view (docs/internals/views.md), computed once per render.
 * Strings are static or inside the struct; nothing to free. */
struct present {
	bool terminal;		 /* the state table says nothing further happens */
	unsigned buttons;	 /* PRESENT_BUTTONS bits to show (state verbs, action, ack) */
	char state_label[32];	 /* "awaiting approval": the state for people */
	const char *emoji;	 /* header mark: the severity while undecided, else the state's */
	const char *tone;	 /* good | attention | warning | accent | default (card colour) */
	const char *source;	 /* wording of analysis_source ("" when none) */
	const char *risk_tone;	 /* good | warning | attention by risk level ("" without action) */
	char duration[32];	 /* opened → finished ("41 s"); "" while not finished */
	const char *fix_heading; /* "proposed fix", "fix (running)", "fix that ran", … */
};

/* Fills p from view. A view that is not an object (or lacks keys) yields a non-terminal,
 * buttonless, labelled-"unknown" result: renderers never check types themselves. */
void present_view(const cJSON *view, struct present *p);

/* The outcome line: the engine's outcome with people by name (present_names), followed by
 * how long the incident took (the one duration, present.duration); for a finished incident
 * without an outcome, "<State> after <duration>". NULL when there is nothing to say yet.
 * Owned, not escaped. */
char *present_outcome(const cJSON *view);

/* The wording of an analysis_source value ("rules" → "rule match"); "" when unknown. */
const char *present_source_name(const char *analysis_source);

/* "awaiting_approval" → "awaiting approval" into out. */
void present_state_label(const char *state, char *out, size_t outlen);

/* How a similar incident's runbook reads: "restart-service", "restart-service (proposed,
 * never ran)" or "no runbook". Owned, not escaped. */
char *present_similar_runbook(const cJSON *similar);

/* How long a similar incident took, from its resolve_s (the same source as the outcome's
 * duration): "resolved in 47 s", "closed after 2 min"; "" while it is not finished. */
void present_similar_time(const cJSON *similar, char *out, size_t outlen);

/* A failed step run's last PRESENT_STDERR_LINES lines of stderr, trailing blank lines
 * dropped, each line and the whole capped; NULL when the run did not fail or wrote nothing
 * to stderr. Owned, not escaped: each surface escapes it its own way. */
char *present_stderr_tail(const cJSON *run);

/* True when a step run's status is a failure (failed, timeout, error). */
bool present_run_failed(const cJSON *run);

/* The mark a step run's status shows on every surface: ✅ ok, ⏳ running, ⚠️ interrupted
 * (the daemon stopped while it ran), ❌ any failure. A string literal. */
const char *present_run_mark(const char *status);

/* The name to show for a user id ("teams:<aad id>", "slack:U…", "console:alice"): the name
 * the view's "people" map holds for it, else the console name without its prefix, else the
 * id itself. Borrowed from the view or from id. */
const char *present_user(const cJSON *view, const char *id);

/* The next user id in text ("slack:U…", "teams:…", "console:…" starting a word), or NULL;
 * *len receives its length. For surfaces that show names where messages hold ids. */
const char *present_next_user(const char *text, size_t *len);

/* text with every user id replaced by present_user(view, id). Owned, not escaped. */
char *present_names(const cJSON *view, const char *text);

/* Display columns of the first n bytes of UTF-8 text on a terminal: East Asian wide
 * characters and emoji count two, combining marks and joiners none. */
size_t present_cols(const char *s, size_t n);

/* Related alerts on a card (present_related.c): how many a card lists before "and N more". */
#define PRESENT_RELATED_SHOWN 10

/* One related alert as every surface shows it. Strings borrowed from the view, or inside. */
struct present_related {
	char id[CORRELATE_ID_MAX]; /* the short fingerprint a person types (correlate_id_short) */
	const char *fingerprint;   /* all of it */
	const char *name;	   /* its alertname, else its title, else "-" */
	const char *title;
	const char *resource; /* "-" when none */
	const char *state;    /* "firing" or "cleared" (its latest delivery said resolved) */
	int occurrences;
	bool cause;
	const char *joined_at; /* RFC 3339, "" when unknown */
	char joined[32];       /* "14:02:11 UTC" on the day the incident opened, else with date */
};

/* Fills out from rel, one entry of view's "related". */
void present_related_item(const cJSON *view, const cJSON *rel, struct present_related *out);

/* The line past a card's cap: "and 12 more: <the view's url>" (the incident's web page), or
 * naming the CLI command that lists them all when the view has no url. NULL when more <= 0.
 * Owned, not escaped. */
char *present_related_more(const cJSON *view, int more);

#endif
