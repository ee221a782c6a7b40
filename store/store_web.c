/* store_web.c — what the web pages read: a filtered page of incidents and the time to
 * detect. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_int.h"
#include "util.h"

/*
 * One statement for every filter: an empty filter binds NULL and matches everything, so the
 * statement cache holds one plan and no SQL is ever assembled from input. "open" is every
 * state that is not terminal, the list's default.
 */
#define PAGE_WHERE                                                                                 \
	" FROM incidents WHERE (?1 IS NULL OR (?1 = 'open' AND state NOT IN " STORE_TERMINAL_SQL   \
	") OR state = ?1 OR ?1 = 'all') AND (?2 IS NULL OR severity = ?2)"                         \
	" AND (?3 IS NULL OR source = ?3)"

static void
bind_filter(sqlite3_stmt *st, const struct store_incident_filter *f)
{
	store_bind_text(st, 1, f->state && *f->state ? f->state : NULL);
	store_bind_text(st, 2, f->severity && *f->severity ? f->severity : NULL);
	store_bind_text(st, 3, f->source && *f->source ? f->source : NULL);
}

int
store_incident_page(const struct store_incident_filter *f, int offset, int limit, cJSON **out,
		    bool *more)
{
	/* newest first by id, one row past the page to know whether there is another: no
	 * count(*), which would read every matching row on each page */
	sqlite3_stmt *st = store_stmt("SELECT id, state, severity, title, resource, source,"
				      " occurrences, created_at, updated_at, acked_by" PAGE_WHERE
				      " ORDER BY id DESC LIMIT ?4 OFFSET ?5");
	static const struct store_col cols[] = {
	    {"id", STORE_COL_INT, 0},	       {"key", STORE_COL_KEY, 0},
	    {"state", STORE_COL_STR, 1},       {"severity", STORE_COL_STR, 2},
	    {"title", STORE_COL_STR, 3},       {"resource", STORE_COL_STR, 4},
	    {"source", STORE_COL_STR, 5},      {"occurrences", STORE_COL_INT, 6},
	    {"created_at", STORE_COL_TIME, 7}, {"created_ms", STORE_COL_INT, 7},
	    {"updated_at", STORE_COL_TIME, 8}, {"acked_by", STORE_COL_STR, 9},
	};
	cJSON *arr;
	int rc, n = 0;

	*out = NULL;
	*more = false;
	if (limit <= 0)
		limit = 50;
	if (st == NULL)
		return STORE_ERROR;
	bind_filter(st, f);
	sqlite3_bind_int(st, 4, limit + 1);
	sqlite3_bind_int(st, 5, offset > 0 ? offset : 0);
	arr = cJSON_CreateArray();
	while ((rc = store_row(st, "page of incidents")) == STORE_OK) {
		if (++n > limit) {
			*more = true;
			continue;
		}
		cJSON_AddItemToArray(arr, store_cols_object(st, cols, ARRAY_LEN(cols)));
	}
	store_done(st);
	if (rc != STORE_NOTFOUND) {
		cJSON_Delete(arr);
		return rc;
	}
	*out = arr;
	return STORE_OK;
}

int
store_detect_summary(int64_t since_ms, int64_t until_ms, cJSON **out)
{
	/* the alert's own start (startsAt, the alarm's state change) to the incident opening,
	 * for incidents whose first alert said when it started */
	sqlite3_stmt *st =
	    store_stmt("SELECT (i.created_at - min(a.starts_at)) / 1000.0 FROM incidents i"
		       " JOIN alerts a ON a.incident_id = i.id"
		       " WHERE i.created_at >= ?1 AND i.created_at < ?2 AND a.starts_at > 0"
		       " AND a.starts_at <= i.created_at GROUP BY i.id ORDER BY 1");
	double *v = NULL, sum = 0;
	size_t n = 0, alloc = 0;
	int rc;

	*out = NULL;
	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, since_ms);
	sqlite3_bind_int64(st, 2, until_ms);
	while ((rc = store_row(st, "time to detect")) == STORE_OK) {
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			v = xrealloc(v, alloc * sizeof(*v));
		}
		v[n] = sqlite3_column_double(st, 0);
		sum += v[n++];
	}
	store_done(st);
	if (rc != STORE_NOTFOUND) {
		free(v);
		return rc;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "count", (double)n);
	if (n == 0) {
		cJSON_AddNullToObject(o, "mean");
		cJSON_AddNullToObject(o, "p90");
	} else {
		cJSON_AddNumberToObject(o, "mean", round(sum / (double)n * 10) / 10);
		cJSON_AddNumberToObject(o, "p90", v[(size_t)ceil(0.9 * (double)n) - 1]);
	}
	free(v);
	*out = o;
	return STORE_OK;
}
