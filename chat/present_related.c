/* present_related.c — what every surface shows of an incident's related alerts: per alert
 * the short fingerprint to type, name, resource, state, occurrences and when it joined; the
 * "and N more" line past a surface's cap. Pure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "present.h"
#include "util.h"
#include "view.h"

/* "14:02:11 UTC" when it joined the day the incident opened, else "2026-12-02 14:02 UTC". */
static void
joined_time(const cJSON *view, const char *iso, char *out, size_t outlen)
{
	int64_t ms = 0, opened = 0;
	struct tm tm, otm;
	time_t t, o;

	if (time_parse_iso(iso, &ms) != 0 || ms <= 0) {
		snprintf(out, outlen, "-");
		return;
	}
	t = (time_t)(ms / 1000);
	gmtime_r(&t, &tm);
	if (time_parse_iso(view_str(view, "created_at"), &opened) == 0 && opened > 0) {
		o = (time_t)(opened / 1000);
		gmtime_r(&o, &otm);
		if (otm.tm_year == tm.tm_year && otm.tm_yday == tm.tm_yday) {
			strftime(out, outlen, "%H:%M:%S UTC", &tm);
			return;
		}
	}
	strftime(out, outlen, "%Y-%m-%d %H:%M UTC", &tm);
}

void
present_related_item(const cJSON *view, const cJSON *rel, struct present_related *out)
{
	const char *name = view_str(rel, "alertname"), *res = view_str(rel, "resource");

	memset(out, 0, sizeof(*out));
	out->fingerprint = view_str(rel, "fingerprint");
	correlate_id_short(view, out->fingerprint, out->id, sizeof(out->id));
	out->title = view_str(rel, "title");
	out->name = *name ? name : *out->title ? out->title : "-";
	out->resource = *res ? res : "-";
	out->state = cJSON_IsTrue(cJSON_GetObjectItem(rel, "cleared")) ? "cleared" : "firing";
	out->occurrences = (int)view_num(rel, "occurrences");
	out->cause = cJSON_IsTrue(cJSON_GetObjectItem(rel, "cause"));
	out->joined_at = view_str(rel, "joined_at");
	joined_time(view, out->joined_at, out->joined, sizeof(out->joined));
}

char *
present_related_more(const cJSON *view, int more)
{
	const char *url = view_str(view, "url");

	if (more <= 0)
		return NULL;
	if (*url)
		return xasprintf("and %d more: %s", more, url);
	return xasprintf("and %d more (all of them: healer incidents show %s --json)", more,
			 view_str(view, "key"));
}
