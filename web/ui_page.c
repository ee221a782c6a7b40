/* ui_page.c — the web UI's page frame: head and nav, escaping, CSRF fields, message pages,
 * the stylesheet and the one small script, both served as files (no inline code: the CSP
 * allows scripts and styles from healer only). */
#include <stdio.h>
#include <string.h>

#include "html.h"
#include "ui.h"
#include "util.h"

/* One escaper for every page: html.c's, which the card and error pages use too. */
void
ui_esc(struct buf *b, const char *s)
{
	html_text(b, s);
}

void
ui_head(struct buf *b, const struct ui_ctx *c, const char *title, const char *active, bool refresh)
{
	static const struct {
		const char *key, *href, *label;
	} nav[] = {
	    {"incidents", "/ui/", "Incidents"},
	    {"dashboard", "/ui/dashboard", "Dashboard"},
	};

	buf_printf(b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		      "<title>");
	ui_esc(b, title);
	buf_printf(b, " · healer</title><link rel=\"stylesheet\" href=\"/ui/static/ui.css\">");
	if (refresh)
		buf_printf(b, "<script src=\"/ui/static/ui.js\" defer></script>");
	buf_printf(b, "</head><body><header><a class=\"brand\" href=\"/ui/\">healer</a>");
	if (c != NULL && c->user != NULL) {
		buf_printf(b, "<nav>");
		for (size_t i = 0; i < ARRAY_LEN(nav); i++)
			buf_printf(b, "<a href=\"%s\"%s>%s</a>", nav[i].href,
				   active && strcmp(active, nav[i].key) == 0
				       ? " aria-current=\"page\""
				       : "",
				   nav[i].label);
		buf_printf(b, "</nav><form class=\"who\" method=\"post\" action=\"/ui/logout\">"
			      "<span>");
		ui_esc(b, c->user);
		buf_printf(b, "</span>");
		ui_csrf_field(b, c);
		buf_printf(b, "<button type=\"submit\">Sign out</button></form>");
	}
	buf_printf(b, "</header><main%s>", refresh ? " data-refresh" : "");
}

void
ui_foot(struct buf *b)
{
	buf_printf(b, "</main></body></html>\n");
}

void
ui_csrf_field(struct buf *b, const struct ui_ctx *c)
{
	buf_printf(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
	ui_esc(b, c ? c->csrf : "");
	buf_printf(b, "\">");
}

char *
ui_message_page(const struct ui_ctx *c, const char *title, const char *text, const char *back_href,
		const char *back_label)
{
	struct buf b;

	buf_init(&b, 256 * 1024);
	ui_head(&b, c, title, NULL, false);
	buf_printf(&b, "<h1>");
	ui_esc(&b, title);
	buf_printf(&b, "</h1><p class=\"message\">");
	ui_esc(&b, text);
	buf_printf(&b, "</p>");
	if (back_href != NULL) {
		buf_printf(&b, "<p><a href=\"");
		ui_esc(&b, back_href);
		buf_printf(&b, "\">");
		ui_esc(&b, back_label);
		buf_printf(&b, "</a></p>");
	}
	ui_foot(&b);
	return buf_steal(&b);
}

/* Phone first: one column, tables scroll sideways, tap targets of 44 px; wider screens get
 * the dashboard's charts side by side. */
static const char css[] =
    ":root{--fg:#1b1f24;--mute:#59636e;--line:#d0d7de;--bg:#f6f8fa;--acc:#0a58ca;"
    "--bad:#b42318;--ok:#1a7f37;--warn:#9a6700}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:16px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:var(--fg);"
    "background:#fff}\n"
    "header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.6rem 1rem;"
    "background:#24292f;color:#fff}\n"
    "header a{color:#fff;text-decoration:none}\n"
    ".brand{font-weight:700;font-size:1.1rem;margin-right:auto}\n"
    "nav{display:flex;gap:1rem}nav a[aria-current]{text-decoration:underline}\n"
    ".who{display:flex;gap:.5rem;align-items:center;font-size:.85rem;margin:0}\n"
    ".who button{background:none;border:1px solid #8c959f;color:#fff;min-height:32px}\n"
    "main{max-width:72rem;margin:0 auto;padding:1rem}\n"
    "h1{font-size:1.4rem;margin:.2rem 0 1rem}h2{font-size:1.1rem;margin:1.4rem 0 .5rem}\n"
    "a{color:var(--acc)}\n"
    "table{border-collapse:collapse;width:100%}\n"
    ".scroll{overflow-x:auto}\n"
    "th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid var(--line);"
    "vertical-align:top}\n"
    "th{font-size:.8rem;color:var(--mute);text-transform:uppercase}\n"
    ".sev{display:inline-block;padding:0 .4rem;border-radius:.3rem;font-size:.8rem;"
    "background:var(--bg);border:1px solid var(--line)}\n"
    ".sev-sev1{background:#ffebe9;border-color:#ff8182}.sev-sev2{background:#fff8c5}\n"
    ".state{font-weight:600;overflow-wrap:anywhere}td:first-child{white-space:nowrap}\n"
    "form.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin-bottom:1rem}\n"
    "label{display:flex;flex-direction:column;font-size:.85rem;color:var(--mute);gap:.2rem}\n"
    "select,input[type=text],input[type=email],textarea{font:inherit;padding:.4rem;"
    "border:1px solid var(--line);border-radius:.3rem;min-height:44px}\n"
    "button{font:inherit;padding:.45rem .9rem;border-radius:.3rem;border:1px solid "
    "var(--line);background:var(--bg);cursor:pointer;min-height:44px}\n"
    "button.primary{background:var(--ok);color:#fff;border-color:var(--ok)}\n"
    "button.danger{background:var(--bad);color:#fff;border-color:var(--bad)}\n"
    ".actions{display:flex;flex-wrap:wrap;gap:.6rem;align-items:end;margin:1rem 0}\n"
    ".actions form{display:flex;gap:.4rem;align-items:end;margin:0;flex-wrap:wrap}\n"
    ".card{border:1px solid var(--line);border-radius:.5rem;padding:.8rem 1rem;"
    "background:var(--bg);overflow-wrap:anywhere}\n"
    "pre{white-space:pre-wrap;overflow-wrap:anywhere;background:var(--bg);padding:.6rem;"
    "border-radius:.3rem;font-size:.85rem;max-height:24rem;overflow:auto}\n"
    ".timeline li{margin:.2rem 0}.timeline time{color:var(--mute);font-size:.85rem}\n"
    /* the incident page: the state once, large, coloured by the chat cards' tone */
    ".status{display:flex;flex-wrap:wrap;gap:.3rem .8rem;align-items:center;padding:.6rem "
    ".8rem;border-left:6px solid var(--line);background:var(--bg);border-radius:.3rem}\n"
    ".status .state{font-size:1.3rem}\n"
    ".tone-good{border-color:var(--ok)}.tone-attention{border-color:var(--bad)}"
    ".tone-warning{border-color:var(--warn)}.tone-accent{border-color:var(--acc)}\n"
    ".risk.tone-attention{color:var(--bad)}.risk.tone-warning{color:var(--warn)}\n"
    ".mute{color:var(--mute);font-size:.9rem}\n"
    "#decision{border:1px solid var(--line);border-radius:.5rem;padding:.2rem 1rem;"
    "margin:1rem 0}#decision h2::first-letter{text-transform:uppercase}\n"
    ".facts{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:.5rem 0}"
    ".facts dt{color:var(--mute)}.facts dd{margin:0}.reasons{margin:.2rem 0;padding-left:"
    "1.2rem}\n"
    ".runs{padding-left:1.4rem}.runs li{margin:.4rem 0}.runs summary{cursor:pointer}\n"
    ".runs .failed summary{color:var(--bad)}.runs .pending{color:var(--mute)}\n"
    ".ladder li[aria-current]{font-weight:600}\n"
    ".pager{display:flex;gap:1rem;margin:1rem 0}\n"
    ".message{padding:.8rem;border-left:4px solid var(--acc);background:var(--bg)}\n"
    ".refused{border-left-color:var(--bad)}\n"
    ".grid{display:grid;grid-template-columns:1fr;gap:1rem}\n"
    ".grid section{border:1px solid var(--line);border-radius:.5rem;padding:.6rem .8rem}\n"
    ".grid h2{margin-top:0}\n"
    ".figures{display:flex;flex-wrap:wrap;gap:1rem;margin:0 0 1rem;padding:0;list-style:none}\n"
    ".figures li{border:1px solid var(--line);border-radius:.5rem;padding:.5rem .8rem;"
    "min-width:9rem}\n"
    ".figures b{display:block;font-size:1.3rem}\n"
    "svg.chart{width:100%;max-width:34rem;height:auto;font:13px system-ui,sans-serif}\n"
    "svg.chart .bar{fill:#0a58ca}svg.chart text{fill:#1b1f24}svg.chart .none{fill:#59636e}\n"
    ".windows{display:flex;gap:.8rem;margin-bottom:.4rem}\n"
    ".asof{color:var(--mute);font-size:.85rem;margin:0 0 1rem}\n"
    ".windows a[aria-current]{font-weight:700;text-decoration:none;color:var(--fg)}\n"
    "@media (min-width:48rem){.grid{grid-template-columns:1fr 1fr}}\n"
    "@media (max-width:40rem){.hide-narrow{display:none}main{padding:.6rem}}\n";

/* Reloads the incident page every 5 s while it is not terminal, unless a form field has
 * focus or text typed in it (a half-written reject reason must not vanish). */
static const char js[] = "(function(){\n"
			 "  var main=document.querySelector('main[data-refresh]');\n"
			 "  if(!main)return;\n"
			 "  setInterval(function(){\n"
			 "    var a=document.activeElement;\n"
			 "    if(a&&(a.tagName==='TEXTAREA'||a.tagName==='INPUT'))return;\n"
			 "    var t=document.querySelectorAll('textarea,input[type=text]');\n"
			 "    for(var i=0;i<t.length;i++)if(t[i].value)return;\n"
			 "    location.reload();\n"
			 "  },5000);\n"
			 "})();\n";

const char *
ui_css(void)
{
	return css;
}

const char *
ui_js(void)
{
	return js;
}
