/* store.c — the SQLite connection: schema migrations, the statement cache, transactions,
 * and settings. The rest of the store lives in store_*.c. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "state.h"
#include "store_int.h"
#include "util.h"

/*
 * Two kinds of connection: the writer, owned by the loop thread (every write and most reads),
 * and per-thread read-only readers that workers attach for reports (stats, /metrics), so that
 * a long read never blocks the loop. Each has its own statement cache; store_stmt() and
 * store_db pick the calling thread's connection.
 */
#define STMT_SLOTS 256 /* a power of two well above the number of distinct statements */
/* Page cache per connection. SQLite's default, 2 MiB each, was most of the daemon's private
 * memory with 10,000 incidents. The hot pages (the newest rows, the right edges of the
 * indexes) fit in much less, and the OS page cache keeps the rest of the file close. */
#define WRITER_CACHE_PRAGMA "PRAGMA cache_size = -512"	/* KiB */
#define READER_CACHE_PRAGMA "PRAGMA cache_size = -256"	/* KiB */
struct store_conn {
	sqlite3 *db;
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} cache[STMT_SLOTS];
};

static struct store_conn writer;
static __thread struct store_conn *reader; /* this thread's, after store_reader_attach */
static char *store_path;
static bool store_in_tx; /* inside store_begin … store_commit */

static struct store_conn *
conn(void)
{
	return reader != NULL ? reader : &writer;
}

sqlite3 *
store_handle(void)
{
	return conn()->db;
}

/*
 * Schema migrations, applied in order inside one transaction; migration i leaves
 * user_version = i + 1. Never edit a released entry: append a new one.
 *
 * incidents.state is free text checked by workflows/state.c; the partial index serves the
 * grouping lookup (open incident by fingerprint), which runs for every alert. audit.id is
 * AUTOINCREMENT so a deleted row leaves a detectable gap. incidents_fts holds its own copy
 * of the searchable text with rowid = incident id, rewritten by store_incident_fts().
 */
static const char *const store_migrations[] = {
    "CREATE TABLE incidents ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " state TEXT NOT NULL, severity TEXT NOT NULL, title TEXT NOT NULL,"
    " resource TEXT NOT NULL DEFAULT '', source TEXT NOT NULL, fingerprint TEXT NOT NULL,"
    " labels TEXT NOT NULL DEFAULT '{}', annotations TEXT NOT NULL DEFAULT '{}',"
    " occurrences INTEGER NOT NULL DEFAULT 1,"
    " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL,"
    " acked_at INTEGER, resolved_at INTEGER, cleared_at INTEGER,"
    " acked_by TEXT, assignee TEXT, requester TEXT,"
    " alert_cleared INTEGER NOT NULL DEFAULT 0,"
    " analysis TEXT, confidence REAL,"
    " action_id INTEGER REFERENCES actions(id),"
    " version INTEGER NOT NULL DEFAULT 1,"
    " outcome TEXT, attention TEXT);"
    "CREATE INDEX incidents_open_fp ON incidents(fingerprint)"
    " WHERE state NOT IN " STORE_TERMINAL_SQL ";"
    "CREATE INDEX incidents_state ON incidents(state, id);"
    "CREATE INDEX incidents_resource ON incidents(resource);"
    "CREATE TABLE alerts ("
    " id INTEGER PRIMARY KEY,"
    " incident_id INTEGER NOT NULL REFERENCES incidents(id),"
    " dedup_key TEXT UNIQUE, fingerprint TEXT NOT NULL, source TEXT NOT NULL,"
    " firing INTEGER NOT NULL, title TEXT, severity TEXT, resource TEXT, url TEXT,"
    " labels TEXT, annotations TEXT, starts_at INTEGER, received_at INTEGER NOT NULL);"
    "CREATE INDEX alerts_incident ON alerts(incident_id);"
    "CREATE TABLE actions ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " incident_id INTEGER NOT NULL REFERENCES incidents(id),"
    " runbook_id TEXT NOT NULL, params TEXT NOT NULL DEFAULT '{}',"
    " cost_usd REAL NOT NULL DEFAULT 0, cost_formula TEXT,"
    " risk_score INTEGER NOT NULL DEFAULT 0, risk_level TEXT NOT NULL DEFAULT '',"
    " risk_reasons TEXT NOT NULL DEFAULT '[]',"
    " decision TEXT NOT NULL DEFAULT '', decision_reason TEXT,"
    " approvals_needed INTEGER NOT NULL DEFAULT 0, roles TEXT,"
    " requester_may_approve INTEGER NOT NULL DEFAULT 1, requester TEXT,"
    " autopilot INTEGER NOT NULL DEFAULT 0, dry_run INTEGER NOT NULL DEFAULT 0,"
    " created_at INTEGER NOT NULL, expires_at INTEGER, started_at INTEGER,"
    " finished_at INTEGER, status TEXT NOT NULL DEFAULT 'proposed', result TEXT);"
    "CREATE INDEX actions_incident ON actions(incident_id);"
    "CREATE INDEX actions_started ON actions(started_at);"
    "CREATE INDEX actions_status ON actions(status);"
    "CREATE INDEX actions_runbook ON actions(runbook_id, status);"
    "CREATE TABLE approvals ("
    " id INTEGER PRIMARY KEY,"
    " action_id INTEGER NOT NULL REFERENCES actions(id),"
    " user TEXT NOT NULL, roles TEXT, decision TEXT NOT NULL, reason TEXT,"
    " at INTEGER NOT NULL, UNIQUE(action_id, user));"
    "CREATE TABLE step_runs ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " action_id INTEGER NOT NULL REFERENCES actions(id),"
    " phase TEXT NOT NULL, idx INTEGER NOT NULL, name TEXT NOT NULL,"
    " attempt INTEGER NOT NULL DEFAULT 1, status TEXT NOT NULL DEFAULT 'running',"
    " exit_code INTEGER, http_status INTEGER, stdout TEXT, stderr TEXT,"
    " truncated INTEGER NOT NULL DEFAULT 0, error TEXT,"
    " started_at INTEGER NOT NULL, finished_at INTEGER, duration_ms INTEGER);"
    "CREATE INDEX step_runs_action ON step_runs(action_id, id);"
    "CREATE INDEX step_runs_running ON step_runs(id) WHERE status = 'running';"
    "CREATE TABLE chat_refs ("
    " incident_id INTEGER NOT NULL REFERENCES incidents(id), adapter TEXT NOT NULL,"
    " channel TEXT NOT NULL, msg_id TEXT NOT NULL, PRIMARY KEY (incident_id, adapter));"
    "CREATE TABLE outbox ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, adapter TEXT NOT NULL,"
    " incident_id INTEGER REFERENCES incidents(id), kind TEXT NOT NULL, payload TEXT,"
    " attempts INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,"
    " next_attempt_at INTEGER NOT NULL, sent_at INTEGER, last_error TEXT,"
    " merged_into INTEGER);"
    "CREATE INDEX outbox_pending ON outbox(adapter, next_attempt_at)"
    " WHERE sent_at IS NULL AND merged_into IS NULL;"
    "CREATE INDEX outbox_merged ON outbox(merged_into) WHERE merged_into IS NOT NULL;"
    "CREATE INDEX outbox_incident ON outbox(incident_id, kind) WHERE sent_at IS NULL;"
    "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE audit ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, actor TEXT NOT NULL,"
    " incident_id INTEGER, kind TEXT NOT NULL, message TEXT NOT NULL, data TEXT,"
    " prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
    "CREATE INDEX audit_incident ON audit(incident_id, id);"
    "CREATE INDEX audit_at ON audit(at);"
    "CREATE VIRTUAL TABLE incidents_fts USING fts5("
    " title, labels, annotations, analysis, outcome, runbook);"
    "PRAGMA user_version = 1;",
    /* Teams: conversation references for proactive posts, and each incident's card */
    "CREATE TABLE IF NOT EXISTS teams_conversations ("
    " conversation_id TEXT PRIMARY KEY, service_url TEXT NOT NULL, tenant_id TEXT,"
    " conversation_type TEXT, name TEXT, updated_at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS teams_cards ("
    " incident_id INTEGER PRIMARY KEY REFERENCES incidents(id),"
    " service_url TEXT NOT NULL, conversation_id TEXT NOT NULL,"
    " activity_id TEXT NOT NULL DEFAULT '', last_audit_id INTEGER NOT NULL DEFAULT 0,"
    " last_state TEXT);"
    "PRAGMA user_version = 2;",
    /* Analysis and memory: where the analysis came from, the similar incidents it showed,
     * LLM calls with their tokens and cost, and an index for the stats windows */
    "ALTER TABLE incidents ADD COLUMN analysis_source TEXT;"
    "ALTER TABLE incidents ADD COLUMN similar TEXT;"
    "CREATE TABLE llm_calls ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " incident_id INTEGER NOT NULL REFERENCES incidents(id),"
    " model TEXT NOT NULL DEFAULT '', status TEXT NOT NULL DEFAULT 'pending',"
    " prompt_tokens INTEGER NOT NULL DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0,"
    " cost_usd REAL NOT NULL DEFAULT 0, error TEXT,"
    " started_at INTEGER NOT NULL, finished_at INTEGER);"
    "CREATE INDEX llm_calls_incident ON llm_calls(incident_id, id);"
    "CREATE INDEX incidents_created ON incidents(created_at);"
    "PRAGMA user_version = 3;",
    /* One chat core for every surface: each incident's card (where, and the thread cursor as
     * the last audit id delivered) and the conversations a transport may post into, keyed by
     * transport. Slack's thread position was a count of rows (a setting): it becomes the id
     * of the last row counted. */
    "ALTER TABLE chat_refs ADD COLUMN endpoint TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE chat_refs ADD COLUMN last_audit_id INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE chat_refs ADD COLUMN last_state TEXT NOT NULL DEFAULT '';"
    "UPDATE chat_refs SET last_audit_id = COALESCE((SELECT max(a.id) FROM audit a, settings s"
    " WHERE s.key = 'slack.thread.' || chat_refs.incident_id"
    " AND a.incident_id = chat_refs.incident_id AND (SELECT count(*) FROM audit b"
    " WHERE b.incident_id = a.incident_id AND b.id <= a.id) <= CAST(s.value AS INTEGER)), 0)"
    " WHERE adapter = 'slack';"
    "DELETE FROM settings WHERE key LIKE 'slack.thread.%';"
    "INSERT OR REPLACE INTO chat_refs (incident_id, adapter, channel, endpoint, msg_id,"
    " last_audit_id, last_state) SELECT incident_id, 'teams', conversation_id, service_url,"
    " activity_id, last_audit_id, COALESCE(last_state, '') FROM teams_cards;"
    "DROP TABLE teams_cards;"
    "CREATE TABLE chat_conversations ("
    " transport TEXT NOT NULL, conversation_id TEXT NOT NULL, endpoint TEXT NOT NULL,"
    " tenant_id TEXT, conversation_type TEXT, name TEXT, updated_at INTEGER NOT NULL,"
    " PRIMARY KEY (transport, conversation_id));"
    "INSERT INTO chat_conversations SELECT 'teams', conversation_id, service_url, tenant_id,"
    " conversation_type, name, updated_at FROM teams_conversations;"
    "DROP TABLE teams_conversations;"
    "PRAGMA user_version = 4;",
    /* People's display names as the chat platforms give them (Teams from.name, Slack
     * users.info), shown on cards instead of ids; expires_at says when to ask again */
    "CREATE TABLE people ("
    " user_id TEXT PRIMARY KEY, name TEXT NOT NULL,"
    " updated_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);"
    "PRAGMA user_version = 5;",
    /* Signed links (mail approvals) work once: the id of every spent token, kept until it
     * would have expired anyway. */
    "CREATE TABLE IF NOT EXISTS link_uses ("
    " token_id TEXT PRIMARY KEY, incident_id INTEGER, actor TEXT NOT NULL,"
    " verb TEXT NOT NULL, used_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);"
    "PRAGMA user_version = 6;",
    /* Correlated incidents: the alert the current proposal was made for, the probable cause
     * last acted on (fingerprints), and when a verified fix stops waiting for the
     * incident's other alerts to clear (ms; NULL: not waiting). */
    "ALTER TABLE incidents ADD COLUMN fix_for TEXT;"
    "ALTER TABLE incidents ADD COLUMN cause_seen TEXT;"
    "ALTER TABLE incidents ADD COLUMN wait_until INTEGER;"
    "PRAGMA user_version = 7;",
    /* The correlation index (store_related_index.c): the values a firing alert of an open
     * incident has for a correlate rule's label names → the incident; the key sets it was
     * built for; a final incident's rows go with its last state change. */
    "CREATE TABLE IF NOT EXISTS related_keys ("
    " keyset TEXT NOT NULL, vals TEXT NOT NULL,"
    " incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    " PRIMARY KEY (keyset, vals, incident_id)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS related_keys_incident ON related_keys(incident_id);"
    "CREATE TABLE IF NOT EXISTS related_keysets (keyset TEXT PRIMARY KEY);"
    "CREATE TRIGGER IF NOT EXISTS related_keys_final AFTER UPDATE OF state ON incidents"
    " WHEN new.state IN " STORE_TERMINAL_SQL
    " BEGIN DELETE FROM related_keys WHERE incident_id = new.id; END;"
    "PRAGMA user_version = 8;",
    /* The second log-context fetch of an incident ("after"), due once its start + after has
     * passed: kept here so a restart before then still makes it. IF NOT EXISTS: this step
     * may be renumbered when steps are merged. */
    "CREATE TABLE IF NOT EXISTS logs_due ("
    " incident_id INTEGER PRIMARY KEY, due_at INTEGER NOT NULL, sources TEXT NOT NULL);"
    "PRAGMA user_version = 9;",
};

static const char *const result_names[] = {
    [-RESULT_OK] = "ok",
    [-RESULT_ERROR] = "database error",
    [-RESULT_NOTFOUND] = "not found",
    [-RESULT_CONFLICT] = "changed meanwhile",
    [-RESULT_DUPLICATE] = "already recorded",
    [-RESULT_REFUSED] = "refused",
};

const char *
result_strerror(int rc)
{
	if (rc > 0 || (size_t)-rc >= ARRAY_LEN(result_names))
		return "unknown error";
	return result_names[-rc];
}

int
store_sqlerr(const char *what)
{
	log_warnx("store: %s: %s", what, store_db ? sqlite3_errmsg(store_db) : "not open");
	return STORE_ERROR;
}

/* ---- statement cache: open addressing keyed by the SQL text ---- */

static unsigned
stmt_hash(const char *s)
{
	unsigned h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

sqlite3_stmt *
store_stmt(const char *sql)
{
	struct store_conn *c = conn();
	unsigned i, n;
	sqlite3_stmt *st;

	for (i = stmt_hash(sql) & (STMT_SLOTS - 1), n = 0; n < STMT_SLOTS;
	     i = (i + 1) & (STMT_SLOTS - 1), n++) {
		if (c->cache[i].sql == NULL)
			break;
		if (c->cache[i].sql == sql || strcmp(c->cache[i].sql, sql) == 0) {
			st = c->cache[i].st;
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return st;
		}
	}
	if (n == STMT_SLOTS)
		fatalx("store: statement cache full");
	if (sqlite3_prepare_v3(store_db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
	    SQLITE_OK) {
		log_warnx("store: prepare \"%.60s\": %s", sql, sqlite3_errmsg(store_db));
		return NULL;
	}
	c->cache[i].sql = sql;
	c->cache[i].st = st;
	return st;
}

void
store_done(sqlite3_stmt *st)
{
	if (st != NULL)
		sqlite3_reset(st);
}

static void
stmt_cache_clear(struct store_conn *c)
{
	size_t i;

	for (i = 0; i < STMT_SLOTS; i++) {
		if (c->cache[i].st != NULL)
			sqlite3_finalize(c->cache[i].st);
		c->cache[i].sql = NULL;
		c->cache[i].st = NULL;
	}
}

int
store_run(sqlite3_stmt *st, const char *what)
{
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return STORE_OK;
	if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		return STORE_DUPLICATE;
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		return STORE_NOTFOUND;
	return store_sqlerr(what);
}

int
store_row(sqlite3_stmt *st, const char *what)
{
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	if (rc == SQLITE_DONE)
		return STORE_NOTFOUND;
	return store_sqlerr(what);
}

/* ---- open, migrate, close ---- */

static int
store_exec(const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(store_db, sql, NULL, NULL, &err) != SQLITE_OK) {
		log_warnx("store: %.60s: %s", sql, err ? err : sqlite3_errmsg(store_db));
		sqlite3_free(err);
		return STORE_ERROR;
	}
	return STORE_OK;
}

static int
store_migrate(void)
{
	const int latest = (int)ARRAY_LEN(store_migrations);
	sqlite3_stmt *st = NULL;
	int rc, version;

	/* IMMEDIATE: two processes opening a fresh file must not both migrate it */
	if (store_exec("BEGIN IMMEDIATE") != STORE_OK)
		return STORE_ERROR;
	if (sqlite3_prepare_v2(store_db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		rc = store_sqlerr("read user_version");
		goto out;
	}
	version = sqlite3_column_int(st, 0);
	/* a statement still stepping would lock the tables a migration drops */
	sqlite3_finalize(st);
	st = NULL;
	if (version > latest) {
		log_warnx("store: database schema version %d is newer than this healer (%d)",
			  version, latest);
		rc = STORE_ERROR;
		goto out;
	}
	for (rc = STORE_OK; version < latest && rc == STORE_OK; version++)
		rc = store_exec(store_migrations[version]);
out:
	sqlite3_finalize(st);
	if (rc == STORE_OK)
		rc = store_exec("COMMIT");
	if (rc != STORE_OK)
		store_exec("ROLLBACK");
	return rc;
}

int
store_open(const char *path)
{
	int rc = STORE_ERROR;

	if (writer.db != NULL)
		fatalx("store_open: already open");
	if (sqlite3_open_v2(path, &writer.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		store_sqlerr(path);
		goto out;
	}
	sqlite3_extended_result_codes(store_db, 1);
	/* the CLI reads the same file while the daemon writes it */
	sqlite3_busy_timeout(store_db, 5000);
	if (store_exec("PRAGMA journal_mode = WAL") == STORE_OK &&
	    store_exec(WRITER_CACHE_PRAGMA) == STORE_OK &&
	    store_exec("PRAGMA synchronous = NORMAL") == STORE_OK &&
	    store_exec("PRAGMA foreign_keys = ON") == STORE_OK)
		rc = store_migrate();
out:
	if (rc != STORE_OK) {
		log_warnx("store: cannot open %s", path);
		sqlite3_close(writer.db);
		writer.db = NULL;
	} else {
		free(store_path);
		store_path = xstrdup(path);
	}
	return rc;
}

void
store_close(void)
{
	if (writer.db == NULL)
		return;
	if (store_in_tx)
		store_rollback();
	stmt_cache_clear(&writer);
	sqlite3_close(writer.db);
	writer.db = NULL;
}

static pthread_key_t reader_key;
static pthread_once_t reader_once = PTHREAD_ONCE_INIT;

static void
reader_close(void *p)
{
	struct store_conn *c = p;

	stmt_cache_clear(c);
	sqlite3_close(c->db);
	free(c);
}

/* A worker that exits closes its reader. */
static void
reader_key_make(void)
{
	if (pthread_key_create(&reader_key, reader_close) != 0)
		fatalx("store: pthread_key_create");
}

int
store_reader_attach(void)
{
	struct store_conn *c;

	if (reader != NULL)
		return STORE_OK;
	pthread_once(&reader_once, reader_key_make);
	if (store_path == NULL)
		return STORE_ERROR;
	c = xcalloc(1, sizeof(*c));
	if (sqlite3_open_v2(store_path, &c->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		log_warnx("store: reader for %s: %s", store_path,
			  c->db ? sqlite3_errmsg(c->db) : "out of memory");
		sqlite3_close(c->db);
		free(c);
		return STORE_ERROR;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, 5000);
	sqlite3_exec(c->db, READER_CACHE_PRAGMA, NULL, NULL, NULL); /* a hint: failure is harmless */
	reader = c;
	pthread_setspecific(reader_key, c);
	return STORE_OK;
}

void
store_reader_detach(void)
{
	if (reader == NULL)
		return;
	pthread_setspecific(reader_key, NULL);
	reader_close(reader);
	reader = NULL;
}

int
store_read_begin(void)
{
	return store_run(store_stmt("BEGIN"), "begin read");
}

void
store_read_end(void)
{
	store_run(store_stmt("COMMIT"), "end read");
}

/* ---- transactions ---- */

int
store_begin(void)
{
	if (store_in_tx)
		fatalx("store_begin: transaction already open");
	if (store_run(store_stmt("BEGIN IMMEDIATE"), "begin") != STORE_OK)
		return STORE_ERROR;
	store_in_tx = true;
	return STORE_OK;
}

int
store_commit(void)
{
	int rc = store_run(store_stmt("COMMIT"), "commit");

	if (rc != STORE_OK)
		store_run(store_stmt("ROLLBACK"), "rollback");
	store_in_tx = false;
	return rc == STORE_OK ? STORE_OK : STORE_ERROR;
}

void
store_rollback(void)
{
	if (!sqlite3_get_autocommit(store_db))
		store_run(store_stmt("ROLLBACK"), "rollback");
	store_in_tx = false;
}

int
store_tx_enter(bool *own)
{
	*own = sqlite3_get_autocommit(store_db) != 0;
	if (*own)
		return store_run(store_stmt("BEGIN IMMEDIATE"), "begin") == STORE_OK ? STORE_OK
										     : STORE_ERROR;
	return store_run(store_stmt("SAVEPOINT store_call"), "savepoint") == STORE_OK ? STORE_OK
										      : STORE_ERROR;
}

int
store_tx_leave(bool own, int rc)
{
	if (own) {
		if (rc == STORE_OK && store_run(store_stmt("COMMIT"), "commit") == STORE_OK)
			return STORE_OK;
		store_run(store_stmt("ROLLBACK"), "rollback");
		return rc == STORE_OK ? STORE_ERROR : rc;
	}
	if (rc != STORE_OK)
		store_run(store_stmt("ROLLBACK TO store_call"), "rollback to savepoint");
	if (store_run(store_stmt("RELEASE store_call"), "release savepoint") != STORE_OK &&
	    rc == STORE_OK)
		rc = STORE_ERROR;
	return rc;
}

/* ---- binding and reading ---- */

void
store_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else /* static: every statement is reset before its caller's strings go away */
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

void
store_bind_id(sqlite3_stmt *st, int i, int64_t id)
{
	if (id == 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, id);
}

void
store_bind_json(sqlite3_stmt *st, int i, const cJSON *j, const char *dflt)
{
	char *s;

	if (j == NULL) {
		store_bind_text(st, i, dflt);
		return;
	}
	s = cJSON_PrintUnformatted(j);
	if (s == NULL)
		fatalx("out of memory (cJSON print)");
	sqlite3_bind_text(st, i, s, -1, cJSON_free);
}

bool
store_state_terminal(const char *state)
{
	/* the state table (workflows/state.c) is the one place that says what is terminal */
	return state_is_terminal_name(state);
}

/* ---- settings ---- */

int
store_setting_get(const char *key, char *out, size_t outlen)
{
	sqlite3_stmt *st = store_stmt("SELECT value FROM settings WHERE key = ?");
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if ((rc = store_row(st, "get setting")) == STORE_OK)
		store_col_copy(st, 0, out, outlen);
	store_done(st);
	return rc;
}

int
store_setting_set(const char *key, const char *value)
{
	sqlite3_stmt *st = store_stmt("INSERT INTO settings (key, value) VALUES (?, ?)"
				      " ON CONFLICT (key) DO UPDATE SET value = excluded.value");

	if (st == NULL)
		return STORE_ERROR;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value ? value : "", -1, SQLITE_STATIC);
	return store_run(st, "set setting");
}
