/* stats.h — "how are we doing": the figures of store_stats() as text for chat and terminals,
 * `healer stats`, and the same figures for /metrics (histograms for the durations). */
#ifndef HEALER_STATS_H
#define HEALER_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

/* "24h" | "7d" | "30d" into milliseconds. Returns 0, or -1 for anything else. Pure. */
int stats_window_parse(const char *s, int64_t *ms);

/* The figures (store_stats() JSON, plus "window" and "autopilot_enabled" when present) as
 * lines of text ending in "\n". Owned. Pure. */
char *stats_text(const cJSON *stats);

/* Cumulative bucket counts of ascending values v for upper bounds `le` (nb of them), the
 * last count being +Inf (so counts has nb + 1 entries), and their sum. Pure. */
void stats_histogram(const double *v, size_t n, const double *le, size_t nb, uint64_t *counts,
		     double *sum);

/* The /metrics lines for the incidents opened in the 24 hours before `now` (ms): durations as
 * histograms, counts as gauges. Reads the store: call it on a worker with a reader attached
 * (metrics_http.c), never on the loop thread. */
struct buf;
void stats_metrics_lines(struct buf *out, int64_t now);

/* `healer stats [24h|7d|30d] [--json]` (default 24h). Returns the exit code. */
int stats_cli(int argc, char **argv);

#endif
