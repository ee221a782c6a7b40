/* teams_card_int.h — the Adaptive Card building blocks shared by teams_card*.c only. */
#ifndef HEALER_TEAMS_CARD_INT_H
#define HEALER_TEAMS_CARD_INT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/* s cut to max bytes (UTF-8 safe, with an ellipsis), then markdown-escaped. Owned. */
char *tc_cut(const char *s, size_t max);
/* Appends a wrapping TextBlock with `text` (used as is: escape first) to parent. */
cJSON *tc_text(cJSON *parent, const char *text);
cJSON *tc_textf(cJSON *parent, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends a Container (style may be NULL) to parent; returns its items array. */
cJSON *tc_container(cJSON *parent, const char *style);
/* Appends {title, value} to a FactSet's facts; the value is cut and escaped, "—" if empty. */
void tc_fact(cJSON *facts, const char *title, const char *value);
/* "- a\r- b" (or "1. a") from an array of strings, at most max items of each bytes. Owned. */
char *tc_bullets(const cJSON *arr, int max, bool numbered, size_t each);
/* The recovery ladder (each stage with its outcome, the current one in bold) as a container
 * in body; nothing when the view's "ladder" is null. */
void tc_ladder(cJSON *body, const cJSON *view);
/* The probable cause and the related alerts as a container in body: for each the short
 * fingerprint `split` takes, name, resource, state, occurrences and when it joined, the
 * first PRESENT_RELATED_SHOWN then "and N more"; nothing when the view's "related" is
 * empty. */
void tc_related(cJSON *body, const cJSON *view);

/* Appends a dry-run plan (engine_dryrun's text: a heading line, "section:" lines, numbered
 * "  N. item" lines, a closing line) as text blocks: each section's title, then its items as
 * one numbered list of at most max_items, each cut to each_max bytes. */
void tc_plan(cJSON *items, const char *plan, int max_items, size_t each_max);

#endif
