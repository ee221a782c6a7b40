/* view.h — reading the incident view (docs/internals/views.md) in card renderers: absent or
 * null keys read as "" and 0, so a renderer never checks types field by field. */
#ifndef HEALER_VIEW_H
#define HEALER_VIEW_H

#include <cjson/cJSON.h>

/* The string at o[k], or "" (borrowed from the tree). */
const char *view_str(const cJSON *o, const char *k);
/* The number at o[k], or 0. */
double view_num(const cJSON *o, const char *k);

#endif
