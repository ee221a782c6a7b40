/* slack_related.c — the related alerts section of a Slack card: each with the short
 * fingerprint `split` takes, capped to what one section may hold. Pure. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "present.h"
#include "slack_card.h"
#include "slack_card_int.h"
#include "util.h"
#include "view.h"

/* What the "and N more" line may take of the section's SLACK_TEXT_MAX bytes. */
#define MORE_RESERVE 500

/* One alert's line: "• `c0ffee01` *HighLatency* on `api`: firing ×2, joined <date>". */
static void
item_line(struct buf *l, const cJSON *v, const cJSON *a)
{
	struct present_related r;

	present_related_item(v, a, &r);
	buf_printf(l, "\n• `");
	sc_esc(l, r.id, 64);
	buf_printf(l, "` *");
	sc_esc(l, r.name, 120);
	buf_printf(l, "* on `");
	sc_esc(l, r.resource, 80);
	buf_printf(l, "`: %s ×%d, joined ", r.state, r.occurrences);
	sc_date(l, r.joined_at, "{time_secs}");
	buf_printf(l, "%s", r.cause ? ", *probable cause*" : "");
}

void
sc_related_block(cJSON *blocks, const cJSON *v, int max)
{
	const cJSON *a, *rel = cJSON_GetObjectItem(v, "related");
	int total = cJSON_GetArraySize(rel), n = 0;
	struct buf b, l;
	char *more;

	if (total == 0)
		return;
	buf_init(&b, 0);
	buf_printf(&b, "*Probable cause:* ");
	sc_esc(&b, view_str(cJSON_GetObjectItem(v, "cause"), "title"), 200);
	buf_printf(&b, "\n*Related alerts (%d):* split one out with `split ", total);
	sc_esc(&b, view_str(v, "key"), 32);
	buf_printf(&b, " ID`");
	cJSON_ArrayForEach(a, rel)
	{
		if (n == PRESENT_RELATED_SHOWN)
			break;
		buf_init(&l, 0);
		item_line(&l, v, a);
		/* a whole line or none: a cut one could show half a fingerprint */
		bool fits = b.len + l.len + MORE_RESERVE <= SLACK_TEXT_MAX;
		if (fits)
			buf_append(&b, l.data, l.len);
		buf_free(&l);
		if (!fits)
			break;
		n++;
	}
	if ((more = present_related_more(v, total - n)) != NULL) {
		buf_printf(&b, "\n");
		sc_esc(&b, more, 400);
		free(more);
	}
	sc_add(blocks, sc_section(b.data), max);
	buf_free(&b);
}
