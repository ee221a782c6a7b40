/* test_logs_config.c — the logs: section of the watch file: values, defaults, file:line errors,
 * and query templates expanded with each query language's escaping. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "logs_config.h"
#include "util.h"

static char dir[64], path[96];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_logs_config.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/watch.yaml", dir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	return 0;
}

static int
load(const char *yaml, struct logs_config *c, struct diag_list *d)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(yaml, f);
	fclose(f);
	return logs_config_load(path, true, c, d);
}

static void
test_good(void **state)
{
	struct logs_config c;
	struct diag_list d = {0};

	(void)state;
	int n = load("rules:\n"
		     "  - whatever: {is: for another loader}\n"
		     "logs:\n"
		     "  - name: app\n"
		     "    loki: {url: \"http://127.0.0.1:3100\", query: "
		     "'{service=\"{{labels.service}}\"}'}\n"
		     "    before: 10m\n"
		     "    after: 2m\n"
		     "    timeout: 3s\n"
		     "    limit: 500\n"
		     "  - name: search\n"
		     "    opensearch: {url: \"https://logs:9200\", index: \"app-*\", query: "
		     "'service:\"{{labels.service}}\"',\n"
		     "                 api_key_env: OS_KEY}\n"
		     "  - name: lambda\n"
		     "    cloudwatch_logs: {region: us-east-1, group: "
		     "\"/aws/lambda/{{labels.function}}\"}\n",
		     &c, &d);
	for (size_t i = 0; i < d.n; i++)
		print_message("%s\n", d.msgs[i]);
	assert_int_equal(n, 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.v[0].name, "app");
	assert_int_equal(c.v[0].kind, LOGS_LOKI);
	assert_int_equal(c.v[0].before_ms, 600000);
	assert_int_equal(c.v[0].after_ms, 120000);
	assert_int_equal(c.v[0].timeout_ms, 3000);
	assert_int_equal(c.v[0].limit, 500);
	assert_int_equal(c.v[1].kind, LOGS_OPENSEARCH);
	assert_string_equal(c.v[1].index, "app-*");
	assert_string_equal(c.v[1].api_key_env, "OS_KEY");
	/* defaults */
	assert_int_equal(c.v[1].timeout_ms, LOGS_TIMEOUT_DEFAULT_MS);
	assert_int_equal(c.v[1].limit, LOGS_LIMIT_DEFAULT);
	assert_int_equal(c.v[1].before_ms, LOGS_BEFORE_DEFAULT_MS);
	assert_int_equal(c.v[1].after_ms, 0);
	assert_int_equal(c.v[2].kind, LOGS_CLOUDWATCH);
	assert_string_equal(c.v[2].region, "us-east-1");
	assert_null(c.v[2].url);
	logs_config_free(&c);
	diag_free(&d);
}

static void
expect_errors(const char *yaml, const char *const *want, size_t nwant)
{
	struct logs_config c;
	struct diag_list d = {0};
	char line[700];

	int n = load(yaml, &c, &d);
	assert_int_equal(c.n, 0);
	for (size_t i = 0; i < d.n; i++)
		print_message("%s\n", d.msgs[i]);
	assert_int_equal((size_t)n, nwant);
	assert_int_equal(d.n, nwant);
	for (size_t i = 0; i < nwant; i++) {
		snprintf(line, sizeof(line), "%s:%s", path, want[i]);
		if (i >= d.n)
			break;
		if (strcmp(d.msgs[i], line) != 0)
			fail_msg("error %zu\n got: %s\nwant: %s", i, d.msgs[i], line);
	}
	diag_free(&d);
}

static void
test_errors(void **state)
{
	(void)state;
	static const char *const e1[] = {
	    "3: url: must start with http:// or https://, got 'ftp://x'",
	    "4: timeout: must be more than 0 and at most 60 s",
	    "6: query: unknown variable 'label.service' (labels.x, annotations.x, resource, "
	    "incident, title, severity)",
	    "7: limit: must be a whole number from 1 to 10000",
	    "8: logs: unknown key 'bogus'",
	    "9: source 'b': needs one of loki, opensearch, cloudwatch_logs",
	    "11: cloudwatch_logs: 'group' is required",
	    "12: source 'd': defined twice (first at line 10)",
	};
	expect_errors("logs:\n"
		      "  - name: a\n"
		      "    loki: {url: \"ftp://x\", query: '{a=\"b\"}'}\n"
		      "    timeout: 0s\n"
		      "  - name: b\n"
		      "    opensearch: {url: \"http://x\", query: '{{label.service}}', index: i}\n"
		      "    limit: 0\n"
		      "    bogus: 1\n"
		      "  - name: b\n"
		      "  - {name: d, loki: {url: \"http://x\", query: q}}\n"
		      "  - {name: c, cloudwatch_logs: {region: us-east-1}}\n"
		      "  - {name: d, loki: {url: \"http://x\", query: q}}\n",
		      e1, ARRAY_LEN(e1));
	static const char *const e2[] = {"3: YAML: did not find expected node content"};
	expect_errors("logs:\n  - name: [\n  x: }\n", e2, 1);
	static const char *const e3[] = {"1: logs: must be a list of sources"};
	expect_errors("logs: {name: a}\n", e3, 1);
}

static void
test_missing(void **state)
{
	struct logs_config c;
	struct diag_list d = {0};

	(void)state;
	assert_int_equal(logs_config_load("/nonexistent/watch.yaml", false, &c, &d), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(logs_config_load("/nonexistent/watch.yaml", true, &c, &d), 1);
	assert_string_equal(
	    d.msgs[0],
	    "/nonexistent/watch.yaml: cannot read the watch file: No such file or directory");
	diag_free(&d);
}

static void
test_expand(void **state)
{
	cJSON *labels = cJSON_Parse("{\"service\":\"api\\\"} |= \\\"x\",\"fn\":\"pay/ments\","
				    "\"bad\":\"a\\nb\",\"lt\":\"a<b\"}");
	cJSON *vars = logs_vars("INC-7", "Down", "sev2", "web-1", labels, NULL);
	char err[256];
	char *s;

	(void)state;
	/* a label cannot close the LogQL string and add a pipeline stage */
	s = logs_expand("{service=\"{{labels.service}}\"}", vars, LOGS_ESC_LOGQL, err, sizeof(err));
	assert_string_equal(s, "{service=\"api\\\"} |= \\\"x\"}");
	free(s);
	s = logs_expand("{a=\"{{ labels.bad }}\"}", vars, LOGS_ESC_LOGQL, err, sizeof(err));
	assert_string_equal(s, "{a=\"a\\x0ab\"}");
	free(s);
	/* Lucene operators escaped; characters it cannot escape refused */
	s = logs_expand("service:{{labels.fn}} AND host:{{resource}}", vars, LOGS_ESC_LUCENE, err,
			sizeof(err));
	assert_string_equal(s, "service:pay\\/ments AND host:web\\-1");
	free(s);
	assert_null(logs_expand("x:{{labels.lt}}", vars, LOGS_ESC_LUCENE, err, sizeof(err)));
	assert_string_equal(
	    err, "labels.lt: the value holds a character (0x3c) this query cannot carry");
	/* log group names: a strict alphabet */
	s = logs_expand("/aws/lambda/{{labels.fn}}", vars, LOGS_ESC_GROUP, err, sizeof(err));
	assert_string_equal(s, "/aws/lambda/pay/ments");
	free(s);
	assert_null(logs_expand("/g/{{labels.service}}", vars, LOGS_ESC_GROUP, err, sizeof(err)));
	assert_string_equal(
	    err, "labels.service: the value holds a character (0x22) this query cannot carry");
	/* absent values */
	assert_null(logs_expand("{{labels.nope}}", vars, LOGS_ESC_LOGQL, err, sizeof(err)));
	assert_string_equal(err, "the incident has no labels.nope");
	s = logs_expand("{{incident}} {{severity}}", vars, LOGS_ESC_CWFILTER, err, sizeof(err));
	assert_string_equal(s, "INC-7 sev2");
	free(s);
	cJSON_Delete(vars);
	cJSON_Delete(labels);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_missing),
	    cmocka_unit_test(test_expand),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
