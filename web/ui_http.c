/* ui_http.c — the /ui/ routes: pages read on a WORK_IO worker through the read-only store
 * connection, actions as POST forms run on the loop through the chat command execution
 * (the same engine verbs, click-time policy checks and audit as Slack and Teams). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "log.h"
#include "loop.h"
#include "stats.h"
#include "store.h"
#include "ui.h"
#include "ui_auth.h"
#include "ui_origin.h"
#include "util.h"
#include "web.h"

#define PAGE_SIZE 50
#define MAX_JOBS 32 /* pages being read at once; more get 503 */
#define FIELD_MAX 512

enum page_kind { PAGE_LIST, PAGE_INCIDENT, PAGE_DASHBOARD };

/* One page read on a worker. Everything it needs is copied: the request is gone by then. */
struct page_job {
	uint64_t req_id;
	enum page_kind kind;
	struct ui_who who;
	int64_t incident_id;
	struct ui_list_query q;
	char window[8];
	int status;
	char *html;
};

static int jobs_in_flight;

/* ---- the worker side: read in one snapshot, render, hand back ---- */

static char *
read_list(struct page_job *j, const struct ui_ctx *c)
{
	struct store_incident_filter f = {j->q.state, j->q.severity, j->q.source};
	cJSON *rows = NULL;
	bool more = false;
	char *html;

	if (store_incident_page(&f, j->q.offset, PAGE_SIZE, &rows, &more) != STORE_OK)
		return NULL;
	html = ui_list_html(c, rows, more, &j->q);
	cJSON_Delete(rows);
	return html;
}

static char *
read_incident(struct page_job *j, const struct ui_ctx *c)
{
	cJSON *view = engine_incident_view(j->incident_id);
	char *html, msg[64];

	if (view == NULL) {
		snprintf(msg, sizeof(msg), "INC-%lld does not exist.", (long long)j->incident_id);
		j->status = 404;
		return ui_message_page(c, "Not found", msg, "/ui/", "All incidents");
	}
	html = ui_incident_html(c, view);
	cJSON_Delete(view);
	return html;
}

/*
 * The figures of a window take a scan of its incidents (0.15 s for 10,000 on two busy cores):
 * computed at most once per DASH_TTL_MS per window and shared by the workers, so a dashboard
 * left open by several people costs one scan, and a page renders in about a millisecond.
 */
#define DASH_TTL_MS 30000

static pthread_mutex_t dash_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char window[8];
	cJSON *figures; /* owned; NULL until computed */
	int64_t at;
} dash_cache[3];

cJSON *
ui_dashboard_figures(const char *window, int64_t now)
{
	cJSON *stats = NULL, *detect = NULL, *copy = NULL;
	int64_t span = 0;
	size_t i, slot = 0;

	pthread_mutex_lock(&dash_mu);
	for (i = 0; i < ARRAY_LEN(dash_cache); i++) {
		if (strcmp(dash_cache[i].window, window) == 0 && dash_cache[i].figures &&
		    now - dash_cache[i].at < DASH_TTL_MS)
			copy = cJSON_Duplicate(dash_cache[i].figures, true);
		if (strcmp(dash_cache[i].window, window) == 0 || dash_cache[i].window[0] == '\0')
			slot = i;
	}
	pthread_mutex_unlock(&dash_mu);
	if (copy != NULL)
		return copy;
	stats_window_parse(window, &span);
	if (store_stats(now - span, now + 1, &stats) != STORE_OK ||
	    store_detect_summary(now - span, now + 1, &detect) != STORE_OK) {
		cJSON_Delete(stats);
		return NULL;
	}
	cJSON_AddItemToObject(stats, "time_to_detect_s", detect);
	pthread_mutex_lock(&dash_mu);
	cJSON_Delete(dash_cache[slot].figures);
	snprintf(dash_cache[slot].window, sizeof(dash_cache[slot].window), "%s", window);
	dash_cache[slot].figures = cJSON_Duplicate(stats, true);
	dash_cache[slot].at = now;
	pthread_mutex_unlock(&dash_mu);
	return stats;
}

static char *
read_dashboard(struct page_job *j, const struct ui_ctx *c)
{
	cJSON *stats = ui_dashboard_figures(j->window, c->now);
	char *html;

	if (stats == NULL)
		return NULL;
	html = ui_dashboard_html(c, stats, j->window);
	cJSON_Delete(stats);
	return html;
}

static void
page_work(void *arg)
{
	static char *(*const readers[])(struct page_job *, const struct ui_ctx *) = {
	    [PAGE_LIST] = read_list,
	    [PAGE_INCIDENT] = read_incident,
	    [PAGE_DASHBOARD] = read_dashboard,
	};
	struct page_job *j = arg;
	struct ui_ctx c = {j->who.user, j->who.csrf, now_ms()};

	j->status = 200;
	if (store_reader_attach() != STORE_OK || store_read_begin() != STORE_OK) {
		j->status = 503;
		return;
	}
	if (ui_auth_revoked(&j->who)) {
		j->status = 303; /* signed out meanwhile */
	} else if ((j->html = readers[j->kind](j, &c)) == NULL) {
		j->status = 503;
	}
	store_read_end();
}

static void
page_done(void *arg, enum work_status status)
{
	struct page_job *j = arg;
	struct http_response resp = {0};

	jobs_in_flight--;
	if (status == WORK_CANCELLED) { /* shutting down: the request goes with the server */
		free(j->html);
		free(j);
		return;
	}
	if (j->status == 303)
		web_redirect(&resp, "/ui/login");
	else if (j->html == NULL)
		web_error_page(&resp, 503, "Not available",
			       "The store could not be read just now; reload in a moment.");
	else
		web_html_response(&resp, j->status, j->html);
	j->html = NULL;
	http_respond_later_resp(j->req_id, &resp);
	free(j->html);
	free(j);
}

static enum http_handled
page_submit(const struct http_request *req, struct http_response *resp, struct page_job *j)
{
	if (jobs_in_flight >= MAX_JOBS) {
		free(j);
		web_error_page(resp, 503, "Busy", "Too many pages are being read; retry.");
		return HTTP_DONE;
	}
	jobs_in_flight++;
	j->req_id = req->id;
	work_submit(WORK_IO, page_work, page_done, j);
	return HTTP_DEFERRED;
}

/* ---- GET pages ---- */

/* A query field checked against what it may hold; a bad value is a 400, never SQL. */
static int
query_field(const struct http_request *req, const char *name, char *out, size_t outlen)
{
	int rc = http_form_get(req->query ? req->query : "", name, out, outlen);

	if (rc == -1)
		out[0] = '\0';
	if (rc == -2)
		return -1;
	for (const char *p = out; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return -1;
	return 0;
}

static enum http_handled
get_list(const struct http_request *req, struct http_response *resp, const struct ui_who *who,
	 int64_t id)
{
	struct page_job *j = xcalloc(1, sizeof(*j));
	char offset[16];

	(void)id;
	j->kind = PAGE_LIST;
	j->who = *who;
	if (query_field(req, "state", j->q.state, sizeof(j->q.state)) != 0 ||
	    query_field(req, "severity", j->q.severity, sizeof(j->q.severity)) != 0 ||
	    query_field(req, "source", j->q.source, sizeof(j->q.source)) != 0 ||
	    query_field(req, "offset", offset, sizeof(offset)) != 0) {
		free(j);
		web_error_page(resp, 400, "Bad filter",
			       "state, severity and source take names from the lists; offset a "
			       "number.");
		return HTTP_DONE;
	}
	if (j->q.state[0] == '\0')
		snprintf(j->q.state, sizeof(j->q.state), "open");
	j->q.offset = offset[0] ? atoi(offset) : 0;
	if (j->q.offset < 0 || j->q.offset > 10000000)
		j->q.offset = 0;
	return page_submit(req, resp, j);
}

static enum http_handled
get_incident(const struct http_request *req, struct http_response *resp, const struct ui_who *who,
	     int64_t id)
{
	struct page_job *j = xcalloc(1, sizeof(*j));

	j->kind = PAGE_INCIDENT;
	j->who = *who;
	j->incident_id = id;
	return page_submit(req, resp, j);
}

static enum http_handled
get_dashboard(const struct http_request *req, struct http_response *resp, const struct ui_who *who,
	      int64_t id)
{
	struct page_job *j = xcalloc(1, sizeof(*j));
	int64_t span;

	(void)id;
	j->kind = PAGE_DASHBOARD;
	j->who = *who;
	if (query_field(req, "window", j->window, sizeof(j->window)) != 0 ||
	    (j->window[0] && stats_window_parse(j->window, &span) != 0)) {
		free(j);
		web_error_page(resp, 400, "Bad window", "window is 24h, 7d or 30d.");
		return HTTP_DONE;
	}
	if (j->window[0] == '\0')
		snprintf(j->window, sizeof(j->window), "24h");
	return page_submit(req, resp, j);
}

/* ---- POST actions: loop thread, through the chat command execution ---- */

static const struct {
	const char *name;
	enum command_verb verb;
} verbs[] = {
    {"approve", CMD_APPROVE}, {"reject", CMD_REJECT}, {"dryrun", CMD_DRYRUN},
    {"ack", CMD_ACK},	      {"close", CMD_CLOSE},
};

static enum http_handled
post_action(const struct http_request *req, struct http_response *resp, const struct ui_who *who,
	    int64_t id, const char *verb)
{
	struct ui_ctx c = {who->user, who->csrf, now_ms()};
	struct command cmd;
	struct command_reply r;
	char back[64], field[FIELD_MAX], why[160];
	size_t i;

	memset(&cmd, 0, sizeof(cmd));
	for (i = 0; i < ARRAY_LEN(verbs) && strcmp(verbs[i].name, verb) != 0; i++)
		;
	if (i == ARRAY_LEN(verbs)) {
		web_error_page(resp, 404, "Not found", "No such action.");
		return HTTP_DONE;
	}
	snprintf(back, sizeof(back), "/ui/incidents/%lld", (long long)id);
	if (http_form_get(req->body, "csrf", field, sizeof(field)) != 0 ||
	    !ui_auth_csrf_ok(who, field)) {
		snprintf(why, sizeof(why), "%s refused: the form's CSRF token is missing or wrong",
			 verb);
		ui_auth_audit(who->user, id, "web.refused", why);
		resp->status = 403;
		web_html_response(resp, 403,
				  ui_message_page(&c, "Refused",
						  "The form's security token is missing or wrong: "
						  "reload the incident page and try again.",
						  back, "Back to the incident"));
		return HTTP_DONE;
	}
	cmd.verb = verbs[i].verb;
	cmd.incident_id = id;
	/* what the page showed, so a stale page is refused like a stale card */
	if (http_form_get(req->body, "version", field, sizeof(field)) == 0)
		cmd.card.version = atoi(field);
	if (http_form_get(req->body, "action_id", field, sizeof(field)) == 0)
		cmd.card.action_id = strtoll(field, NULL, 10);
	if (http_form_get(req->body, "state", field, sizeof(field)) == 0)
		snprintf(cmd.card.state, sizeof(cmd.card.state), "%.23s", field);
	if (cmd.verb == CMD_REJECT &&
	    (http_form_get(req->body, "reason", cmd.text, sizeof(cmd.text)) != 0 ||
	     cmd.text[0] == '\0')) {
		web_html_response(resp, 400,
				  ui_message_page(&c, "Reason needed",
						  "A rejection needs a reason (at most 511 bytes).",
						  back, "Back to the incident"));
		return HTTP_DONE;
	}
	command_execute(&cmd, who->user, &r);
	if (r.ok && cmd.verb != CMD_DRYRUN) {
		web_redirect(resp, back);
	} else {
		web_html_response(resp, r.ok ? 200 : 409,
				  ui_message_page(&c, r.ok ? "Dry run" : "Refused", r.text, back,
						  "Back to the incident"));
	}
	command_reply_free(&r);
	return HTTP_DONE;
}

/* ---- routing ---- */

static enum http_handled
static_file(struct http_response *resp, const char *name)
{
	if (strcmp(name, "ui.css") == 0) {
		resp->content_type = "text/css; charset=utf-8";
		resp->body = xstrdup(ui_css());
	} else if (strcmp(name, "ui.js") == 0) {
		resp->content_type = "text/javascript; charset=utf-8";
		resp->body = xstrdup(ui_js());
	} else {
		web_error_page(resp, 404, "Not found", "No such file.");
		return HTTP_DONE;
	}
	resp->status = 200;
	return HTTP_DONE;
}

typedef enum http_handled (*page_fn)(const struct http_request *, struct http_response *,
				     const struct ui_who *, int64_t);

/* "/ui/incidents/12" → 12 and rest "" ; "/ui/incidents/12/approve" → rest "approve" */
static int64_t
path_id(const char *p, const char **rest)
{
	char *end;
	long long id;

	if (*p < '1' || *p > '9')
		return 0;
	id = strtoll(p, &end, 10);
	if (*end != '\0' && *end != '/')
		return 0;
	*rest = *end == '/' ? end + 1 : end;
	return id;
}

static enum http_handled
ui_handler(const struct http_request *req, struct http_response *resp, void *ctx)
{
	static const struct {
		const char *path;
		page_fn fn;
	} pages[] = {
	    {"/ui/", get_list},
	    {"/ui/dashboard", get_dashboard},
	};
	const char *p = req->path, *rest = "";
	bool post = strcmp(req->method, "POST") == 0;
	struct ui_who who;
	int64_t id = 0;
	bool ours = false;

	(void)ctx;
	/* every form of the UI posts to its own origin; a browser says when one does not */
	if (post && !ui_origin_request_ok(req)) {
		web_error_page(resp, 403, "Refused",
			       "This form was posted from another site; nothing was changed.");
		return HTTP_DONE;
	}
	if (strncmp(p, "/ui/static/", 11) == 0)
		return post ? (web_error_page(resp, 405, "Method not allowed", "GET only."),
			       HTTP_DONE)
			    : static_file(resp, p + 11);
	if (ui_auth_route(req, resp))
		return HTTP_DONE; /* the sign-in pages */
	/* an address that is no page is a 404 for everyone, signed in or not */
	if (strncmp(p, "/ui/incidents/", 14) == 0)
		ours = (id = path_id(p + 14, &rest)) > 0 && strchr(rest, '/') == NULL;
	for (size_t i = 0; i < ARRAY_LEN(pages); i++)
		ours = ours || strcmp(p, pages[i].path) == 0;
	if (!ours) {
		web_error_page(resp, 404, "Not found", "No such page.");
		return HTTP_DONE;
	}
	if (ui_auth(req, &who) != 0) {
		if (post) {
			web_error_page(resp, 403, "Sign in first",
				       "This action needs a signed-in session.");
		} else if (strcmp(p, "/ui/") != 0 && ui_next_ok(p)) {
			/* a link from a chat card: back to it once signed in */
			char login[UI_NEXT_MAX + 32];
			snprintf(login, sizeof(login), "/ui/login?next=%s", p);
			web_redirect(resp, login);
		} else {
			web_redirect(resp, "/ui/login");
		}
		return HTTP_DONE;
	}
	if (post) {
		if (id > 0 && *rest != '\0') {
			if (ui_auth_revoked(&who)) {
				web_error_page(resp, 403, "Sign in first",
					       "This session was signed out.");
				return HTTP_DONE;
			}
			return post_action(req, resp, &who, id, rest);
		}
		web_error_page(resp, 405, "Method not allowed",
			       "Only the action forms of an incident take POST.");
		return HTTP_DONE;
	}
	if (id > 0 && *rest == '\0')
		return get_incident(req, resp, &who, id);
	if (id > 0) { /* an action's address: a GET never acts */
		web_error_page(resp, 405, "Method not allowed",
			       "Actions are POST forms on the incident page.");
		return HTTP_DONE;
	}
	for (size_t i = 0; i < ARRAY_LEN(pages); i++)
		if (strcmp(p, pages[i].path) == 0)
			return pages[i].fn(req, resp, &who, 0);
	web_error_page(resp, 404, "Not found", "No such page.");
	return HTTP_DONE;
}

static enum http_handled
ui_root(const struct http_request *req, struct http_response *resp, void *ctx)
{
	(void)req;
	(void)ctx;
	web_redirect(resp, "/ui/");
	return HTTP_DONE;
}

void
ui_http_register(void)
{
	http_route("/ui", "GET", ui_root, NULL);
	http_route("/ui/*", "GET, POST", ui_handler, NULL);
}
