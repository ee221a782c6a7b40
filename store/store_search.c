/* store_search.c — full-text memory: the runbook index, similar incidents by BM25, what an
 * analysis showed (source, similar incidents, LLM calls) and its part of the view. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_int.h"
#include "util.h"

#define MATCH_MAX 4096 /* bytes of one MATCH expression */
#define SIMILAR_MAX 16 /* similar incidents one analysis may record */
#define SEARCH_MAX 32  /* runbook hits per search */

/*
 * The MATCH expression for terms: "t1" OR "t2" … Every term is quoted (an embedded quote
 * doubled), so a word from an alert can never be FTS5 syntax (NEAR, column filters, *).
 * Returns the number of terms used; 0 when none fit.
 */
static size_t
match_expr(const char *const *terms, size_t nterms, char *out, size_t outlen)
{
	size_t off = 0, used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < nterms; i++) {
		char q[256];
		size_t k = 0;

		if (terms[i] == NULL || terms[i][0] == '\0')
			continue;
		q[k++] = '"';
		for (const char *p = terms[i]; *p && k < sizeof(q) - 3; p++) {
			if (*p == '"')
				q[k++] = '"';
			q[k++] = *p;
		}
		q[k++] = '"';
		q[k] = '\0';
		if (off + k + 5 >= outlen)
			break;
		off += (size_t)snprintf(out + off, outlen - off, "%s%s", used ? " OR " : "", q);
		used++;
	}
	return used;
}

/* ---- the runbook index ---- */

int
store_runbooks_index(const struct store_runbook_doc *docs, size_t n)
{
	sqlite3_stmt *st;
	bool own;
	int rc;

	if (store_tx_enter(&own) != STORE_OK)
		return STORE_ERROR;
	rc = store_run(store_stmt("CREATE VIRTUAL TABLE IF NOT EXISTS temp.runbooks_fts USING fts5("
				  "id UNINDEXED, title, description, steps, labels)"),
		       "create runbook index");
	if (rc == STORE_OK)
		rc = store_run(store_stmt("DELETE FROM temp.runbooks_fts"), "clear runbook index");
	for (size_t i = 0; i < n && rc == STORE_OK; i++) {
		st = store_stmt("INSERT INTO temp.runbooks_fts (id, title, description, steps,"
				" labels) VALUES (?, ?, ?, ?, ?)");
		if (st == NULL) {
			rc = STORE_ERROR;
			break;
		}
		store_bind_text(st, 1, docs[i].id);
		store_bind_text(st, 2, docs[i].title ? docs[i].title : "");
		store_bind_text(st, 3, docs[i].description ? docs[i].description : "");
		store_bind_text(st, 4, docs[i].steps ? docs[i].steps : "");
		store_bind_text(st, 5, docs[i].labels ? docs[i].labels : "");
		rc = store_run(st, "index runbook");
	}
	return store_tx_leave(own, rc);
}

size_t
store_runbooks_indexed(void)
{
	sqlite3_stmt *st;
	size_t n = 0;

	st = store_stmt("SELECT count(*) FROM sqlite_temp_master WHERE name = 'runbooks_fts'");
	if (store_row(st, "look up runbook index") == STORE_OK)
		n = (size_t)sqlite3_column_int64(st, 0);
	store_done(st);
	if (n == 0)
		return 0;
	/* only prepared once the table exists: a statement on a missing table fails */
	st = store_stmt("SELECT count(*) FROM temp.runbooks_fts");
	n = 0;
	if (store_row(st, "count runbook index") == STORE_OK)
		n = (size_t)sqlite3_column_int64(st, 0);
	store_done(st);
	return n;
}

int
store_runbooks_search(const char *const *terms, size_t nterms, size_t max, struct store_hit **hits,
		      size_t *n)
{
	char expr[MATCH_MAX];
	sqlite3_stmt *st;
	int rc;

	*hits = NULL;
	*n = 0;
	if (max > SEARCH_MAX)
		max = SEARCH_MAX;
	if (max == 0 || match_expr(terms, nterms, expr, sizeof(expr)) == 0 ||
	    store_runbooks_indexed() == 0)
		return STORE_OK;
	/* a word in the title or a match label says more than one deep in the description */
	st = store_stmt("SELECT id, bm25(runbooks_fts, 0.0, 4.0, 1.0, 1.0, 3.0) FROM"
			" temp.runbooks_fts WHERE runbooks_fts MATCH ?"
			" ORDER BY bm25(runbooks_fts, 0.0, 4.0, 1.0, 1.0, 3.0), id LIMIT ?");
	if (st == NULL)
		return STORE_ERROR;
	store_bind_text(st, 1, expr);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	*hits = xcalloc(max, sizeof(**hits));
	while ((rc = store_row(st, "search runbooks")) == STORE_OK) {
		store_col_copy(st, 0, (*hits)[*n].id, sizeof((*hits)[*n].id));
		(*hits)[(*n)++].score = -sqlite3_column_double(st, 1);
	}
	store_done(st);
	if (rc == STORE_NOTFOUND && *n > 0)
		return STORE_OK;
	free(*hits);
	*hits = NULL;
	*n = 0;
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

/* ---- similar incidents ---- */

/* Documents among the past incidents that contain term, counted up to cap + 1. */
static int
term_docs(const char *term, int64_t before_id, int cap)
{
	char expr[300];
	sqlite3_stmt *st;
	int n = cap + 1;

	if (match_expr(&term, 1, expr, sizeof(expr)) == 0)
		return 0;
	st = store_stmt("SELECT count(*) FROM (SELECT 1 FROM incidents_fts WHERE incidents_fts"
			" MATCH ? AND rowid < ? LIMIT ?)");
	if (st == NULL)
		return n;
	store_bind_text(st, 1, expr);
	sqlite3_bind_int64(st, 2, before_id);
	sqlite3_bind_int(st, 3, cap + 1);
	if (store_row(st, "count term") == STORE_OK)
		n = sqlite3_column_int(st, 0);
	store_done(st);
	return n;
}

static bool
similar_has(const struct store_similar *v, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].id == id)
			return true;
	return false;
}

/* Runs one ranked query (with or without the resource filter) and appends new rows. */
static int
similar_query(sqlite3_stmt *st, const char *expr, int64_t before_id, const char *resource,
	      size_t max, struct store_similar *out, size_t *n)
{
	int rc = STORE_NOTFOUND;

	if (st == NULL)
		return STORE_ERROR;
	store_bind_text(st, 1, expr);
	sqlite3_bind_int64(st, 2, before_id);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)max);
	if (resource)
		store_bind_text(st, 4, resource);
	while (*n < max && (rc = store_row(st, "similar incidents")) == STORE_OK) {
		int64_t id = sqlite3_column_int64(st, 0);
		if (similar_has(out, *n, id))
			continue;
		out[*n].id = id;
		out[*n].score = -sqlite3_column_double(st, 1);
		out[*n].same_resource = resource != NULL;
		(*n)++;
	}
	store_done(st);
	return rc == STORE_NOTFOUND || *n == max ? STORE_OK : rc;
}

/* Every word is in many incidents (an alert that fires all day): ranking them all costs a
 * scan for little, and the newest on the same resource are the telling ones. */
static int
similar_recent(const char *resource, int64_t before_id, size_t max, struct store_similar *out,
	       size_t *n)
{
	sqlite3_stmt *st = store_stmt("SELECT id FROM incidents WHERE resource = ? AND id < ?"
				      " ORDER BY id DESC LIMIT ?");
	int rc = STORE_NOTFOUND;

	if (resource == NULL || *resource == '\0')
		return STORE_OK;
	if (st == NULL)
		return STORE_ERROR;
	store_bind_text(st, 1, resource);
	sqlite3_bind_int64(st, 2, before_id);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)max);
	while (*n < max && (rc = store_row(st, "recent incidents")) == STORE_OK) {
		out[*n].id = sqlite3_column_int64(st, 0);
		out[*n].score = 0;
		out[*n].same_resource = true;
		(*n)++;
	}
	store_done(st);
	return rc == STORE_NOTFOUND || *n == max ? STORE_OK : rc;
}

int
store_similar_incidents(const char *const *terms, size_t nterms, const char *resource,
			int64_t before_id, size_t max, struct store_similar *out, size_t *n)
{
	const char **rare = xcalloc(nterms + 1, sizeof(*rare));
	char expr[MATCH_MAX];
	size_t nrare = 0;
	bool common = false;
	int rc = STORE_OK;

	*n = 0;
	if (max > SIMILAR_MAX)
		max = SIMILAR_MAX;
	for (size_t i = 0; i < nterms && max > 0; i++) {
		int docs = term_docs(terms[i], before_id, STORE_COMMON_DOCS);
		if (docs > 0 && docs <= STORE_COMMON_DOCS)
			rare[nrare++] = terms[i];
		common |= docs > STORE_COMMON_DOCS;
	}
	if (nrare == 0) {
		if (common)
			rc = similar_recent(resource, before_id, max, out, n);
		goto out;
	}
	if (match_expr(rare, nrare, expr, sizeof(expr)) == 0)
		goto out;
	/* CROSS JOIN: FTS first, so only matching rows are looked up by resource */
	if (resource && *resource)
		rc = similar_query(
		    store_stmt("SELECT incidents_fts.rowid, bm25(incidents_fts) FROM incidents_fts"
			       " CROSS JOIN incidents i ON i.id = incidents_fts.rowid"
			       " WHERE incidents_fts MATCH ?1 AND incidents_fts.rowid < ?2"
			       " AND i.resource = ?4 ORDER BY rank LIMIT ?3"),
		    expr, before_id, resource, max, out, n);
	if (rc == STORE_OK && *n < max)
		rc = similar_query(store_stmt("SELECT rowid, bm25(incidents_fts) FROM incidents_fts"
					      " WHERE incidents_fts MATCH ?1 AND rowid < ?2"
					      " ORDER BY rank LIMIT ?3"),
				   expr, before_id, NULL, max, out, n);
out:
	free(rare);
	return rc;
}

int
store_incident_set_memory(int64_t id, const char *source, const int64_t *similar, size_t n)
{
	sqlite3_stmt *st = store_stmt("UPDATE incidents SET analysis_source = ?, similar = ?,"
				      " version = version + 1, updated_at = ? WHERE id = ?");
	cJSON *ids = cJSON_CreateArray();

	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(ids, cJSON_CreateNumber((double)similar[i]));
	if (st == NULL) {
		cJSON_Delete(ids);
		return STORE_ERROR;
	}
	store_bind_text(st, 1, source);
	store_bind_json(st, 2, ids, "[]");
	sqlite3_bind_int64(st, 3, now_ms());
	sqlite3_bind_int64(st, 4, id);
	cJSON_Delete(ids);
	int rc = store_run(st, "set analysis memory");
	if (rc == STORE_OK && sqlite3_changes(store_db) == 0)
		rc = STORE_NOTFOUND;
	return rc;
}

int
store_runbook_successes(const char *runbook_id, const char *fingerprint, const char *title,
			int64_t exclude_id, int64_t since_ms, int *count)
{
	sqlite3_stmt *st =
	    store_stmt("SELECT count(*) FROM actions a JOIN incidents i ON i.id = a.incident_id"
		       " WHERE a.runbook_id = ?1 AND a.status = 'succeeded' AND a.finished_at >= ?2"
		       " AND i.id <> ?3 AND (i.fingerprint = ?4 OR i.title = ?5)");
	int rc;

	*count = 0;
	if (st == NULL)
		return STORE_ERROR;
	store_bind_text(st, 1, runbook_id);
	sqlite3_bind_int64(st, 2, since_ms);
	sqlite3_bind_int64(st, 3, exclude_id);
	store_bind_text(st, 4, fingerprint ? fingerprint : "");
	store_bind_text(st, 5, title ? title : "");
	if ((rc = store_row(st, "count successes")) == STORE_OK)
		*count = sqlite3_column_int(st, 0);
	store_done(st);
	return rc;
}

/* ---- LLM calls ---- */

int
store_llm_begin(int64_t incident_id, const char *model, int64_t *call_id)
{
	sqlite3_stmt *st = store_stmt("INSERT INTO llm_calls (incident_id, model, started_at)"
				      " VALUES (?, ?, ?)");
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, incident_id);
	store_bind_text(st, 2, model ? model : "");
	sqlite3_bind_int64(st, 3, now_ms());
	if ((rc = store_run(st, "record llm call")) == STORE_OK)
		*call_id = sqlite3_last_insert_rowid(store_db);
	return rc;
}

int
store_llm_finish(int64_t call_id, const struct store_llm_result *r)
{
	sqlite3_stmt *st = store_stmt("UPDATE llm_calls SET status = ?, error = ?,"
				      " prompt_tokens = ?, completion_tokens = ?, cost_usd = ?,"
				      " finished_at = ? WHERE id = ?");
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	store_bind_text(st, 1, r->status);
	store_bind_text(st, 2, r->error);
	sqlite3_bind_int(st, 3, r->prompt_tokens);
	sqlite3_bind_int(st, 4, r->completion_tokens);
	sqlite3_bind_double(st, 5, r->cost_usd);
	sqlite3_bind_int64(st, 6, now_ms());
	sqlite3_bind_int64(st, 7, call_id);
	rc = store_run(st, "finish llm call");
	if (rc == STORE_OK && sqlite3_changes(store_db) == 0)
		rc = STORE_NOTFOUND;
	return rc;
}

/* ---- the view's memory keys ---- */

static cJSON *
similar_item(int64_t id, const char *resource)
{
	sqlite3_stmt *st = store_stmt(
	    "SELECT i.title, i.state, i.resource, i.outcome, i.created_at, i.resolved_at,"
	    " a.runbook_id, a.started_at IS NOT NULL"
	    " FROM incidents i LEFT JOIN actions a ON a.id = i.action_id"
	    " WHERE i.id = ?");
	char key[32];
	cJSON *o = NULL;

	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (store_row(st, "view similar incident") != STORE_OK)
		goto out;
	o = cJSON_CreateObject();
	snprintf(key, sizeof(key), "INC-%" PRId64, id);
	cJSON_AddNumberToObject(o, "id", (double)id);
	cJSON_AddStringToObject(o, "key", key);
	cJSON_AddItemToObject(o, "title", store_col_view_str(st, 0));
	cJSON_AddItemToObject(o, "state", store_col_view_str(st, 1));
	cJSON_AddItemToObject(o, "resource", store_col_view_str(st, 2));
	const char *res = (const char *)sqlite3_column_text(st, 2);
	cJSON_AddBoolToObject(o, "same_resource",
			      resource && *resource && res && strcmp(res, resource) == 0);
	cJSON_AddItemToObject(o, "runbook", store_col_view_str(st, 6));
	/* a proposal that was closed, rejected or expired is not what fixed it */
	if (sqlite3_column_type(st, 6) == SQLITE_NULL)
		cJSON_AddNullToObject(o, "runbook_ran");
	else
		cJSON_AddBoolToObject(o, "runbook_ran", sqlite3_column_int(st, 7) != 0);
	cJSON_AddItemToObject(o, "outcome", store_col_view_str(st, 3));
	int64_t created = sqlite3_column_int64(st, 4), resolved = sqlite3_column_int64(st, 5);
	if (resolved > 0)
		cJSON_AddNumberToObject(o, "resolve_s", (double)(resolved - created) / 1000.0);
	else
		cJSON_AddNullToObject(o, "resolve_s");
	cJSON_AddItemToObject(o, "created_at", store_view_time(created));
out:
	store_done(st);
	return o;
}

/* The incident's LLM calls: the latest call's model and status, tokens and cost summed. */
static cJSON *
llm_item(int64_t id, const char *state)
{
	sqlite3_stmt *st = store_stmt(
	    "SELECT model, status, error, (SELECT sum(prompt_tokens) FROM llm_calls"
	    " WHERE incident_id = ?1), (SELECT sum(completion_tokens) FROM llm_calls"
	    " WHERE incident_id = ?1), (SELECT sum(cost_usd) FROM llm_calls WHERE incident_id = ?1)"
	    " FROM llm_calls WHERE incident_id = ?1 ORDER BY id DESC LIMIT 1");
	cJSON *o = NULL;

	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (store_row(st, "view llm calls") != STORE_OK)
		goto out;
	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "model", store_col_view_str(st, 0));
	const char *status = (const char *)sqlite3_column_text(st, 1);
	/* a call still pending on an incident past analysis was cut short by a restart */
	if (status && strcmp(status, "pending") == 0 && strcmp(state, "open") != 0)
		status = "interrupted";
	cJSON_AddStringToObject(o, "status", status ? status : "");
	cJSON_AddItemToObject(o, "error", store_col_view_str(st, 2));
	cJSON_AddNumberToObject(o, "prompt_tokens", (double)sqlite3_column_int64(st, 3));
	cJSON_AddNumberToObject(o, "completion_tokens", (double)sqlite3_column_int64(st, 4));
	cJSON_AddNumberToObject(o, "cost_usd", sqlite3_column_double(st, 5));
out:
	store_done(st);
	return o;
}

int
store_view_memory(int64_t id, cJSON *view)
{
	sqlite3_stmt *st = store_stmt("SELECT analysis_source, similar, resource, state"
				      " FROM incidents WHERE id = ?");
	cJSON *ids = NULL, *arr, *it, *llm;
	char *resource = NULL, state[24];
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = store_row(st, "view memory")) != STORE_OK) {
		store_done(st);
		return rc;
	}
	cJSON_AddItemToObject(view, "analysis_source", store_col_view_str(st, 0));
	ids = store_col_json(st, 1);
	resource = store_col_dup(st, 2);
	store_col_copy(st, 3, state, sizeof(state));
	store_done(st);
	arr = cJSON_AddArrayToObject(view, "similar");
	cJSON_ArrayForEach(it, ids)
	{
		cJSON *o =
		    cJSON_IsNumber(it) ? similar_item((int64_t)it->valuedouble, resource) : NULL;
		if (o)
			cJSON_AddItemToArray(arr, o);
	}
	llm = llm_item(id, state);
	cJSON_AddItemToObject(view, "llm", llm ? llm : cJSON_CreateNull());
	cJSON_Delete(ids);
	free(resource);
	return STORE_OK;
}
