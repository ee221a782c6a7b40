/* store_people.c — people's display names from the chat platforms, so that cards show a
 * name where the audit keeps the id; each with an expiry after which it is asked again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_int.h"
#include "util.h"

#define VIEW_PEOPLE_MAX 64 /* distinct ids one view looks up */

/* A peer-supplied name made safe to show: no control bytes, no edge blanks, capped. */
static char *
clean_name(const char *name)
{
	char *cut = utf8_truncate(name ? name : "", STORE_PERSON_NAME_MAX), *p, *q;

	for (p = q = cut; *p; p++)
		if ((unsigned char)*p >= 0x20 && *p != 0x7f)
			*q++ = *p;
	*q = '\0';
	for (p = cut; *p == ' '; p++)
		;
	memmove(cut, p, strlen(p) + 1);
	for (q = cut + strlen(cut); q > cut && q[-1] == ' '; q--)
		q[-1] = '\0';
	return cut;
}

int
store_person_set(const char *user_id, const char *name, int64_t ttl_ms)
{
	char *clean = clean_name(name);
	sqlite3_stmt *st;
	int rc;

	if (user_id == NULL || *user_id == '\0' || *clean == '\0') {
		free(clean);
		return STORE_NOTFOUND;
	}
	st = store_stmt("INSERT INTO people (user_id, name, updated_at, expires_at)"
			" VALUES (?1, ?2, ?3, ?4) ON CONFLICT (user_id) DO UPDATE SET"
			" name = excluded.name, updated_at = excluded.updated_at,"
			" expires_at = excluded.expires_at");
	if (st == NULL) {
		free(clean);
		return STORE_ERROR;
	}
	int64_t now = now_ms();
	store_bind_text(st, 1, user_id);
	store_bind_text(st, 2, clean);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, now + (ttl_ms > 0 ? ttl_ms : 0));
	rc = store_run(st, "remember a name");
	free(clean);
	return rc;
}

int
store_person_get(const char *user_id, char *out, size_t outlen, bool *fresh)
{
	sqlite3_stmt *st = store_stmt("SELECT name, expires_at FROM people WHERE user_id = ?");
	int rc;

	if (outlen)
		out[0] = '\0';
	*fresh = false;
	if (st == NULL)
		return STORE_ERROR;
	store_bind_text(st, 1, user_id);
	if ((rc = store_row(st, "look up a name")) == STORE_OK) {
		store_col_copy(st, 0, out, outlen);
		*fresh = sqlite3_column_int64(st, 1) > now_ms();
	}
	store_done(st);
	return rc;
}

/* Adds id to ids (no duplicates, at most VIEW_PEOPLE_MAX). */
static void
collect(const char **ids, size_t *n, const char *id)
{
	if (id == NULL || *id == '\0' || *n >= VIEW_PEOPLE_MAX)
		return;
	for (size_t i = 0; i < *n; i++)
		if (strcmp(ids[i], id) == 0)
			return;
	ids[(*n)++] = id;
}

static const char *
member(const cJSON *o, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(o, k));
}

int
store_view_people(cJSON *view)
{
	static const char *const keys[] = {"acked_by", "assignee", "requester"};
	const char *ids[VIEW_PEOPLE_MAX];
	const cJSON *it;
	size_t n = 0;
	char name[STORE_PERSON_NAME_MAX + 8];
	bool fresh;
	int rc = STORE_OK;

	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		collect(ids, &n, member(view, keys[i]));
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(view, "approvals"))
	    collect(ids, &n, member(it, "user"));
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(view, "timeline"))
	    collect(ids, &n, member(it, "actor"));
	/* the ids are borrowed from the view: build the map aside, attach it at the end */
	cJSON *people = cJSON_CreateObject();
	for (size_t i = 0; i < n && rc != STORE_ERROR; i++) {
		rc = store_person_get(ids[i], name, sizeof(name), &fresh);
		if (rc == STORE_OK)
			cJSON_AddStringToObject(people, ids[i], name);
	}
	if (rc == STORE_ERROR) {
		cJSON_Delete(people);
		return rc;
	}
	cJSON_DeleteItemFromObject(view, "people");
	cJSON_AddItemToObject(view, "people", people);
	return STORE_OK;
}
