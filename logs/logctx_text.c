/* logctx_text.c — the log context of a view as the few lines a card shows (every renderer
 * uses it, so console, Slack and Teams say the same). Pure. */
#include <stdlib.h>
#include <string.h>

#include "logctx.h"
#include "util.h"

char *
logctx_card_text(const cJSON *view, size_t per_source, size_t max)
{
	const cJSON *row, *t;
	struct buf b;

	buf_init(&b, max);
	cJSON_ArrayForEach(row, cJSON_GetObjectItem(view, "log_context"))
	{
		const char *summary = cJSON_GetStringValue(cJSON_GetObjectItem(row, "summary"));
		size_t i = 0;
		if (summary == NULL)
			continue;
		buf_printf(&b, "%s%s", b.len ? "\n" : "", summary);
		cJSON_ArrayForEach(t, cJSON_GetObjectItem(row, "templates"))
		{
			const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(t, "template"));
			const cJSON *count = cJSON_GetObjectItem(t, "count");
			if (i++ >= per_source)
				break;
			if (text && cJSON_IsNumber(count))
				buf_printf(&b, "\n  %.0f× %s", count->valuedouble, text);
		}
	}
	if (b.overflow) {
		static const char cut[] = "\n…";
		/* the buffer is full: end on a whole line, marked as cut */
		char *nl = b.len > sizeof(cut) ? memrchr(b.data, '\n', b.len - sizeof(cut)) : NULL;
		b.len = nl ? (size_t)(nl - b.data) : 0;
		b.overflow = false;
		buf_append(&b, cut, sizeof(cut) - 1);
	}
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}
