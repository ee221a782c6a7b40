/* ui_svg.c — server-rendered SVG charts: horizontal bars with their labels and figures, sized
 * by a viewBox so they scale to a phone's width without script. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"

#define W 380	    /* viewBox width; the CSS scales it to the column */
#define ROW 26	    /* height of one bar's row */
#define LABEL_W 150 /* labels left of the bars */
#define FIG_W 86    /* figures right of the bars */
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
		   W, h);
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
		int len = max > 0 ? (int)lround(v / max * (W - LABEL_W - FIG_W - 8)) : 0;
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
