/* bench_prune.c — the alert retention tick on the loop thread: how long one
 * store_alerts_prune() step (1,000 rows looked at) holds the loop during the first sweep,
 * which deletes, and during later sweeps, which find nothing, over a store of 100,000
 * finished incidents (3 alert rows each) and 5,000 open ones. Prints median and p99. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ingest.h"
#include "store.h"
#include "util.h"
#include "bench_util.h"

#define SCAN 1000

static void
report(const char *what, double *v, size_t n)
{
	bench_sort(v, n);
	printf("%-44s median %7.2f ms   p99 %7.2f ms   (%zu ticks)\n", what, v[n / 2],
	       v[n * 99 / 100], n);
}

static void
seed(int finished, int open)
{
	struct alert a;
	char fp[32], dk[48];
	int64_t id;

	memset(&a, 0, sizeof(a));
	a.source = SRC_ALERTMANAGER;
	a.title = (char *)"ServiceDown api on web-1";
	a.severity = (char *)"sev2";
	a.resource = (char *)"api";
	a.labels = cJSON_CreateObject();
	cJSON_AddStringToObject(a.labels, "alertname", "ServiceDown");
	a.annotations = cJSON_CreateObject();
	a.starts_at_ms = now_ms();
	store_begin();
	for (int i = 0; i < finished + open; i++) {
		snprintf(fp, sizeof(fp), "fp-%d", i);
		a.fingerprint = fp;
		a.firing = true;
		snprintf(dk, sizeof(dk), "d-%d-0", i);
		a.dedup_key = dk;
		store_incident_create(&a, NULL, &id);
		if (i >= finished)
			continue;
		snprintf(dk, sizeof(dk), "d-%d-1", i);
		store_incident_add_alert(id, &a);
		a.firing = false;
		snprintf(dk, sizeof(dk), "d-%d-2", i);
		store_incident_add_alert(id, &a);
		store_incident_cas(id, "open", "resolved");
	}
	if (store_commit() != 0) {
		fprintf(stderr, "seeding failed\n");
		exit(1);
	}
	cJSON_Delete(a.labels);
	cJSON_Delete(a.annotations);
}

int
main(int argc, char **argv)
{
	int finished = argc > 1 ? atoi(argv[1]) : 100000, deleted, total = 0;
	char dir[] = "/tmp/healer-bench-prune-XXXXXX", db[96], p[128];
	double *busy, *idle;
	size_t nbusy = 0, nidle = 0;
	struct timespec t0;
	int64_t cutoff, cursor = 0;

	if (mkdtemp(dir) == NULL || finished <= 0)
		return 1;
	snprintf(db, sizeof(db), "%s/healer.db", dir);
	if (store_open(db) != 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	seed(finished, 5000);
	printf("seeded %d finished + 5000 open incidents in %.1f s\n", finished,
	       bench_ms_since(&t0) / 1e3);
	cutoff = now_ms() + 1; /* every finished incident is past the retention */
	busy = xcalloc((size_t)(finished + 5000) * 3 / SCAN + 2, sizeof(*busy));
	idle = xcalloc((size_t)(finished + 5000) * 3 / SCAN + 2, sizeof(*idle));
	do {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (store_alerts_prune(cutoff, &cursor, SCAN, &deleted) != 0)
			return 1;
		busy[nbusy++] = bench_ms_since(&t0);
		total += deleted;
	} while (cursor != 0);
	printf("first sweep deleted %d alert rows\n", total);
	report("tick of the first sweep (deleting)", busy, nbusy);
	do {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (store_alerts_prune(cutoff, &cursor, SCAN, &deleted) != 0)
			return 1;
		idle[nidle++] = bench_ms_since(&t0);
	} while (cursor != 0);
	report("tick of a later sweep (nothing to delete)", idle, nidle);
	free(idle);
	free(busy);
	store_close();
	unlink(db);
	snprintf(p, sizeof(p), "%s-wal", db);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", db);
	unlink(p);
	rmdir(dir);
	return 0;
}
