/* test_store.c — the SQLite store on a temporary file: grouping, CAS, approvals, steps,
 * outbox coalescing, views and policy counts. The audit chain is in test_store_audit.c. */
#include <pthread.h>

#include "engine.h"
#include "store_fixture.h"

static void
test_migration_idempotent(void **state)
{
	int64_t id = new_incident("fp-m", "d-m");
	struct incident inc;

	(void)state;
	store_close();
	assert_int_equal(store_open("/nonexistent/healer/healer.db"), STORE_ERROR);
	assert_int_equal(store_open(dbpath), STORE_OK);
	store_close();
	/* a file from a newer healer is refused rather than misread */
	int current = (int)raw_int("PRAGMA user_version");
	char set[64];
	assert_true(current >= 1);
	raw_exec("PRAGMA user_version = 99");
	assert_int_equal(store_open(dbpath), STORE_ERROR);
	snprintf(set, sizeof(set), "PRAGMA user_version = %d", current);
	raw_exec(set);
	assert_int_equal(store_open(dbpath), STORE_OK);
	/* reopening an up-to-date file applies nothing again */
	assert_int_equal(raw_int("PRAGMA user_version"), current);
	assert_int_equal(raw_int("SELECT count(*) FROM incidents"), 1);
	assert_int_equal(store_incident_get(id, &inc), STORE_OK);
	assert_string_equal(inc.title, "ServiceDown api on web-1");
	incident_free(&inc);
	/* WAL and the settings the daemon and the CLI share */
	assert_int_equal(raw_int("SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
}

static void
test_group_and_dedupe(void **state)
{
	struct alert a;
	struct incident inc;
	int64_t id, found = 0;

	(void)state;
	assert_int_equal(store_alert_seen("d1"), STORE_OK);
	assert_int_equal(store_incident_find_open("fp-1", &found), STORE_NOTFOUND);
	id = new_incident("fp-1", "d1");
	assert_int_equal(store_alert_seen("d1"), STORE_DUPLICATE);
	assert_int_equal(store_incident_find_open("fp-1", &found), STORE_OK);
	assert_int_equal(found, id);

	/* a redelivery changes nothing */
	alert_init(&a, "fp-1", "d1", true);
	assert_int_equal(store_incident_add_alert(id, &a), STORE_DUPLICATE);
	assert_int_equal(store_incident_get(id, &inc), STORE_OK);
	assert_int_equal(inc.occurrences, 1);
	assert_int_equal(inc.version, 1);
	assert_string_equal(inc.state, "open");
	assert_string_equal(inc.severity, "sev2");
	assert_string_equal(inc.source, "alertmanager");
	assert_string_equal(cJSON_GetObjectItem(inc.labels, "alertname")->valuestring,
			    "ServiceDown");
	incident_free(&inc);

	/* a new firing delivery groups */
	a.dedup_key = (char *)"d2";
	assert_int_equal(store_incident_add_alert(id, &a), STORE_OK);
	/* the resolved delivery clears */
	a.dedup_key = (char *)"d3";
	a.firing = false;
	assert_int_equal(store_incident_add_alert(id, &a), STORE_OK);
	assert_int_equal(store_incident_get(id, &inc), STORE_OK);
	assert_int_equal(inc.occurrences, 2);
	assert_true(inc.alert_cleared);
	assert_true(inc.cleared_at > 0);
	assert_int_equal(inc.version, 3);
	incident_free(&inc);
	a.dedup_key = (char *)"d4";
	assert_int_equal(store_incident_add_alert(9999, &a), STORE_NOTFOUND);
	assert_int_equal(store_alert_seen("d4"), STORE_OK); /* nothing half-recorded */
	alert_done(&a);

	/* once terminal the fingerprint opens a new incident */
	assert_int_equal(store_incident_cas(id, "open", "closed"), STORE_OK);
	assert_int_equal(store_incident_find_open("fp-1", &found), STORE_NOTFOUND);
	assert_int_equal(raw_int("SELECT count(*) FROM alerts"), 3);
	/* indexed for search */
	assert_int_equal(raw_int("SELECT rowid FROM incidents_fts WHERE incidents_fts MATCH "
				 "'servicedown'"),
			 id);
}

static void
test_cas(void **state)
{
	int64_t id = new_incident("fp-c", "dc");
	struct incident inc;

	(void)state;
	assert_int_equal(store_incident_cas(id, "open", "awaiting_approval"), STORE_OK);
	assert_int_equal(store_incident_cas(id, "open", "awaiting_approval"), STORE_CONFLICT);
	assert_int_equal(store_incident_cas(id, "open", "closed"), STORE_CONFLICT);
	assert_int_equal(store_incident_cas(4242, "open", "closed"), STORE_NOTFOUND);
	assert_int_equal(store_incident_get(id, &inc), STORE_OK);
	assert_string_equal(inc.state, "awaiting_approval");
	assert_int_equal(inc.version, 2);
	assert_int_equal(inc.resolved_at, 0);
	incident_free(&inc);
	assert_int_equal(store_incident_cas(id, "awaiting_approval", "rejected"), STORE_OK);
	assert_int_equal(store_incident_get(id, &inc), STORE_OK);
	assert_int_equal(inc.version, 3);
	assert_true(inc.resolved_at > 0);
	incident_free(&inc);

	/* setters bump the version; NULL clears */
	assert_int_equal(store_incident_set_outcome(id, "rejected by alice"), STORE_OK);
	assert_int_equal(store_incident_set_attention(id, "why"), STORE_OK);
	assert_int_equal(store_incident_set_attention(id, NULL), STORE_OK);
	assert_int_equal(store_incident_ack(id, "console:alice", 1714557600000), STORE_OK);
	assert_int_equal(store_incident_get(id, &inc), STORE_OK);
	assert_int_equal(inc.version, 7);
	assert_null(inc.attention);
	assert_string_equal(inc.outcome, "rejected by alice");
	assert_string_equal(inc.acked_by, "console:alice");
	incident_free(&inc);
	assert_int_equal(store_incident_set_outcome(4242, "x"), STORE_NOTFOUND);
	assert_int_equal(store_incident_get(4242, &inc), STORE_NOTFOUND);
	assert_int_equal(raw_int("SELECT rowid FROM incidents_fts WHERE incidents_fts MATCH "
				 "'outcome:alice'"),
			 id);
}

static void
test_in_state_and_transaction(void **state)
{
	int64_t a = new_incident("fp-a", "da"), b = new_incident("fp-b", "db"), *ids;
	size_t n;

	(void)state;
	assert_int_equal(store_incident_cas(b, "open", "blocked"), STORE_OK);
	assert_int_equal(store_incidents_in_state("open", &ids, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], a);
	free(ids);

	/* a rolled-back transaction leaves nothing */
	assert_int_equal(store_begin(), STORE_OK);
	assert_int_equal(store_incident_cas(a, "open", "closed"), STORE_OK);
	assert_int_equal(store_audit("healer", a, "incident.state", "closed", NULL), STORE_OK);
	store_rollback();
	assert_int_equal(store_incidents_in_state("open", &ids, &n), STORE_OK);
	assert_int_equal(n, 1);
	free(ids);
	assert_int_equal(raw_int("SELECT count(*) FROM audit"), 0);
}

static void
test_approvals(void **state)
{
	int64_t inc = new_incident("fp-p", "dp"),
		act = new_action(inc, "restart-service", 0, false);
	char **users;
	size_t n;

	(void)state;
	assert_int_equal(store_approval_add(act, "slack:U1", "admin", "approve", NULL), STORE_OK);
	assert_int_equal(store_approval_add(act, "slack:U1", "admin", "approve", NULL),
			 STORE_DUPLICATE);
	assert_int_equal(store_approval_add(act, "slack:U1", "admin", "reject", "no"),
			 STORE_DUPLICATE);
	assert_int_equal(store_approval_add(act, "slack:U3", "lead", "reject", "no"), STORE_OK);
	assert_int_equal(store_approval_add(act, "slack:U2", "lead", "approve", NULL), STORE_OK);
	assert_int_equal(store_approval_add(777, "slack:U2", "lead", "approve", NULL),
			 STORE_NOTFOUND);
	assert_int_equal(store_approvers(act, &users, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_string_equal(users[0], "slack:U1");
	assert_string_equal(users[1], "slack:U2");
	free(users[0]);
	free(users[1]);
	free(users);
}

static void
test_steps(void **state)
{
	int64_t inc = new_incident("fp-s", "ds"),
		act = new_action(inc, "restart-service", 0, false);
	int64_t s1, s2;
	struct interrupted_step *v;
	struct step_result r = {
	    .status = "ok", .exit_code = 0, .out = "restarted\n", .err = "", .duration_ms = 12};
	size_t n;

	(void)state;
	assert_int_equal(store_step_start(act, "step", 0, "restart", 1, &s1), STORE_OK);
	assert_int_equal(store_step_start(act, "verify", 0, "probe", 1, &s2), STORE_OK);
	assert_int_equal(store_step_finish(s1, &r), STORE_OK);
	assert_int_equal(store_step_finish(9999, &r), STORE_NOTFOUND);
	assert_int_equal(store_steps_interrupted(&v, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].step_run_id, s2);
	assert_int_equal(v[0].action_id, act);
	assert_string_equal(v[0].phase, "verify");
	assert_string_equal(v[0].name, "probe");
	free(v);
	r.status = "failed";
	r.http_status = 503;
	r.out = "down";
	assert_int_equal(store_step_finish(s2, &r), STORE_OK);
	assert_int_equal(store_steps_interrupted(&v, &n), STORE_OK);
	assert_int_equal(n, 0);
	free(v);
	assert_int_equal(raw_int("SELECT http_status FROM step_runs WHERE exit_code IS NULL"), 503);
}

static void
test_outbox(void **state)
{
	int64_t i1 = new_incident("fp-o1", "do1"), i2 = new_incident("fp-o2", "do2"), first;
	struct outbox_item it;
	cJSON *p = cJSON_CreateObject();

	(void)state;
	cJSON_AddStringToObject(p, "text", "hello");
	assert_int_equal(store_outbox_add("console", i1, "card", NULL), STORE_OK);
	assert_int_equal(store_outbox_add("console", i1, "thread", p), STORE_OK);
	assert_int_equal(store_outbox_add("console", i1, "card", NULL), STORE_OK);
	assert_int_equal(store_outbox_add("console", i2, "card", NULL), STORE_OK);
	assert_int_equal(store_outbox_add("console", i1, "card", NULL), STORE_OK);
	assert_int_equal(store_outbox_add("slack", i1, "card", NULL), STORE_OK);
	cJSON_Delete(p);

	assert_int_equal(store_outbox_next("console", now_ms(), &it), STORE_OK);
	assert_string_equal(it.kind, "card");
	assert_int_equal(it.incident_id, i1);
	first = it.id;
	/* failure: retried later, still covering the merged cards */
	assert_int_equal(store_outbox_retry(&it, now_ms() + 60000, "HTTP 429"), STORE_OK);
	outbox_item_free(&it);
	assert_int_equal(store_outbox_next("console", now_ms(), &it), STORE_OK);
	assert_string_equal(it.kind, "thread");
	assert_string_equal(cJSON_GetObjectItem(it.payload, "text")->valuestring, "hello");
	assert_int_equal(store_outbox_done(&it), STORE_OK);
	outbox_item_free(&it);
	assert_int_equal(store_outbox_next("console", now_ms(), &it), STORE_OK);
	assert_int_equal(it.incident_id, i2);
	assert_int_equal(store_outbox_done(&it), STORE_OK);
	outbox_item_free(&it);
	assert_int_equal(store_outbox_next("console", now_ms(), &it), STORE_NOTFOUND);

	/* due again: the retried card, with its attempt counted, then all i1 cards are sent */
	assert_int_equal(store_outbox_next("console", now_ms() + 61000, &it), STORE_OK);
	assert_int_equal(it.id, first);
	assert_int_equal(it.attempts, 1);
	assert_int_equal(store_outbox_done(&it), STORE_OK);
	outbox_item_free(&it);
	assert_int_equal(store_outbox_next("console", now_ms() + 61000, &it), STORE_NOTFOUND);
	assert_int_equal(raw_int("SELECT count(*) FROM outbox WHERE adapter = 'console'"
				 " AND sent_at IS NULL"),
			 0);
	assert_int_equal(raw_int("SELECT count(*) FROM outbox WHERE last_error = 'HTTP 429'"), 1);
	assert_int_equal(store_outbox_prune(now_ms() + 1000), STORE_OK);
	assert_int_equal(raw_int("SELECT count(*) FROM outbox"), 1); /* the slack item */
	/* another adapter's queue is its own */
	assert_int_equal(store_outbox_next("slack", now_ms(), &it), STORE_OK);
	assert_int_equal(it.incident_id, i1);
	outbox_item_free(&it);
}

/* A card passed over for lack of budget keeps its place: a later card of its incident is not
 * picked past it (which would take it in and queue the incident behind later ones). */
static void
test_outbox_passed_over_keeps_its_place(void **state)
{
	/* a minute on: every item added here is due */
	int64_t i1 = new_incident("fp-p1", "dp1"), i2 = new_incident("fp-p2", "dp2"),
		now = now_ms() + 60000;
	struct outbox_item a, b, it;

	(void)state;
	assert_int_equal(store_outbox_add("slack", i1, "card", NULL), STORE_OK);
	assert_int_equal(store_outbox_add("slack", i2, "card", NULL), STORE_OK);
	/* the sender passes over i1's card, then i2's, for lack of budget; meanwhile i1 changes */
	assert_int_equal(store_outbox_next_from("slack", now, 0, &a), STORE_OK);
	assert_int_equal(a.incident_id, i1);
	assert_int_equal(store_outbox_add("slack", i1, "card", NULL), STORE_OK);
	assert_int_equal(store_outbox_next_from("slack", now, a.id + 1, &b), STORE_OK);
	assert_int_equal(b.incident_id, i2);
	/* i1's later card is not picked past its passed-over one */
	assert_int_equal(store_outbox_next_from("slack", now, b.id + 1, &it), STORE_NOTFOUND);
	/* the next pass: i1 first, with its later card merged in, then i2 */
	assert_int_equal(store_outbox_next_from("slack", now, 0, &it), STORE_OK);
	assert_int_equal(it.id, a.id);
	assert_int_equal(store_outbox_done(&it), STORE_OK);
	outbox_item_free(&it);
	assert_int_equal(store_outbox_next_from("slack", now, 0, &it), STORE_OK);
	assert_int_equal(it.id, b.id);
	outbox_item_free(&it);
	outbox_item_free(&a);
	outbox_item_free(&b);
}

static void
test_view(void **state)
{
	static const char *const keys[] = {
	    "id",	    "key",	   "version",	    "state",	   "severity",
	    "title",	    "resource",	   "source",	    "fingerprint", "labels",
	    "annotations",  "occurrences", "alert_cleared", "created_at",  "updated_at",
	    "last_seen_at", "resolved_at", "age_s",	    "acked_by",	   "acked_at",
	    "assignee",	    "requester",   "analysis",	    "confidence",  "attention",
	    "outcome",	    "action",	   "approvals",	    "step_runs",   "timeline",
	    "analysis_source", "similar",  "llm",	    "people", "log_context"};
	int64_t id = new_incident("fp-v", "dv"), act, s;
	struct step_result r = {.status = "ok", .out = "log line", .err = "", .duration_ms = 7};
	cJSON *v, *a, *e;
	size_t i;

	(void)state;
	assert_int_equal(store_incident_view(id, &v), STORE_OK);
	for (i = 0; i < ARRAY_LEN(keys); i++)
		assert_non_null(cJSON_GetObjectItemCaseSensitive(v, keys[i]));
	assert_int_equal(cJSON_GetArraySize(v), ARRAY_LEN(keys));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(v, "action")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(v, "confidence")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(v, "resolved_at")));
	cJSON_Delete(v);

	assert_int_equal(store_audit("healer", id, "incident.opened",
				     "opened from alertmanager alert ServiceDown", NULL),
			 STORE_OK);
	assert_int_equal(store_incident_set_analysis(id, "Matched runbook restart-service", 0.9),
			 STORE_OK);
	act = new_action(id, "restart-service", 0, false);
	assert_int_equal(store_action_set_decision(act, "approval", "needs 1 approval", 1,
						   "engineer, lead, admin", true, 1714559400000),
			 STORE_OK);
	assert_int_equal(store_incident_set_action(id, act), STORE_OK);
	assert_int_equal(store_approval_add(act, "console:alice", "admin", "approve", NULL),
			 STORE_OK);
	assert_int_equal(store_step_start(act, "diagnostic", 0, "recent logs", 1, &s), STORE_OK);
	assert_int_equal(store_step_finish(s, &r), STORE_OK);

	assert_int_equal(store_incident_view(id, &v), STORE_OK);
	assert_string_equal(jstr(v, "key"), "INC-1");
	assert_int_equal(jnum(v, "id"), id);
	assert_string_equal(jstr(v, "state"), "open");
	assert_string_equal(jstr(v, "source"), "alertmanager");
	assert_string_equal(jstr(v, "resource"), "api");
	assert_string_equal(jstr(cJSON_GetObjectItem(v, "labels"), "alertname"), "ServiceDown");
	assert_string_equal(jstr(v, "analysis"), "Matched runbook restart-service");
	assert_true(jnum(v, "confidence") > 0.89 && jnum(v, "confidence") < 0.91);
	/* created, then analysis, decision, action, approval, step start, step finish */
	assert_int_equal(jnum(v, "version"), 7);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(v, "alert_cleared")));
	assert_int_equal(strlen(jstr(v, "created_at")), strlen("2024-05-01T10:00:00.000Z"));
	a = cJSON_GetObjectItem(v, "action");
	assert_string_equal(jstr(a, "runbook"), "restart-service");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(a, "runbook_title")));
	assert_string_equal(jstr(cJSON_GetObjectItem(a, "params"), "service"), "api");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(a, "steps")), 0);
	assert_string_equal(jstr(a, "decision"), "approval");
	assert_string_equal(jstr(a, "roles"), "engineer, lead, admin");
	assert_string_equal(jstr(a, "expires_at"), "2024-05-01T10:30:00.000Z");
	assert_string_equal(jstr(a, "status"), "proposed");
	assert_string_equal(jstr(a, "risk_level"), "low");
	assert_string_equal(
	    cJSON_GetArrayItem(cJSON_GetObjectItem(a, "risk_reasons"), 0)->valuestring,
	    "+10 runbook risk low");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(a, "started_at")));
	e = cJSON_GetArrayItem(cJSON_GetObjectItem(v, "approvals"), 0);
	assert_string_equal(jstr(e, "user"), "console:alice");
	assert_string_equal(jstr(e, "decision"), "approve");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(e, "reason")));
	e = cJSON_GetArrayItem(cJSON_GetObjectItem(v, "step_runs"), 0);
	assert_string_equal(jstr(e, "phase"), "diagnostic");
	assert_string_equal(jstr(e, "name"), "recent logs");
	assert_string_equal(jstr(e, "output"), "log line");
	assert_int_equal(jnum(e, "exit_code"), 0);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(e, "http_status")));
	assert_int_equal(jnum(e, "duration_ms"), 7);
	e = cJSON_GetArrayItem(cJSON_GetObjectItem(v, "timeline"), 0);
	assert_string_equal(jstr(e, "kind"), "incident.opened");
	assert_string_equal(jstr(e, "message"), "opened from alertmanager alert ServiceDown");
	cJSON_Delete(v);
	assert_int_equal(store_incident_view(4242, &v), STORE_NOTFOUND);
	assert_null(v);

	assert_int_equal(store_incident_list(false, 10, &v), STORE_OK);
	assert_int_equal(cJSON_GetArraySize(v), 1);
	assert_string_equal(jstr(cJSON_GetArrayItem(v, 0), "key"), "INC-1");
	cJSON_Delete(v);
	assert_int_equal(raw_int("SELECT rowid FROM incidents_fts WHERE incidents_fts MATCH "
				 "'runbook:\"restart-service\"'"),
			 id);
}

static void
test_policy_counts(void **state)
{
	int64_t i1 = new_incident("fp-x", "dx"), i2 = new_incident("fp-y", "dy"), a1, a2, last;
	int64_t now = now_ms();
	double usd;
	int runs, running, fails;
	cJSON *c;

	(void)state;
	a1 = new_action(i1, "scale-out", 2.5, true);
	a2 = new_action(i2, "restart-service", 1.0, false);
	assert_int_equal(store_action_set_status(a1, "running", NULL), STORE_OK);
	assert_int_equal(store_action_set_status(a1, "failed", "exit 1"), STORE_OK);
	assert_int_equal(store_incident_set_action(i2, a2), STORE_OK);
	assert_int_equal(store_incident_cas(i2, "open", "approved"), STORE_OK);
	assert_int_equal(store_policy_counts("api", now, now - 1000, &usd, &runs, &running, &last),
			 STORE_OK);
	assert_true(usd > 2.49 && usd < 2.51);
	assert_int_equal(runs, 1);
	assert_int_equal(running, 1); /* i2: approved, not started */
	assert_true(last >= now);
	assert_int_equal(store_policy_counts("db", now, now, &usd, &runs, &running, &last),
			 STORE_OK);
	assert_int_equal(last, 0);
	assert_int_equal(store_recent_failures("scale-out", "api", now - 1000, &fails), STORE_OK);
	assert_int_equal(fails, 1);
	assert_int_equal(store_recent_failures("scale-out", "db", now - 1000, &fails), STORE_OK);
	assert_int_equal(fails, 0);

	assert_int_equal(store_counts(&c), STORE_OK);
	assert_int_equal(jnum(cJSON_GetObjectItem(c, "incidents_by_state"), "open"), 1);
	assert_int_equal(jnum(cJSON_GetObjectItem(c, "incidents_by_state"), "approved"), 1);
	assert_int_equal(
	    jnum(cJSON_GetObjectItem(cJSON_GetObjectItem(c, "actions_by_result"), "scale-out"),
		 "failed"),
	    1);
	assert_int_equal(jnum(cJSON_GetObjectItem(c, "alerts_by_source"), "alertmanager"), 2);
	cJSON_Delete(c);
}

static void
test_settings_chatrefs(void **state)
{
	char v[64];
	struct chat_ref r = {.channel = "C1", .msg_id = "1714557600.000100"};

	(void)state;
	assert_int_equal(store_setting_get("autopilot", v, sizeof(v)), STORE_NOTFOUND);
	assert_int_equal(store_setting_set("autopilot", "off"), STORE_OK);
	assert_int_equal(store_setting_set("autopilot", "on"), STORE_OK);
	assert_int_equal(store_setting_get("autopilot", v, sizeof(v)), STORE_OK);
	assert_string_equal(v, "on");
	new_incident("fp-r", "dr");
	assert_int_equal(store_chatref_get(1, "slack", &r), STORE_NOTFOUND);
	assert_string_equal(r.channel, "");
	snprintf(r.channel, sizeof(r.channel), "C1");
	snprintf(r.msg_id, sizeof(r.msg_id), "1714557600.000100");
	assert_int_equal(store_chatref_set(1, "slack", &r), STORE_OK);
	snprintf(r.msg_id, sizeof(r.msg_id), "1714557600.000200");
	r.last_audit_id = 42;
	assert_int_equal(store_chatref_set(1, "slack", &r), STORE_OK);
	memset(&r, 0, sizeof(r));
	assert_int_equal(store_chatref_get(1, "slack", &r), STORE_OK);
	assert_string_equal(r.channel, "C1");
	assert_string_equal(r.msg_id, "1714557600.000200");
	assert_int_equal(r.last_audit_id, 42);
	assert_int_equal(store_chatref_get(1, "teams", &r), STORE_NOTFOUND);
	assert_string_equal(store_strerror(STORE_CONFLICT), "changed meanwhile");
}

/* One result type: a refusal is never a store failure, and each code has its own words. */
static void
test_result_codes(void **state)
{
	(void)state;
	assert_int_not_equal(ENGINE_REFUSED, STORE_ERROR);
	assert_int_not_equal(ENGINE_CONFLICT, ENGINE_REFUSED);
	assert_int_equal(ENGINE_ERROR, STORE_ERROR);
	assert_string_equal(result_strerror(ENGINE_REFUSED), "refused");
	assert_string_equal(result_strerror(STORE_ERROR), "database error");
	assert_string_equal(result_strerror(ENGINE_CONFLICT), "changed meanwhile");
	assert_string_equal(result_strerror(-99), "unknown error");
	assert_string_equal(result_strerror(3), "unknown error");
}

struct reader_run {
	int attach, begin, write;
	cJSON *counts;
};

static void *
reader_thread(void *arg)
{
	struct reader_run *r = arg;

	r->attach = store_reader_attach();
	r->begin = store_read_begin();
	store_counts(&r->counts);
	store_read_end();
	/* the reader is read-only: a write through it fails and changes nothing */
	r->write = store_setting_set("reader.wrote", "yes");
	return NULL; /* the thread's exit closes its reader */
}

/* A worker's reader sees what the writer committed, on its own connection, and cannot write. */
static void
test_reader_connection(void **state)
{
	struct reader_run r = {0};
	pthread_t t;
	char v[16];

	(void)state;
	new_incident("fp-reader-1", "r1");
	new_incident("fp-reader-2", "r2");
	assert_int_equal(pthread_create(&t, NULL, reader_thread, &r), 0);
	pthread_join(t, NULL);
	assert_int_equal(r.attach, STORE_OK);
	assert_int_equal(r.begin, STORE_OK);
	assert_int_not_equal(r.write, STORE_OK);
	cJSON *open =
	    cJSON_GetObjectItem(cJSON_GetObjectItem(r.counts, "incidents_by_state"), "open");
	assert_non_null(open);
	assert_int_equal((int)open->valuedouble, 2);
	cJSON_Delete(r.counts);
	/* the writer is untouched by the reader's thread */
	assert_int_equal(store_setting_get("reader.wrote", v, sizeof(v)), STORE_NOTFOUND);
	assert_int_equal(store_setting_set("writer.wrote", "yes"), STORE_OK);
}

/* A version-3 file (Slack's thread position as a row count in settings, Teams' own tables)
 * opens with both in the generic chat tables. */
static void
test_chat_migration(void **state)
{
	struct chat_ref r;
	struct chat_conv c, other;
	int64_t id = new_incident("fp-c", "d-c");
	char sql[512];

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(store_audit("healer", id, "note", "row", NULL), STORE_OK);
	store_close();
	raw_exec("DROP TABLE chat_conversations;"
		 "DROP TABLE people;"
		 "ALTER TABLE chat_refs DROP COLUMN endpoint;"
		 "ALTER TABLE chat_refs DROP COLUMN last_audit_id;"
		 "ALTER TABLE chat_refs DROP COLUMN last_state;"
		 "ALTER TABLE incidents DROP COLUMN fix_for;"
		 "ALTER TABLE incidents DROP COLUMN cause_seen;"
		 "ALTER TABLE incidents DROP COLUMN wait_until;"
		 "CREATE TABLE teams_conversations (conversation_id TEXT PRIMARY KEY,"
		 " service_url TEXT NOT NULL, tenant_id TEXT, conversation_type TEXT, name TEXT,"
		 " updated_at INTEGER NOT NULL);"
		 "CREATE TABLE teams_cards (incident_id INTEGER PRIMARY KEY, service_url TEXT NOT"
		 " NULL, conversation_id TEXT NOT NULL, activity_id TEXT NOT NULL DEFAULT '',"
		 " last_audit_id INTEGER NOT NULL DEFAULT 0, last_state TEXT);"
		 "INSERT INTO teams_conversations VALUES ('19:a@thread.tacv2', 'https://svc/', 't',"
		 " 'channel', 'Ops', 1);"
		 "PRAGMA user_version = 3;");
	snprintf(sql, sizeof(sql),
		 "INSERT INTO chat_refs (incident_id, adapter, channel, msg_id) VALUES (%lld,"
		 " 'slack', 'C1', '1.2');"
		 "INSERT INTO settings VALUES ('slack.thread.%lld', '2');"
		 "INSERT INTO teams_cards VALUES (%lld, 'https://svc/', '19:a@thread.tacv2', 'act',"
		 " 7, NULL);",
		 (long long)id, (long long)id, (long long)id);
	raw_exec(sql);
	assert_int_equal(store_open(dbpath), STORE_OK);
	assert_int_equal(store_chatref_get(id, "slack", &r), STORE_OK);
	assert_string_equal(r.msg_id, "1.2");
	/* two rows were in the thread: the cursor is the second row's audit id */
	assert_int_equal(r.last_audit_id,
			 raw_int("SELECT id FROM audit WHERE incident_id = 1 ORDER BY id"
				 " LIMIT 1 OFFSET 1"));
	assert_int_equal(raw_int("SELECT count(*) FROM settings WHERE key LIKE 'slack.thread.%'"),
			 0);
	assert_int_equal(store_chatref_get(id, "teams", &r), STORE_OK);
	assert_string_equal(r.channel, "19:a@thread.tacv2");
	assert_string_equal(r.endpoint, "https://svc/");
	assert_string_equal(r.msg_id, "act");
	assert_int_equal(r.last_audit_id, 7);
	assert_int_equal(store_chat_conv_default("teams", &c), STORE_OK);
	assert_string_equal(c.name, "Ops");
	assert_int_equal(store_chat_conv_default("slack", &other), STORE_NOTFOUND);
	/* the same announcement again changes nothing; a renamed team does */
	bool changed = true;
	assert_int_equal(store_chat_conv_set("teams", &c, &changed), STORE_OK);
	assert_false(changed);
	snprintf(c.name, sizeof(c.name), "Ops on call");
	assert_int_equal(store_chat_conv_set("teams", &c, &changed), STORE_OK);
	assert_true(changed);
	snprintf(c.conversation_id, sizeof(c.conversation_id), "a:personal");
	assert_int_equal(store_chat_conv_set("other", &c, &changed), STORE_OK);
	assert_true(changed); /* keyed by transport */
	assert_int_equal(store_chat_conv_get("teams", "a:personal", &c), STORE_NOTFOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_migration_idempotent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_group_and_dedupe, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cas, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_in_state_and_transaction, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_approvals, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_steps, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_outbox, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_outbox_passed_over_keeps_its_place, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_chat_migration, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_view, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_policy_counts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_settings_chatrefs, setup, teardown),
	    cmocka_unit_test(test_result_codes),
	    cmocka_unit_test_setup_teardown(test_reader_connection, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
