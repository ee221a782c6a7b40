/* bench_similar.c — similar-incident lookup latency with 100,000 past incidents, the store's
 * size on disk per 10,000 incidents, and the cost of the stats over that history. Seeds a
 * temporary store in one transaction with a skewed mix of alerts (a few alert names are
 * everywhere, as in real life), then times store_similar_incidents() for fresh alerts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analysis.h"
#include "ingest.h"
#include "stats.h"
#include "store.h"
#include "util.h"
#include "bench_util.h"

#define ALERTNAMES 200
#define SERVICES 500
#define HOSTS 2000
#define LOOKUPS 2000

static const char *const words[] = {
    "ServiceDown",    "HighCPU",      "DiskFull",     "HighLatency",	"PodCrashLooping",
    "MemoryPressure", "CertExpiring", "QueueBacklog", "ReplicationLag", "ErrorRate",
};

static uint64_t rng = 88172645463325252ULL;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Skewed: index 0 is the most common, like a handful of alerts that fire all day. */
static unsigned
skewed(unsigned n)
{
	double u = (double)(next() % 1000000) / 1000000.0;

	return (unsigned)(n * u * u * u);
}

struct fake {
	char title[160], alertname[64], service[32], instance[32], summary[160];
};

static void
fake_alert(struct fake *f)
{
	unsigned a = skewed(ALERTNAMES), s = skewed(SERVICES), h = (unsigned)(next() % HOSTS);

	if (a < ARRAY_LEN(words))
		snprintf(f->alertname, sizeof(f->alertname), "%s", words[a]);
	else
		snprintf(f->alertname, sizeof(f->alertname), "Alert%u", a);
	snprintf(f->service, sizeof(f->service), "svc%u", s);
	snprintf(f->instance, sizeof(f->instance), "host-%u:9100", h);
	snprintf(f->title, sizeof(f->title), "%s %s on host-%u", f->alertname, f->service, h);
	snprintf(f->summary, sizeof(f->summary), "%s is failing on host-%u", f->service, h);
}

static void
alert_of(const struct fake *f, struct alert *a, char *fp, size_t fplen)
{
	static unsigned seq;

	memset(a, 0, sizeof(*a));
	snprintf(fp, fplen, "fp-%u", ++seq);
	a->source = SRC_ALERTMANAGER;
	a->fingerprint = fp;
	a->title = (char *)f->title;
	a->severity = (char *)"sev3";
	a->resource = (char *)f->service;
	a->labels = cJSON_CreateObject();
	cJSON_AddStringToObject(a->labels, "alertname", f->alertname);
	cJSON_AddStringToObject(a->labels, "service", f->service);
	cJSON_AddStringToObject(a->labels, "instance", f->instance);
	cJSON_AddStringToObject(a->labels, "severity", "warning");
	a->annotations = cJSON_CreateObject();
	cJSON_AddStringToObject(a->annotations, "summary", f->summary);
	a->firing = true;
}

static double
pct(const double *v, size_t n, double p)
{
	size_t i = (size_t)ceil(p / 100.0 * (double)n);

	return v[i ? i - 1 : 0];
}

static long long
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100000;
	char dir[] = "/tmp/healer-bench-XXXXXX", db[96], path[128], fp[32];
	struct timespec t0;
	double *lat = xcalloc(LOOKUPS, sizeof(double));
	int64_t id = 0;

	/* a second argument keeps the seeded store there (and reuses it when it exists) */
	const char *keep = argc > 2 ? argv[2] : NULL;
	if (keep == NULL && mkdtemp(dir) == NULL)
		return 1;
	snprintf(db, sizeof(db), "%s", keep ? keep : dir);
	if (keep == NULL)
		strncat(db, "/bench.db", sizeof(db) - strlen(db) - 1);
	bool reuse = keep && file_size(keep) > 0;
	if (store_open(db) != 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* one transaction: the seeding is not what is measured */
	store_begin();
	for (int i = 0; i < (reuse ? 0 : n); i++) {
		struct fake f;
		struct alert a;
		fake_alert(&f);
		alert_of(&f, &a, fp, sizeof(fp));
		store_incident_create(&a, NULL, &id);
		store_incident_set_analysis(
		    id, "Matched runbook restart-service by rule {alertname=ServiceDown}", 0.9);
		store_incident_set_outcome(id, "Resolved in 41 s by autopilot, verified");
		/* past incidents: a daemon started on this store has nothing to resume */
		store_incident_cas(id, "open", "resolved");
		cJSON_Delete(a.labels);
		cJSON_Delete(a.annotations);
	}
	if (store_commit() != 0)
		return 1;
	if (reuse) {
		cJSON *l = NULL;
		store_incident_list(true, 1, &l);
		id = (int64_t)cJSON_GetNumberValue(
		    cJSON_GetObjectItem(cJSON_GetArrayItem(l, 0), "id"));
		cJSON_Delete(l);
	}
	double seed_ms = bench_ms_since(&t0);
	store_close(); /* the last connection out checkpoints the WAL into the file */
	long long bytes = file_size(db);
	snprintf(path, sizeof(path), "%s-wal", db);
	bytes += file_size(path);
	if (store_open(db) != 0)
		return 1;

	for (int i = 0; i < LOOKUPS; i++) {
		struct fake f;
		struct analysis_terms t;
		struct store_similar s[ANALYSIS_SIMILAR];
		size_t ns;
		cJSON *labels, *ann;
		fake_alert(&f);
		labels = cJSON_CreateObject();
		cJSON_AddStringToObject(labels, "alertname", f.alertname);
		cJSON_AddStringToObject(labels, "service", f.service);
		cJSON_AddStringToObject(labels, "instance", f.instance);
		ann = cJSON_CreateObject();
		cJSON_AddStringToObject(ann, "summary", f.summary);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		analysis_terms(f.title, labels, ann, &t);
		store_similar_incidents((const char *const *)t.v, t.n, f.service, id + 1,
					ANALYSIS_SIMILAR, s, &ns);
		lat[i] = bench_ms_since(&t0);
		analysis_terms_free(&t);
		cJSON_Delete(labels);
		cJSON_Delete(ann);
	}
	bench_sort(lat, LOOKUPS);

	cJSON *st = NULL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	store_stats(0, now_ms() + 1, &st);
	double stats_ms = bench_ms_since(&t0);
	cJSON_Delete(st);

	printf("similar-incident lookup over %d incidents (%d lookups, top %d, same resource "
	       "first):\n",
	       n, LOOKUPS, ANALYSIS_SIMILAR);
	printf("  p50 %.2f ms, p99 %.2f ms, max %.2f ms (aim: p99 < 10 ms)\n",
	       pct(lat, LOOKUPS, 50), pct(lat, LOOKUPS, 99), lat[LOOKUPS - 1]);
	printf(
	    "store on disk: %.1f MB for %d incidents = %.2f MB per 10,000 (with the FTS index)\n",
	    (double)bytes / 1e6, n, (double)bytes / 1e6 / ((double)n / 10000.0));
	printf("seeding %d incidents in one transaction: %.1f s\n", n, seed_ms / 1000);
	printf("stats over %d incidents (`healer stats 30d` with that many; /metrics reads only "
	       "the last 24 h): %.0f ms\n",
	       n, stats_ms);
	store_close();
	if (keep == NULL) {
		unlink(db);
		unlink(path);
		snprintf(path, sizeof(path), "%s-shm", db);
		unlink(path);
		rmdir(dir);
	}
	free(lat);
	return 0;
}
