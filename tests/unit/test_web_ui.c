/* test_web_ui.c — the web UI's pure parts (SVG bars, the list, incident and dashboard pages,
 * addresses, rate limits, the proxy's rotating CSRF token) and its store reads (a filtered
 * page, time to detect). */
#include "store_fixture.h"

#include <cjson/cJSON.h>

#include "ui.h"
#include "ui_auth.h"

static const struct ui_ctx ctx = {"email:alice@example.com", "CSRF-TOKEN-1", 1764000000000};

static void
test_svg_bars_escape_and_scale(void **state)
{
	struct ui_bar bars[] = {
	    {"<script>x</script>", 10, NULL}, {"half", 5, "5 s"}, {"zero", 0, NULL}};
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	ui_svg_bars(&b, "T & <b>", bars, 3, 0);
	assert_null(strstr(b.data, "<script>"));
	assert_non_null(strstr(b.data, "&lt;script&gt;"));
	assert_non_null(strstr(b.data, "<title>T &amp; &lt;b&gt;</title>"));
	/* the largest fills the bar area (380 - 150 - 86 - 8 = 136), the half of it half */
	assert_non_null(strstr(b.data, "width=\"136\""));
	assert_non_null(strstr(b.data, "width=\"68\""));
	assert_non_null(strstr(b.data, "width=\"0\""));
	assert_non_null(strstr(b.data, ">5 s</text>"));
	buf_free(&b);
	/* against a full scale: 0.5 of 1.0 is half, whatever the other bars */
	struct ui_bar share[] = {{"share", 0.5, "50%"}};
	buf_init(&b, 0);
	ui_svg_bars(&b, "s", share, 1, 1.0);
	assert_non_null(strstr(b.data, "width=\"68\""));
	buf_free(&b);
	buf_init(&b, 0);
	ui_svg_bars(&b, "empty", NULL, 0, 0);
	assert_non_null(strstr(b.data, "no data in this window"));
	buf_free(&b);
}

static void
test_list_page_escapes_and_pages(void **state)
{
	cJSON *rows =
	    cJSON_Parse("[{\"id\":7,\"key\":\"INC-7\",\"state\":\"open\",\"severity\":"
			"\"sev1\",\"title\":\"<img src=x onerror=alert(1)>\",\"resource\":"
			"\"a\\\"b\",\"source\":\"generic\",\"created_ms\":1763999940000}]");
	struct ui_list_query q = {"open", "sev1", "", 50};
	char *html;

	(void)state;
	html = ui_list_html(&ctx, rows, true, &q);
	assert_null(strstr(html, "<img"));
	assert_non_null(strstr(html, "&lt;img src=x onerror=alert(1)&gt;"));
	assert_non_null(strstr(html, "a&quot;b"));
	assert_non_null(strstr(html, "href=\"/ui/incidents/7\""));
	assert_non_null(strstr(html, "<option value=\"sev1\" selected>"));
	assert_non_null(strstr(html, "<span>51–51</span>"));
	assert_non_null(strstr(html, "offset=0\">newer"));
	assert_non_null(strstr(html, "offset=100\">older"));
	/* the sign-out form carries the session's CSRF token */
	assert_non_null(strstr(html, "name=\"csrf\" value=\"CSRF-TOKEN-1\""));
	free(html);
	cJSON_Delete(rows);
}

static void
test_incident_page_forms(void **state)
{
	cJSON *v = cJSON_Parse(
	    "{\"id\":3,\"key\":\"INC-3\",\"version\":9,\"state\":\"awaiting_approval\","
	    "\"title\":\"t</title><script>\",\"acked_by\":null,"
	    "\"action\":{\"id\":4,\"risk_level\":\"medium\"},"
	    "\"step_runs\":[{\"phase\":\"diagnostic\",\"name\":\"logs\",\"status\":\"ok\","
	    "\"output\":\"</pre><script>evil()</script>\",\"stderr\":\"\",\"attempt\":1}],"
	    "\"timeline\":[{\"at\":\"2026\",\"actor\":\"healer\",\"message\":\"<b>hi</b>\"}]}");
	char *html;

	(void)state;
	html = ui_incident_html(&ctx, v);
	assert_null(strstr(html, "<script>"));
	assert_non_null(strstr(html, "action=\"/ui/incidents/3/approve\""));
	assert_non_null(strstr(html, "action=\"/ui/incidents/3/reject\""));
	assert_non_null(strstr(html, "name=\"version\" value=\"9\""));
	assert_non_null(strstr(html, "name=\"action_id\" value=\"4\""));
	assert_non_null(strstr(html, "name=\"state\" value=\"awaiting_approval\""));
	assert_non_null(strstr(html, "main data-refresh"));
	assert_non_null(strstr(html, "&lt;b&gt;hi&lt;/b&gt;"));
	free(html);
	/* finished: no forms, no refresh */
	cJSON_ReplaceItemInObject(v, "state", cJSON_CreateString("resolved"));
	html = ui_incident_html(&ctx, v);
	assert_null(strstr(html, "<form method=\"post\" action=\"/ui/incidents"));
	assert_null(strstr(html, "data-refresh"));
	free(html);
	cJSON_Delete(v);
}

static void
test_dashboard_figures(void **state)
{
	cJSON *s = cJSON_Parse(
	    "{\"incidents\":12,\"by_source\":{\"alertmanager\":10,\"<x>\":2},"
	    "\"by_severity\":{\"sev2\":12},\"by_state\":{\"resolved\":12},"
	    "\"time_to_acknowledge_s\":{\"count\":3,\"mean\":41,\"p90\":95},"
	    "\"time_to_resolve_s\":{\"count\":0,\"mean\":null,\"p90\":null},"
	    "\"time_to_detect_s\":{\"count\":2,\"mean\":7.5,\"p90\":9},"
	    "\"actions\":{\"ran\":4,\"autopilot_share\":0.5,\"autopilot_success_rate\":1},"
	    "\"usd\":{\"approved\":12.5,\"spent\":3},"
	    "\"noisiest_alerts\":[{\"alert\":\"DiskFull\",\"occurrences\":40,\"incidents\":3}]}");
	char *html;

	(void)state;
	html = ui_dashboard_html(&ctx, s, "7d");
	assert_non_null(strstr(html, "id=\"fig-incidents\">incidents<b>12</b>"));
	assert_non_null(strstr(html, "id=\"fig-mtta\">MTTA<b>41 s</b>"));
	assert_non_null(strstr(html, "id=\"fig-mttr\">MTTR<b>-</b>"));
	assert_non_null(strstr(html, "id=\"fig-autopilot\">autopilot<b>50%</b>"));
	assert_non_null(strstr(html, "id=\"fig-spent\">spent<b>$3.00</b>"));
	assert_non_null(strstr(html, "&lt;x&gt;"));
	assert_non_null(strstr(html, ">DiskFull</text>"));
	assert_non_null(strstr(html, ">40 (3 inc.)</text>"));
	assert_non_null(strstr(html, "window=7d\" aria-current=\"page\""));
	free(html);
	cJSON_Delete(s);
}

static void
test_email_user(void **state)
{
	char u[UI_USER_MAX];

	(void)state;
	assert_int_equal(ui_email_user("Alice@Example.COM", u, sizeof(u)), 0);
	assert_string_equal(u, "email:alice@example.com");
	assert_int_equal(ui_email_user("a.b-c_d+tag@mail.example.org", u, sizeof(u)), 0);
	static const char *const bad[] = {"",
					  "alice",
					  "@example.com",
					  "alice@",
					  "a@b@c.com",
					  "alice@example",
					  "alice@example.",
					  "a lice@x.com",
					  "alice@x.com\r\nBcc: y",
					  "a<b>@x.com",
					  "a\"b@x.com"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ui_email_user(bad[i], u, sizeof(u)), -1);
}

static void
test_rate_limit_window(void **state)
{
	static struct ui_rate t;
	char key[32];

	(void)state;
	memset(&t, 0, sizeof(t));
	for (int i = 0; i < 3; i++)
		assert_true(ui_rate_allow(&t, "a@x", 3, 1000, 100, NULL));
	assert_false(ui_rate_allow(&t, "a@x", 3, 1000, 200, NULL));
	assert_true(ui_rate_allow(&t, "b@x", 3, 1000, 200, NULL));  /* keys are separate */
	assert_true(ui_rate_allow(&t, "a@x", 3, 1000, 1100, NULL)); /* a new window */
	/* a flood of other keys evicts the stalest slots, never fails them */
	for (int i = 0; i < 2 * UI_RATE_SLOTS; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_true(ui_rate_allow(&t, key, 3, 1000, 1200 + i, NULL));
	}
}

static void
test_rate_limit_says_when_to_retry(void **state)
{
	static struct ui_rate t;
	int64_t wait = -1;

	(void)state;
	memset(&t, 0, sizeof(t));
	assert_true(ui_rate_allow(&t, "peer", 1, 600000, 1000, &wait));
	assert_int_equal(wait, -1); /* untouched when allowed */
	assert_false(ui_rate_allow(&t, "peer", 1, 600000, 61000, &wait));
	assert_int_equal(wait, 540000); /* the window began at 1000 */
	assert_true(ui_rate_allow(&t, "peer", 1, 600000, 601000, &wait));
}

static void
test_proxy_csrf_rotates(void **state)
{
	static const uint8_t key[] = "0123456789abcdef0123456789abcdef";
	const size_t kl = sizeof(key) - 1;
	const int64_t w = UI_PROXY_CSRF_MS, t0 = 1764000000000LL / w * w + 1000;
	char tok[TOKEN_CSRF_LEN + 1], other[TOKEN_CSRF_LEN + 1], forever[TOKEN_CSRF_LEN + 1];

	(void)state;
	ui_proxy_csrf(key, kl, "email:alice@example.com", t0, tok);
	assert_true(ui_proxy_csrf_ok(key, kl, "email:alice@example.com", t0, tok));
	/* the next window still takes it (a page opened just before the turn) */
	assert_true(ui_proxy_csrf_ok(key, kl, "email:alice@example.com", t0 + w, tok));
	/* the one after does not: a leaked token lasts at most two windows */
	assert_false(ui_proxy_csrf_ok(key, kl, "email:alice@example.com", t0 + 2 * w, tok));
	assert_false(ui_proxy_csrf_ok(key, kl, "email:alice@example.com", t0 - w, tok));
	/* each window has its own token, each user their own */
	ui_proxy_csrf(key, kl, "email:alice@example.com", t0 + w, other);
	assert_string_not_equal(tok, other);
	assert_false(ui_proxy_csrf_ok(key, kl, "email:bob@example.com", t0, tok));
	/* the token bound to the user alone is no longer one */
	token_csrf(key, kl, "proxy:email:alice@example.com", forever);
	assert_false(ui_proxy_csrf_ok(key, kl, "email:alice@example.com", t0, forever));
}

static void
test_store_incident_page(void **state)
{
	struct store_incident_filter all = {"all", NULL, NULL}, open = {"open", NULL, NULL},
				     sev = {"all", "sev1", NULL}, src = {"all", NULL, "sns"};
	cJSON *rows = NULL;
	bool more = false;
	char fp[16];

	(void)state;
	for (int i = 1; i <= 7; i++) {
		snprintf(fp, sizeof(fp), "fp%d", i);
		new_incident(fp, fp);
	}
	assert_int_equal(store_incident_cas(2, "open", "resolved"), STORE_OK);
	raw_exec("UPDATE incidents SET severity = 'sev1' WHERE id IN (3, 5)");
	assert_int_equal(store_incident_page(&all, 0, 3, &rows, &more), STORE_OK);
	assert_true(more);
	assert_int_equal(cJSON_GetArraySize(rows), 3);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(rows, 0), "key")->valuestring,
			    "INC-7");
	cJSON_Delete(rows);
	assert_int_equal(store_incident_page(&all, 6, 3, &rows, &more), STORE_OK);
	assert_false(more);
	assert_int_equal(cJSON_GetArraySize(rows), 1);
	cJSON_Delete(rows);
	assert_int_equal(store_incident_page(&all, 4, 3, &rows, &more), STORE_OK);
	assert_false(more); /* exactly the last 3 */
	assert_int_equal(cJSON_GetArraySize(rows), 3);
	cJSON_Delete(rows);
	assert_int_equal(store_incident_page(&open, 0, 50, &rows, &more), STORE_OK);
	assert_int_equal(cJSON_GetArraySize(rows), 6);
	cJSON_Delete(rows);
	assert_int_equal(store_incident_page(&sev, 0, 50, &rows, &more), STORE_OK);
	assert_int_equal(cJSON_GetArraySize(rows), 2);
	cJSON_Delete(rows);
	assert_int_equal(store_incident_page(&src, 0, 50, &rows, &more), STORE_OK);
	assert_int_equal(cJSON_GetArraySize(rows), 0);
	cJSON_Delete(rows);
	/* a filter value is a value, never SQL */
	struct store_incident_filter inj = {"open') OR 1=1 --", NULL, NULL};
	assert_int_equal(store_incident_page(&inj, 0, 50, &rows, &more), STORE_OK);
	assert_int_equal(cJSON_GetArraySize(rows), 0);
	cJSON_Delete(rows);
}

static void
test_store_detect_summary(void **state)
{
	cJSON *d = NULL;

	(void)state;
	new_incident("fa", "fa");
	new_incident("fb", "fb");
	/* opened 10 s and 30 s after the alerts started */
	raw_exec("UPDATE alerts SET starts_at = (SELECT created_at FROM incidents i WHERE"
		 " i.id = alerts.incident_id) - 10000 * (2 * incident_id - 1)");
	assert_int_equal(store_detect_summary(0, now_ms() + 1, &d), STORE_OK);
	assert_int_equal(cJSON_GetObjectItem(d, "count")->valueint, 2);
	assert_true(cJSON_GetObjectItem(d, "mean")->valuedouble == 20.0);
	assert_true(cJSON_GetObjectItem(d, "p90")->valuedouble == 30.0);
	cJSON_Delete(d);
	assert_int_equal(store_detect_summary(0, 1, &d), STORE_OK);
	assert_int_equal(cJSON_GetObjectItem(d, "count")->valueint, 0);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(d, "mean")));
	cJSON_Delete(d);
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

static void
test_incident_page_says_each_thing_once(void **state)
{
	cJSON *v = cJSON_Parse(
	    "{\"id\":5,\"key\":\"INC-5\",\"version\":3,\"state\":\"awaiting_approval\","
	    "\"severity\":\"sev2\",\"title\":\"disk full\",\"resource\":\"db-1\","
	    "\"source\":\"alertmanager\",\"occurrences\":2,\"analysis\":\"rule match\","
	    "\"action\":{\"id\":8,\"runbook\":\"clean-tmp\",\"runbook_title\":\"Clean /tmp\","
	    "\"cost_usd\":1.5,\"risk_score\":55,\"risk_level\":\"high\","
	    "\"risk_reasons\":[\"+30 deletes files\"],\"decision\":\"approval\","
	    "\"decision_reason\":\"needs 2 approvals from lead\",\"approvals_needed\":2,"
	    "\"steps\":[\"clean: rm -rf /tmp/x\",\"check: df\"]},"
	    "\"approvals\":[{\"user\":\"email:a@example.com\",\"decision\":\"approve\"}],"
	    "\"step_runs\":[{\"phase\":\"diagnostic\",\"name\":\"usage\",\"status\":\"ok\","
	    "\"output\":\"UNIQUE-OUTPUT\",\"attempt\":1},{\"phase\":\"step\",\"name\":\"clean\","
	    "\"status\":\"failed\",\"output\":\"\",\"stderr\":\"denied <x>\",\"attempt\":2}],"
	    "\"related\":[{\"title\":\"<rel>\",\"resource\":\"db-2\",\"occurrences\":4}],"
	    "\"cause\":{\"title\":\"disk full\"},"
	    "\"ladder\":{\"stages\":[{\"stage\":1,\"runbook\":\"clean-tmp\",\"title\":"
	    "\"Clean\",\"status\":\"failed\"},{\"stage\":2,\"runbook\":\"grow\",\"title\":"
	    "\"Grow the volume\",\"current\":true}]},"
	    "\"log_context\":[{\"summary\":\"logs: app — 3 errors\",\"templates\":"
	    "[{\"count\":3,\"template\":\"write <*> failed\"}]}],"
	    "\"timeline\":[{\"at\":\"2026\",\"actor\":\"healer\",\"message\":\"m\"}]}");
	char *html;

	(void)state;
	html = ui_incident_html(&ctx, v);
	/* the state once (the forms carry it as a value, not as text) */
	assert_int_equal(count(html, "awaiting approval"), 1);
	assert_int_equal(count(html, ">awaiting_approval<"), 0);
	assert_int_equal(count(html, "UNIQUE-OUTPUT"), 1);
	assert_int_equal(count(html, "disk full</h1>"), 1);
	/* the decision */
	assert_non_null(strstr(html, "$1.50"));
	assert_non_null(strstr(html, "55/100 high"));
	assert_non_null(strstr(html, "+30 deletes files"));
	assert_non_null(strstr(html, "needs 2 approvals from lead"));
	assert_non_null(strstr(html, "1 of 2 given"));
	/* runs in order, the failed step with its attempt and stderr, the step still to run */
	assert_true(strstr(html, "UNIQUE-OUTPUT") < strstr(html, "denied &lt;x&gt;"));
	assert_non_null(strstr(html, "attempt 2"));
	assert_int_equal(count(html, "rm -rf /tmp/x"), 0);
	assert_non_null(strstr(html, "not run yet · <code>check: df</code>"));
	/* related alerts, the ladder, log templates: escaped */
	assert_non_null(strstr(html, "<td>&lt;rel&gt;</td><td>db-2</td>"));
	assert_non_null(strstr(html, "aria-current=\"step\">Grow the volume"));
	assert_non_null(strstr(html, "write &lt;*&gt; failed"));
	assert_true(strstr(html, "id=\"decision\"") < strstr(html, "id=\"steps\""));
	assert_true(strstr(html, "id=\"steps\"") < strstr(html, "id=\"timeline\""));
	free(html);
	cJSON_Delete(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_svg_bars_escape_and_scale),
	    cmocka_unit_test(test_list_page_escapes_and_pages),
	    cmocka_unit_test(test_incident_page_forms),
	    cmocka_unit_test(test_incident_page_says_each_thing_once),
	    cmocka_unit_test(test_dashboard_figures),
	    cmocka_unit_test(test_email_user),
	    cmocka_unit_test(test_rate_limit_window),
	    cmocka_unit_test(test_rate_limit_says_when_to_retry),
	    cmocka_unit_test(test_proxy_csrf_rotates),
	    cmocka_unit_test_setup_teardown(test_store_incident_page, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_store_detect_summary, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
