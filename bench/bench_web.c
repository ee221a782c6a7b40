/* bench_web.c — the web UI's render cost with 10,000 incidents in the store: one incident
 * page (the completed view + HTML), the first page of the list, and the dashboard over 24 h,
 * 7 d and 30 d (store_stats + time to detect + SVG). Each is what a WORK_IO worker does per
 * request. Prints median and p99. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "ingest.h"
#include "policy.h"
#include "store.h"
#include "ui.h"
#include "util.h"
#include "bench_util.h"

#define DAY_MS 86400000LL

static void
report(const char *what, double *v, size_t n, size_t bytes)
{
	bench_sort(v, n);
	printf("%-34s median %7.2f ms   p99 %7.2f ms   (%zu renders, %zu bytes)\n", what, v[n / 2],
	       v[n * 99 / 100], n, bytes);
}

/* n incidents over 30 days: each with an action, a diagnostic's output, an approval and a
 * few timeline rows; every third one resolved. */
static void
seed(int n)
{
	static const char *const sev[] = {"sev1", "sev2", "sev3", "sev4"};
	static const char *const names[] = {"ServiceDown",  "DiskFull",	 "HighLatency",
					    "CertExpiring", "OOMKilled", "NodeNotReady"};
	int64_t now = now_ms(), id, step;
	struct alert a;
	char fp[32], dk[32], title[96];

	memset(&a, 0, sizeof(a));
	a.source = SRC_ALERTMANAGER;
	a.resource = (char *)"api";
	a.annotations = cJSON_CreateObject();
	store_begin();
	for (int i = 0; i < n; i++) {
		snprintf(fp, sizeof(fp), "fp-%d", i);
		snprintf(dk, sizeof(dk), "d-%d", i);
		snprintf(title, sizeof(title), "%s api on web-%d", names[i % 6], i % 40);
		a.fingerprint = fp;
		a.dedup_key = dk;
		a.title = title;
		a.severity = (char *)sev[i % 4];
		a.labels = cJSON_CreateObject();
		cJSON_AddStringToObject(a.labels, "alertname", names[i % 6]);
		a.firing = true;
		a.starts_at_ms = now - (int64_t)(i % 30) * DAY_MS - 60000;
		store_incident_create(&a, NULL, &id);
		cJSON_Delete(a.labels);

		struct action ac = {0};
		ac.incident_id = id;
		ac.runbook_id = (char *)"restart-service";
		ac.params = cJSON_CreateObject();
		cJSON_AddStringToObject(ac.params, "service", "api");
		ac.cost_formula = (char *)"fixed $0.00";
		ac.risk_score = 30;
		snprintf(ac.risk_level, sizeof(ac.risk_level), "medium");
		ac.risk_reasons = cJSON_CreateArray();
		cJSON_AddItemToArray(ac.risk_reasons,
				     cJSON_CreateString("+30 runbook risk medium"));
		snprintf(ac.decision, sizeof(ac.decision), "approval");
		store_action_create(&ac);
		store_incident_set_action(id, ac.id);
		cJSON_Delete(ac.params);
		cJSON_Delete(ac.risk_reasons);
		store_step_start(ac.id, "diagnostic", 0, "recent logs", 1, &step);
		struct step_result r = {"ok", 0,    0,	   "line one\nline two\nline three\n",
					"",   NULL, false, 12};
		store_step_finish(step, &r);
		store_approval_add(ac.id, "email:alice@example.com", "admin", "approve", NULL);
		store_audit("healer", id, "incident.opened", "opened from alertmanager", NULL);
		store_audit("healer", id, "policy.decision", "needs 1 approval", NULL);
		store_audit("email:alice@example.com", id, "approval.granted", "approved", NULL);
		if (i % 3 == 0)
			store_incident_cas(id, "open", "resolved");
	}
	if (store_commit() != 0) {
		fprintf(stderr, "seeding failed\n");
		exit(1);
	}
	cJSON_Delete(a.annotations);
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10000, rounds = 200;
	char dir[] = "/tmp/healer-bench-web-XXXXXX", path[96];
	struct ui_ctx c = {"email:alice@example.com", "csrf", 0};
	struct runbook_set *rbs = xcalloc(1, sizeof(*rbs));
	struct policy *pol = xcalloc(1, sizeof(*pol));
	double *t = xcalloc((size_t)rounds, sizeof(*t));
	struct timespec t0;
	size_t bytes = 0;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/bench.db", dir);
	if (store_open(path) != 0)
		return 1;
	policy_defaults(pol);
	engine_init(rbs, pol);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	seed(n);
	printf("seeded %d incidents in %.1f s\n", n, bench_ms_since(&t0) / 1000);
	cJSON *probe = engine_incident_view(1);
	if (probe == NULL) {
		fprintf(stderr, "no view of INC-1\n");
		return 1;
	}
	cJSON_Delete(probe);
	c.now = now_ms();

	for (int i = 0; i < rounds; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		cJSON *v = engine_incident_view(1 + (i * 7919) % n);
		char *html = ui_incident_html(&c, v);
		t[i] = bench_ms_since(&t0);
		bytes = strlen(html);
		free(html);
		cJSON_Delete(v);
	}
	report("incident page", t, (size_t)rounds, bytes);

	for (int i = 0; i < rounds; i++) {
		struct store_incident_filter f = {"open", NULL, NULL};
		struct ui_list_query q = {"open", "", "", 0};
		cJSON *rows;
		bool more;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		store_incident_page(&f, 0, 50, &rows, &more);
		char *html = ui_list_html(&c, rows, more, &q);
		t[i] = bench_ms_since(&t0);
		bytes = strlen(html);
		free(html);
		cJSON_Delete(rows);
	}
	report("incident list (open, first 50)", t, (size_t)rounds, bytes);

	/* the figures themselves: a scan of the window's incidents, at most once per 30 s */
	static const struct {
		const char *name;
		int64_t span;
		int rounds;
	} windows[] = {{"24h", DAY_MS, 20}, {"7d", 7 * DAY_MS, 10}, {"30d", 30 * DAY_MS, 10}};
	for (size_t w = 0; w < sizeof(windows) / sizeof(windows[0]); w++) {
		char what[64];
		for (int i = 0; i < windows[w].rounds; i++) {
			cJSON *s = NULL, *d = NULL;
			clock_gettime(CLOCK_MONOTONIC, &t0);
			store_stats(c.now - windows[w].span, c.now + 1, &s);
			store_detect_summary(c.now - windows[w].span, c.now + 1, &d);
			t[i] = bench_ms_since(&t0);
			cJSON_Delete(s);
			cJSON_Delete(d);
		}
		snprintf(what, sizeof(what), "dashboard figures %s (uncached)", windows[w].name);
		report(what, t, (size_t)windows[w].rounds, 0);
	}
	/* what a request costs: the shared figures (computed by the first) and the page */
	for (size_t w = 0; w < sizeof(windows) / sizeof(windows[0]); w++) {
		char what[64];
		cJSON_Delete(ui_dashboard_figures(windows[w].name, c.now));
		for (int i = 0; i < rounds; i++) {
			clock_gettime(CLOCK_MONOTONIC, &t0);
			cJSON *s = ui_dashboard_figures(windows[w].name, c.now);
			char *html = ui_dashboard_html(&c, s, windows[w].name);
			t[i] = bench_ms_since(&t0);
			bytes = strlen(html);
			free(html);
			cJSON_Delete(s);
		}
		snprintf(what, sizeof(what), "dashboard page %s", windows[w].name);
		report(what, t, (size_t)rounds, bytes);
	}
	free(t);
	store_close();
	if (getenv("BENCH_WEB_KEEP") != NULL) { /* to look at the store afterwards */
		printf("store kept in %s\n", dir);
		return 0;
	}
	static const char *const files[] = {"bench.db", "bench.db-wal", "bench.db-shm"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
	return 0;
}
