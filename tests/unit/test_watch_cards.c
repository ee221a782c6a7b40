/* test_watch_cards.c — an anomaly incident's card shows the metric on every surface: why it
 * fired, the value, the expected range and the sparkline ride in the title the watcher writes,
 * which the console, Slack and Teams cards all show, in the rule's unit. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

#include "card_text.h"
#include "detect.h"
#include "watch_int.h"
#include "slack/slack_card.h"
#include "teams/teams_card.h"

#define SPARK "▁▂▁▁▂▁▃▁▂▁▁█"
#define WHY                                                                                  \
	"jumped to 500 — 56× its usual deviation above the forecast 50 (expected 46.1–53.9)"
#define TITLE "checkout-latency " WHY " " SPARK " {job=\\\"checkout\\\"}"

static const char *const VIEW =
    "{\"id\":3,\"key\":\"INC-3\",\"version\":2,\"state\":\"needs_attention\","
    "\"severity\":\"sev3\",\"title\":\"" TITLE "\",\"resource\":\"checkout\","
    "\"source\":\"anomaly\",\"occurrences\":1,\"alert_cleared\":false,\"age_s\":5,"
    "\"labels\":{\"alertname\":\"LatencyAnomaly\",\"job\":\"checkout\"},"
    "\"annotations\":{\"value\":\"500\",\"expected_range\":\"46.1–53.9\",\"sparkline\":\"" SPARK
    "\"},\"acked_by\":null,\"assignee\":null,\"analysis\":\"No runbook matches\","
    "\"confidence\":0,\"attention\":\"no runbook matches\",\"outcome\":null,\"action\":null,"
    "\"approvals\":[],\"step_runs\":[],\"timeline\":[]}";

static void
shows_metric(const char *surface, const char *text)
{
	/* the console wraps the title: the reason and the range are checked apart */
	if (strstr(text, SPARK) == NULL || strstr(text, "46.1–53.9") == NULL ||
	    strstr(text, "jumped to 500 — 56× its usual deviation above") == NULL)
		fail_msg("the %s card does not show the metric:\n%s", surface, text);
}

static void
test_every_surface_shows_the_metric(void **state)
{
	cJSON *view = cJSON_Parse(VIEW), *card;
	struct teams_card_opts o = {.interactive = true, .max_bytes = 28000};
	char *s;
	(void)state;

	assert_non_null(view);
	s = card_text_render(view, 100, 0);
	shows_metric("console", s);
	free(s);
	card = slack_card_render(view, 0);
	s = cJSON_PrintUnformatted(card);
	shows_metric("Slack", s);
	free(s);
	cJSON_Delete(card);
	card = teams_card_render(view, &o);
	s = cJSON_PrintUnformatted(card);
	shows_metric("Teams", s);
	free(s);
	cJSON_Delete(card);
	cJSON_Delete(view);
}

/* A latency rule in seconds: 48 ms with a little noise, then one point at 812 ms. The alert
 * the watcher writes says it in milliseconds everywhere a person reads, and keeps the raw
 * number where a machine reads. */
static void
test_the_unit_is_on_the_card(void **state)
{
	struct watch_rule rule = {
	    .name = "checkout-latency",
	    .kind = WATCH_PROMETHEUS,
	    .query = "checkout_latency_seconds",
	    .severity = "sev3",
	    .resolve_after = 3,
	};
	struct watch_rt rt = {.rule = &rule};
	struct watch_job j = {.rt = &rt, .now_ms = 1700000000000LL};
	struct watch_series *s;
	struct teams_card_opts o = {.interactive = true, .max_bytes = 28000};
	uint64_t x = 88172645463325252ull;
	const struct alert *a = NULL;
	char *text;
	(void)state;

	rule.threshold = detect_default_threshold();
	rule.labels = cJSON_Parse("{\"alertname\":\"LatencyAnomaly\"}");
	rule.unit = metric_unit_prom(rule.query);
	assert_int_equal(rule.unit.kind, UNIT_SECONDS);
	assert_non_null(s = watch_job_series(&j, NULL));
	for (int i = 0; i < 600 && j.alerts.n == 0; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		double noise = ((double)(x % 1000) / 1000 - 0.5) * 0.004;
		watch_job_point(&j, s, 1700000000.0 + 60 * i, i < 500 ? 0.048 + noise : 0.812);
	}
	assert_int_equal(j.alerts.n, 1);
	a = &j.alerts.v[0];
	assert_true(a->firing);
	/* the reason's figures in ms, none bare, none over-precise */
	if (strstr(a->title, "checkout-latency jumped to 812 ms — ") != a->title ||
	    strstr(a->title, "its usual deviation above the forecast 4") == NULL ||
	    strstr(a->title, " ms (expected ") == NULL || strstr(a->title, " ms–") == NULL)
		fail_msg("the title does not speak in ms: %s", a->title);
	assert_null(strstr(a->title, "0.0"));
	assert_string_equal(cJSON_GetObjectItem(a->annotations, "value")->valuestring, "0.812");
	assert_string_equal(cJSON_GetObjectItem(a->annotations, "value_text")->valuestring,
			    "812 ms");
	const char *range = cJSON_GetObjectItem(a->annotations, "expected_range")->valuestring;
	assert_non_null(strstr(range, " ms–"));
	assert_true(strlen(range) > 3 && strcmp(range + strlen(range) - 3, " ms") == 0);
	/* the raw forecast for machines: a number, near 0.048 */
	assert_true(fabs(atof(cJSON_GetObjectItem(a->annotations, "expected")->valuestring) -
			 0.048) < 0.005);

	/* every surface shows it */
	cJSON *view = cJSON_Parse(VIEW), *card;
	cJSON_ReplaceItemInObject(view, "title", cJSON_CreateString(a->title));
	text = card_text_render(view, 200, 0);
	assert_non_null(strstr(text, "812 ms"));
	free(text);
	card = slack_card_render(view, 0);
	text = cJSON_PrintUnformatted(card);
	assert_non_null(strstr(text, "jumped to 812 ms"));
	free(text);
	cJSON_Delete(card);
	card = teams_card_render(view, &o);
	text = cJSON_PrintUnformatted(card);
	assert_non_null(strstr(text, "jumped to 812 ms"));
	free(text);
	cJSON_Delete(card);
	cJSON_Delete(view);
	alert_batch_free(&j.alerts);
	watch_table_free(&rt.tab);
	cJSON_Delete(rule.labels);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_surface_shows_the_metric),
	    cmocka_unit_test(test_the_unit_is_on_the_card),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
