/* alerts_retention.c — HEALER_ALERT_RETENTION: a loop timer deleting the alert rows of
 * incidents finished longer ago than the retention, a bounded batch per tick. */
#include <stdio.h>

#include "alerts_http.h"
#include "config.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "store.h"
#include "util.h"

/* Each tick looks at PRUNE_SCAN alert rows, so it stays short on the loop thread however
 * large the tables are; a sweep in progress continues after PRUNE_SOON_MS, a finished one
 * starts again after prune_every_ms. */
#define PRUNE_SCAN 1000
#define PRUNE_EVERY_MS (10 * 60 * 1000)
#define PRUNE_SOON_MS 1000
#define PRUNE_FIRST_MS (30 * 1000)

static int64_t retention_ms, prune_every_ms;
static int64_t cursor; /* the sweep's position: last alert id looked at, 0 = none */

static void
prune_tick(void *arg)
{
	int deleted = 0;

	(void)arg;
	if (store_alerts_prune(now_ms() - retention_ms, &cursor, PRUNE_SCAN, &deleted) != STORE_OK)
		cursor = 0; /* logged by the store; the next sweep starts over */
	if (deleted > 0) {
		metrics_add("healer_alerts_pruned_total",
			    "Alert rows deleted by HEALER_ALERT_RETENTION", "", deleted);
		log_debug("retention: %d alert rows deleted", deleted);
	}
	loop_timer_add(cursor != 0 ? PRUNE_SOON_MS : prune_every_ms, prune_tick, NULL);
}

void
alerts_retention_start(void)
{
	if (duration_parse(cfg.alert_retention, &retention_ms) != 0) {
		log_warnx("HEALER_ALERT_RETENTION '%.40s' is not a duration (e.g. 30d): using 30d",
			  cfg.alert_retention);
		retention_ms = 30LL * 24 * 3600 * 1000;
	}
	if (retention_ms == 0) {
		log_info("HEALER_ALERT_RETENTION is 0: alert rows are kept for ever");
		return;
	}
	prune_every_ms = retention_ms / 2 < PRUNE_EVERY_MS ? retention_ms / 2 : PRUNE_EVERY_MS;
	if (prune_every_ms < PRUNE_SOON_MS)
		prune_every_ms = PRUNE_SOON_MS;
	loop_timer_add(prune_every_ms < PRUNE_FIRST_MS ? prune_every_ms : PRUNE_FIRST_MS,
		       prune_tick, NULL);
}
