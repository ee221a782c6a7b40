/* store_related_index.c — the correlation index: for each correlate rule's label names, the
 * values a firing alert of an open incident has for them → that incident. */
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "store_int.h"
#include "util.h"

/*
 * Without it, finding where a new alert belongs reads every firing alert of every open
 * incident (O(open alerts) per alert on the loop thread, an alert storm's worst case). With
 * it, one indexed lookup per rule. The rows live in the store, written in the transaction
 * that adds the alert, splits or merges; a trigger drops an incident's rows when it reaches
 * a final state. The key sets themselves are the policy's: registered at start, and when
 * they differ from the ones the rows were built for, the rows are rebuilt from the alerts.
 */
struct keyset {
	char *canon; /* JSON array of the label names: the key set's name in the table */
	char *keys[STORE_RELATED_KEYS];
	size_t nkeys;
};

/* Written once at start (store_related_index_rules), before other threads use the store. */
static struct keyset sets[STORE_RELATED_SETS];
static size_t nsets;

static void
sets_clear(void)
{
	for (size_t i = 0; i < nsets; i++) {
		free(sets[i].canon);
		for (size_t k = 0; k < sets[i].nkeys; k++)
			free(sets[i].keys[k]);
	}
	memset(sets, 0, sizeof(sets));
	nsets = 0;
}

/* The values of a key set's labels as a JSON array; NULL when one is missing, not text or
 * empty (an empty value says nothing in common: it never correlates). Owned. */
static char *
values_of(const struct keyset *ks, const cJSON *labels)
{
	cJSON *arr = cJSON_CreateArray();
	char *out = NULL;

	for (size_t k = 0; k < ks->nkeys; k++) {
		const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(labels, ks->keys[k]));

		if (v == NULL || *v == '\0')
			goto out;
		cJSON_AddItemToArray(arr, cJSON_CreateString(v));
	}
	out = cJSON_PrintUnformatted(arr);
out:
	cJSON_Delete(arr);
	return out;
}

static int
index_labels(int64_t id, const cJSON *labels)
{
	int rc = STORE_OK;

	for (size_t i = 0; i < nsets && rc == STORE_OK; i++) {
		char *vals = values_of(&sets[i], labels);
		sqlite3_stmt *st;

		if (vals == NULL)
			continue;
		st = store_stmt("INSERT OR IGNORE INTO related_keys (keyset, vals, incident_id)"
				" VALUES (?, ?, ?)");
		if (st == NULL) {
			free(vals);
			return STORE_ERROR;
		}
		store_bind_text(st, 1, sets[i].canon);
		store_bind_text(st, 2, vals);
		sqlite3_bind_int64(st, 3, id);
		rc = store_run(st, "index related keys");
		free(vals);
	}
	return rc;
}

int
store_related_index_alert(int64_t id, const struct alert *a)
{
	if (nsets == 0 || !a->firing)
		return STORE_OK;
	return index_labels(id, a->labels);
}

int
store_related_reindex(int64_t id)
{
	sqlite3_stmt *st = store_stmt("DELETE FROM related_keys WHERE incident_id = ?");
	cJSON *all = cJSON_CreateArray();
	const cJSON *l;
	int rc;

	if (st == NULL) {
		rc = STORE_ERROR;
		goto out;
	}
	sqlite3_bind_int64(st, 1, id);
	if ((rc = store_run(st, "clear related keys")) != STORE_OK || nsets == 0)
		goto out;
	st = store_stmt("SELECT a.labels FROM alerts a JOIN incidents i ON i.id = a.incident_id"
			" WHERE a.incident_id = ? AND a.firing = 1"
			" AND i.state NOT IN " STORE_TERMINAL_SQL);
	if (st == NULL) {
		rc = STORE_ERROR;
		goto out;
	}
	/* read first, write after: no statement is stepping while the index changes */
	sqlite3_bind_int64(st, 1, id);
	while ((rc = store_row(st, "related keys of an incident")) == STORE_OK) {
		cJSON *labels = store_col_json(st, 0);

		cJSON_AddItemToArray(all, labels ? labels : cJSON_CreateObject());
	}
	store_done(st);
	if (rc != STORE_NOTFOUND)
		goto out;
	rc = STORE_OK;
	cJSON_ArrayForEach(l, all)
	{
		if ((rc = index_labels(id, l)) != STORE_OK)
			break;
	}
out:
	cJSON_Delete(all);
	return rc;
}

int
store_related_index_merge(int64_t from, int64_t into)
{
	sqlite3_stmt *st = store_stmt("INSERT OR IGNORE INTO related_keys (keyset, vals,"
				      " incident_id) SELECT keyset, vals, ?2 FROM related_keys"
				      " WHERE incident_id = ?1");
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, into);
	if ((rc = store_run(st, "merge related keys")) != STORE_OK)
		return rc;
	/* `from` keeps no alert: nothing of it may be found any more */
	if ((st = store_stmt("DELETE FROM related_keys WHERE incident_id = ?")) == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, from);
	return store_run(st, "clear merged related keys");
}

/* True when the table was built for exactly the key sets registered now. */
static int
sets_current(bool *same)
{
	sqlite3_stmt *st = store_stmt("SELECT keyset FROM related_keysets");
	size_t n = 0;
	int rc;

	*same = true;
	if (st == NULL)
		return STORE_ERROR;
	while ((rc = store_row(st, "related key sets")) == STORE_OK) {
		const char *k = (const char *)sqlite3_column_text(st, 0);
		size_t i;

		for (i = 0; i < nsets && strcmp(sets[i].canon, k ? k : "") != 0; i++)
			;
		*same &= i < nsets;
		n++;
	}
	store_done(st);
	if (rc != STORE_NOTFOUND)
		return rc;
	/* the registered sets are distinct (see store_related_index_rules) */
	*same &= n == nsets;
	return STORE_OK;
}

/* Runs a statement without parameters or rows. */
static int
run_plain(const char *sql, const char *what)
{
	sqlite3_stmt *st = store_stmt(sql);

	return st ? store_run(st, what) : STORE_ERROR;
}

/* Every open incident's rows, from its firing alerts, for the key sets registered now. */
static int
rebuild(void)
{
	sqlite3_stmt *st;
	cJSON *ids = cJSON_CreateArray();
	const cJSON *id;
	int rc;

	if ((rc = run_plain("DELETE FROM related_keys", "clear related keys")) != STORE_OK ||
	    (rc = run_plain("DELETE FROM related_keysets", "clear related key sets")) != STORE_OK)
		goto out;
	for (size_t i = 0; rc == STORE_OK && i < nsets; i++) {
		if ((st = store_stmt("INSERT INTO related_keysets (keyset) VALUES (?)")) == NULL) {
			rc = STORE_ERROR;
			goto out;
		}
		store_bind_text(st, 1, sets[i].canon);
		rc = store_run(st, "register related key set");
	}
	st = store_stmt("SELECT id FROM incidents WHERE state NOT IN " STORE_TERMINAL_SQL);
	if (rc != STORE_OK || st == NULL) {
		rc = rc != STORE_OK ? rc : STORE_ERROR;
		goto out;
	}
	/* the ids first: reindexing writes while no statement is stepping */
	while ((rc = store_row(st, "open incidents")) == STORE_OK)
		cJSON_AddItemToArray(ids, cJSON_CreateNumber((double)sqlite3_column_int64(st, 0)));
	store_done(st);
	rc = rc == STORE_NOTFOUND ? STORE_OK : rc;
	cJSON_ArrayForEach(id, ids)
	{
		if (rc == STORE_OK)
			rc = store_related_reindex((int64_t)id->valuedouble);
	}
out:
	cJSON_Delete(ids);
	return rc;
}

int
store_related_index_rules(const char *const *const *keys, const size_t *nkeys, size_t n,
			  bool *rebuilt)
{
	bool own, same;
	int rc;

	*rebuilt = false;
	sets_clear();
	for (size_t i = 0; i < n && nsets < STORE_RELATED_SETS; i++) {
		struct keyset ks = {0};
		cJSON *arr = cJSON_CreateArray();
		size_t j;

		for (ks.nkeys = 0; ks.nkeys < nkeys[i] && ks.nkeys < STORE_RELATED_KEYS; ks.nkeys++) {
			ks.keys[ks.nkeys] = xstrdup(keys[i][ks.nkeys]);
			cJSON_AddItemToArray(arr, cJSON_CreateString(keys[i][ks.nkeys]));
		}
		ks.canon = cJSON_PrintUnformatted(arr);
		cJSON_Delete(arr);
		/* two rules on the same labels share their rows */
		for (j = 0; j < nsets && strcmp(sets[j].canon, ks.canon) != 0; j++)
			;
		if (j < nsets || ks.nkeys == 0) {
			free(ks.canon);
			for (size_t k = 0; k < ks.nkeys; k++)
				free(ks.keys[k]);
			continue;
		}
		sets[nsets++] = ks;
	}
	if (store_tx_enter(&own) != STORE_OK)
		return STORE_ERROR;
	if ((rc = sets_current(&same)) == STORE_OK && !same) {
		rc = rebuild();
		*rebuilt = rc == STORE_OK;
	}
	return store_tx_leave(own, rc);
}

int
store_related_lookup(const cJSON *labels, const char *const *keys, size_t nkeys,
		     int64_t since_ms, int64_t until_ms, int64_t *id)
{
	struct keyset ks = {.nkeys = nkeys < STORE_RELATED_KEYS ? nkeys : STORE_RELATED_KEYS};
	cJSON *arr = cJSON_CreateArray();
	char *canon, *vals;
	sqlite3_stmt *st;
	int rc = STORE_NOTFOUND;

	for (size_t k = 0; k < ks.nkeys; k++) {
		ks.keys[k] = (char *)keys[k]; /* borrowed: values_of only reads them */
		cJSON_AddItemToArray(arr, cJSON_CreateString(keys[k]));
	}
	canon = cJSON_PrintUnformatted(arr);
	cJSON_Delete(arr);
	vals = values_of(&ks, labels);
	if (vals == NULL)
		goto out;
	/* the primary key orders an entry's incidents by id: the oldest open one wins */
	st = store_stmt("SELECT k.incident_id FROM related_keys k"
			" JOIN incidents i ON i.id = k.incident_id"
			" WHERE k.keyset = ?1 AND k.vals = ?2 AND i.created_at >= ?3"
			" AND i.created_at <= ?4 AND i.state NOT IN " STORE_TERMINAL_SQL
			" ORDER BY k.incident_id LIMIT 1");
	if (st == NULL) {
		rc = STORE_ERROR;
		goto out;
	}
	store_bind_text(st, 1, canon);
	store_bind_text(st, 2, vals);
	sqlite3_bind_int64(st, 3, since_ms);
	sqlite3_bind_int64(st, 4, until_ms);
	if ((rc = store_row(st, "related lookup")) == STORE_OK)
		*id = sqlite3_column_int64(st, 0);
	store_done(st);
out:
	free(canon);
	free(vals);
	return rc;
}
