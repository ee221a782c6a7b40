/* ui_pages.c — the incident list (a filter form that works as a plain GET, a table that
 * scrolls sideways on a phone, a pager) and one incident's page (its card, the action forms
 * posting the CSRF token and what the page showed so a stale page loses like a stale card,
 * diagnostics and step output, the timeline). Pure: JSON in, HTML out. */
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

/* ---- one incident ---- */

/* What the page showed: the engine refuses a click when the state or the proposal moved. */
static void
form_open(struct buf *b, const struct ui_ctx *c, const cJSON *v, const cJSON *act, const char *verb)
{
	buf_printf(b, "<form method=\"post\" action=\"/ui/incidents/%lld/%s\">",
		   (long long)view_num(v, "id"), verb);
	ui_csrf_field(b, c);
	buf_printf(b,
		   "<input type=\"hidden\" name=\"version\" value=\"%d\">"
		   "<input type=\"hidden\" name=\"action_id\" value=\"%lld\">"
		   "<input type=\"hidden\" name=\"state\" value=\"",
		   (int)view_num(v, "version"), (long long)(act ? view_num(act, "id") : 0));
	ui_esc(b, view_str(v, "state"));
	buf_printf(b, "\">");
}

static void
actions(struct buf *b, const struct ui_ctx *c, const cJSON *v)
{
	const cJSON *act = cJSON_GetObjectItemCaseSensitive(v, "action");
	bool awaiting = strcmp(view_str(v, "state"), "awaiting_approval") == 0;

	if (!cJSON_IsObject(act))
		act = NULL;
	buf_printf(b, "<div class=\"actions\" id=\"actions\">");
	if (awaiting && act) {
		form_open(b, c, v, act, "approve");
		buf_printf(b, "<button class=\"primary\" id=\"approve\" type=\"submit\">Approve"
			      "</button></form>");
		form_open(b, c, v, act, "reject");
		buf_printf(b, "<label>Reason<input type=\"text\" name=\"reason\" id=\"reason\" "
			      "maxlength=\"400\" required></label><button class=\"danger\" "
			      "id=\"reject\" type=\"submit\">Reject</button></form>");
	}
	if (act) {
		form_open(b, c, v, act, "dryrun");
		buf_printf(b, "<button id=\"dryrun\" type=\"submit\">Dry run</button></form>");
	}
	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(v, "acked_by"))) {
		form_open(b, c, v, act, "ack");
		buf_printf(b, "<button id=\"ack\" type=\"submit\">Acknowledge</button></form>");
	}
	form_open(b, c, v, act, "close");
	buf_printf(b, "<button id=\"close\" type=\"submit\">Close</button></form></div>");
}

static void
step_runs(struct buf *b, const cJSON *v)
{
	const cJSON *s;

	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(v, "step_runs")) == 0)
		return;
	buf_printf(b, "<h2>Diagnostics and steps</h2><div id=\"steps\">");
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(v, "step_runs"))
	{
		char dur[32];

		duration_format((int64_t)view_num(s, "duration_ms"), dur, sizeof(dur));
		buf_printf(b, "<details%s><summary>",
			   strcmp(view_str(s, "phase"), "diagnostic") == 0 ? " open" : "");
		ui_esc(b, view_str(s, "phase"));
		buf_printf(b, " · ");
		ui_esc(b, view_str(s, "name"));
		buf_printf(b, " · <b>");
		ui_esc(b, view_str(s, "status"));
		buf_printf(b, "</b> (%s, attempt %d)</summary>", dur, (int)view_num(s, "attempt"));
		if (*view_str(s, "error")) {
			buf_printf(b, "<p class=\"message refused\">");
			ui_esc(b, view_str(s, "error"));
			buf_printf(b, "</p>");
		}
		buf_printf(b, "<pre>");
		ui_esc(b, view_str(s, "output"));
		if (*view_str(s, "stderr")) {
			buf_printf(b, "\n--- stderr ---\n");
			ui_esc(b, view_str(s, "stderr"));
		}
		buf_printf(b, "%s</pre></details>",
			   cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "truncated"))
			       ? "\n[output truncated]"
			       : "");
	}
	buf_printf(b, "</div>");
}

static void
timeline(struct buf *b, const cJSON *v)
{
	const cJSON *t;

	buf_printf(b, "<h2>Timeline</h2><ol class=\"timeline\" id=\"timeline\">");
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(v, "timeline"))
	{
		buf_printf(b, "<li><time>");
		ui_esc(b, view_str(t, "at"));
		buf_printf(b, "</time> <b>");
		ui_esc(b, view_str(t, "actor"));
		buf_printf(b, "</b> ");
		ui_esc(b, view_str(t, "message"));
		buf_printf(b, "</li>");
	}
	buf_printf(b, "</ol>");
}

char *
ui_incident_html(const struct ui_ctx *c, const cJSON *v)
{
	int st = state_from_name(view_str(v, "state"));
	bool terminal = st >= 0 && state_is_terminal((enum incident_state)st);
	struct buf b;
	char *card, *title;

	buf_init(&b, 8 * 1024 * 1024);
	title = xasprintf("%s %s", view_str(v, "key"), view_str(v, "title"));
	ui_head(&b, c, title, "incidents", !terminal);
	free(title);
	buf_printf(&b, "<h1>");
	ui_esc(&b, view_str(v, "key"));
	buf_printf(&b, " · ");
	ui_esc(&b, view_str(v, "title"));
	buf_printf(&b, "</h1><p>State <b class=\"state\" id=\"state\">");
	ui_esc(&b, view_str(v, "state"));
	buf_printf(&b, "</b></p><div id=\"card\">");
	card = card_html_page(v);
	buf_append_trunc(&b, card, strlen(card));
	free(card);
	buf_printf(&b, "</div>");
	if (!terminal)
		actions(&b, c, v);
	step_runs(&b, v);
	timeline(&b, v);
	ui_foot(&b);
	return buf_steal(&b);
}
