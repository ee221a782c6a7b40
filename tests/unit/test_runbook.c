/* test_runbook.c — runbook loading and validation (file:line messages), matching, parameter
 * binding and injection refusal, templating, and step descriptions. Run from the repo root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "runbook.h"

#define BAD "tests/data/runbooks/bad/"
#define GOOD "tests/data/runbooks/good/"

static char err[512];

static cJSON *
json(const char *text)
{
	cJSON *j = cJSON_Parse(text);

	assert_non_null(j);
	return j;
}

/* Removes the warnings ("file:line: warning: …") from d; returns how many there were. */
static size_t
drop_warnings(struct diag_list *d)
{
	size_t kept = 0, n = d->n;

	for (size_t i = 0; i < n; i++) {
		if (strstr(d->msgs[i], ": warning: ") != NULL)
			free(d->msgs[i]);
		else
			d->msgs[kept++] = d->msgs[i];
	}
	d->n = kept;
	return n - kept;
}

static struct runbook *
load_good(const char *path)
{
	struct diag_list d = {0};
	struct runbook *rb = NULL;

	assert_int_equal(runbook_load_file(path, &rb, &d), 0);
	drop_warnings(&d);
	assert_int_equal(d.n, 0);
	assert_non_null(rb);
	diag_free(&d);
	return rb;
}

static void
test_shipped_runbooks_validate(void **state)
{
	static const char *const ids[] = {"restart-service",	     "free-disk-space",
					  "aws-asg-scale-out",	     "aws-ec2-reboot-ssm",
					  "k8s-rollback-deployment", "flush-cache-http"};
	struct runbook_set s;
	struct diag_list d = {0};
	const struct runbook *rb;

	(void)state;
	assert_int_equal(runbook_load_dir("runbooks", &s, &d), 0);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "%s\n", d.msgs[i]);
	assert_int_equal(d.n, 0);
	/* runbooks/policy.yaml is the policy, not a runbook: skipped, no error */
	assert_int_equal(s.n, sizeof(ids) / sizeof(ids[0]));
	for (size_t i = 0; i < s.n; i++)
		assert_non_null(runbook_find(&s, ids[i]));

	rb = runbook_find(&s, "restart-service");
	assert_int_equal(rb->risk, RISK_LOW);
	assert_true(rb->idempotent);
	assert_string_equal(rb->file, "runbooks/restart-service.yaml");
	assert_int_equal(rb->steps[0].timeout_ms, 90000);
	assert_int_equal(rb->verify[1].kind, STEP_HTTP);
	assert_int_equal(rb->verify[1].http.expect_status, 200);

	rb = runbook_find(&s, "aws-asg-scale-out");
	assert_int_equal(rb->risk, RISK_MEDIUM);
	assert_true(rb->cost_hourly);
	assert_true(rb->usd_per_hour == 0.096);
	assert_true(rb->hours == 24);
	assert_string_equal(rb->quantity, "{{count}}");
	assert_int_equal(rb->verify[0].kind, STEP_ALERT_RESOLVED);
	assert_int_equal(rb->verify[0].wait_ms, 20 * 60000);

	rb = runbook_find(&s, "aws-ec2-reboot-ssm");
	assert_int_equal(rb->risk, RISK_HIGH);
	assert_false(rb->idempotent);
	rb = runbook_find(&s, "k8s-rollback-deployment");
	assert_false(rb->idempotent);
	assert_null(runbook_find(&s, "policy"));
	runbook_set_free(&s);
	diag_free(&d);
}

/* Each bad fixture has one problem; the message, with its line, is what the user reads. */
static const struct {
	const char *file, *msg;
} bad[] = {
    {"unknown-key-top.yaml",
     "3: unknown key 'tiemout' (allowed: id, title, description, match, params, risk, "
     "blast_radius, cost, idempotent, escalate, diagnostics, steps, verify, rollback)"},
    {"unknown-key-step.yaml", "6: steps[0]: unknown key 'tiemout' (allowed: name, exec, http, "
			      "wait, timeout, retries, backoff)"},
    {"unknown-key-param.yaml", "6: params.service: unknown key 'patern' (allowed: from, "
			       "pattern, required, default)"},
    {"unknown-key-http.yaml", "6: steps[0].http: unknown key 'status' (allowed: method, url, "
			      "headers, body, expect_status)"},
    {"alert-resolved-in-steps.yaml", "4: steps[0]: unknown key 'alert_resolved' (allowed: "
				     "name, exec, http, wait, timeout, retries, backoff)"},
    {"interval-in-steps.yaml", "5: steps[0]: unknown key 'interval' (allowed: name, exec, "
			       "http, wait, timeout, retries, backoff)"},
    {"wrong-type-blast-radius.yaml", "3: blast_radius: expected an integer, got 'many'"},
    {"wrong-type-steps.yaml", "3: steps: expected a list of steps, got a single value"},
    {"wrong-type-argv.yaml", "4: steps[0].exec[1]: expected a string, got a mapping"},
    {"bad-bool.yaml", "3: idempotent: expected true or false, got 'yes'"},
    {"bad-duration.yaml",
     "6: steps[0].timeout: bad duration '10x' (write e.g. 500ms, 30s, 5m, 1h30m)"},
    {"bad-wait.yaml", "4: steps[0].wait: must be more than 0 and at most 24h (got 0s)"},
    {"bad-risk.yaml", "3: risk: must be low, medium, high or critical (got 'extreme')"},
    {"bad-pattern.yaml", "4: params.service.pattern: '^[a-z$' does not compile: Unmatched [, "
			 "[^, [:, [., or [="},
    {"unanchored-pattern.yaml", "6: params.service.pattern: '[a-z]+' must be anchored as ^…$ "
				"so that the whole value is matched"},
    {"half-anchored-pattern.yaml", "4: params.price.pattern: '^[0-9]+\\$' must be anchored as "
				   "^…$ so that the whole value is matched"},
    {"bad-default.yaml", "4: params.pool.default: 'Pool 1' does not match ^[a-z]+$"},
    {"reserved-param.yaml", "4: params: 'incident' is reserved (the engine sets it)"},
    {"undeclared-param.yaml",
     "7: steps[0].exec[2]: {{svc}} is not a declared parameter (declared: service)"},
    {"undeclared-param-url.yaml",
     "4: steps[0].http.url: {{pool}} is not a declared parameter (declared: none)"},
    {"malformed-template.yaml",
     "6: steps[0].exec[2]: malformed placeholder at '{{ser vice}}' (write {{name}})"},
    {"no-kind.yaml", "4: steps[0]: needs one of exec, http or wait"},
    {"two-kinds.yaml", "4: steps[0]: has both exec and http; a step has exactly one kind"},
    {"empty-argv.yaml", "5: steps[0].exec: argv must not be empty"},
    {"argv0-template.yaml",
     "6: steps[0].exec[0]: the program must be literal, not a template ('{{cmd}}')"},
    {"duplicate-key.yaml", "5: duplicate key 'title'"},
    {"missing-id.yaml", "1: missing required key 'id'"},
    {"missing-title.yaml", "2: missing required key 'title'"},
    {"missing-steps.yaml", "1: missing required key 'steps'"},
    {"empty-steps.yaml", "3: steps: needs at least one step"},
    {"bad-id.yaml", "1: id: 'Restart_Service' must match ^[a-z0-9][a-z0-9-]{0,63}$"},
    {"bad-from.yaml", "4: params.service.from: must be labels.<name> or annotations.<name>, "
		      "not 'label.service'"},
    {"match-no-labels.yaml", "5: match[1]: needs labels: {name: value, …}"},
    {"match-empty-labels.yaml", "4: match[0].labels: needs 1 to 64 labels"},
    {"match-bad-regex.yaml", "4: match[0].labels.service: regular expression '^api-((' does "
			     "not compile: Unmatched ( or \\("},
    {"cost-both.yaml", "3: cost: has both usd and usd_per_hour; give one"},
    {"cost-negative.yaml", "4: cost.usd_per_hour: must not be negative (got -0.5)"},
    {"cost-quantity.yaml", "3: cost.quantity: expected a number, got 'many'"},
    {"blast-radius-zero.yaml", "3: blast_radius: must be between 1 and 100000 (got 0)"},
    {"expect-status.yaml",
     "8: verify[0].http.expect_status: must be between 100 and 599 (got 700)"},
    {"bad-url.yaml", "4: steps[0].http.url: must start with http://, https:// or a {{parameter}}"},
    {"bad-method.yaml", "4: steps[0].http.method: must be GET, HEAD, POST, PUT, PATCH or "
			"DELETE (got 'FETCH')"},
    {"anchor.yaml", "4: YAML anchors and aliases are not supported"},
    {"yaml-syntax.yaml", "5: YAML syntax: did not find expected ',' or ']' while parsing a "
			 "flow sequence that starts on line 4"},
    {"top-not-map.yaml", "1: the top level must be a mapping (id: …, title: …, steps: …)"},
    {"two-docs.yaml", "5: only one YAML document per file"},
    {"empty.yaml", "1: the file is empty"},
    {"json-syntax.json", "6: JSON syntax error near ']'"},
    /* cJSON keeps no positions: JSON problems are on line 1 and the path says where */
    {"json-invalid.json",
     "1: steps[0].timeout: bad duration '10x' (write e.g. 500ms, 30s, 5m, 1h30m)"},
};

static void
test_bad_fixtures(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct diag_list d = {0};
		struct runbook *rb = (struct runbook *)1;
		char path[200], want[600];

		snprintf(path, sizeof(path), BAD "%s", bad[i].file);
		snprintf(want, sizeof(want), "%s:%s", path, bad[i].msg);
		assert_int_equal(runbook_load_file(path, &rb, &d), 1);
		assert_null(rb);
		drop_warnings(&d);
		if (d.n != 1 || strcmp(d.msgs[0], want) != 0) {
			for (size_t j = 0; j < d.n; j++)
				fprintf(stderr, "got:  %s\n", d.msgs[j]);
			fprintf(stderr, "want: %s\n", want);
		}
		assert_int_equal(d.n, 1);
		assert_string_equal(d.msgs[0], want);
		diag_free(&d);
	}
}

static void
test_load_dir(void **state)
{
	struct runbook_set s;
	struct diag_list d = {0};

	(void)state;
	/* the bad directory: every file refused, one message each, nothing loaded */
	assert_int_equal(runbook_load_dir("tests/data/runbooks/bad", &s, &d),
			 (int)(sizeof(bad) / sizeof(bad[0])));
	assert_int_equal(s.n, 0);
	drop_warnings(&d);
	assert_int_equal(d.n, sizeof(bad) / sizeof(bad[0]));
	runbook_set_free(&s);
	diag_free(&d);

	/* policy.yaml and README.txt beside the runbooks are not runbooks; svc.yaml's `key`
	 * has no pattern: a warning that does not stop the file from loading */
	assert_int_equal(runbook_load_dir("tests/data/runbooks/good", &s, &d), 0);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.msgs[0],
			    "tests/data/runbooks/good/svc.yaml:13: warning: params.key: "
			    "no pattern: the default ^[A-Za-z0-9_@][A-Za-z0-9._@-]{0,127}$ "
			    "applies (no '/', '..', ':' or leading '-'); declare one");
	diag_free(&d);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.v[0]->id, "json-flush"); /* sorted by file name */
	assert_string_equal(s.v[1]->id, "svc-restart");
	runbook_set_free(&s);

	assert_int_equal(runbook_load_dir("tests/data/runbooks/dup", &s, &d), 1);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.msgs[0], "tests/data/runbooks/dup/b.yaml:2: id: duplicate id 'same' "
				       "(already used by tests/data/runbooks/dup/a.yaml)");
	assert_int_equal(s.n, 1);
	assert_string_equal(s.v[0]->title, "First");
	runbook_set_free(&s);
	diag_free(&d);

	assert_int_equal(runbook_load_dir("tests/data/runbooks/nope", &s, &d), 1);
	assert_string_equal(d.msgs[0], "tests/data/runbooks/nope: cannot open directory: No such "
				       "file or directory");
	runbook_set_free(&s);
	diag_free(&d);
}

static void
test_defaults_and_json(void **state)
{
	struct runbook *rb = load_good(GOOD "svc.yaml");

	(void)state;
	assert_string_equal(rb->description, "");
	assert_int_equal(rb->risk,
			 RISK_MEDIUM); /* unstated: not low, so never autopilot by default */
	assert_int_equal(rb->blast_radius, 1);
	assert_false(rb->idempotent);
	assert_true(rb->cost_hourly);
	assert_true(rb->hours == 1);
	assert_int_equal(rb->nsteps, 5);
	/* step defaults */
	assert_string_equal(rb->steps[0].name, "systemctl restart {{ service }}");
	assert_int_equal(rb->steps[0].timeout_ms, 30000);
	assert_int_equal(rb->steps[0].retries, 0);
	assert_int_equal(rb->steps[0].backoff_ms, 1000);
	assert_int_equal(rb->steps[0].interval_ms, 2000);
	assert_int_equal(rb->steps[0].line, 16);
	assert_int_equal(rb->steps[1].timeout_ms, 5000);
	assert_int_equal(rb->steps[1].retries, 3);
	assert_int_equal(rb->steps[1].backoff_ms, 500);
	assert_string_equal(rb->steps[2].http.method, "POST");
	assert_int_equal(rb->steps[2].http.nheaders, 2);
	assert_string_equal(rb->steps[2].http.headers[0], "Content-Type: application/json");
	assert_int_equal(rb->steps[2].http.expect_status, 0);
	assert_int_equal(rb->steps[3].kind, STEP_WAIT);
	assert_int_equal(rb->steps[3].wait_ms, 5000);
	assert_string_equal(rb->verify[0].http.method, "GET");
	assert_int_equal(rb->verify[0].retries, 5);
	assert_int_equal(rb->verify[0].interval_ms, 3000);
	assert_int_equal(rb->verify[1].kind, STEP_ALERT_RESOLVED);
	assert_int_equal(rb->verify[1].wait_ms, 300000);
	assert_string_equal(rb->params[5].pattern, "^[A-Za-z0-9_@][A-Za-z0-9._@-]{0,127}$");
	assert_true(rb->params[5].default_pattern);
	assert_false(rb->params[4].default_pattern);
	assert_false(rb->params[5].required);
	runbook_free(rb);

	rb = load_good(GOOD "cache.json");
	assert_string_equal(rb->id, "json-flush");
	assert_int_equal(rb->risk, RISK_HIGH);
	assert_int_equal(rb->blast_radius, 2);
	assert_false(rb->cost_hourly);
	assert_true(rb->cost_usd == 1.5);
	assert_true(rb->idempotent);
	assert_int_equal(rb->steps[0].http.expect_status, 204);
	assert_int_equal(rb->steps[0].timeout_ms, 10000);
	assert_int_equal(rb->nrollback, 0);
	runbook_free(rb);

	assert_string_equal(risk_level_name(RISK_CRITICAL), "critical");
	assert_int_equal(risk_level_from_name("high"), RISK_HIGH);
	assert_int_equal(risk_level_from_name("extreme"), -1);
}

static void
test_matching(void **state)
{
	struct runbook *rb = load_good(GOOD "svc.yaml");
	static const struct {
		const char *labels;
		bool match;
	} cases[] = {
	    {"{\"alertname\":\"ServiceDown\",\"service\":\"nginx\"}", true},   /* literal */
	    {"{\"alertname\":\"ServiceDown\"}", true},			       /* rule 1 only */
	    {"{\"alertname\":\"HighCPU\",\"service\":\"api-gateway\"}", true}, /* regex */
	    {"{\"alertname\":\"HighCPU\",\"service\":\"web\"}", false},	       /* regex misses */
	    {"{\"alertname\":\"HighCPU\"}", false},			       /* label missing */
	    {"{\"alertname\":\"HighCPU\",\"service\":7}", false},	       /* not a string */
	    {"{\"alertname\":\"servicedown\"}", false}, /* literal is exact */
	    {"{\"alertname\":\"ServiceDownX\"}", false},
	    {"{}", false},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *l = json(cases[i].labels);

		if (runbook_matches(rb, l) != cases[i].match)
			fail_msg("labels %s: expected %s", cases[i].labels,
				 cases[i].match ? "a match" : "no match");
		cJSON_Delete(l);
	}
	assert_false(runbook_matches(rb, NULL));
	runbook_free(rb);
}

/* Binds svc.yaml's parameters; returns 0/-1 and leaves the error in err. */
static int
bind(const struct runbook *rb, const char *labels, const char *ann, const char *over,
     cJSON **params)
{
	cJSON *l = labels ? json(labels) : NULL, *a = ann ? json(ann) : NULL;
	cJSON *o = over ? json(over) : NULL;
	int rc;

	err[0] = '\0';
	rc = runbook_bind_params(rb, l, a, o, params, err, sizeof(err));
	cJSON_Delete(l);
	cJSON_Delete(a);
	cJSON_Delete(o);
	return rc;
}

static const char *
param(const cJSON *p, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, name));
}

static void
test_binding(void **state)
{
	struct runbook *rb = load_good(GOOD "svc.yaml");
	cJSON *p;

	(void)state;
	assert_int_equal(bind(rb, "{\"service\":\"nginx\"}",
			      "{\"health_url\":\"http://127.0.0.1:80/health\"}", NULL, &p),
			 0);
	assert_string_equal(param(p, "service"), "nginx");		    /* from labels */
	assert_string_equal(param(p, "url"), "http://127.0.0.1:80/health"); /* annotations */
	assert_string_equal(param(p, "mode"), "api");			    /* default */
	assert_null(param(p, "note"));					    /* optional, unset */
	cJSON_Delete(p);

	/* the command line wins over the alert */
	assert_int_equal(bind(rb, "{\"service\":\"nginx\"}", NULL,
			      "{\"service\":\"api-gw\",\"mode\":\"web\"}", &p),
			 0);
	assert_string_equal(param(p, "service"), "api-gw");
	assert_string_equal(param(p, "mode"), "web");
	cJSON_Delete(p);

	p = (cJSON *)1;
	assert_int_equal(bind(rb, "{\"alertname\":\"ServiceDown\"}", NULL, NULL, &p), -1);
	assert_null(p);
	assert_string_equal(err, "parameter 'service': required, but labels.service is not set");
	assert_int_equal(bind(rb, "{\"service\":\"Nginx\"}", NULL, NULL, &p), -1);
	assert_string_equal(
	    err, "parameter 'service': value does not match ^[a-z0-9][a-z0-9@._-]{0,63}$");
	assert_int_equal(bind(rb, "{\"service\":\"nginx\"}", NULL, "{\"servce\":\"x\"}", &p), -1);
	assert_string_equal(err, "unknown parameter 'servce' (this runbook takes: service, url, "
				 "mode, note, loose, key, count)");
	assert_int_equal(bind(rb, "{\"service\":\"nginx\"}", NULL, "{\"count\":3}", &p), -1);
	assert_string_equal(err, "parameter 'count': value must be a string");

	/* "^web|api$" is compiled as ^(web|api)$: each alternative is anchored both ends */
	assert_int_equal(bind(rb, "{\"service\":\"nginx\"}", NULL, "{\"mode\":\"webx\"}", &p), -1);
	assert_string_equal(err, "parameter 'mode': value does not match ^web|api$");
	assert_int_equal(bind(rb, "{\"service\":\"nginx\"}", NULL, "{\"mode\":\"x; api\"}", &p),
			 -1);
	runbook_free(rb);

	rb = load_good(GOOD "cache.json");
	assert_int_equal(bind(rb, NULL, NULL, NULL, &p), -1);
	assert_string_equal(err, "parameter 'pool': required, but labels.pool is not set");
	runbook_free(rb);
}

static void
test_injection_refused(void **state)
{
	static const char *const attempts[] = {
	    "x; rm -rf /", "$(id)", "`id`", "api\nrm -rf /", "../../etc/passwd", "a b",
	    "nginx|sh",	   "-rf",   ""};
	struct runbook *rb = load_good(GOOD "svc.yaml");
	cJSON *p;

	(void)state;
	for (size_t i = 0; i < sizeof(attempts) / sizeof(attempts[0]); i++) {
		cJSON *l = cJSON_CreateObject();

		cJSON_AddStringToObject(l, "service", attempts[i]);
		p = NULL;
		assert_int_equal(runbook_bind_params(rb, l, NULL, NULL, &p, err, sizeof(err)), -1);
		assert_null(p);
		assert_string_equal(
		    err, "parameter 'service': value does not match ^[a-z0-9][a-z0-9@._-]{0,63}$");
		cJSON_Delete(l);
	}
	/* the default pattern refuses shell syntax, newlines, paths, URLs and options */
	static const char *const for_default[] = {"x; rm -rf /",
						  "$(id)",
						  "a`id`",
						  "a\nb",
						  "a b",
						  "/etc/shadow",
						  "../../../../etc/passwd",
						  "http://evil.example/",
						  "-rf",
						  "..",
						  ".hidden",
						  "a/b",
						  "host:22",
						  "",
						  "a=b"};
	for (size_t i = 0; i < sizeof(for_default) / sizeof(for_default[0]); i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "service", "nginx");
		cJSON_AddStringToObject(o, "key", for_default[i]);
		assert_int_equal(runbook_bind_params(rb, NULL, NULL, o, &p, err, sizeof(err)), -1);
		assert_string_equal(err, "parameter 'key': value does not match "
					 "^[A-Za-z0-9_@][A-Za-z0-9._@-]{0,127}$");
		cJSON_Delete(o);
	}
	/* ".." inside a name is refused by the default too (ERE cannot say it) */
	assert_int_equal(bind(rb, NULL, NULL, "{\"service\":\"a\",\"key\":\"a..b\"}", &p), -1);
	assert_string_equal(err, "parameter 'key': value contains '..' (the default pattern takes "
				 "plain names only; declare a pattern)");
	/* plain names pass */
	assert_int_equal(bind(rb, NULL, NULL, "{\"service\":\"a\",\"key\":\"cache-7.eu@b_1\"}", &p),
			 0);
	assert_string_equal(param(p, "key"), "cache-7.eu@b_1");
	cJSON_Delete(p);
	/* a pattern that lets a newline through still does not get one into a step */
	assert_int_equal(bind(rb, NULL, NULL, "{\"service\":\"a\",\"loose\":\"a\\nb\"}", &p), -1);
	assert_string_equal(err, "parameter 'loose': value contains a control character");
	runbook_free(rb);
}

/* The alert's resource: the runbook's pattern for it, else the default, and only when a
 * template would put it somewhere. */
static void
test_resource_binding(void **state)
{
	static const char declared[] = "id: kick\ntitle: Kick\nparams:\n  resource: {pattern: "
				       "'^[a-z0-9.-]{1,64}:[0-9]{1,5}$'}\n"
				       "steps:\n  - exec: [echo, \"{{resource}}\"]\n";
	struct runbook *rb = load_good(GOOD "svc.yaml"), *cache = load_good(GOOD "cache.json");
	struct runbook *decl = NULL;
	struct diag_list d = {0};
	char path[] = "/tmp/test_runbook_XXXXXX.yaml";
	cJSON *p;
	int fd;

	(void)state;
	/* svc.yaml uses {{resource}} in a header */
	p = cJSON_CreateObject();
	assert_int_equal(runbook_bind_resource(rb, p, "web-1", err, sizeof(err)), 0);
	assert_string_equal(param(p, "resource"), "web-1");
	cJSON_Delete(p);
	static const char *const hostile[] = {
	    "/etc/shadow", "http://evil.example/", "../x", "web-1:9100", "-rf", ""};
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		p = cJSON_CreateObject();
		assert_int_equal(runbook_bind_resource(rb, p, hostile[i], err, sizeof(err)), -1);
		assert_string_equal(err, "parameter 'resource': value does not match "
					 "^[A-Za-z0-9_@][A-Za-z0-9._@-]{0,127}$");
		cJSON_Delete(p);
	}
	p = cJSON_CreateObject();
	assert_int_equal(runbook_bind_resource(rb, p, NULL, err, sizeof(err)), -1);
	cJSON_Delete(p);
	/* cache.json never uses it: an odd resource does not stop that runbook, and is left out */
	p = cJSON_CreateObject();
	assert_int_equal(runbook_bind_resource(cache, p, "/etc/shadow", err, sizeof(err)), 0);
	assert_null(param(p, "resource"));
	assert_int_equal(runbook_bind_resource(cache, p, "web-1", err, sizeof(err)), 0);
	assert_string_equal(param(p, "resource"), "web-1");
	cJSON_Delete(p);

	/* a declared resource without `from` is the alert's, checked by the declared pattern */
	assert_true((fd = mkstemps(path, 5)) >= 0);
	assert_int_equal(write(fd, declared, sizeof(declared) - 1), (ssize_t)sizeof(declared) - 1);
	close(fd);
	assert_int_equal(runbook_load_file(path, &decl, &d), 0);
	unlink(path);
	assert_int_equal(d.n, 0);
	assert_int_equal(runbook_bind_params(decl, NULL, NULL, NULL, &p, err, sizeof(err)), 0);
	assert_null(param(p, "resource"));
	assert_int_equal(runbook_bind_resource(decl, p, "web-1:9100", err, sizeof(err)), 0);
	assert_string_equal(param(p, "resource"), "web-1:9100");
	cJSON_Delete(p);
	assert_int_equal(runbook_bind_params(decl, NULL, NULL, NULL, &p, err, sizeof(err)), 0);
	assert_int_equal(runbook_bind_resource(decl, p, "/etc/shadow", err, sizeof(err)), -1);
	assert_string_equal(
	    err, "parameter 'resource': value does not match ^[a-z0-9.-]{1,64}:[0-9]{1,5}$");
	cJSON_Delete(p);
	/* given on the command line, it went through the pattern at bind time and stays */
	cJSON *o = json("{\"resource\":\"db-2:5432\"}");
	assert_int_equal(runbook_bind_params(decl, NULL, NULL, o, &p, err, sizeof(err)), 0);
	assert_int_equal(runbook_bind_resource(decl, p, "web-1", err, sizeof(err)), 0);
	assert_string_equal(param(p, "resource"), "db-2:5432");
	cJSON_Delete(p);
	cJSON_Delete(o);
	runbook_free(decl);
	runbook_free(cache);
	runbook_free(rb);
}

static void
test_templates(void **state)
{
	cJSON *p = json("{\"service\":\"api\",\"note\":\"hello world\",\"key\":\"a/b\","
			"\"q\":\"x&y=z #1\",\"url\":\"http://cache:8081\",\"bad\":\"ftp://x\","
			"\"incident\":\"INC-7\",\"resource\":\"web-1\",\"dash\":\"-rf\","
			"\"evil\":\"https://x/\\r\\nHost: y\"}");
	char *s;

	(void)state;
	s = template_expand("restart {{service}} now {{ service }}", p, err, sizeof(err));
	assert_string_equal(s, "restart api now api");
	free(s);
	s = template_expand("{{incident}} on {{resource}}", p, err, sizeof(err));
	assert_string_equal(s, "INC-7 on web-1");
	free(s);
	assert_null(template_expand("a {{x}} b", p, err, sizeof(err)));
	assert_string_equal(err, "no value for parameter 'x'");
	assert_null(template_expand("a {{x y}} b", p, err, sizeof(err)));
	assert_string_equal(err, "malformed placeholder at '{{x y}} b'");
	assert_null(template_expand("{{evil}}", p, err, sizeof(err)));
	assert_string_equal(err, "parameter 'evil': value contains a control character");
	s = template_expand("no templates }} here", p, err, sizeof(err));
	assert_string_equal(s, "no templates }} here");
	free(s);

	/* the engine's incident key is checked like a value of the default pattern */
	cJSON_ReplaceItemInObject(p, "incident", cJSON_CreateString("INC-7/../x"));
	assert_null(template_expand("{{incident}}", p, err, sizeof(err)));
	cJSON_ReplaceItemInObject(p, "incident", cJSON_CreateString("INC-7"));

	struct step st = {0};
	struct bound_step b;
	char *argv[] = {"echo", "{{note}}", "--x={{dash}}", NULL};
	st.kind = STEP_EXEC;
	st.name = "say {{note}}";
	st.argv = argv;
	st.argc = 3;
	st.timeout_ms = 5000;
	assert_int_equal(runbook_bind_step(&st, p, &b, err, sizeof(err)), 0);
	/* substitution never splits an element: "hello world" stays one argument */
	assert_int_equal(b.argc, 3);
	assert_string_equal(b.argv[1], "hello world");
	assert_string_equal(b.argv[2], "--x=-rf");
	assert_null(b.argv[3]);
	assert_string_equal(b.name, "say hello world");
	assert_int_equal(b.timeout_ms, 5000);
	assert_non_null(b.headers);
	assert_null(b.headers[0]);
	s = step_describe(&b);
	assert_string_equal(s, "echo 'hello world' --x=-rf");
	free(s);
	bound_step_free(&b);

	/* a value may not become an option of the program */
	argv[1] = "{{dash}}";
	assert_int_equal(runbook_bind_step(&st, p, &b, err, sizeof(err)), -1);
	assert_string_equal(err, "argv[1]: parameter 'dash': value may not start with '-' (it "
				 "would be read as an option)");
	argv[1] = "{{nope}}";
	assert_int_equal(runbook_bind_step(&st, p, &b, err, sizeof(err)), -1);
	assert_string_equal(err, "argv[1]: no value for parameter 'nope'");

	/* URLs: values are percent-encoded, except a whole base URL at the start */
	char *headers[] = {"X-Incident: {{incident}}", NULL};
	struct step h = {0};
	h.kind = STEP_HTTP;
	h.name = "flush";
	h.http.method = "POST";
	h.http.url = "{{url}}/cache/{{key}}?q={{q}}";
	h.http.headers = headers;
	h.http.nheaders = 1;
	h.http.body = "{\"key\": \"{{key}}\"}";
	h.http.expect_status = 204;
	assert_int_equal(runbook_bind_step(&h, p, &b, err, sizeof(err)), 0);
	assert_string_equal(b.url, "http://cache:8081/cache/a%2Fb?q=x%26y%3Dz%20%231");
	assert_string_equal(b.method, "POST");
	assert_string_equal(b.body, "{\"key\": \"a/b\"}");
	assert_string_equal(b.headers[0], "X-Incident: INC-7");
	assert_null(b.headers[1]);
	assert_int_equal(b.expect_status, 204);
	s = step_describe(&b);
	assert_string_equal(s, "POST http://cache:8081/cache/a%2Fb?q=x%26y%3Dz%20%231");
	free(s);
	bound_step_free(&b);

	h.http.url = "{{bad}}/flush";
	assert_int_equal(runbook_bind_step(&h, p, &b, err, sizeof(err)), -1);
	assert_string_equal(err, "url: URL must start with http:// or https://, got 'ftp://x'");
	h.http.url = "http://cache/{{url}}";
	assert_int_equal(runbook_bind_step(&h, p, &b, err, sizeof(err)), 0);
	assert_string_equal(b.url, "http://cache/http%3A%2F%2Fcache%3A8081");
	bound_step_free(&b);

	struct step w = {.kind = STEP_WAIT, .name = "pause", .wait_ms = 5000};
	assert_int_equal(runbook_bind_step(&w, p, &b, err, sizeof(err)), 0);
	s = step_describe(&b);
	assert_string_equal(s, "wait 5 s");
	free(s);
	bound_step_free(&b);
	w.kind = STEP_ALERT_RESOLVED;
	w.wait_ms = 90000;
	assert_int_equal(runbook_bind_step(&w, p, &b, err, sizeof(err)), 0);
	s = step_describe(&b);
	assert_string_equal(s, "alert resolved within 1 min 30 s");
	free(s);
	bound_step_free(&b);
	cJSON_Delete(p);
}

/* The shipped runbooks bound for realistic alerts produce the commands an SRE would type. */
static void
test_shipped_bind(void **state)
{
	struct runbook_set s;
	struct diag_list d = {0};
	struct bound_step b;
	cJSON *p;
	char *t;

	(void)state;
	assert_int_equal(runbook_load_dir("runbooks", &s, &d), 0);

	const struct runbook *rb = runbook_find(&s, "restart-service");
	cJSON *l = json("{\"alertname\":\"HighCPU\",\"service\":\"api-gateway\"}");
	cJSON *a = json("{\"health_url\":\"http://10.0.0.5:8080/healthz\"}");
	assert_true(runbook_matches(rb, l));
	assert_int_equal(runbook_bind_params(rb, l, a, NULL, &p, err, sizeof(err)), 0);
	assert_int_equal(runbook_bind_step(&rb->steps[0], p, &b, err, sizeof(err)), 0);
	t = step_describe(&b);
	assert_string_equal(t, "systemctl restart api-gateway");
	assert_string_equal(b.name, "restart api-gateway");
	free(t);
	bound_step_free(&b);
	assert_int_equal(runbook_bind_step(&rb->diagnostics[1], p, &b, err, sizeof(err)), 0);
	t = step_describe(&b);
	assert_string_equal(t, "journalctl --no-pager -u api-gateway -n 50");
	free(t);
	bound_step_free(&b);
	cJSON_Delete(p);
	cJSON_Delete(l);
	cJSON_Delete(a);

	rb = runbook_find(&s, "aws-ec2-reboot-ssm");
	l = json(
	    "{\"alertname\":\"web-1-status\",\"namespace\":\"AWS/EC2\","
	    "\"metric\":\"StatusCheckFailed_Instance\",\"InstanceId\":\"i-0abc1234def567890\"}");
	assert_true(runbook_matches(rb, l));
	assert_false(runbook_matches(runbook_find(&s, "aws-asg-scale-out"), l));
	assert_int_equal(runbook_bind_params(rb, l, NULL, NULL, &p, err, sizeof(err)), 0);
	assert_int_equal(runbook_bind_step(&rb->steps[0], p, &b, err, sizeof(err)), 0);
	t = step_describe(&b);
	assert_string_equal(t, "aws ec2 reboot-instances --instance-ids i-0abc1234def567890");
	free(t);
	bound_step_free(&b);
	cJSON_Delete(p);
	cJSON_ReplaceItemInObject(l, "InstanceId", cJSON_CreateString("i-0abc1234; reboot"));
	assert_int_equal(runbook_bind_params(rb, l, NULL, NULL, &p, err, sizeof(err)), -1);
	assert_string_equal(
	    err, "parameter 'instance': value does not match ^i-[0-9a-f]{8}([0-9a-f]{9})?$");
	cJSON_Delete(l);

	rb = runbook_find(&s, "aws-asg-scale-out");
	l = json("{\"namespace\":\"AWS/EC2\",\"metric\":\"CPUUtilization\","
		 "\"AutoScalingGroupName\":\"web-prod\"}");
	assert_true(runbook_matches(rb, l));
	assert_int_equal(runbook_bind_params(rb, l, NULL, NULL, &p, err, sizeof(err)), -1);
	assert_string_equal(err, "parameter 'desired': required, give it as desired=…");
	cJSON *o = json("{\"desired\":\"6\",\"count\":\"2\"}");
	assert_int_equal(runbook_bind_params(rb, l, NULL, o, &p, err, sizeof(err)), 0);
	assert_int_equal(runbook_bind_step(&rb->steps[0], p, &b, err, sizeof(err)), 0);
	t = step_describe(&b);
	assert_string_equal(t, "aws autoscaling set-desired-capacity --auto-scaling-group-name "
			       "web-prod --desired-capacity 6");
	free(t);
	bound_step_free(&b);
	t = template_expand(rb->quantity, p, err, sizeof(err));
	assert_string_equal(t, "2");
	free(t);
	cJSON_Delete(p);
	cJSON_Delete(o);
	cJSON_Delete(l);

	rb = runbook_find(&s, "flush-cache-http");
	l = json("{\"alertname\":\"CacheHitRateLow\",\"pool\":\"sessions\"}");
	a = json("{\"cache_admin_url\":\"http://cache-1.internal:8081\"}");
	assert_int_equal(runbook_bind_params(rb, l, a, NULL, &p, err, sizeof(err)), 0);
	cJSON_AddStringToObject(p, "incident", "INC-7");
	assert_int_equal(runbook_bind_step(&rb->steps[0], p, &b, err, sizeof(err)), 0);
	t = step_describe(&b);
	assert_string_equal(t, "POST http://cache-1.internal:8081/admin/cache/flush?pool=sessions");
	free(t);
	assert_string_equal(b.body, "{\"pool\": \"sessions\", \"reason\": \"healer INC-7\"}");
	bound_step_free(&b);
	cJSON_Delete(p);
	/* the base URL is whole, so its pattern forbids a path that would move the request */
	cJSON_ReplaceItemInObject(a, "cache_admin_url", cJSON_CreateString("http://evil/x?"));
	assert_int_equal(runbook_bind_params(rb, l, a, NULL, &p, err, sizeof(err)), -1);
	cJSON_Delete(l);
	cJSON_Delete(a);

	rb = runbook_find(&s, "k8s-rollback-deployment");
	l = json("{\"alertname\":\"KubeDeploymentReplicasMismatch\",\"namespace\":\"shop\","
		 "\"deployment\":\"checkout\"}");
	assert_int_equal(runbook_bind_params(rb, l, NULL, NULL, &p, err, sizeof(err)), 0);
	assert_int_equal(runbook_bind_step(&rb->steps[0], p, &b, err, sizeof(err)), 0);
	t = step_describe(&b);
	assert_string_equal(t, "kubectl rollout undo deployment/checkout -n shop");
	free(t);
	bound_step_free(&b);
	cJSON_Delete(p);
	cJSON_Delete(l);

	rb = runbook_find(&s, "free-disk-space");
	l = json("{\"alertname\":\"NodeFilesystemAlmostOutOfSpace\",\"mountpoint\":\"/var\"}");
	assert_true(runbook_matches(rb, l));
	cJSON_ReplaceItemInObject(l, "mountpoint", cJSON_CreateString("/data"));
	assert_false(runbook_matches(rb, l));
	cJSON_Delete(l);
	/* one argument: unquoted in a flow sequence, its commas would split it in six */
	p = json("{\"mountpoint\":\"/var\"}");
	assert_int_equal(runbook_bind_step(&rb->diagnostics[0], p, &b, err, sizeof(err)), 0);
	assert_int_equal(b.argc, 4);
	assert_string_equal(b.argv[2], "--output=source,size,used,avail,pcent,target");
	bound_step_free(&b);
	cJSON_Delete(p);
	assert_int_equal(runbook_bind_step(&rb->steps[1], NULL, &b, err, sizeof(err)), 0);
	t = step_describe(&b);
	assert_string_equal(t, "find /tmp -xdev -type f -mtime +7 -delete");
	free(t);
	bound_step_free(&b);

	runbook_set_free(&s);
	diag_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shipped_runbooks_validate),
	    cmocka_unit_test(test_bad_fixtures),
	    cmocka_unit_test(test_load_dir),
	    cmocka_unit_test(test_defaults_and_json),
	    cmocka_unit_test(test_matching),
	    cmocka_unit_test(test_binding),
	    cmocka_unit_test(test_injection_refused),
	    cmocka_unit_test(test_resource_binding),
	    cmocka_unit_test(test_templates),
	    cmocka_unit_test(test_shipped_bind),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
