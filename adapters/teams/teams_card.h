/* teams_card.h — the incident view as an Adaptive Card 1.5 for Microsoft Teams. Pure. */
#ifndef HEALER_TEAMS_CARD_H
#define HEALER_TEAMS_CARD_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/* Limits: a bot message must stay under 100 KB counted in UTF-16 (so 40 KB of UTF-8 is safe
 * even for ASCII); a Workflows webhook takes 28 KB in all, envelope included. */
#define TEAMS_CARD_MAX_BOT (40 * 1024)
#define TEAMS_CARD_MAX_WEBHOOK (27 * 1024)

struct teams_card_opts {
	bool interactive;   /* Action.Execute buttons (bot); false for webhooks */
	size_t max_bytes;   /* limit on the unformatted JSON of the card; 0 = TEAMS_CARD_MAX_BOT */
	const char *notice; /* a warning shown at the top (a refused click), or NULL */
	const char *plan;   /* a dry-run plan shown at the bottom, or NULL */
};

/* The card (the attachment's "content") for an incident view (docs/internals/views.md).
 * Long texts are cut so that the serialized card stays under o->max_bytes; terminal states
 * get no actions. Owned. */
cJSON *teams_card_render(const cJSON *view, const struct teams_card_opts *o);
/* {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}; takes card. */
cJSON *teams_card_attachment(cJSON *card);
/* Text with the Adaptive Card markdown characters escaped, so that text from alerts and
 * commands shows literally (no links or formatting smuggled in). Owned. */
char *teams_md_escape(const char *s);

#endif
