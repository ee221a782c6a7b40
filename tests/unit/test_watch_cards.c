/* test_watch_cards.c — an anomaly incident's card shows the metric on every surface: why it
 * fired, the value, the expected range and the sparkline ride in the title the watcher writes,
 * which the console, Slack and Teams cards all show. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

#include "card_text.h"
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_surface_shows_the_metric),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
