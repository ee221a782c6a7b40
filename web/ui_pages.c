/* ui_pages.c — the incident list: a filter form that works as a plain GET, a table that
 * scrolls sideways on a phone, a pager. Pure: JSON in, HTML out (one incident's page is
 * ui_incident.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "ingest.h"
#include "state.h"
#include "ui.h"
#include "util.h"
#include "view.h"

/* ---- the list ---- */

#define PAGE_SIZE 50

static const char *const states[] = {
    "open",    "all",	    "awaiting_approval", "approved", "blocked",	    "needs_attention",
    "running", "verifying", "resolved",		 "failed",   "rolled_back", "rejected",
    "expired", "closed"};
static const char *const severities[] = {"", "sev1", "sev2", "sev3", "sev4"};

static void
select_field(struct buf *b, const char *name, const char *label, const char *const *opts, size_t n,
	     const char *cur)
{
	buf_printf(b, "<label>%s<select name=\"%s\">", label, name);
	for (size_t i = 0; i < n; i++) {
		buf_printf(b, "<option value=\"%s\"%s>%s</option>", opts[i],
			   strcmp(opts[i], cur) == 0 ? " selected" : "",
			   opts[i][0] ? opts[i] : "any");
	}
	buf_printf(b, "</select></label>");
}

/* The list's address for another offset with the same filter (values are from the tables
 * above or checked by the handler, so they need no percent-encoding). */
static void
page_href(struct buf *b, const struct ui_list_query *q, int offset)
{
	buf_printf(b, "/ui/?state=%s&amp;severity=%s&amp;source=%s&amp;offset=%d", q->state,
		   q->severity, q->source, offset);
}

char *
ui_list_html(const struct ui_ctx *c, const cJSON *rows, bool more, const struct ui_list_query *q)
{
	const cJSON *r;
	struct buf b;
	char age[32];

	buf_init(&b, 4 * 1024 * 1024);
	ui_head(&b, c, "Incidents", "incidents", false);
	buf_printf(&b, "<h1>Incidents</h1><form class=\"filters\" method=\"get\" action=\"/ui/\">");
	select_field(&b, "state", "State", states, ARRAY_LEN(states), q->state);
	select_field(&b, "severity", "Severity", severities, ARRAY_LEN(severities), q->severity);
	const char *sources[SRC__COUNT + 1] = {""};
	for (int i = 0; i < SRC__COUNT; i++)
		sources[i + 1] = alert_source_name((enum alert_source)i);
	select_field(&b, "source", "Source", sources, ARRAY_LEN(sources), q->source);
	buf_printf(&b, "<button type=\"submit\">Filter</button></form>");
	if (cJSON_GetArraySize(rows) == 0) {
		buf_printf(&b, "<p class=\"message\" id=\"empty\">No incidents match.</p>");
		ui_foot(&b);
		return buf_steal(&b);
	}
	buf_printf(&b, "<div class=\"scroll\"><table id=\"incidents\"><thead><tr><th>ID</th>"
		       "<th>Sev</th><th>Title</th><th>State</th><th class=\"hide-narrow\">"
		       "Resource</th><th class=\"hide-narrow\">Source</th><th>Age</th></tr>"
		       "</thead><tbody>");
	cJSON_ArrayForEach(r, rows)
	{
		int64_t id = (int64_t)view_num(r, "id");
		int64_t created = (int64_t)view_num(r, "created_ms");

		duration_format(c->now > created ? c->now - created : 0, age, sizeof(age));
		buf_printf(&b, "<tr><td><a href=\"/ui/incidents/%lld\">", (long long)id);
		ui_esc(&b, view_str(r, "key"));
		buf_printf(&b, "</a></td><td><span class=\"sev sev-");
		ui_esc(&b, view_str(r, "severity"));
		buf_printf(&b, "\">");
		ui_esc(&b, view_str(r, "severity"));
		buf_printf(&b, "</span></td><td><a href=\"/ui/incidents/%lld\">", (long long)id);
		ui_esc(&b, view_str(r, "title"));
		buf_printf(&b, "</a></td><td class=\"state\">");
		ui_esc(&b, view_str(r, "state"));
		buf_printf(&b, "</td><td class=\"hide-narrow\">");
		ui_esc(&b, view_str(r, "resource"));
		buf_printf(&b, "</td><td class=\"hide-narrow\">");
		ui_esc(&b, view_str(r, "source"));
		buf_printf(&b, "</td><td>%s</td></tr>", age);
	}
	buf_printf(&b, "</tbody></table></div><p class=\"pager\">");
	if (q->offset > 0) {
		buf_printf(&b, "<a rel=\"prev\" href=\"");
		page_href(&b, q, q->offset > PAGE_SIZE ? q->offset - PAGE_SIZE : 0);
		buf_printf(&b, "\">newer</a>");
	}
	buf_printf(&b, "<span>%d–%d</span>", q->offset + 1, q->offset + cJSON_GetArraySize(rows));
	if (more) {
		buf_printf(&b, "<a rel=\"next\" href=\"");
		page_href(&b, q, q->offset + PAGE_SIZE);
		buf_printf(&b, "\">older</a>");
	}
	buf_printf(&b, "</p>");
	ui_foot(&b);
	return buf_steal(&b);
}
