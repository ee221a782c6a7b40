/* correlate_id.c — short forms of an incident's alert fingerprints: the prefix a card shows
 * and a person types, and the fingerprint a typed prefix stands for. Pure. */
#include <stdio.h>
#include <string.h>

#include "correlate.h"
#include "util.h"

/* How many fingerprints a refusal lists as what was meant. */
#define CANDIDATES_LISTED 5

static const char *
fp_of(const cJSON *o)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, "fingerprint"));

	return s ? s : "";
}

/* Calls fn for every alert of the view with a fingerprint: the first alert (the view
 * itself), then each related one. The cause is one of these, so it is not visited apart. */
static void
each_alert(const cJSON *view, void (*fn)(const cJSON *alert, const char *fp, void *ctx),
	   void *ctx)
{
	const cJSON *r;

	if (*fp_of(view))
		fn(view, fp_of(view), ctx);
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(view, "related"))
	{
		if (*fp_of(r))
			fn(r, fp_of(r), ctx);
	}
}

struct shortest {
	const char *fp;
	size_t need; /* characters that tell fp from every other fingerprint seen */
};

static void
shortest_step(const cJSON *alert, const char *other, void *ctx)
{
	struct shortest *s = ctx;
	size_t common = 0;

	(void)alert;
	if (strcmp(other, s->fp) == 0)
		return;
	while (s->fp[common] && s->fp[common] == other[common])
		common++;
	if (common + 1 > s->need)
		s->need = common + 1;
}

void
correlate_id_short(const cJSON *view, const char *fp, char *out, size_t outlen)
{
	struct shortest s = {fp ? fp : "", CORRELATE_ID_SHOWN};
	size_t len = strlen(s.fp);

	each_alert(view, shortest_step, &s);
	/* a fingerprint that is another's prefix is only ever told apart by all of it */
	if (s.need > len)
		s.need = len;
	if (outlen == 0)
		return;
	if (s.need >= outlen)
		s.need = outlen - 1;
	memcpy(out, s.fp, s.need);
	out[s.need] = '\0';
}

struct resolve {
	const char *typed;
	size_t tlen;
	const char *exact, *match;
	int nmatch;
	const cJSON *view;
	struct buf list; /* the candidates, as the refusal lists them */
	int listed;
};

/* "a1b2c3d4 (HighLatency)" into r->list, the first CANDIDATES_LISTED of them. */
static void
list_add(struct resolve *r, const cJSON *alert, const char *fp)
{
	const char *name = cJSON_GetStringValue(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(alert, "labels"), "alertname"));
	char id[CORRELATE_ID_MAX];

	if (name == NULL)
		name = cJSON_GetStringValue(cJSON_GetObjectItem(alert, "alertname"));
	if (name == NULL)
		name = cJSON_GetStringValue(cJSON_GetObjectItem(alert, "title"));
	if (r->listed++ == CANDIDATES_LISTED) {
		buf_printf(&r->list, ", …");
		return;
	}
	if (r->listed > CANDIDATES_LISTED)
		return;
	correlate_id_short(r->view, fp, id, sizeof(id));
	buf_printf(&r->list, "%s%s (%.60s)", r->listed > 1 ? ", " : "", id,
		   name && *name ? name : "-");
}

static void
resolve_step(const cJSON *alert, const char *fp, void *ctx)
{
	struct resolve *r = ctx;

	if (strcmp(fp, r->typed) == 0)
		r->exact = fp;
	if (strncmp(fp, r->typed, r->tlen) != 0)
		return;
	r->nmatch++;
	r->match = fp;
	list_add(r, alert, fp);
}

/* The related alerts, as what the person might have meant by an unknown fingerprint. */
static void
related_step(const cJSON *alert, const char *fp, void *ctx)
{
	if (alert != ((struct resolve *)ctx)->view)
		list_add(ctx, alert, fp);
}

int
correlate_id_resolve(const cJSON *view, const char *typed, const char **fp, char *msg,
		     size_t msglen)
{
	struct resolve r = {.typed = typed ? typed : "", .view = view};
	int rc = 0;

	r.tlen = strlen(r.typed);
	*fp = NULL;
	buf_init(&r.list, 1024);
	each_alert(view, resolve_step, &r);
	if (r.exact != NULL) {
		*fp = r.exact;
	} else if (r.tlen < CORRELATE_ID_MIN) {
		snprintf(msg, msglen,
			 "'%.64s' is too short: type at least %d characters of the fingerprint, "
			 "as the card shows it",
			 r.typed, CORRELATE_ID_MIN);
		rc = -1;
	} else if (r.nmatch == 1) {
		*fp = r.match;
	} else if (r.nmatch > 1) {
		snprintf(msg, msglen, "'%.64s' is ambiguous: %d fingerprints start with it: %s", r.typed,
			 r.nmatch, r.list.data ? r.list.data : "");
		rc = -1;
	} else {
		r.listed = 0;
		each_alert(view, related_step, &r);
		snprintf(msg, msglen,
			 "the incident has no related alert with that fingerprint (or starting "
			 "with it); related alerts: %s",
			 r.listed ? r.list.data : "none");
		rc = -1;
	}
	buf_free(&r.list);
	return rc;
}
