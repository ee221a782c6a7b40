/* store_cols.c — reading result columns: owned and bounded copies, parsed JSON, cJSON values
 * for views, and whole rows into JSON objects by a column table (each view names its columns,
 * their kinds and where each goes, and one loop reads them all). */
#include <inttypes.h>
#include <stdio.h>

#include "store_int.h"
#include "util.h"

char *
store_col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? xstrdup((const char *)s) : NULL;
}

void
store_col_copy(sqlite3_stmt *st, int i, char *out, size_t outlen)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	snprintf(out, outlen, "%s", s ? (const char *)s : "");
}

cJSON *
store_col_json(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? cJSON_ParseWithLength(s, (size_t)sqlite3_column_bytes(st, i)) : NULL;
}

cJSON *
store_col_view_str(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? cJSON_CreateString((const char *)s) : cJSON_CreateNull();
}

cJSON *
store_col_view_int(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return cJSON_CreateNull();
	return cJSON_CreateNumber((double)sqlite3_column_int64(st, i));
}

cJSON *
store_view_time(int64_t ms)
{
	char ts[40];

	if (ms <= 0)
		return cJSON_CreateNull();
	time_format_iso(ms, ts, sizeof(ts));
	return cJSON_CreateString(ts);
}

cJSON *
store_col_view_time(sqlite3_stmt *st, int i)
{
	return store_view_time(sqlite3_column_int64(st, i));
}

/* "INC-42": the key every surface shows for incident 42. */
static cJSON *
col_key(sqlite3_stmt *st, int i)
{
	char key[32];

	snprintf(key, sizeof(key), "INC-%" PRId64, (int64_t)sqlite3_column_int64(st, i));
	return cJSON_CreateString(key);
}

/* Parsed JSON, or an empty container when the column is NULL or unreadable. */
static cJSON *
col_json_or(sqlite3_stmt *st, int i, bool array)
{
	cJSON *j = store_col_json(st, i);

	if (j == NULL)
		j = array ? cJSON_CreateArray() : cJSON_CreateObject();
	return j;
}

static cJSON *
col_value(sqlite3_stmt *st, const struct store_col *c)
{
	const unsigned char *s;

	switch (c->type) {
	case STORE_COL_INT:
		return cJSON_CreateNumber((double)sqlite3_column_int64(st, c->col));
	case STORE_COL_INT_NULL:
		return store_col_view_int(st, c->col);
	case STORE_COL_REAL:
		return cJSON_CreateNumber(sqlite3_column_double(st, c->col));
	case STORE_COL_REAL_NULL:
		if (sqlite3_column_type(st, c->col) == SQLITE_NULL)
			return cJSON_CreateNull();
		return cJSON_CreateNumber(sqlite3_column_double(st, c->col));
	case STORE_COL_STR:
		return store_col_view_str(st, c->col);
	case STORE_COL_STR_SET:
		s = sqlite3_column_text(st, c->col);
		return s && *s ? cJSON_CreateString((const char *)s) : cJSON_CreateNull();
	case STORE_COL_TIME:
		return store_col_view_time(st, c->col);
	case STORE_COL_BOOL:
		return cJSON_CreateBool(sqlite3_column_int(st, c->col) != 0);
	case STORE_COL_NOT:
		return cJSON_CreateBool(sqlite3_column_int(st, c->col) == 0);
	case STORE_COL_OBJECT:
		return col_json_or(st, c->col, false);
	case STORE_COL_ARRAY:
		return col_json_or(st, c->col, true);
	case STORE_COL_KEY:
		return col_key(st, c->col);
	case STORE_COL_NULL:
		return cJSON_CreateNull();
	case STORE_COL_LIST:
		return cJSON_CreateArray();
	}
	return cJSON_CreateNull();
}

void
store_cols_fill(sqlite3_stmt *st, cJSON *o, const struct store_col *cols, size_t ncols)
{
	for (size_t i = 0; i < ncols; i++)
		cJSON_AddItemToObject(o, cols[i].name, col_value(st, &cols[i]));
}

cJSON *
store_cols_object(sqlite3_stmt *st, const struct store_col *cols, size_t ncols)
{
	cJSON *o = cJSON_CreateObject();

	store_cols_fill(st, o, cols, ncols);
	return o;
}

int
store_cols_rows(sqlite3_stmt *st, const char *what, const struct store_col *cols, size_t ncols,
		cJSON *arr)
{
	int rc;

	while ((rc = store_row(st, what)) == STORE_OK)
		cJSON_AddItemToArray(arr, store_cols_object(st, cols, ncols));
	store_done(st);
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

int
store_cols_array(sqlite3_stmt *st, const char *what, const struct store_col *cols, size_t ncols,
		 cJSON **out)
{
	cJSON *arr = cJSON_CreateArray();
	int rc = store_cols_rows(st, what, cols, ncols, arr);

	if (rc != STORE_OK) {
		cJSON_Delete(arr);
		arr = NULL;
	}
	*out = arr;
	return rc;
}
