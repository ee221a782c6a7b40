/* ui_incident.c — one incident's page: its card (the same view every surface renders), the
 * action forms (POST with the CSRF token and what the page showed, so a stale page loses like
 * a stale card), diagnostics and step output, and the timeline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "state.h"
#include "ui.h"
#include "util.h"
#include "view.h"

/* What the page showed: the engine refuses a click when the state or the proposal moved. */
static void
form_open(struct buf *b, const struct ui_ctx *c, const cJSON *v, const cJSON *act,
	  const char *verb)
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
	card = card_html(v);
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
