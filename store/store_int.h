/* store_int.h — private to store/store*.c: the database handle, cached statements, helpers. */
#ifndef HEALER_STORE_INT_H
#define HEALER_STORE_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sqlite3.h>
#include <cjson/cJSON.h>

#include "store.h"

/* The states after which nothing further happens; must match workflows/state.c. Used both
 * in SQL (the partial index on open incidents must see the very same expression) and in C. */
#define STORE_TERMINAL_SQL "('resolved','rejected','expired','rolled_back','closed')"

/* The calling thread's connection: its reader when attached, else the writer. */
sqlite3 *store_handle(void);
#define store_db (store_handle())

/* A prepared statement for sql, cached by its text for the life of the connection. It comes
 * back reset with its bindings cleared. NULL (logged) if it does not prepare. The caller
 * must sqlite3_reset() it when done so no read snapshot lingers (store_done). A statement
 * must not be fetched again while its rows are still being read. */
sqlite3_stmt *store_stmt(const char *sql);
void store_done(sqlite3_stmt *st);
/* Steps a statement that returns no rows to completion and resets it. Maps a unique-key
 * violation to STORE_DUPLICATE, a foreign-key violation to STORE_NOTFOUND, anything else
 * to STORE_ERROR (logged with `what`). */
int store_run(sqlite3_stmt *st, const char *what);
/* Steps once: STORE_OK with a row to read, STORE_NOTFOUND at the end, STORE_ERROR (logged).
 * Does not reset. */
int store_row(sqlite3_stmt *st, const char *what);
/* Logs SQLite's last error for `what`; returns STORE_ERROR. */
int store_sqlerr(const char *what);

/* Writes that must be atomic run between these. Outside a caller's transaction they are
 * their own BEGIN IMMEDIATE … COMMIT; inside one, a savepoint, so that a failure undoes
 * only this call's writes and the caller decides about the rest. tx_leave commits or rolls
 * back according to rc and returns rc (or STORE_ERROR if the commit failed). */
int store_tx_enter(bool *own);
int store_tx_leave(bool own, int rc);

/* Binding: NULL text and id 0 bind SQL NULL; JSON binds its unformatted text or dflt. */
void store_bind_text(sqlite3_stmt *st, int i, const char *s);
void store_bind_id(sqlite3_stmt *st, int i, int64_t id);
void store_bind_json(sqlite3_stmt *st, int i, const cJSON *j, const char *dflt);

/* Reading a column: an owned copy (NULL for SQL NULL), a bounded copy ("" for NULL), parsed
 * JSON (NULL if SQL NULL or unparsable), and cJSON values for views (null for SQL NULL). */
char *store_col_dup(sqlite3_stmt *st, int i);
void store_col_copy(sqlite3_stmt *st, int i, char *out, size_t outlen);
cJSON *store_col_json(sqlite3_stmt *st, int i);
cJSON *store_col_view_str(sqlite3_stmt *st, int i);
cJSON *store_col_view_int(sqlite3_stmt *st, int i);
cJSON *store_col_view_time(sqlite3_stmt *st, int i);
cJSON *store_view_time(int64_t ms); /* RFC 3339 string, null for ms <= 0 */

/* A view's column table (store_cols.c): the JSON name of each value, its kind, and the
 * result column it reads. Nullable kinds give null for SQL NULL. */
enum store_col_type {
	STORE_COL_INT,	     /* integer */
	STORE_COL_INT_NULL,  /* integer, or null */
	STORE_COL_REAL,	     /* number */
	STORE_COL_REAL_NULL, /* number, or null */
	STORE_COL_STR,	     /* text, or null */
	STORE_COL_STR_SET,   /* text; null for NULL and for "" (not decided yet) */
	STORE_COL_TIME,	     /* epoch ms as RFC 3339, or null for 0 and NULL */
	STORE_COL_BOOL,	     /* true when not 0 */
	STORE_COL_NOT,	     /* true when 0 */
	STORE_COL_OBJECT,    /* JSON text, or {} when NULL or unreadable */
	STORE_COL_ARRAY,     /* JSON text, or [] when NULL or unreadable */
	STORE_COL_KEY,	     /* incident id as its key, "INC-42" */
	STORE_COL_NULL,	     /* no column: null, for the caller to fill */
	STORE_COL_LIST,	     /* no column: [], for the caller to fill */
};
struct store_col {
	const char *name;
	enum store_col_type type;
	int col;
};
/* Adds the current row's columns to o, in the table's order. */
void store_cols_fill(sqlite3_stmt *st, cJSON *o, const struct store_col *cols, size_t ncols);
/* The current row as a new object. */
cJSON *store_cols_object(sqlite3_stmt *st, const struct store_col *cols, size_t ncols);
/* Reads every row of st (bound, not yet stepped) into arr as objects, then resets st.
 * STORE_OK, or STORE_ERROR (logged with what) with the rows read so far left in arr. */
int store_cols_rows(sqlite3_stmt *st, const char *what, const struct store_col *cols, size_t ncols,
		    cJSON *arr);
/* The same into a new array: *out is the array on STORE_OK, NULL otherwise. */
int store_cols_array(sqlite3_stmt *st, const char *what, const struct store_col *cols, size_t ncols,
		     cJSON **out);

bool store_state_terminal(const char *state);
/* Records one delivery of an alert on an incident (store_incident.c); STORE_DUPLICATE if its
 * dedup_key was seen. */
int store_alert_insert(int64_t incident_id, const struct alert *a, int64_t now);

/* Incident bookkeeping shared by the store files: bump version/updated_at (a change the
 * cards must show), and rewrite the incident's full-text row (title, labels, …, runbook of
 * its action). */
int store_incident_bump(int64_t id);
int store_incident_fts(int64_t id);

#endif
