/* stats.c — the figures as text (chat, terminal), `healer stats`, and their Prometheus form. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "engine.h"
#include "metrics.h"
#include "stats.h"
#include "store.h"
#include "util.h"

#define DAY_MS 86400000LL

static const struct {
	const char *name;
	int64_t ms;
} windows[] = {
    {"24h", DAY_MS},
    {"7d", 7 * DAY_MS},
    {"30d", 30 * DAY_MS},
};

int
stats_window_parse(const char *s, int64_t *ms)
{
	for (size_t i = 0; s && i < ARRAY_LEN(windows); i++)
		if (strcmp(s, windows[i].name) == 0) {
			*ms = windows[i].ms;
			return 0;
		}
	return -1;
}

/* ---- text ---- */

static double
num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* "alertmanager 10, declare 2" */
static void
pairs(struct buf *b, const cJSON *obj)
{
	const cJSON *it;
	bool first = true;

	cJSON_ArrayForEach(it, obj)
	{
		buf_printf(b, "%s%s %d", first ? "" : ", ", it->string, (int)it->valuedouble);
		first = false;
	}
	if (first)
		buf_printf(b, "none");
}

static void
duration_line(struct buf *b, const char *label, const cJSON *d)
{
	char mean[32], p90[32];

	if (num(d, "count") == 0) {
		buf_printf(b, "%-21s -\n", label);
		return;
	}
	duration_format((int64_t)(num(d, "mean") * 1000), mean, sizeof(mean));
	duration_format((int64_t)(num(d, "p90") * 1000), p90, sizeof(p90));
	buf_printf(b, "%-21s mean %s, p90 %s (%d incidents)\n", label, mean, p90,
		   (int)num(d, "count"));
}

/* "56%" or "-" when there was nothing to divide */
static void
percent(const cJSON *o, const char *k, char *out, size_t outlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (cJSON_IsNumber(v))
		snprintf(out, outlen, "%.0f%%", v->valuedouble * 100);
	else
		snprintf(out, outlen, "-");
}

char *
stats_text(const cJSON *s)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(s, "actions");
	const cJSON *usd = cJSON_GetObjectItemCaseSensitive(s, "usd");
	const cJSON *win = cJSON_GetObjectItemCaseSensitive(s, "window");
	const cJSON *ap = cJSON_GetObjectItemCaseSensitive(s, "autopilot_enabled");
	const cJSON *it;
	char share[16], success[16], fp[16];
	struct buf b;

	buf_init(&b, 16 * 1024);
	buf_printf(&b, "Stats for the last %s (incidents opened since %s)\n",
		   cJSON_IsString(win) ? win->valuestring : "window",
		   cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "since"))
		       ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "since"))
		       : "-");
	buf_printf(&b, "Incidents:            %d (", (int)num(s, "incidents"));
	pairs(&b, cJSON_GetObjectItemCaseSensitive(s, "by_source"));
	buf_printf(&b, ")\nBy severity:          ");
	pairs(&b, cJSON_GetObjectItemCaseSensitive(s, "by_severity"));
	buf_printf(&b, "\nBy outcome:           ");
	pairs(&b, cJSON_GetObjectItemCaseSensitive(s, "by_state"));
	buf_printf(&b, "\n");
	duration_line(&b, "Time to acknowledge:",
		      cJSON_GetObjectItemCaseSensitive(s, "time_to_acknowledge_s"));
	duration_line(&b,
		      "Time to resolve:", cJSON_GetObjectItemCaseSensitive(s, "time_to_resolve_s"));
	duration_line(
	    &b, "Approval latency:", cJSON_GetObjectItemCaseSensitive(s, "approval_latency_s"));
	if (num(cJSON_GetObjectItemCaseSensitive(s, "time_to_detect_s"), "count") > 0)
		duration_line(&b, "Time to detect:",
			      cJSON_GetObjectItemCaseSensitive(s, "time_to_detect_s"));
	percent(a, "autopilot_share", share, sizeof(share));
	percent(a, "autopilot_success_rate", success, sizeof(success));
	percent(a, "false_positive_rate", fp, sizeof(fp));
	buf_printf(&b, "Autopilot:            %d of %d runs (%s), %s succeeded (%d ok, %d failed)",
		   (int)num(a, "autopilot"), (int)num(a, "ran"), share, success,
		   (int)num(a, "autopilot_succeeded"), (int)num(a, "autopilot_failed"));
	if (cJSON_IsBool(ap))
		buf_printf(&b, "; switch %s", cJSON_IsTrue(ap) ? "on" : "off");
	buf_printf(&b, "\nVerification failures: %d; rollbacks: %d\n",
		   (int)num(a, "verification_failures"), (int)num(a, "rollbacks"));
	buf_printf(&b, "Rejected proposals:   %d of %d human verdicts (%s false positives)\n",
		   (int)num(a, "rejected"), (int)(num(a, "rejected") + num(a, "human_approved")),
		   fp);
	buf_printf(&b, "Dollars:              $%.2f approved, $%.2f spent\n", num(usd, "approved"),
		   num(usd, "spent"));
	buf_printf(&b, "Noisiest alerts:      ");
	int i = 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(s, "noisiest_alerts"))
	{
		const char *name =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "alert"));
		buf_printf(&b, "%s%.60s %d (%d incident%s)", i++ ? ", " : "", name ? name : "?",
			   (int)num(it, "occurrences"), (int)num(it, "incidents"),
			   num(it, "incidents") == 1 ? "" : "s");
	}
	buf_printf(&b, "%s\n", i ? "" : "none");
	return buf_steal(&b);
}

/* ---- the command line ---- */

int
stats_cli(int argc, char **argv)
{
	const char *window = "24h";
	bool json = false;
	int64_t span, now = now_ms();
	cJSON *s = NULL;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else
			window = argv[i];
	}
	if (stats_window_parse(window, &span) != 0) {
		fprintf(stderr, "usage: healer stats [24h|7d|30d] [--json]\n");
		return 2;
	}
	if (store_open(cfg.db) != 0) {
		fprintf(stderr, "healer: cannot open the store %s\n", cfg.db);
		return 1;
	}
	int rc = store_stats(now - span, now + 1, &s);
	if (rc == 0) {
		cJSON_AddStringToObject(s, "window", window);
		cJSON_AddBoolToObject(s, "autopilot_enabled", engine_autopilot_enabled());
		char *out = json ? cJSON_Print(s) : stats_text(s);
		fputs(out, stdout);
		if (json)
			fputs("\n", stdout);
		free(out);
		cJSON_Delete(s);
	} else {
		fprintf(stderr, "healer: statistics are not available: %s\n", store_strerror(rc));
	}
	store_close();
	return rc == 0 ? 0 : 1;
}

/* ---- Prometheus ---- */

void
stats_histogram(const double *v, size_t n, const double *le, size_t nb, uint64_t *counts,
		double *sum)
{
	size_t i = 0;

	*sum = 0;
	for (size_t k = 0; k < n; k++)
		*sum += v[k];
	/* v ascending: one pass, each bucket counts everything at or below its bound */
	for (size_t b = 0; b < nb; b++) {
		while (i < n && v[i] <= le[b])
			i++;
		counts[b] = i;
	}
	counts[nb] = n;
}

/*
 * /metrics: the same figures over a sliding 24-hour window, so that a scrape costs what a
 * day of incidents costs, not the whole history. They are gauges (the durations as
 * histogram-shaped gauges: histogram_quantile() over the buckets, without rate()).
 */
static const double buckets[] = {10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400};

static void
histogram_lines(struct buf *out, const char *name, const char *help, enum store_duration which,
		int64_t since, int64_t until)
{
	uint64_t counts[ARRAY_LEN(buckets) + 1];
	double *v = NULL, sum;
	size_t n = 0;
	char lab[48], series[96];

	if (store_durations(which, since, until, &v, &n) != 0)
		return;
	stats_histogram(v, n, buckets, ARRAY_LEN(buckets), counts, &sum);
	free(v);
	buf_printf(out,
		   "# HELP %s %s, incidents opened in the last 24 hours\n# TYPE %s histogram\n",
		   name, help, name);
	snprintf(series, sizeof(series), "%s_bucket", name);
	for (size_t b = 0; b <= ARRAY_LEN(buckets); b++) {
		if (b < ARRAY_LEN(buckets))
			snprintf(lab, sizeof(lab), "le=\"%g\"", buckets[b]);
		else
			snprintf(lab, sizeof(lab), "le=\"+Inf\"");
		metrics_line(out, series, lab, (double)counts[b]);
	}
	snprintf(series, sizeof(series), "%s_sum", name);
	metrics_line(out, series, "", round(sum * 1000) / 1000);
	snprintf(series, sizeof(series), "%s_count", name);
	metrics_line(out, series, "", (double)n);
}

/* A label value from the store (an alert name): quotes, backslashes and newlines escaped. */
static void
label_value(const char *s, char *out, size_t outlen)
{
	size_t o = 0;

	for (; s && *s && o + 3 < outlen; s++) {
		if (*s == '"' || *s == '\\')
			out[o++] = '\\';
		if (*s == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
			continue;
		}
		out[o++] = *s;
	}
	out[o] = '\0';
}

/* One gauge per entry of a JSON object of counts: name{label="key"} n. */
static void
object_lines(struct buf *out, const char *name, const char *help, const char *label,
	     const cJSON *obj)
{
	const cJSON *it;
	char lab[192], v[128];

	metrics_gauge_header(out, name, help);
	cJSON_ArrayForEach(it, obj)
	{
		label_value(it->string, v, sizeof(v));
		snprintf(lab, sizeof(lab), "%s=\"%s\"", label, v);
		metrics_line(out, name, lab, it->valuedouble);
	}
}

static void
figure_lines(struct buf *out, const cJSON *s)
{
	const cJSON *it;
	char lab[192], v[128];

	object_lines(out, "healer_stats_incidents_by_source",
		     "Incidents opened in the last 24 hours, by source", "source",
		     cJSON_GetObjectItemCaseSensitive(s, "by_source"));
	object_lines(out, "healer_stats_incidents_by_severity",
		     "Incidents opened in the last 24 hours, by severity", "severity",
		     cJSON_GetObjectItemCaseSensitive(s, "by_severity"));
	object_lines(out, "healer_stats_incidents_by_state",
		     "Incidents opened in the last 24 hours, by state now", "state",
		     cJSON_GetObjectItemCaseSensitive(s, "by_state"));
	/* counts only: the rates are ratios of these */
	cJSON *a = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(s, "actions"), 1);
	cJSON_DeleteItemFromObjectCaseSensitive(a, "autopilot_share");
	cJSON_DeleteItemFromObjectCaseSensitive(a, "autopilot_success_rate");
	cJSON_DeleteItemFromObjectCaseSensitive(a, "false_positive_rate");
	object_lines(out, "healer_stats_actions",
		     "Proposals of the last 24 hours' incidents, by what became of them", "kind",
		     a);
	cJSON_Delete(a);
	object_lines(out, "healer_stats_cost_dollars",
		     "Estimated dollars of the last 24 hours' actions approved and spent", "kind",
		     cJSON_GetObjectItemCaseSensitive(s, "usd"));
	metrics_gauge_header(out, "healer_stats_noisiest_alert_occurrences",
			     "Occurrences of the five noisiest alerts of the last 24 hours");
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(s, "noisiest_alerts"))
	{
		label_value(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "alert")), v,
			    sizeof(v));
		snprintf(lab, sizeof(lab), "alert=\"%s\"", v);
		metrics_line(out, "healer_stats_noisiest_alert_occurrences", lab,
			     num(it, "occurrences"));
	}
}

void
stats_metrics_lines(struct buf *out, int64_t now)
{
	int64_t since = now - DAY_MS;
	cJSON *s = NULL;

	histogram_lines(out, "healer_time_to_acknowledge_seconds",
			"Incident opened to first human action or autopilot run", STORE_DUR_ACK,
			since, now + 1);
	histogram_lines(out, "healer_time_to_resolve_seconds", "Incident opened to resolved",
			STORE_DUR_RESOLVE, since, now + 1);
	histogram_lines(out, "healer_approval_latency_seconds", "Approval asked to approval given",
			STORE_DUR_APPROVAL, since, now + 1);
	histogram_lines(out, "healer_time_to_detect_seconds",
			"First anomalous point to incident (metric watch rules)", STORE_DUR_DETECT,
			since, now + 1);
	if (store_stats(since, now + 1, &s) == 0) {
		figure_lines(out, s);
		cJSON_Delete(s);
	}
}
