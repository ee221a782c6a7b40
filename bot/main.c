/* main.c — the command line: a table of subcommands, `serve` (the daemon) by default. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "alerts_http.h"
#include "card_text.h"
#include "config.h"
#include "detect_csv.h"
#include "engine.h"
#include "http_server.h"
#include "httpc.h"
#include "log.h"
#include "logctx.h"
#include "loop.h"
#include "metrics_http.h"
#include "policy.h"
#include "runbook.h"
#include "store.h"
#include "ui.h"
#include "ui_auth.h"
#include "util.h"
#include "version.h"
#include "watch.h"


int stats_cli(int argc, char **argv); /* stats.c */

struct subcommand {
	const char *name, *sub; /* "incidents" "list" */
	int (*fn)(int argc, char **argv);
	const char *usage;
};

static bool
has_flag(int argc, char **argv, const char *flag)
{
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], flag) == 0)
			return true;
	return false;
}

static void
print_diags(const struct diag_list *d)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "%s\n", d->msgs[i]);
}

/* Loads runbooks and policy into the engine. A runbook with errors is left out; a policy
 * with errors is fatal for the daemon (*policy_errors), since every decision rests on it.
 * Returns the number of runbook problems. */
static int
load_engine(bool quiet, int *policy_errors)
{
	struct runbook_set *rbs = xcalloc(1, sizeof(*rbs));
	struct policy *pol = xcalloc(1, sizeof(*pol));
	struct diag_list d = {0}, pd = {0};
	int errors = runbook_load_dir(cfg.runbooks, rbs, &d);
	int perr = policy_load(cfg.policy, cfg.policy_explicit, pol, &pd);

	if (!quiet) {
		for (size_t i = 0; i < d.n; i++)
			log_warnx("%s", d.msgs[i]);
		for (size_t i = 0; i < pd.n; i++)
			log_errorx("%s", pd.msgs[i]);
	}
	if (policy_errors)
		*policy_errors = perr;
	diag_free(&d);
	diag_free(&pd);
	engine_init(rbs, pol);
	return errors;
}

/* watch.yaml: HEALER_WATCH (then it must exist), else ./watch.yaml if present. */
static const char *
watch_path(bool *must_exist)
{
	const char *p = config_get("HEALER_WATCH");

	*must_exist = p != NULL && *p != '\0';
	return *must_exist ? p : "./watch.yaml";
}

/* The log sources of the watch file. The daemon runs without log context when the file has
 * errors (they are logged); check-config prints them. Returns the number of errors. */
static int
load_logs(bool serve, const char **path)
{
	bool explicit_path;
	struct logs_config lc;
	struct diag_list d = {0};
	int errors;

	*path = logs_config_path(&explicit_path);
	errors = logs_config_load(*path, explicit_path, &lc, &d);
	for (size_t i = 0; i < d.n; i++) {
		if (serve)
			log_errorx("%s", d.msgs[i]);
		else
			fprintf(stderr, "%s\n", d.msgs[i]);
	}
	diag_free(&d);
	if (serve && errors)
		log_warnx("the watch file %s has %d problem(s): no log context for incidents",
			  *path, errors);
	else if (serve && lc.n > 0)
		log_info("%zu log source(s) from %s", lc.n, *path);
	if (serve)
		logctx_init(&lc);
	logs_config_free(&lc);
	return errors;
}

static int
open_store(void)
{
	if (store_open(cfg.db) != 0) {
		fprintf(stderr, "healer: cannot open the store %s\n", cfg.db);
		return -1;
	}
	return 0;
}

/* config_check findings in the daemon's log: serve runs on with the defaults. */
static void
log_finding(bool is_error, const char *msg, void *ctx)
{
	(void)ctx;
	if (is_error)
		log_errorx("configuration: %s", msg);
	else
		log_warnx("configuration: %s", msg);
}

/* One line per adapter: running, or why not (from the settings when it says nothing). */
static void
log_adapters(void)
{
	static const char *const names[] = {"console", "slack", "teams"};
	const char *const *on = chat_enabled();

	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		const char *why = config_adapter_off_reason(names[i]);
		bool running = false;

		for (size_t j = 0; on[j] != NULL; j++)
			running = running || strcmp(on[j], names[i]) == 0;
		if (running)
			log_info("%s: on", names[i]);
		else
			log_info("%s: off (%s)", names[i],
				 why != NULL ? why : "see the errors above");
	}
}

static void
on_signal(int sig)
{
	(void)sig;
	loop_stop();
}

static int
cmd_serve(int argc, char **argv)
{
	int port = 0, problems;

	(void)argc;
	(void)argv;
	int policy_errors = 0;
	struct http_limits limits = {cfg.http_max_conns, cfg.http_max_conns_per_peer,
				     cfg.http_idle_s};
	config_check(log_finding, NULL);
	problems = load_engine(false, &policy_errors);
	if (policy_errors) {
		log_errorx("the policy %s has %d problem(s): refusing to start", cfg.policy,
			   policy_errors);
		return 1;
	}
	config_check_mail_routes(engine_policy()->nmail_routes, log_finding, NULL);
	if (problems)
		log_warnx("%d runbook problem(s) above: those runbooks are not loaded", problems);
	bool watch_must;
	const char *wpath = watch_path(&watch_must);
	struct watch_conf watch = {0};
	struct diag_list wd = {0};
	int werr = watch_conf_load(wpath, watch_must, &watch, &wd);
	for (size_t i = 0; i < wd.n; i++)
		log_errorx("%s", wd.msgs[i]);
	diag_free(&wd);
	if (werr) {
		log_errorx("the watch rules %s have %d problem(s): refusing to start", wpath, werr);
		watch_conf_free(&watch);
		return 1;
	}
	log_info("%zu runbooks loaded from %s", engine_runbooks()->n, cfg.runbooks);
	const char *logs_path;
	load_logs(true, &logs_path);
	if (open_store() != 0)
		return 1;
	if (engine_correlate_start() != 0) {
		log_errorx("cannot build the correlation index in %s", cfg.db);
		return 1;
	}
	httpc_global_init();
	chat_prepare();
	if (loop_init() != 0) {
		log_errorx("cannot start the event loop");
		return 1;
	}
	chat_start();
	log_adapters();
	alerts_http_register();
	metrics_http_register();
	http_server_limits(&limits);
	ui_http_register();
	if (cfg.auth_proxy_header && http_capture_header(cfg.auth_proxy_header) != 0) {
		log_errorx("HEALER_AUTH_PROXY_HEADER \"%s\" is not a header name",
			   cfg.auth_proxy_header);
		return 1;
	}
	if (http_server_start(cfg.listen, &port) != 0) {
		log_errorx("cannot listen on %s", cfg.listen);
		return 1;
	}
	ui_login_listening(cfg.listen, port);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	engine_start();
	watch_start(&watch); /* owns the rules now */
	chat_kick();
	char host[128];
	snprintf(host, sizeof(host), "%s", cfg.listen);
	char *colon = strrchr(host, ':');
	if (colon)
		*colon = '\0';
	log_info("healer %s listening on %s:%d", HEALER_VERSION, host, port);
	loop_run();
	log_info("shutting down");
	engine_shutdown();
	chat_stop();
	loop_shutdown();
	watch_stop(); /* after the workers are joined: none still feeds a series */
	logctx_shutdown();
	store_close();
	httpc_global_cleanup();
	return 0;
}

static void
print_finding(bool is_error, const char *msg, void *ctx)
{
	(void)ctx;
	fprintf(stderr, "%s: %s\n", is_error ? "error" : "warning", msg);
}

static int
cmd_check_config(int argc, char **argv)
{
	struct runbook_set rbs = {0};
	struct policy pol;
	struct diag_list d = {0};
	int errors;

	(void)argc;
	(void)argv;
	errors = config_check(print_finding, NULL);
	errors += runbook_load_dir(cfg.runbooks, &rbs, &d);
	errors += policy_load(cfg.policy, cfg.policy_explicit, &pol, &d);
	errors += config_check_mail_routes(pol.nmail_routes, print_finding, NULL);
	bool watch_must;
	const char *wpath = watch_path(&watch_must);
	struct watch_conf watch;
	errors += watch_conf_load(wpath, watch_must, &watch, &d);
	size_t nwatch = watch.n;
	watch_conf_free(&watch);
	print_diags(&d);
	diag_free(&d);
	runbook_set_free(&rbs);
	policy_free(&pol);
	const char *logs_path;
	errors += load_logs(false, &logs_path);
	if (errors) {
		fprintf(stderr, "%d problem(s)\n", errors);
		return 1;
	}
	if (nwatch || watch_must)
		printf("configuration OK (%s, %s, %s: %zu watch rules)\n", cfg.runbooks,
		       cfg.policy, wpath, nwatch);
	else
		printf("configuration OK (%s, %s)\n", cfg.runbooks, cfg.policy);
	return 0;
}

static int
cmd_runbooks_validate(int argc, char **argv)
{
	struct runbook_set rbs = {0};
	struct diag_list d = {0};
	const char *dir = argc > 0 ? argv[0] : cfg.runbooks;
	int errors = runbook_load_dir(dir, &rbs, &d);

	print_diags(&d);
	for (size_t i = 0; i < rbs.n; i++)
		printf("ok  %-28s %s\n", rbs.v[i]->id, rbs.v[i]->file);
	diag_free(&d);
	runbook_set_free(&rbs);
	if (errors)
		fprintf(stderr, "%d problem(s)\n", errors);
	return errors ? 1 : 0;
}

static int
print_json(cJSON *j)
{
	char *s = cJSON_Print(j);

	puts(s);
	free(s);
	cJSON_Delete(j);
	return 0;
}

static int
cmd_incidents_list(int argc, char **argv)
{
	cJSON *list = NULL;

	if (open_store() != 0 || store_incident_list(has_flag(argc, argv, "--all"), 1000, &list))
		return 1;
	if (has_flag(argc, argv, "--json"))
		return print_json(list);
	char *t = card_text_list(list);
	fputs(t, stdout);
	free(t);
	cJSON_Delete(list);
	return 0;
}

static int
cmd_incidents_show(int argc, char **argv)
{
	int64_t id = 0;

	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];
		if (strncasecmp(s, "INC-", 4) == 0)
			s += 4;
		if (*s >= '0' && *s <= '9')
			id = strtoll(s, NULL, 10);
	}
	if (id <= 0) {
		fprintf(stderr, "usage: healer incidents show INC-N [--json]\n");
		return 2;
	}
	load_engine(true, NULL);
	if (open_store() != 0)
		return 1;
	cJSON *view = engine_incident_view(id);
	if (view == NULL) {
		fprintf(stderr, "healer: INC-%lld does not exist\n", (long long)id);
		return 1;
	}
	if (has_flag(argc, argv, "--json"))
		return print_json(view);
	char *t = card_text_render(view, 78, now_ms());
	fputs(t, stdout);
	free(t);
	cJSON_Delete(view);
	return 0;
}

static int
cmd_audit_verify(int argc, char **argv)
{
	int64_t rows = 0, bad = 0;
	char why[256];

	(void)argc;
	(void)argv;
	if (open_store() != 0)
		return 1;
	if (store_audit_verify(&rows, &bad, why, sizeof(why)) != 0) {
		printf("audit log TAMPERED: %s\n", why);
		return 1;
	}
	printf("audit log intact: %lld rows\n", (long long)rows);
	return 0;
}

static void
print_line(const char *line, void *ctx)
{
	(void)ctx;
	puts(line);
}

static int
cmd_audit_export(int argc, char **argv)
{
	int64_t since = 0;

	for (int i = 0; i + 1 < argc; i++)
		if (strcmp(argv[i], "--since") == 0 && time_parse_iso(argv[i + 1], &since) != 0) {
			int64_t ago;
			if (duration_parse(argv[i + 1], &ago) != 0) {
				fprintf(stderr, "healer: --since wants RFC 3339 time or a duration "
						"like 24h\n");
				return 2;
			}
			since = now_ms() - ago;
		}
	if (open_store() != 0)
		return 1;
	return store_audit_export(since, print_line, NULL) == 0 ? 0 : 1;
}

static int
cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("healer %s\n", HEALER_VERSION);
	return 0;
}

static const struct subcommand subcommands[] = {
	{"serve", NULL, cmd_serve, "serve                       run the daemon (default)"},
	{"check-config", NULL, cmd_check_config, "check-config                env, policy, runbooks, watch rules"},
	{"runbooks", "validate", cmd_runbooks_validate, "runbooks validate [DIR]     every error with file:line"},
	{"incidents", "list", cmd_incidents_list, "incidents list [--all] [--json]"},
	{"incidents", "show", cmd_incidents_show, "incidents show INC-N [--json]"},
	{"audit", "verify", cmd_audit_verify, "audit verify                prove the log untouched"},
	{"audit", "export", cmd_audit_export, "audit export [--since T]    JSON lines"},
	{"detect", "score", detect_cli_score, "detect score [--why] FILE   anomaly score (and reason) per row"},
	{"detect", "nab", detect_cli_nab, "detect nab [-v] DIR [RES]   NAB scores of the detector"},
	{"stats", NULL, stats_cli, "stats [24h|7d|30d] [--json]  how we are doing"},
	{"login-link", NULL, ui_login_link_cli, "login-link ADDRESS          a one-time web sign-in link"},
	{"version", NULL, cmd_version, "version"},
};

static int
usage(void)
{
	fprintf(stderr, "usage: healer <command>\n");
	for (size_t i = 0; i < ARRAY_LEN(subcommands); i++)
		fprintf(stderr, "  %s\n", subcommands[i].usage);
	return 2;
}

int
main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "serve";

	if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "help") == 0) {
		usage();
		return 0;
	}
	config_load();
	for (size_t i = 0; i < ARRAY_LEN(subcommands); i++) {
		const struct subcommand *s = &subcommands[i];
		if (strcmp(s->name, name) != 0)
			continue;
		if (s->sub == NULL)
			return s->fn(argc > 2 ? argc - 2 : 0, argv + 2);
		if (argc > 2 && strcmp(argv[2], s->sub) == 0)
			return s->fn(argc - 3, argv + 3);
	}
	fprintf(stderr, "healer: unknown command '%s'\n", name);
	return usage();
}
