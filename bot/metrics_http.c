/* metrics_http.c — GET /metrics: counters from the loop, store figures read on a worker through
 * a read-only connection, the process_* set and healer_build_info. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "engine.h"
#include "http_server.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "metrics_http.h"
#include "state.h"
#include "stats.h"
#include "store.h"
#include "util.h"
#include "version.h"

/*
 * A scrape never runs SQL on the loop thread: the handler defers, one worker job reads every
 * store figure inside one read snapshot (so healer_incidents and the healer_stats_* gauges
 * describe the same moment), and the loop then renders the counters around it. Scrapes that
 * arrive while a job is in flight wait for that job instead of starting another.
 */
#define MAX_WAITING 64

static uint64_t waiting[MAX_WAITING];
static size_t nwaiting;
static bool in_flight;

/* healer_incidents for every state of the table, 0 where there are none, so a series never
 * vanishes when its last incident moves on. */
static void
incident_lines(struct buf *out, const cJSON *by_state)
{
	metrics_gauge_header(out, "healer_incidents", "Incidents by state, all time");
	for (int s = 0; s < ST__COUNT; s++) {
		const char *name = state_name((enum incident_state)s);
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(by_state, name);
		char lab[48];

		snprintf(lab, sizeof(lab), "state=\"%s\"", name);
		metrics_line(out, "healer_incidents", lab, cJSON_IsNumber(n) ? n->valuedouble : 0);
	}
}

static void
snapshot_work(void *arg)
{
	struct buf *out = arg;
	cJSON *counts = NULL;

	if (store_reader_attach() != STORE_OK || store_read_begin() != STORE_OK) {
		buf_printf(out, "# store unavailable\n");
		return;
	}
	if (store_counts(&counts) == STORE_OK)
		incident_lines(out, cJSON_GetObjectItemCaseSensitive(counts, "incidents_by_state"));
	cJSON_Delete(counts);
	stats_metrics_lines(out, now_ms());
	store_read_end();
}

/* The process_* metrics Prometheus client libraries export, from /proc/self. */
static void
process_lines(struct buf *out)
{
	long tick = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	unsigned long utime = 0, stime = 0, vsize = 0;
	unsigned long long start = 0;
	long rss = 0, btime = 0;
	char line[1024], *p;
	struct rlimit rl;
	struct dirent *de;
	FILE *f;
	DIR *d;
	int fds = 0;

	if ((f = fopen("/proc/self/stat", "r")) != NULL) {
		/* the command name may hold spaces and parentheses: fields start after the last ')'
		 */
		if (fgets(line, sizeof(line), f) != NULL && (p = strrchr(line, ')')) != NULL)
			sscanf(
			    p + 2,
			    "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d %*d %*d "
			    "%*d %*d %llu %lu %ld",
			    &utime, &stime, &start, &vsize, &rss);
		fclose(f);
	}
	if ((f = fopen("/proc/stat", "r")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			if (sscanf(line, "btime %ld", &btime) == 1)
				break;
		fclose(f);
	}
	if ((d = opendir("/proc/self/fd")) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.')
				fds++;
		closedir(d);
		fds--; /* the directory stream's own descriptor */
	}
	metrics_gauge_header(out, "process_cpu_seconds_total",
			     "Total user and system CPU time spent in seconds.");
	buf_printf(out, "# TYPE process_cpu_seconds_total counter\n");
	metrics_line(out, "process_cpu_seconds_total", "", (double)(utime + stime) / (double)tick);
	metrics_gauge_header(out, "process_resident_memory_bytes",
			     "Resident memory size in bytes.");
	metrics_line(out, "process_resident_memory_bytes", "", (double)rss * (double)page);
	metrics_gauge_header(out, "process_virtual_memory_bytes", "Virtual memory size in bytes.");
	metrics_line(out, "process_virtual_memory_bytes", "", (double)vsize);
	metrics_gauge_header(out, "process_open_fds", "Number of open file descriptors.");
	metrics_line(out, "process_open_fds", "", fds);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		metrics_gauge_header(out, "process_max_fds",
				     "Maximum number of open file descriptors.");
		metrics_line(out, "process_max_fds", "", (double)rl.rlim_cur);
	}
	metrics_gauge_header(out, "process_start_time_seconds",
			     "Start time of the process since unix epoch in seconds.");
	metrics_line(out, "process_start_time_seconds", "",
		     (double)btime + (double)start / (double)tick);
	metrics_gauge_header(out, "healer_build_info", "The running healer's version (always 1).");
	metrics_line(out, "healer_build_info", "version=\"" HEALER_VERSION "\"", 1);
	metrics_gauge_header(out, "healer_autopilot_enabled",
			     "The kill switch (1 = autopilot may run).");
	metrics_line(out, "healer_autopilot_enabled", "", engine_autopilot_enabled() ? 1 : 0);
}

static void
snapshot_done(void *arg, enum work_status status)
{
	struct buf *snap = arg, page;
	char *counters;

	if (status == WORK_CANCELLED) { /* shutting down: the scrapes go with the server */
		buf_free(snap);
		free(snap);
		return;
	}
	counters = metrics_render();

	buf_init(&page, 0);
	buf_append(&page, counters, strlen(counters));
	free(counters);
	buf_append(&page, snap->data ? snap->data : "", snap->len);
	process_lines(&page);
	buf_free(snap);
	free(snap);
	in_flight = false;
	for (size_t i = 0; i + 1 < nwaiting; i++)
		http_respond_later(waiting[i], 200, "text/plain; version=0.0.4; charset=utf-8",
				   xstrdup(page.data));
	if (nwaiting > 0)
		http_respond_later(waiting[nwaiting - 1], 200,
				   "text/plain; version=0.0.4; charset=utf-8", buf_steal(&page));
	nwaiting = 0;
	buf_free(&page);
}

static enum http_handled
metrics_handler(const struct http_request *req, struct http_response *resp, void *ctx)
{
	struct buf *snap;

	(void)ctx;
	if (nwaiting == MAX_WAITING) {
		resp->status = 503;
		resp->body = http_json_error("too many scrapes at once; retry");
		return HTTP_DONE;
	}
	waiting[nwaiting++] = req->id;
	if (in_flight)
		return HTTP_DEFERRED;
	in_flight = true;
	snap = xcalloc(1, sizeof(*snap));
	buf_init(snap, 4 * 1024 * 1024);
	work_submit(WORK_IO, snapshot_work, snapshot_done, snap);
	return HTTP_DEFERRED;
}

void
metrics_http_register(void)
{
	http_route("/metrics", "GET", metrics_handler, NULL);
}
