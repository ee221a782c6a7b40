/* slack_card.h — Block Kit rendering of the incident view and Slack text helpers. Pure: no
 * I/O, no store, no clock (the caller passes now). Every result respects the Block Kit limits
 * of protocols.md section 5. */
#ifndef HEALER_SLACK_CARD_H
#define HEALER_SLACK_CARD_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"

/* Block Kit limits (characters; we count bytes, which is never fewer). */
#define SLACK_BLOCKS_MAX 50	  /* per message */
#define SLACK_VIEW_BLOCKS_MAX 100 /* per modal or Home tab */
#define SLACK_TEXT_MAX 3000	  /* section text, any text object */
#define SLACK_HEADER_MAX 150
#define SLACK_FIELDS_MAX 10
#define SLACK_FIELD_MAX 2000
#define SLACK_BUTTON_TEXT_MAX 75
#define SLACK_VALUE_MAX 2000
#define SLACK_CONFIRM_TITLE_MAX 100
#define SLACK_CONFIRM_TEXT_MAX 300
#define SLACK_CONFIRM_BUTTON_MAX 30
#define SLACK_MODAL_TITLE_MAX 24
#define SLACK_METADATA_MAX 3000
#define SLACK_MSG_TEXT_MAX 3900 /* a message's plain text: Slack refuses above 4,000 */

/* action_id of each button; the envelope handler dispatches on them. */
#define SLACK_ACT_APPROVE "healer_approve"
#define SLACK_ACT_REJECT "healer_reject"
#define SLACK_ACT_DRYRUN "healer_dryrun"
#define SLACK_ACT_ACK "healer_ack"
#define SLACK_ACT_OPEN "healer_open"
/* The reject modal: callback_id, and block_id/action_id of its reason input. */
#define SLACK_REJECT_CALLBACK "healer_reject"
#define SLACK_REJECT_BLOCK "reason"
#define SLACK_REJECT_INPUT "reason_input"

/* mrkdwn-escapes user text: & → &amp;, < → &lt;, > → &gt;. Owned. */
char *slack_escape(const char *s);

/* The incident card as a chat.postMessage/chat.update body without channel/ts:
 * {"text": fallback, "blocks": […]}. now_ms dates the "updated" line. Owned. */
cJSON *slack_card_render(const cJSON *view, int64_t now_ms);

/* Thread text for the view's timeline rows from index `from`: as many whole rows as fit in
 * one message (a single oversize row is truncated). Diagnostic results carry their output
 * as a truncated code block. *next receives the index after the last row included. NULL
 * (and *next = from) when there is no row from `from` on. Owned. */
char *slack_thread_render(const cJSON *view, size_t from, size_t *next);

/* Button values: "<incident id>:<version>:<action id>:<state>". parse returns 0 or -1. */
void slack_value_format(int64_t id, const struct card_ref *ref, char *out, size_t outlen);
int slack_value_parse(const char *value, int64_t *id, struct card_ref *ref);

/* The reject modal for views.open: a reason input; private_metadata = the card's button
 * value and the channel ("<value>|<channel>"). Owned. */
cJSON *slack_reject_modal(const char *value, const char *channel);

/* The App Home view for views.publish from an incident list (store_incident_list output,
 * each item optionally with "slack_channel" and "slack_ts" of its card). Owned. */
cJSON *slack_home_render(const cJSON *list, int64_t now_ms);

/* A command reply as mrkdwn: one line as is, several in a code block; a refusal starts
 * with ":no_entry_sign:". Escaped and cut to max bytes. Owned. */
char *slack_reply_text(const char *text, bool ok, size_t max);

/* Slack message text back to a command line: drops leading <@U…> mentions, decodes &amp;
 * &lt; &gt; and turns curly quotes into straight ones. Owned. */
char *slack_mention_command(const char *text);

#endif
