/* html.h — HTML escaping into capped buffers, the page shell, and the incident view as an
 * HTML fragment (card_html). Pure: no I/O, no globals. */
#ifndef HEALER_HTML_H
#define HEALER_HTML_H

#include <cjson/cJSON.h>

#include "util.h"

/* Cap of one rendered card or page (card_html, html_page_*). */
#define HTML_MAX (512 * 1024)

/* Appends s as HTML text: & < > " ' become entities, so any string is safe between tags.
 * NULL appends nothing. */
void html_text(struct buf *b, const char *s);
/* Appends s for a double-quoted attribute value (… value="<here>"): html_text plus '`'.
 * Never use it for URLs from a peer (a "javascript:" URL escapes fine and still runs). */
void html_attr(struct buf *b, const char *s);
/* s escaped as html_text, owned. */
char *html_escape(const char *s);

/* Opens a complete document: doctype, charset, viewport, the built-in style sheet (inline,
 * allowed by the HTML Content-Security-Policy), <title> (escaped) and <body><main>. */
void html_page_begin(struct buf *b, const char *title);
/* Closes what html_page_begin opened. */
void html_page_end(struct buf *b);

/* A proposed action's cost ("$12.00" and its formula) and risk ("55/100 high" and its
 * reasons as a list) as two <dt>/<dd> pairs of a <dl>; risk_class (NULL: none) becomes the
 * risk <dd>'s class. Every string escaped. */
void html_cost_risk(struct buf *b, const cJSON *act, const char *risk_class);

/* The incident view (docs/internals/views.md) as one escaped <section class="card">:
 * key, severity, title, state, resource, the proposed action with cost and its formula,
 * risk and its reasons, the decision and approvals, steps with their results, an excerpt
 * of the diagnostics' output, the related alerts (the first PRESENT_RELATED_SHOWN, each by
 * the short fingerprint `split` takes) and similar incidents. Every string from the view
 * is escaped; missing keys render as empty. Returns an owned string (never NULL). */
char *card_html(const cJSON *view);

/* The related alerts of an incident view, without a heading: the probable cause, how to
 * split one out, and a table of them. On a card (page false) each shows the short
 * fingerprint `split` takes and the first PRESENT_RELATED_SHOWN are listed; on the
 * incident's web page (page true) up to 500, each with its whole fingerprint, the short
 * form in bold. Past the cap, "and N more". Nothing when there are none. */
void html_related(struct buf *b, const cJSON *view, bool page);

#endif
