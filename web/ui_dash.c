/* ui_dash.c — the dashboard: response times, incidents by source and severity, outcomes,
 * autopilot share and success, dollars and the noisiest alerts, as server-rendered SVG bar
 * charts over one window of store_stats() figures (docs/internals/analysis.md has the
 * definitions). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"
#include "view.h"

#define BARS_MAX 16

/* ---- the charts ---- */

#define SVG_W 380    /* viewBox width; the CSS scales it to the column */
#define ROW 26	     /* height of one bar's row */
#define LABEL_W 150  /* labels left of the bars */
#define FIG_W 86     /* figures right of the bars */
#define LABEL_MAX 22 /* bytes of a label drawn; the full text is in the bar's <title> */

void
ui_svg_bars(struct buf *b, const char *title, const struct ui_bar *bars, size_t n, double full)
{
	double max = full > 0 ? full : 0;
	int h = n > 0 ? (int)n * ROW + 8 : 40;

	for (size_t i = 0; i < n; i++)
		if (isfinite(bars[i].value) && bars[i].value > max)
			max = bars[i].value;
	buf_printf(b,
		   "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" "
		   "xmlns=\"http://www.w3.org/2000/svg\"><title>",
		   SVG_W, h);
	ui_esc(b, title);
	buf_printf(b, "</title>");
	if (n == 0) {
		buf_printf(b, "<text class=\"none\" x=\"4\" y=\"24\">no data in this window</text>"
			      "</svg>");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		double v = isfinite(bars[i].value) && bars[i].value > 0 ? bars[i].value : 0;
		/* a non-zero figure always shows a sliver of bar */
		int len = max > 0 ? (int)lround(v / max * (SVG_W - LABEL_W - FIG_W - 8)) : 0;
		int y = (int)i * ROW + 4;
		char fig[48];
		char *label = utf8_truncate(bars[i].label ? bars[i].label : "", LABEL_MAX);

		if (v > 0 && len < 2)
			len = 2;
		if (bars[i].text != NULL)
			snprintf(fig, sizeof(fig), "%s", bars[i].text);
		else
			snprintf(fig, sizeof(fig), "%g", bars[i].value);
		buf_printf(b, "<g><title>");
		ui_esc(b, bars[i].label);
		buf_printf(b, ": ");
		ui_esc(b, fig);
		buf_printf(b, "</title><text x=\"%d\" y=\"%d\" text-anchor=\"end\">", LABEL_W - 6,
			   y + 16);
		ui_esc(b, label);
		buf_printf(b,
			   "</text><rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%d\" "
			   "height=\"%d\" rx=\"2\"/><text x=\"%d\" y=\"%d\">",
			   LABEL_W, y + 3, len, ROW - 8, LABEL_W + len + 6, y + 16);
		ui_esc(b, fig);
		buf_printf(b, "</text></g>");
		free(label);
	}
	buf_printf(b, "</svg>");
}

/* ---- the page ---- */

static const char *const windows[] = {"24h", "7d", "30d"};

/* "41 s", "3 min 5 s"; "-" when there is nothing to average */
static void
secs(const cJSON *v, char *out, size_t outlen)
{
	if (!cJSON_IsNumber(v)) {
		snprintf(out, outlen, "-");
		return;
	}
	duration_format((int64_t)(v->valuedouble * 1000), out, outlen);
}

static void
percent(const cJSON *v, char *out, size_t outlen)
{
	if (!cJSON_IsNumber(v))
		snprintf(out, outlen, "-");
	else
		snprintf(out, outlen, "%.0f%%", v->valuedouble * 100);
}

/* A chart of an object of counts ({"alertmanager": 10, …}), in the object's order. */
static void
counts_chart(struct buf *b, const char *title, const cJSON *obj)
{
	struct ui_bar bars[BARS_MAX];
	char figs[BARS_MAX][24];
	const cJSON *it;
	size_t n = 0;

	cJSON_ArrayForEach(it, obj)
	{
		if (n == BARS_MAX || !cJSON_IsNumber(it))
			break;
		snprintf(figs[n], sizeof(figs[n]), "%.0f", it->valuedouble);
		bars[n] = (struct ui_bar){it->string, it->valuedouble, figs[n]};
		n++;
	}
	ui_svg_bars(b, title, bars, n, 0);
}

static void
section(struct buf *b, const char *title)
{
	buf_printf(b, "<section><h2>");
	ui_esc(b, title);
	buf_printf(b, "</h2>");
}

/* Time to detect, acknowledge and resolve: mean and p90 of each, as bars. */
static void
times_chart(struct buf *b, const cJSON *s)
{
	static const struct {
		const char *key, *label;
	} figs[] = {
	    {"time_to_detect_s", "detect"},
	    {"time_to_acknowledge_s", "MTTA"},
	    {"time_to_resolve_s", "MTTR"},
	};
	struct ui_bar bars[2 * ARRAY_LEN(figs)];
	char labels[2 * ARRAY_LEN(figs)][48], texts[2 * ARRAY_LEN(figs)][32];
	size_t n = 0;
	bool any = false;

	for (size_t i = 0; i < ARRAY_LEN(figs); i++) {
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(s, figs[i].key);
		static const char *const stat[] = {"mean", "p90"};

		any = any || view_num(d, "count") > 0;
		for (size_t k = 0; k < ARRAY_LEN(stat); k++, n++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(d, stat[k]);
			snprintf(labels[n], sizeof(labels[n]), "%s %s", figs[i].label, stat[k]);
			secs(v, texts[n], sizeof(texts[n]));
			bars[n] = (struct ui_bar){labels[n], cJSON_IsNumber(v) ? v->valuedouble : 0,
						  texts[n]};
		}
	}
	ui_svg_bars(b, "Time to detect, acknowledge and resolve", bars, any ? n : 0, 0);
}

static void
autopilot_chart(struct buf *b, const cJSON *s)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(s, "actions");
	const cJSON *share = cJSON_GetObjectItemCaseSensitive(a, "autopilot_share");
	const cJSON *ok = cJSON_GetObjectItemCaseSensitive(a, "autopilot_success_rate");
	char t1[16], t2[16];
	struct ui_bar bars[2];

	percent(share, t1, sizeof(t1));
	percent(ok, t2, sizeof(t2));
	bars[0] =
	    (struct ui_bar){"share of runs", cJSON_IsNumber(share) ? share->valuedouble : 0, t1};
	bars[1] = (struct ui_bar){"success", cJSON_IsNumber(ok) ? ok->valuedouble : 0, t2};
	/* both against 100 %, not against each other */
	ui_svg_bars(b, "Autopilot share of runs and success", bars, view_num(a, "ran") > 0 ? 2 : 0,
		    1.0);
}

static void
dollars_chart(struct buf *b, const cJSON *s)
{
	const cJSON *usd = cJSON_GetObjectItemCaseSensitive(s, "usd");
	char t1[32], t2[32];
	struct ui_bar bars[2];

	snprintf(t1, sizeof(t1), "$%.2f", view_num(usd, "approved"));
	snprintf(t2, sizeof(t2), "$%.2f", view_num(usd, "spent"));
	bars[0] = (struct ui_bar){"approved", view_num(usd, "approved"), t1};
	bars[1] = (struct ui_bar){"spent", view_num(usd, "spent"), t2};
	ui_svg_bars(b, "Dollars approved and spent", bars,
		    view_num(usd, "approved") > 0 || view_num(usd, "spent") > 0 ? 2 : 0, 0);
}

static void
noisiest_chart(struct buf *b, const cJSON *s)
{
	struct ui_bar bars[BARS_MAX];
	char texts[BARS_MAX][48];
	const cJSON *it;
	size_t n = 0;

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(s, "noisiest_alerts"))
	{
		if (n == BARS_MAX)
			break;
		snprintf(texts[n], sizeof(texts[n]), "%.0f (%.0f inc.)",
			 view_num(it, "occurrences"), view_num(it, "incidents"));
		bars[n] =
		    (struct ui_bar){view_str(it, "alert"), view_num(it, "occurrences"), texts[n]};
		n++;
	}
	ui_svg_bars(b, "Noisiest alerts by occurrences", bars, n, 0);
}

/* The headline figures above the charts, as text (the charts' <title>s repeat them). */
static void
figures(struct buf *b, const cJSON *s)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(s, "actions");
	const cJSON *usd = cJSON_GetObjectItemCaseSensitive(s, "usd");
	char mtta[32], mttr[32], ttd[32], share[16];

	secs(cJSON_GetObjectItemCaseSensitive(
		 cJSON_GetObjectItemCaseSensitive(s, "time_to_acknowledge_s"), "mean"),
	     mtta, sizeof(mtta));
	secs(cJSON_GetObjectItemCaseSensitive(
		 cJSON_GetObjectItemCaseSensitive(s, "time_to_resolve_s"), "mean"),
	     mttr, sizeof(mttr));
	secs(cJSON_GetObjectItemCaseSensitive(
		 cJSON_GetObjectItemCaseSensitive(s, "time_to_detect_s"), "mean"),
	     ttd, sizeof(ttd));
	percent(cJSON_GetObjectItemCaseSensitive(a, "autopilot_share"), share, sizeof(share));
	buf_printf(b,
		   "<ul class=\"figures\"><li id=\"fig-incidents\">incidents<b>%.0f</b></li>"
		   "<li id=\"fig-mtta\">MTTA<b>%s</b></li><li id=\"fig-mttr\">MTTR<b>%s</b></li>"
		   "<li id=\"fig-ttd\">time to detect<b>%s</b></li>"
		   "<li id=\"fig-autopilot\">autopilot<b>%s</b></li>"
		   "<li id=\"fig-spent\">spent<b>$%.2f</b></li></ul>",
		   view_num(s, "incidents"), mtta, mttr, ttd, share, view_num(usd, "spent"));
}

char *
ui_dashboard_html(const struct ui_ctx *c, const cJSON *s, const char *window)
{
	struct buf b;

	buf_init(&b, 1024 * 1024);
	ui_head(&b, c, "Dashboard", "dashboard", false);
	buf_printf(&b, "<h1>Dashboard</h1><p class=\"windows\">");
	for (size_t i = 0; i < ARRAY_LEN(windows); i++)
		buf_printf(&b, "<a href=\"/ui/dashboard?window=%s\"%s>%s</a>", windows[i],
			   strcmp(window, windows[i]) == 0 ? " aria-current=\"page\"" : "",
			   windows[i]);
	buf_printf(&b, "</p><p class=\"asof\">Incidents opened in the last %s, as of ", window);
	ui_esc(&b, view_str(s, "until"));
	buf_printf(&b, " (figures are at most 30 s old).</p>");
	figures(&b, s);
	buf_printf(&b, "<div class=\"grid\">");
	section(&b, "Response times");
	times_chart(&b, s);
	buf_printf(&b, "</section>");
	section(&b, "Incidents by source");
	counts_chart(&b, "Incidents by source", cJSON_GetObjectItemCaseSensitive(s, "by_source"));
	buf_printf(&b, "</section>");
	section(&b, "Incidents by severity");
	counts_chart(&b, "Incidents by severity",
		     cJSON_GetObjectItemCaseSensitive(s, "by_severity"));
	buf_printf(&b, "</section>");
	section(&b, "Outcomes (state now)");
	counts_chart(&b, "Incidents by state", cJSON_GetObjectItemCaseSensitive(s, "by_state"));
	buf_printf(&b, "</section>");
	section(&b, "Autopilot");
	autopilot_chart(&b, s);
	buf_printf(&b, "</section>");
	section(&b, "Dollars");
	dollars_chart(&b, s);
	buf_printf(&b, "</section>");
	section(&b, "Noisiest alerts");
	noisiest_chart(&b, s);
	buf_printf(&b, "</section></div>");
	ui_foot(&b);
	return buf_steal(&b);
}
