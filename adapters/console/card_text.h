/* card_text.h — the incident view rendered as a framed plain-text card. Pure. */
#ifndef HEALER_CARD_TEXT_H
#define HEALER_CARD_TEXT_H

#include <cjson/cJSON.h>
#include <stdint.h>

/* Renders the view (docs/internals/views.md) as a framed block of lines, `width` columns
 * wide (>= 40), at time now_ms (for the age). Owned string ending in "\n". */
char *card_text_render(const cJSON *view, int width, int64_t now_ms);

/* One line per incident for `list`: "INC-3  awaiting_approval  sev2  title (resource)". */
char *card_text_list(const cJSON *list);

#endif
