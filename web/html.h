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

/* The incident view (docs/internals/views.md) as one escaped <section class="card">:
 * key, severity, title, state, resource, the proposed action with cost and its formula,
 * risk and its reasons, the decision and approvals, steps with their results, an excerpt
 * of the diagnostics' output, the related alerts (the first PRESENT_RELATED_SHOWN, each by
 * the short fingerprint `split` takes) and similar incidents. Every string from the view
 * is escaped; missing keys render as empty. Returns an owned string (never NULL). */
char *card_html(const cJSON *view);
/* The same card for the incident's web page: every related alert (up to 500) with its whole
 * fingerprint, the short form in bold. */
char *card_html_page(const cJSON *view);

#endif
