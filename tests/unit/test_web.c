/* test_web.c — HTML escaping and card_html, signed tokens and CSRF, form fields and headers,
 * the web UI's same-origin check and link address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "html.h"
#include "http_server.h"
#include "token.h"
#include "ui_origin.h"
#include "util.h"

static const uint8_t key[] = "0123456789abcdef0123456789abcdef";
#define KEYLEN (sizeof(key) - 1)

static void
test_escape_text_and_attr(void **state)
{
	struct buf b;
	char *s;

	(void)state;
	s = html_escape("<a href=\"x\">Tom & 'Jerry'</a>");
	assert_string_equal(s, "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
	free(s);
	buf_init(&b, 0);
	html_attr(&b, "a`b\"c");
	assert_string_equal(b.data, "a&#96;b&quot;c");
	buf_free(&b);
	s = html_escape("plain ü text");
	assert_string_equal(s, "plain ü text");
	free(s);
}

static cJSON *
view_fixture(const char *title)
{
	cJSON *v = cJSON_Parse(
	    "{\"id\":7,\"key\":\"INC-7\",\"version\":3,\"state\":\"awaiting_approval\","
	    "\"severity\":\"sev2\",\"resource\":\"api\",\"source\":\"alertmanager\","
	    "\"action\":{\"runbook\":\"restart-service\",\"runbook_title\":\"Restart\","
	    "\"steps\":[\"restart api: systemctl restart api\"],\"cost_usd\":1.5,"
	    "\"cost_formula\":\"fixed $1.50\",\"risk_score\":15,\"risk_level\":\"low\","
	    "\"risk_reasons\":[\"+10 runbook risk low\",\"+5 severity sev2\"],"
	    "\"decision\":\"approval\",\"decision_reason\":\"needs 1 approval\","
	    "\"approvals_needed\":1},"
	    "\"approvals\":[],"
	    "\"step_runs\":[{\"phase\":\"diagnostic\",\"name\":\"logs\",\"status\":\"ok\","
	    "\"duration_ms\":12,\"output\":\"line <1>\\nline 2\"}],"
	    "\"similar\":[{\"key\":\"INC-3\",\"title\":\"older <b>\",\"state\":\"resolved\","
	    "\"outcome\":\"Resolved in 41 s\"}]}");

	cJSON_AddStringToObject(v, "title", title);
	return v;
}

static void
test_card_html_escapes_title(void **state)
{
	cJSON *v = view_fixture("<script>alert(1)</script>");
	char *h = card_html(v);

	(void)state;
	assert_null(strstr(h, "<script>"));
	assert_non_null(strstr(h, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_null(strstr(h, "older <b>"));
	assert_non_null(strstr(h, "older &lt;b&gt;"));
	assert_non_null(strstr(h, "line &lt;1&gt;"));
	free(h);
	cJSON_Delete(v);
}

/* Related alerts: the short fingerprint on a card (mail), all of it on the web page. */
static void
test_card_html_related(void **state)
{
	cJSON *v = view_fixture("ServiceDown api");
	struct buf b;
	char *h;

	(void)state;
	cJSON_AddStringToObject(v, "fingerprint", "aaaa1111bbbb2222");
	cJSON_AddItemToObject(
	    v, "related",
	    cJSON_Parse("[{\"fingerprint\":\"c0ffee0001aaaaaa\",\"alertname\":\"Deploy<1>\","
			"\"resource\":\"ci\",\"occurrences\":1,\"cleared\":false,\"cause\":true},"
			"{\"fingerprint\":\"c0ffee0002bbbbbb\",\"alertname\":\"HighLatency\","
			"\"resource\":\"api\",\"occurrences\":3,\"cleared\":true}]"));
	h = card_html(v);
	assert_non_null(strstr(h, "<code>split INC-7 ID</code>"));
	assert_non_null(strstr(h, "<tr><td><code class=\"fp\">c0ffee0001</code></td><td>"
				  "Deploy&lt;1&gt; <b>(probable cause)</b></td><td>ci</td><td>firing"
				  "</td><td>1</td>"));
	assert_non_null(strstr(h, "<code class=\"fp\">c0ffee0002</code></td><td>HighLatency</td>"
				  "<td>api</td><td>cleared</td><td>3</td>"));
	assert_null(strstr(h, "c0ffee0002bbbbbb"));
	free(h);
	buf_init(&b, 1 << 16);
	html_related(&b, v, true);
	h = buf_steal(&b);
	assert_non_null(strstr(h, "<code class=\"fp\"><b>c0ffee0002</b>bbbbbb</code>"));
	free(h);
	cJSON_Delete(v);
}

static void
test_card_html_content(void **state)
{
	cJSON *v = view_fixture("ServiceDown api");
	char *h = card_html(v);

	(void)state;
	assert_non_null(strstr(h, "INC-7"));
	assert_non_null(strstr(h, "sev2"));
	assert_non_null(strstr(h, "awaiting approval"));
	assert_non_null(strstr(h, "<dd>api</dd>"));
	assert_non_null(strstr(h, "$1.50 <small>(fixed $1.50)</small>"));
	assert_non_null(strstr(h, "15/100 low"));
	assert_non_null(strstr(h, "+5 severity sev2"));
	assert_non_null(strstr(h, "needs 1 approval"));
	assert_non_null(strstr(h, "0 of 1"));
	assert_non_null(strstr(h, "restart api: systemctl restart api"));
	assert_non_null(strstr(h, "diagnostic: logs"));
	assert_non_null(strstr(h, "INC-3"));
	assert_non_null(strstr(h, "Resolved in 41 s"));
	free(h);
	cJSON_Delete(v);
	/* an empty view renders, without crashing on the missing keys */
	v = cJSON_CreateObject();
	h = card_html(v);
	assert_non_null(strstr(h, "<section class=\"card\""));
	free(h);
	cJSON_Delete(v);
}

static void
test_token_roundtrip(void **state)
{
	cJSON *c = cJSON_Parse("{\"sub\":\"email:a@example.com\",\"inc\":7,\"id\":\"mine\"}");
	cJSON *got;
	char *t;

	(void)state;
	assert_int_equal(token_sign(key, KEYLEN, "link", c, 2000, &t), TOKEN_OK);
	assert_non_null(t);
	assert_true(strncmp(t, "v1.", 3) == 0);
	assert_int_equal(
	    strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_."),
	    strlen(t));
	assert_int_equal(token_verify(key, KEYLEN, "link", t, 1999, &got), TOKEN_OK);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(got, "sub")),
			    "email:a@example.com");
	/* the caller's "id" is replaced by a random one */
	assert_int_equal(strlen(cJSON_GetStringValue(cJSON_GetObjectItem(got, "id"))),
			 TOKEN_ID_LEN);
	cJSON_Delete(got);
	assert_int_equal(token_verify(key, KEYLEN, "link", t, 2000, &got), TOKEN_EXPIRED);
	assert_null(got);
	assert_int_equal(token_verify(key, KEYLEN, "session", t, 1000, &got), TOKEN_BAD_MAC);
	assert_int_equal(token_verify((const uint8_t *)"ffffffffffffffffffffffffffffffff", 32,
				      "link", t, 1000, &got),
			 TOKEN_BAD_MAC);
	free(t);
	cJSON_Delete(c);
}

static void
test_token_forgeries(void **state)
{
	cJSON *c = cJSON_Parse("{\"sub\":\"email:a@example.com\"}");
	cJSON *got;
	char *t, *forged, *dot;

	(void)state;
	assert_int_equal(token_sign(key, KEYLEN, "link", c, 5000, &t), TOKEN_OK);
	/* another payload with the old signature */
	forged = xstrdup(t);
	forged[4] = forged[4] == 'A' ? 'B' : 'A';
	assert_int_equal(token_verify(key, KEYLEN, "link", forged, 1000, &got), TOKEN_BAD_MAC);
	free(forged);
	/* a cut signature */
	forged = xstrdup(t);
	forged[strlen(forged) - 1] = '\0';
	assert_int_equal(token_verify(key, KEYLEN, "link", forged, 1000, &got), TOKEN_BAD_MAC);
	dot = strrchr(forged, '.');
	dot[1] = '\0';
	assert_int_equal(token_verify(key, KEYLEN, "link", forged, 1000, &got), TOKEN_BAD_MAC);
	free(forged);
	assert_int_equal(token_verify(key, KEYLEN, "link", "", 1000, &got), TOKEN_MALFORMED);
	assert_int_equal(token_verify(key, KEYLEN, "link", "v1.", 1000, &got), TOKEN_MALFORMED);
	assert_int_equal(token_verify(key, KEYLEN, "link", "v2.a.b", 1000, &got), TOKEN_MALFORMED);
	assert_int_equal(token_verify(key, KEYLEN, "link", NULL, 1000, &got), TOKEN_MALFORMED);
	/* a short key is refused for signing and checking */
	assert_int_equal(token_sign(key, 31, "link", c, 5000, &forged), TOKEN_NO_KEY);
	assert_int_equal(token_verify(key, 31, "link", t, 1000, &got), TOKEN_NO_KEY);
	assert_string_equal(token_strerror(TOKEN_EXPIRED), "expired");
	free(t);
	cJSON_Delete(c);
}

static void
test_token_key_from_config(void **state)
{
	const uint8_t *k;
	size_t n;

	(void)state;
	cfg.link_key = "short";
	assert_int_equal(token_key(&k, &n), TOKEN_NO_KEY);
	cfg.link_key = (char *)key;
	assert_int_equal(token_key(&k, &n), TOKEN_OK);
	assert_int_equal(n, KEYLEN);
	cfg.link_key = NULL;
	assert_int_equal(token_key(&k, &n), TOKEN_NO_KEY);
}

static void
test_csrf(void **state)
{
	char a[TOKEN_CSRF_LEN + 1], b[TOKEN_CSRF_LEN + 1];

	(void)state;
	token_csrf(key, KEYLEN, "session-1", a);
	token_csrf(key, KEYLEN, "session-1", b);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), TOKEN_CSRF_LEN);
	assert_true(token_csrf_check(key, KEYLEN, "session-1", a));
	assert_false(token_csrf_check(key, KEYLEN, "session-2", a));
	assert_false(token_csrf_check(key, KEYLEN, "session-1", ""));
	assert_false(token_csrf_check(key, KEYLEN, "session-1", NULL));
	assert_false(token_csrf_check(key, KEYLEN, "", a));
	a[0] = a[0] == 'x' ? 'y' : 'x';
	assert_false(token_csrf_check(key, KEYLEN, "session-1", a));
}

static void
test_form_get(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(http_form_get("a=1&csrf=x%2By+z&b=", "csrf", out, sizeof(out)), 0);
	assert_string_equal(out, "x+y z");
	assert_int_equal(http_form_get("a=1&b=", "b", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(http_form_get("a=1&ab=2", "b", out, sizeof(out)), -1);
	assert_int_equal(http_form_get("", "a", out, sizeof(out)), -1);
	assert_int_equal(http_form_get("a", "a", out, sizeof(out)), -1);
	/* first of duplicates */
	assert_int_equal(http_form_get("a=1&a=2", "a", out, sizeof(out)), 0);
	assert_string_equal(out, "1");
	/* malformed escapes, NUL and control bytes, too long */
	assert_int_equal(http_form_get("a=%4", "a", out, sizeof(out)), -2);
	assert_int_equal(http_form_get("a=%zz", "a", out, sizeof(out)), -2);
	assert_int_equal(http_form_get("a=x%00y", "a", out, sizeof(out)), -2);
	assert_int_equal(http_form_get("a=x%1by", "a", out, sizeof(out)), -2);
	assert_int_equal(http_form_get("a=0123456789abcdef", "a", out, sizeof(out)), -2);
	assert_string_equal(out, "");
	assert_int_equal(http_form_get("a=0123456789abcde", "a", out, sizeof(out)), 0);
	assert_int_equal(http_form_get("a=%C3%BC", "a", out, sizeof(out)), 0);
	assert_string_equal(out, "ü");
}

static void
test_header_add_refuses_injection(void **state)
{
	struct http_response r = {0};
	char big[HTTP_MAX_EXTRA_HEADERS];

	(void)state;
	assert_int_equal(http_header_add(&r, "Location", "/ui/"), 0);
	assert_int_equal(http_header_add(&r, "Set-Cookie", "a=b\r\nX-Evil: 1"), -1);
	assert_int_equal(http_header_add(&r, "Set-Cookie", "a=b\nX-Evil: 1"), -1);
	assert_int_equal(http_header_add(&r, "Bad Name", "x"), -1);
	assert_int_equal(http_header_add(&r, "Bad:Name", "x"), -1);
	assert_int_equal(http_header_add(&r, "", "x"), -1);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(http_header_add(&r, "X-Big", big), -1);
	assert_string_equal(r.headers, "Location: /ui/\r\n");
	free(r.headers);
}

static void
test_origin_allowed(void **state)
{
	const char *h = "healer.example.com:8080";

	(void)state;
	/* no browser headers: the token decides */
	assert_true(ui_origin_allowed(NULL, NULL, h, NULL));
	assert_true(ui_origin_allowed("http://healer.example.com:8080", "same-origin", h, NULL));
	assert_true(ui_origin_allowed("HTTPS://Healer.Example.com:8080", NULL, h, NULL));
	assert_true(ui_origin_allowed(NULL, "none", h, NULL));
	assert_false(ui_origin_allowed(NULL, "cross-site", h, NULL));
	assert_false(ui_origin_allowed(NULL, "same-site", h, NULL));
	assert_false(ui_origin_allowed("http://healer.example.com:8080", "cross-site", h, NULL));
	/* what Chromium sends from a no-referrer page to its own origin */
	assert_true(ui_origin_allowed("null", "same-origin", h, NULL));
	assert_false(ui_origin_allowed("null", "cross-site", h, NULL));
	assert_false(ui_origin_allowed("https://evil.example", NULL, h, NULL));
	assert_false(
	    ui_origin_allowed("http://healer.example.com:8080.evil.example", NULL, h, NULL));
	assert_false(ui_origin_allowed("http://healer.example.com", NULL, h, NULL));
	assert_false(ui_origin_allowed("ftp://healer.example.com:8080", NULL, h, NULL));
	assert_false(ui_origin_allowed("http://x", NULL, NULL, NULL));
	/* behind a proxy that rewrites Host: the public address */
	assert_true(ui_origin_allowed("https://healer.example.com", NULL, "127.0.0.1:8080",
				      "https://healer.example.com/base/"));
	assert_false(ui_origin_allowed("https://healer.example.com.evil", NULL, "127.0.0.1:8080",
				       "https://healer.example.com"));
	assert_false(ui_origin_allowed("http://healer.example.com", NULL, "127.0.0.1:8080",
				       "https://healer.example.com"));
}

static void
test_link_base(void **state)
{
	char out[128];
	const char *note;

	(void)state;
	assert_int_equal(
	    ui_origin_link_base("https://h.example/", "0.0.0.0:0", NULL, out, sizeof(out), &note),
	    0);
	assert_string_equal(out, "https://h.example");
	assert_null(note);
	assert_int_equal(ui_origin_link_base("", "10.1.2.3:8080", NULL, out, sizeof(out), &note),
			 0);
	assert_string_equal(out, "http://10.1.2.3:8080");
	assert_null(note);
	assert_int_equal(ui_origin_link_base(NULL, "0.0.0.0:8080", NULL, out, sizeof(out), &note),
			 0);
	assert_string_equal(out, "http://127.0.0.1:8080");
	assert_non_null(strstr(note, "HEALER_PUBLIC_URL"));
	assert_int_equal(ui_origin_link_base(NULL, ":8080", NULL, out, sizeof(out), &note), 0);
	assert_string_equal(out, "http://127.0.0.1:8080");
	/* port 0: the port the daemon got, or no link */
	assert_int_equal(ui_origin_link_base(NULL, "127.0.0.1:0", NULL, out, sizeof(out), &note),
			 -1);
	assert_string_equal(out, "");
	assert_non_null(strstr(note, "HEALER_PUBLIC_URL"));
	assert_int_equal(
	    ui_origin_link_base(NULL, "127.0.0.1:0", "127.0.0.1:0", out, sizeof(out), &note), -1);
	assert_int_equal(
	    ui_origin_link_base(NULL, "127.0.0.1:0", "127.0.0.1:41234", out, sizeof(out), &note),
	    0);
	assert_string_equal(out, "http://127.0.0.1:41234");
	assert_int_equal(
	    ui_origin_link_base(NULL, "0.0.0.0:0", "0.0.0.0:41234", out, sizeof(out), &note), 0);
	assert_string_equal(out, "http://127.0.0.1:41234");
	assert_int_equal(ui_origin_link_base(NULL, "localhost", NULL, out, sizeof(out), &note), -1);
	assert_int_equal(ui_origin_link_base(NULL, "h:99999", NULL, out, sizeof(out), &note), -1);
	assert_int_equal(
	    ui_origin_link_base(NULL, "a-rather-long-host-name.example:8080", NULL, out, 16, &note),
	    -1);
	assert_string_equal(out, "");
}

static void
test_next_only_to_our_pages(void **state)
{
	static const char *const bad[] = {NULL,
					  "",
					  "/",
					  "/ui",
					  "//evil.example",
					  "/\\evil.example",
					  "https://evil.example/ui/",
					  "/ui//evil.example",
					  "/ui/../x",
					  "/ui/x?next=//e",
					  "/ui/x#y",
					  "/ui/x y",
					  "/ui/%2F%2Fevil",
					  "javascript:alert(1)",
					  "/ui/\\evil",
					  "/other/ui/"};
	char big[UI_NEXT_MAX + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(ui_next_ok(bad[i]));
	assert_true(ui_next_ok("/ui/"));
	assert_true(ui_next_ok("/ui/incidents/12"));
	assert_true(ui_next_ok("/ui/dashboard"));
	memcpy(big, "/ui/", 4);
	memset(big + 4, 'a', sizeof(big) - 5);
	big[sizeof(big) - 1] = '\0';
	assert_false(ui_next_ok(big));
	big[UI_NEXT_MAX - 1] = '\0';
	assert_true(ui_next_ok(big));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escape_text_and_attr),
	    cmocka_unit_test(test_card_html_escapes_title),
	    cmocka_unit_test(test_card_html_content),
	    cmocka_unit_test(test_card_html_related),
	    cmocka_unit_test(test_token_roundtrip),
	    cmocka_unit_test(test_token_forgeries),
	    cmocka_unit_test(test_token_key_from_config),
	    cmocka_unit_test(test_csrf),
	    cmocka_unit_test(test_form_get),
	    cmocka_unit_test(test_header_add_refuses_injection),
	    cmocka_unit_test(test_origin_allowed),
	    cmocka_unit_test(test_link_base),
	    cmocka_unit_test(test_next_only_to_our_pages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
