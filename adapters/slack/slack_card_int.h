/* slack_card_int.h — helpers shared by slack_card.c and slack_text.c (Block Kit builders). */
#ifndef HEALER_SLACK_CARD_INT_H
#define HEALER_SLACK_CARD_INT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "util.h"
#include "view.h"

/* A string member or "" (borrowed); a number member or 0. */
/* Appends user text cut to max bytes, then mrkdwn-escaped. */
void sc_esc(struct buf *b, const char *s, size_t max);
/* Appends a user: <@U…> for slack:U…, else the escaped name. */
void sc_user(struct buf *b, const char *user);
/* Appends a person: a Slack user as a mention, anyone else by the name the view's "people"
 * holds (present_user), escaped. */
void sc_person(struct buf *b, const cJSON *view, const char *user);
/* Appends text cut to max bytes, escaped, with every user id in it shown as sc_person. */
void sc_people(struct buf *b, const cJSON *view, const char *text, size_t max);
/* Appends a state with spaces for underscores. */
void sc_state(struct buf *b, const char *state);
/* Appends a Slack date token for an RFC 3339 time ("—" when absent). */
void sc_date(struct buf *b, const char *iso, const char *fmt);
/* A text object of type plain_text|mrkdwn cut to max bytes (never empty). Owned. */
cJSON *sc_text(const char *type, const char *s, size_t max);
/* A mrkdwn section / a context of one mrkdwn element, cut to the text limit. Owned. */
cJSON *sc_section(const char *md);
cJSON *sc_context(const char *md);
/* Appends the archive URL of the message channel/ts (a link that opens that card) and
 * returns true; appends nothing and returns false unless both look like Slack ids. */
bool sc_card_url(struct buf *b, const char *channel, const char *ts);
/* Appends block to blocks unless it already holds max (then block is freed). */
void sc_add(cJSON *blocks, cJSON *block, int max);
/* The recovery ladder section (each stage and its outcome, the current one in bold);
 * nothing when the view's "ladder" is null. */
void sc_ladder_block(cJSON *blocks, const cJSON *v, int max);
/* The related alerts (slack_related.c): how many, and for each the short fingerprint
 * `split` takes, name, resource, state, occurrences, when it joined and whether it is the
 * probable cause; within one section's 3000 characters, "and N more" past them. Nothing
 * when the view's "related" is empty. */
void sc_related_block(cJSON *blocks, const cJSON *v, int max);

#endif
