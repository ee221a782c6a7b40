/* store_fixture.h — shared by the store tests: a temporary database, a second raw
 * connection for tampering, and builders for alerts, incidents and actions. */
#ifndef HEALER_STORE_FIXTURE_H
#define HEALER_STORE_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>
#include <cmocka.h>

#include "ingest.h"
#include "store.h"
#include "util.h"

static char tmpdir[64];
static char dbpath[128];

static inline int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/healer-store-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(dbpath, sizeof(dbpath), "%s/healer.db", tmpdir);
	return store_open(dbpath) == STORE_OK ? 0 : -1;
}

static inline int
teardown(void **state)
{
	char p[160];

	(void)state;
	store_close();
	unlink(dbpath);
	snprintf(p, sizeof(p), "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbpath);
	unlink(p);
	rmdir(tmpdir);
	return 0;
}

/* Runs SQL on a second connection, as someone tampering with the file would. */
static inline void
raw_exec(const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* First column of the first row of sql as an integer, from a second connection. */
static inline int64_t
raw_int(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t v;

	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static inline void
alert_init(struct alert *a, const char *fp, const char *dedup, bool firing)
{
	memset(a, 0, sizeof(*a));
	a->source = SRC_ALERTMANAGER;
	a->fingerprint = (char *)fp;
	a->dedup_key = (char *)dedup;
	a->title = (char *)"ServiceDown api on web-1";
	a->severity = (char *)"sev2";
	a->resource = (char *)"api";
	a->labels = cJSON_CreateObject();
	cJSON_AddStringToObject(a->labels, "alertname", "ServiceDown");
	a->annotations = cJSON_CreateObject();
	a->firing = firing;
	a->starts_at_ms = 1714557600000;
}

static inline void
alert_done(struct alert *a)
{
	cJSON_Delete(a->labels);
	cJSON_Delete(a->annotations);
}

static inline int64_t
new_incident(const char *fp, const char *dedup)
{
	struct alert a;
	int64_t id = 0;

	alert_init(&a, fp, dedup, true);
	assert_int_equal(store_incident_create(&a, NULL, &id), STORE_OK);
	alert_done(&a);
	return id;
}

static inline int64_t
new_action(int64_t incident_id, const char *runbook, double cost, bool autopilot)
{
	struct action ac = {0};

	ac.incident_id = incident_id;
	ac.runbook_id = (char *)runbook;
	ac.params = cJSON_CreateObject();
	cJSON_AddStringToObject(ac.params, "service", "api");
	ac.cost_usd = cost;
	ac.cost_formula = (char *)"fixed $0.00";
	ac.risk_score = 15;
	snprintf(ac.risk_level, sizeof(ac.risk_level), "low");
	ac.risk_reasons = cJSON_CreateArray();
	cJSON_AddItemToArray(ac.risk_reasons, cJSON_CreateString("+10 runbook risk low"));
	snprintf(ac.decision, sizeof(ac.decision), "approval");
	ac.autopilot = autopilot;
	assert_int_equal(store_action_create(&ac), STORE_OK);
	assert_true(ac.id > 0);
	assert_string_equal(ac.status, "proposed");
	cJSON_Delete(ac.params);
	cJSON_Delete(ac.risk_reasons);
	return ac.id;
}

static inline const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, k);

	assert_non_null(j);
	return cJSON_IsString(j) ? j->valuestring : NULL;
}

static inline double
jnum(const cJSON *o, const char *k)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, k);

	assert_true(cJSON_IsNumber(j));
	return j->valuedouble;
}

#endif
