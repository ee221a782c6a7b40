/* ui.h — the web UI under /ui/: pure page renderers (layout, SVG charts, the list, one
 * incident, the dashboard), the HTTP side (routes, workers, forms) and sign-in. */
#ifndef HEALER_UI_H
#define HEALER_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

struct buf;

/* ---- layout (ui_page.c, pure) ---- */
/* Who is looking and what their forms carry. user NULL = signed out (no nav, no logout). */
struct ui_ctx {
	const char *user; /* "email:alice@example.com" */
	const char *csrf; /* the session's CSRF token for every POST form */
	int64_t now;	  /* ms, for ages */
};
/* Appends s HTML-escaped (text and attribute values alike). NULL appends nothing. */
void ui_esc(struct buf *b, const char *s);
/* The document up to the start of <main>: head, stylesheet, nav naming `active`
 * ("incidents", "dashboard" or NULL). `refresh` adds the incident page's refresh script. */
void ui_head(struct buf *b, const struct ui_ctx *c, const char *title, const char *active,
	     bool refresh);
/* Closes <main> and the document. */
void ui_foot(struct buf *b);
/* A hidden CSRF field for a POST form. */
void ui_csrf_field(struct buf *b, const struct ui_ctx *c);
/* A whole page with one heading and a paragraph (messages, refusals). Owned. */
char *ui_message_page(const struct ui_ctx *c, const char *title, const char *text,
		      const char *back_href, const char *back_label);
/* The stylesheet and the refresh script, served as files. Static. */
const char *ui_css(void);
const char *ui_js(void);

/* ---- SVG charts (ui_dash.c, pure) ---- */
struct ui_bar {
	const char *label; /* escaped when drawn */
	double value;	   /* bar length, relative to the chart's largest */
	const char *text;  /* the figure written after the bar, e.g. "41 s"; NULL = the value */
};
/* A horizontal bar chart as inline <svg> with a <title>, one row per bar, labels left,
 * figures right; an empty chart says "no data". Bars are scaled to `full` when it is > 0 (a
 * share against 1.0), else to the largest value. */
void ui_svg_bars(struct buf *b, const char *title, const struct ui_bar *bars, size_t n,
		 double full);

/* ---- pages (ui_pages.c, ui_dash.c; pure: view/figures in, HTML out; owned strings) ---- */
/* The incident list: rows from store_incident_page(), whether more follow, the filter in
 * force and the offset (for the pager). */
struct ui_list_query {
	char state[24], severity[8], source[32];
	int offset;
};
char *ui_list_html(const struct ui_ctx *c, const cJSON *rows, bool more,
		   const struct ui_list_query *q);
/* One incident: its card, timeline, diagnostics and step output, and the action forms. */
char *ui_incident_html(const struct ui_ctx *c, const cJSON *view);
/* The dashboard: store_stats() figures with "time_to_detect_s" added, for window
 * "24h" | "7d" | "30d". */
char *ui_dashboard_html(const struct ui_ctx *c, const cJSON *stats, const char *window);

/* ---- the HTTP side (ui_http.c) ---- */
/* The dashboard's figures for window "24h" | "7d" | "30d" at now: store_stats() plus
 * "time_to_detect_s", computed at most every 30 s per window and shared (thread-safe; reads
 * the calling thread's store connection). Owned copy, or NULL when the store failed. */
cJSON *ui_dashboard_figures(const char *window, int64_t now);
/* Registers every /ui/ route. Call before http_server_start. */
void ui_http_register(void);

#endif
