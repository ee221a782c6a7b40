/* teams_keys.c — the Bot Framework signing keys: OpenID metadata → jwks_uri → JWKS, fetched on
 * a WORK_IO worker, kept in memory, refreshed daily and when a token names an unknown key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpc.h"
#include "log.h"
#include "metrics.h"
#include "teams.h"
#include "util.h"

#define REFRESH_EVERY_MS (24 * 3600 * 1000)
#define RETRY_AFTER_FAILURE_MS (60 * 1000)
/* Only requests that arrive before the first keys are loaded wait in numbers: once keys are
 * in hand an unknown kid gets one refetch per TEAMS_KEYS_MIN_REFRESH_MS window. */
#define WAITERS_MAX 16
#define DOC_MAX (256 * 1024)

struct waiter {
	loop_fn fn;
	void *arg;
};

/* One fetch, filled on the worker. */
struct fetch {
	char *openid_url;
	struct teams_jwks keys;
	bool ok;
	char err[256];
};

static struct teams_jwks *current;
static bool fetching, stopped;
static int64_t last_start;   /* mono ms of the last fetch started, 0 = never */
static int64_t last_unknown; /* mono ms an unknown kid was last let wait, 0 = never */
static uint64_t timer;
static struct waiter waiters[WAITERS_MAX];
static size_t nwaiters;

static void keys_fetch_start(void);

/* GET url into resp; -1 with err unless it answered 200. Worker thread. */
static int
get_doc(const char *url, struct httpc_resp *resp, char *err, size_t errlen)
{
	const char *headers[] = {"Accept: application/json", NULL};
	struct httpc_req req = {.url = url, .headers = headers, .max_response = DOC_MAX};

	if (httpc_perform(&req, resp) != 0) {
		snprintf(err, errlen, "%.100s: %.120s", url, resp->err);
		return -1;
	}
	if (resp->status != 200) {
		snprintf(err, errlen, "%.100s answered %ld", url, resp->status);
		return -1;
	}
	return 0;
}

static void
fetch_work(void *arg)
{
	struct fetch *f = arg;
	struct httpc_resp meta, jwks;
	cJSON *doc = NULL;

	memset(&jwks, 0, sizeof(jwks));
	if (get_doc(f->openid_url, &meta, f->err, sizeof(f->err)) != 0)
		goto out;
	doc = cJSON_ParseWithLength(meta.body, meta.body_len);
	const char *uri = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "jwks_uri"));
	/* metadata fetched over TLS must not send us to keys over plain HTTP */
	bool tls = strncmp(f->openid_url, "https://", 8) == 0;
	if (uri == NULL ||
	    (strncmp(uri, "https://", 8) != 0 && (tls || strncmp(uri, "http://", 7) != 0))) {
		snprintf(f->err, sizeof(f->err), "OpenID metadata has no %s jwks_uri",
			 tls ? "https" : "http(s)");
		goto out;
	}
	if (get_doc(uri, &jwks, f->err, sizeof(f->err)) != 0)
		goto out;
	f->ok = teams_jwks_parse(jwks.body, jwks.body_len, &f->keys, f->err, sizeof(f->err)) == 0;
out:
	cJSON_Delete(doc);
	httpc_resp_free(&meta);
	httpc_resp_free(&jwks);
}

static void
timer_fire(void *arg)
{
	(void)arg;
	timer = 0;
	if (!fetching)
		keys_fetch_start();
}

static void
fetch_done(void *arg, enum work_status status)
{
	struct fetch *f = arg;
	struct waiter w[WAITERS_MAX];
	size_t n = nwaiters;

	fetching = false;
	if (stopped || status == WORK_CANCELLED) {
		teams_jwks_free(&f->keys);
		goto out;
	}
	if (f->ok) {
		if (current == NULL)
			current = xcalloc(1, sizeof(*current));
		teams_jwks_free(current);
		*current = f->keys; /* owned by the cache now */
		log_info("teams: %zu Bot Framework signing keys loaded", current->n);
		metrics_inc("healer_teams_key_fetches_total", "Bot Framework key fetches",
			    "result=\"ok\"");
	} else {
		/* the keys we have stay in use: an outage must not lock every request out */
		log_warnx("teams: cannot fetch signing keys: %s", f->err);
		metrics_inc("healer_teams_key_fetches_total", "Bot Framework key fetches",
			    "result=\"failed\"");
	}
	if (timer)
		loop_timer_cancel(timer);
	timer = loop_timer_add(f->ok ? REFRESH_EVERY_MS : RETRY_AFTER_FAILURE_MS, timer_fire, NULL);
	/* waiters may ask again; they join a fresh list */
	memcpy(w, waiters, n * sizeof(w[0]));
	nwaiters = 0;
	for (size_t i = 0; i < n; i++)
		w[i].fn(w[i].arg);
out:
	free(f->openid_url);
	free(f);
}

static void
keys_fetch_start(void)
{
	struct fetch *f = xcalloc(1, sizeof(*f));

	f->openid_url = xstrdup(teams_cfg.openid_url);
	fetching = true;
	last_start = mono_ms();
	work_submit(WORK_IO, fetch_work, fetch_done, f);
}

void
teams_keys_start(void)
{
	stopped = false;
	keys_fetch_start();
}

void
teams_keys_stop(void)
{
	stopped = true;
	if (timer)
		loop_timer_cancel(timer);
	timer = 0;
	teams_jwks_free(current);
	free(current);
	current = NULL;
	nwaiters = 0;
	last_start = last_unknown = 0;
}

const struct teams_jwks *
teams_keys_current(void)
{
	return current;
}

static bool
recent(int64_t at, int64_t now)
{
	return at != 0 && now - at < TEAMS_KEYS_MIN_REFRESH_MS;
}

int
teams_keys_refresh(loop_fn fn, void *arg)
{
	int64_t now = mono_ms();

	if (nwaiters == WAITERS_MAX)
		return TEAMS_KEYS_BUSY;
	if (current != NULL) {
		/* Unauthenticated callers choose the kid: without this, each could park a request
		 * (and its body) and force a fetch. The keys are fresh enough to answer now. */
		if (recent(last_start, now) || recent(last_unknown, now))
			return TEAMS_KEYS_LIMITED;
		last_unknown = now;
	} else if (!fetching && recent(last_start, now)) {
		return TEAMS_KEYS_LIMITED;
	}
	waiters[nwaiters].fn = fn;
	waiters[nwaiters++].arg = arg;
	if (!fetching)
		keys_fetch_start();
	return 0;
}
