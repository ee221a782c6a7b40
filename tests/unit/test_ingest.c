/* test_ingest.c — each alert source parsed to exact fields, and each error message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ingest.h"
#include "util.h"

#define DATA "tests/data/alerts/"

static void
parse_file(enum alert_source src, const char *name, const char *hint, struct alert_batch *b)
{
	char path[128], err[256], *body = NULL;
	size_t len = 0;

	snprintf(path, sizeof(path), DATA "%s", name);
	if (file_read_all(path, INGEST_MAX_BODY, &body, &len) != 0)
		fail_msg("cannot read fixture %s (run from the repository root)", path);
	if (ingest_parse(src, body, len, hint, b, err, sizeof(err)) != 0)
		fail_msg("%s: %s", name, err);
	free(body);
}

static void
expect_err(enum alert_source src, const char *body, const char *want)
{
	struct alert_batch b = {(struct alert *)1, 99};
	char err[256] = "";

	if (ingest_parse(src, body, strlen(body), NULL, &b, err, sizeof(err)) == 0)
		fail_msg("accepted: %s", body);
	assert_string_equal(err, want);
	assert_null(b.v);
	assert_int_equal(b.n, 0);
}

static const char *
label(const cJSON *o, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static void
test_alertmanager_firing(void **state)
{
	struct alert_batch b;
	const struct alert *a;

	(void)state;
	parse_file(SRC_ALERTMANAGER, "alertmanager_firing.json", NULL, &b);
	assert_int_equal(b.n, 2);

	a = &b.v[0];
	assert_int_equal(a->source, SRC_ALERTMANAGER);
	assert_string_equal(a->fingerprint, "9f2c6e6a3b1d4c70");
	assert_string_equal(a->dedup_key, "am:9f2c6e6a3b1d4c70:2024-05-01T10:00:00.123Z:firing");
	assert_string_equal(a->title, "api is down on web-1");
	assert_string_equal(a->severity, "sev1");
	assert_string_equal(a->resource, "api");
	assert_string_equal(a->url, "http://prometheus.example.com:9090/"
				    "graph?g0.expr=up%7Bjob%3D%22node%22%7D+%3D%3D+0&g0.tab=1");
	assert_true(a->firing);
	assert_int_equal(a->starts_at_ms, 1714557600123LL);
	assert_int_equal(cJSON_GetArraySize(a->labels), 5);
	assert_string_equal(label(a->labels, "instance"), "web-1:9100");
	assert_string_equal(label(a->annotations, "description"),
			    "systemd unit api.service on web-1 has been inactive for 2 minutes.");

	/* Empty fingerprint: SHA-256 of the sorted labels; no summary: alertname on instance. */
	a = &b.v[1];
	assert_string_equal(a->fingerprint,
			    "1364f6a4581d1f4abda535a101748b37d84d21b18b94bacc5b116a19c7ea0ebd");
	assert_string_equal(a->dedup_key,
			    "am:1364f6a4581d1f4abda535a101748b37d84d21b18b94bacc5b116a"
			    "19c7ea0ebd:2024-05-01T10:01:30Z:firing");
	assert_string_equal(a->title, "HighCPU on web-2:9100");
	assert_string_equal(a->severity, "sev3");
	assert_string_equal(a->resource, "web-2:9100");
	assert_int_equal(a->starts_at_ms, 1714557690000LL);
	assert_int_equal(cJSON_GetArraySize(a->annotations), 0);
	alert_batch_free(&b);
	assert_null(b.v);
}

static void
test_alertmanager_resolved(void **state)
{
	struct alert_batch b;

	(void)state;
	parse_file(SRC_ALERTMANAGER, "alertmanager_resolved.json", NULL, &b);
	assert_int_equal(b.n, 1);
	assert_false(b.v[0].firing);
	assert_string_equal(b.v[0].fingerprint, "9f2c6e6a3b1d4c70");
	assert_string_equal(b.v[0].dedup_key,
			    "am:9f2c6e6a3b1d4c70:2024-05-01T10:00:00.123Z:resolved");
	alert_batch_free(&b);
}

static void
test_alertmanager_details(void **state)
{
	/* Label order does not change the computed fingerprint; a missing per-alert status
	 * falls back to the group's; resource falls back service → instance → pod → job. */
	static const char b1[] =
	    "{\"version\":\"4\",\"status\":\"resolved\",\"alerts\":[{\"labels\":"
	    "{\"alertname\":\"A\",\"job\":\"j\",\"pod\":\"p-1\"},\"startsAt\":"
	    "\"2024-05-01T10:00:00Z\"}]}";
	static const char b2[] = "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"labels\":"
				 "{\"pod\":\"p-1\",\"job\":\"j\",\"alertname\":\"A\"},\"startsAt\":"
				 "\"2024-05-01T10:00:00Z\",\"annotations\":{\"summary\":\"\"}}]}";
	struct alert_batch x, y;
	char err[256];

	(void)state;
	assert_int_equal(ingest_parse(SRC_ALERTMANAGER, b1, strlen(b1), NULL, &x, err, sizeof(err)),
			 0);
	assert_int_equal(ingest_parse(SRC_ALERTMANAGER, b2, strlen(b2), NULL, &y, err, sizeof(err)),
			 0);
	assert_string_equal(x.v[0].fingerprint, y.v[0].fingerprint);
	assert_false(x.v[0].firing);
	assert_true(y.v[0].firing);
	assert_string_equal(x.v[0].resource, "p-1");
	assert_string_equal(y.v[0].title, "A"); /* empty summary ignored, no instance/service */
	assert_string_equal(x.v[0].severity, "sev3");
	assert_null(x.v[0].url);
	alert_batch_free(&x);
	alert_batch_free(&y);
}

static void
test_alertmanager_errors(void **state)
{
	char many[64 + 1001 * 3], *p;

	(void)state;
	expect_err(SRC_ALERTMANAGER, "", "body is empty");
	expect_err(SRC_ALERTMANAGER, "{\"alerts\": [1, 2 3]}",
		   "body is not valid JSON (at byte 17)");
	expect_err(SRC_ALERTMANAGER, "{\"version\":\"4\"} x",
		   "body is not valid JSON (at byte 16)");
	expect_err(SRC_ALERTMANAGER, "[1]", "body must be a JSON object");
	expect_err(SRC_ALERTMANAGER, "{\"alerts\":[]}", "missing field 'version'");
	expect_err(SRC_ALERTMANAGER, "{\"version\":4,\"alerts\":[]}",
		   "field 'version' must be a string");
	expect_err(SRC_ALERTMANAGER, "{\"version\":\"3\",\"alerts\":[]}",
		   "unsupported version '3' (expected \"4\")");
	expect_err(SRC_ALERTMANAGER, "{\"version\":\"4\"}", "missing field 'alerts'");
	expect_err(SRC_ALERTMANAGER, "{\"version\":\"4\",\"alerts\":{}}",
		   "field 'alerts' must be an array");
	expect_err(SRC_ALERTMANAGER, "{\"version\":\"4\",\"alerts\":[7]}",
		   "alerts[0]: must be an object");
	expect_err(
	    SRC_ALERTMANAGER,
	    "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"alertname\":"
	    "\"A\"},\"startsAt\":\"2024-05-01T10:00:00Z\"},{\"status\":\"firing\",\"labels\":"
	    "{\"job\":\"x\"},\"startsAt\":\"2024-05-01T10:00:00Z\"}]}",
	    "alerts[1].labels.alertname: missing");
	expect_err(SRC_ALERTMANAGER,
		   "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"labels\":[],"
		   "\"startsAt\":\"2024-05-01T10:00:00Z\"}]}",
		   "alerts[0].labels: must be an object");
	expect_err(
	    SRC_ALERTMANAGER,
	    "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"alertname\":"
	    "\"A\",\"severity\":2},\"startsAt\":\"2024-05-01T10:00:00Z\"}]}",
	    "alerts[0].labels.severity: must be a string");
	expect_err(
	    SRC_ALERTMANAGER,
	    "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"alertname\":"
	    "\"A\",\"job\":\"a\",\"job\":\"b\"},\"startsAt\":\"2024-05-01T10:00:00Z\"}]}",
	    "alerts[0].labels.job: duplicate name");
	expect_err(
	    SRC_ALERTMANAGER,
	    "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"alertname\":"
	    "\"A\"},\"annotations\":{\"summary\":true},\"startsAt\":\"2024-05-01T10:00:00Z\"}]}",
	    "alerts[0].annotations.summary: must be a string");
	expect_err(
	    SRC_ALERTMANAGER,
	    "{\"version\":\"4\",\"alerts\":[{\"status\":\"pending\",\"labels\":{\"alertname\":"
	    "\"A\"},\"startsAt\":\"2024-05-01T10:00:00Z\"}]}",
	    "alerts[0].status: must be \"firing\" or \"resolved\"");
	expect_err(SRC_ALERTMANAGER,
		   "{\"version\":\"4\",\"alerts\":[{\"labels\":{\"alertname\":\"A\"},"
		   "\"startsAt\":\"2024-05-01T10:00:00Z\"}]}",
		   "alerts[0].status: missing");
	expect_err(
	    SRC_ALERTMANAGER,
	    "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"alertname\":"
	    "\"A\"},\"startsAt\":\"yesterday\"}]}",
	    "alerts[0].startsAt: must be an RFC 3339 time");
	expect_err(
	    SRC_ALERTMANAGER,
	    "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"alertname\":"
	    "\"A\"}}]}",
	    "alerts[0].startsAt: missing");

	p = many + sprintf(many, "{\"version\":\"4\",\"alerts\":[");
	for (int i = 0; i < 1001; i++)
		p += sprintf(p, "%s{}", i ? "," : "");
	strcpy(p, "]}");
	expect_err(SRC_ALERTMANAGER, many, "field 'alerts' holds 1001 alerts (at most 1000)");
}

static void
test_depth_and_size_caps(void **state)
{
	char deep[128], err[256];
	struct alert_batch b;
	char *big;
	cJSON *j;

	(void)state;
	/* 33 arrays deep is refused before cJSON sees it; 32 parse (and are then not an object). */
	memset(deep, '[', 33);
	memset(deep + 33, ']', 33);
	deep[66] = '\0';
	expect_err(SRC_ALERTMANAGER, deep, "nesting deeper than 32 levels");
	deep[65] = '\0';
	expect_err(SRC_ALERTMANAGER, deep + 1, "body must be a JSON object");
	/* Brackets inside strings, escaped quotes included, do not count. */
	j = json_parse_capped("{\"a\":\"[[[[\\\"[[[[\"}", 18, 1, err, sizeof(err));
	assert_non_null(j);
	cJSON_Delete(j);
	assert_null(json_parse_capped("{\"a\":{}}", 8, 1, err, sizeof(err)));
	assert_string_equal(err, "nesting deeper than 1 levels");

	big = xmalloc(INGEST_MAX_BODY + 2);
	memset(big, ' ', INGEST_MAX_BODY + 1);
	big[INGEST_MAX_BODY + 1] = '\0';
	assert_int_equal(
	    ingest_parse(SRC_GENERIC, big, INGEST_MAX_BODY + 1, NULL, &b, err, sizeof(err)), -1);
	assert_string_equal(err, "body larger than 1048576 bytes");
	free(big);
}

static void
test_sns_cloudwatch_alarm(void **state)
{
	struct alert_batch b;
	const struct alert *a;

	(void)state;
	parse_file(SRC_SNS, "cloudwatch_alarm.json", "6c1a8e2e-93b4-5a8f-9f3e-2d0b7c4a1e55", &b);
	assert_int_equal(b.n, 1);
	a = &b.v[0];
	assert_int_equal(a->source, SRC_SNS);
	assert_string_equal(a->fingerprint,
			    "arn:aws:cloudwatch:us-east-1:123456789012:alarm:HighCPU-web-1");
	assert_string_equal(a->dedup_key, "sns:6c1a8e2e-93b4-5a8f-9f3e-2d0b7c4a1e55");
	assert_string_equal(a->title, "HighCPU-web-1 on i-0abc123def4567890");
	assert_string_equal(a->severity, "sev1"); /* "severity=critical" in the description */
	assert_string_equal(a->resource, "i-0abc123def4567890");
	assert_string_equal(a->url,
			    "arn:aws:cloudwatch:us-east-1:123456789012:alarm:HighCPU-web-1");
	assert_true(a->firing);
	assert_int_equal(a->starts_at_ms, 1657334394536LL);
	assert_int_equal(cJSON_GetArraySize(a->labels), 6);
	assert_string_equal(label(a->labels, "alertname"), "HighCPU-web-1");
	assert_string_equal(label(a->labels, "namespace"), "AWS/EC2");
	assert_string_equal(label(a->labels, "metric"), "CPUUtilization");
	assert_string_equal(label(a->labels, "account"), "123456789012");
	assert_string_equal(label(a->labels, "region"), "US East (N. Virginia)");
	assert_string_equal(label(a->labels, "InstanceId"), "i-0abc123def4567890");
	assert_string_equal(label(a->annotations, "description"),
			    "CPU above 80% on web-1. severity=critical");
	assert_true(strncmp(label(a->annotations, "reason"), "Threshold Crossed: 1 out of", 27) ==
		    0);
	alert_batch_free(&b);
}

static void
test_sns_cloudwatch_ok_without_hint(void **state)
{
	struct alert_batch b;

	(void)state;
	parse_file(SRC_SNS, "cloudwatch_ok.json", NULL, &b);
	assert_int_equal(b.n, 1);
	assert_false(b.v[0].firing);
	assert_string_equal(b.v[0].dedup_key,
			    "cw:arn:aws:cloudwatch:us-east-1:123456789012:alarm:HighCPU-web-1:"
			    "2022-07-09T02:49:54.101+0000:OK");
	assert_int_equal(b.v[0].starts_at_ms, 1657334994101LL);
	alert_batch_free(&b);
}

static void
test_sns_cloudwatch_variants(void **state)
{
	/* An older message: no AlarmArn, no Trigger, null description. */
	static const char old[] = "{\"AlarmName\":\"disk-low\",\"AlarmDescription\":null,"
				  "\"AWSAccountId\":\"111122223333\",\"NewStateValue\":\"ALARM\","
				  "\"StateChangeTime\":\"2019-01-02T03:04:05.000+0000\","
				  "\"Region\":\"EU (Ireland)\"}";
	static const char insufficient[] =
	    "{\"AlarmName\":\"x\",\"NewStateValue\":"
	    "\"INSUFFICIENT_DATA\",\"StateChangeTime\":"
	    "\"2019-01-02T03:04:05.000+0000\",\"AlarmArn\":\"arn:x\"}";
	struct alert_batch b;
	char err[256];

	(void)state;
	assert_int_equal(ingest_parse(SRC_SNS, old, strlen(old), "", &b, err, sizeof(err)), 0);
	assert_int_equal(b.n, 1);
	assert_string_equal(b.v[0].fingerprint, "cw:111122223333:EU (Ireland):disk-low");
	assert_string_equal(
	    b.v[0].dedup_key,
	    "cw:cw:111122223333:EU (Ireland):disk-low:2019-01-02T03:04:05.000+0000:ALARM");
	assert_string_equal(b.v[0].title, "disk-low");
	assert_string_equal(b.v[0].resource, "disk-low");
	assert_string_equal(b.v[0].severity, "sev2");
	assert_null(b.v[0].url);
	assert_int_equal(cJSON_GetArraySize(b.v[0].annotations), 0);
	alert_batch_free(&b);

	/* INSUFFICIENT_DATA is not an alert state: an empty batch, no error. */
	assert_int_equal(
	    ingest_parse(SRC_SNS, insufficient, strlen(insufficient), "m-1", &b, err, sizeof(err)),
	    0);
	assert_int_equal(b.n, 0);
	assert_null(b.v);
}

static void
test_sns_cloudwatch_errors(void **state)
{
	(void)state;
	expect_err(SRC_SNS, "{\"NewStateValue\":\"ALARM\"}", "missing field 'AlarmName'");
	expect_err(SRC_SNS, "{\"AlarmName\":\"a\",\"StateChangeTime\":\"2019-01-02T03:04:05Z\"}",
		   "missing field 'NewStateValue'");
	expect_err(SRC_SNS,
		   "{\"AlarmName\":\"a\",\"NewStateValue\":\"BROKEN\",\"StateChangeTime\":"
		   "\"2019-01-02T03:04:05Z\",\"AlarmArn\":\"arn:x\"}",
		   "field 'NewStateValue' must be ALARM, OK or INSUFFICIENT_DATA");
	expect_err(SRC_SNS,
		   "{\"AlarmName\":\"a\",\"NewStateValue\":\"OK\",\"StateChangeTime\":\"soon\"}",
		   "field 'StateChangeTime' must be an ISO 8601 time");
	expect_err(SRC_SNS,
		   "{\"AlarmName\":\"a\",\"NewStateValue\":\"OK\",\"StateChangeTime\":"
		   "\"2019-01-02T03:04:05Z\",\"Region\":\"EU (Ireland)\"}",
		   "missing field 'AWSAccountId'");
	expect_err(SRC_SNS,
		   "{\"AlarmName\":\"a\",\"NewStateValue\":\"OK\",\"StateChangeTime\":"
		   "\"2019-01-02T03:04:05Z\",\"AlarmArn\":\"arn:x\",\"Trigger\":{\"Dimensions\":"
		   "[{\"name\":\"InstanceId\"}]}}",
		   "Trigger.Dimensions[0].value: missing");
	expect_err(SRC_SNS,
		   "{\"AlarmName\":\"a\",\"NewStateValue\":\"OK\",\"StateChangeTime\":"
		   "\"2019-01-02T03:04:05Z\",\"Trigger\":\"x\"}",
		   "field 'Trigger' must be an object");
}

static void
test_eventbridge(void **state)
{
	struct alert_batch b;
	const struct alert *a;

	(void)state;
	parse_file(SRC_EVENTBRIDGE, "eventbridge_alarm.json", NULL, &b);
	assert_int_equal(b.n, 1);
	a = &b.v[0];
	assert_int_equal(a->source, SRC_EVENTBRIDGE);
	assert_string_equal(a->fingerprint,
			    "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:api-5xx-rate");
	assert_string_equal(a->dedup_key, "eb:c4c1c1c9-6542-e61b-6ef0-8c4d36933a92");
	assert_string_equal(a->title, "api-5xx-rate on app/api-alb/50dc6c495c0c9188");
	assert_string_equal(a->severity, "sev3"); /* "(severity: warning)" */
	assert_string_equal(a->resource, "app/api-alb/50dc6c495c0c9188");
	assert_string_equal(a->url, a->fingerprint);
	assert_true(a->firing);
	assert_int_equal(a->starts_at_ms, 1714557720012LL);
	assert_int_equal(cJSON_GetArraySize(a->labels), 7);
	assert_string_equal(label(a->labels, "alertname"), "api-5xx-rate");
	assert_string_equal(label(a->labels, "region"), "eu-west-1");
	assert_string_equal(label(a->labels, "account"), "123456789012");
	assert_string_equal(label(a->labels, "namespace"), "AWS/ApplicationELB");
	assert_string_equal(label(a->labels, "metric"), "HTTPCode_Target_5XX_Count");
	assert_string_equal(label(a->labels, "TargetGroup"), "targetgroup/api/73e2d6bc24d8a067");
	assert_string_equal(label(a->annotations, "description"),
			    "api 5xx responses above 5 per minute (severity: warning)");
	assert_true(strncmp(label(a->annotations, "reason"), "Threshold Crossed: 1 datapoint [12.0",
			    36) == 0);
	alert_batch_free(&b);

	parse_file(SRC_EVENTBRIDGE, "eventbridge_ok.json", NULL, &b);
	assert_int_equal(b.n, 1);
	assert_false(b.v[0].firing);
	assert_string_equal(b.v[0].dedup_key, "eb:2f8e1a35-09b8-41d2-8fd0-1e4a6b7c9d01");
	assert_string_equal(b.v[0].fingerprint,
			    "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:api-5xx-rate");
	assert_int_equal(b.v[0].starts_at_ms, 1714558140004LL);
	alert_batch_free(&b);
}

#define EB_HEAD                                                                                    \
	"{\"id\":\"e-1\",\"source\":\"aws.cloudwatch\",\"detail-type\":\"CloudWatch Alarm State "  \
	"Change\",\"time\":\"2024-05-01T10:00:00Z\","

static void
test_eventbridge_variants_and_errors(void **state)
{
	/* Metric math only: no namespace/metric labels, the resource is the alarm name. */
	static const char math[] = EB_HEAD
	    "\"resources\":[\"arn:a\"],\"detail\":{\"alarmName\":\"lat\",\"state\":{\"value\":"
	    "\"ALARM\"},\"configuration\":{\"metrics\":[{\"id\":\"e1\",\"expression\":\"m1/"
	    "m2\"}]}}}";
	struct alert_batch b;
	char err[256];

	(void)state;
	assert_int_equal(
	    ingest_parse(SRC_EVENTBRIDGE, math, strlen(math), NULL, &b, err, sizeof(err)), 0);
	assert_int_equal(b.n, 1);
	assert_string_equal(b.v[0].resource, "lat");
	assert_string_equal(b.v[0].title, "lat");
	assert_null(label(b.v[0].labels, "namespace"));
	assert_int_equal(b.v[0].starts_at_ms, 1714557600000LL); /* the event's time */
	alert_batch_free(&b);

	expect_err(SRC_EVENTBRIDGE, "{\"source\":\"aws.ec2\",\"detail-type\":\"x\"}",
		   "field 'source' must be \"aws.cloudwatch\" (got 'aws.ec2')");
	expect_err(SRC_EVENTBRIDGE,
		   "{\"source\":\"aws.cloudwatch\",\"detail-type\":\"CloudWatch Alarm "
		   "Configuration Change\"}",
		   "field 'detail-type' must be \"CloudWatch Alarm State Change\" (got "
		   "'CloudWatch Alarm Configuration Change')");
	expect_err(SRC_EVENTBRIDGE, "{\"source\":\"aws.cloudwatch\"}",
		   "missing field 'detail-type'");
	expect_err(SRC_EVENTBRIDGE, EB_HEAD "\"resources\":[]}", "resources[0]: missing");
	expect_err(SRC_EVENTBRIDGE, EB_HEAD "\"resources\":[\"arn:a\"],\"detail\":{\"state\":{}}}",
		   "detail.alarmName: missing");
	expect_err(SRC_EVENTBRIDGE,
		   EB_HEAD "\"resources\":[\"arn:a\"],\"detail\":{\"alarmName\":\"a\",\"state\":"
			   "{\"value\":\"FIRE\"}}}",
		   "detail.state.value: must be ALARM, OK or INSUFFICIENT_DATA");
	expect_err(
	    SRC_EVENTBRIDGE,
	    EB_HEAD "\"resources\":[\"arn:a\"],\"detail\":{\"alarmName\":\"a\",\"state\":"
		    "{\"value\":\"OK\"},\"configuration\":{\"metrics\":[{\"metricStat\":"
		    "{\"metric\":{\"dimensions\":{\"X\":1}}}}]}}}",
	    "detail.configuration.metrics[0].metricStat.metric.dimensions.X: must be a string");
}

static void
test_generic_single(void **state)
{
	struct alert_batch b;
	const struct alert *a;

	(void)state;
	parse_file(SRC_GENERIC, "generic_single.json", NULL, &b);
	assert_int_equal(b.n, 1);
	a = &b.v[0];
	assert_int_equal(a->source, SRC_GENERIC);
	assert_string_equal(a->title, "Disk almost full on db-1");
	assert_string_equal(a->severity, "sev3");
	assert_string_equal(a->resource, "db-1");
	assert_string_equal(a->fingerprint,
			    "b2e17c29b4391a9d51bf6731f10bcffc2918f674053133109812744af42c7088");
	assert_string_equal(a->dedup_key, "gen:evt-7f3a");
	assert_true(a->firing);
	assert_int_equal(a->starts_at_ms, 1714557600000LL);
	assert_null(a->url);
	assert_string_equal(label(a->labels, "mount"), "/var/lib/postgresql");
	assert_string_equal(label(a->annotations, "runbook_url"),
			    "https://wiki.example.com/disk-full");
	alert_batch_free(&b);
}

static void
test_generic_array(void **state)
{
	struct alert_batch b;
	int64_t before = now_ms();

	(void)state;
	parse_file(SRC_GENERIC, "generic_array.json", NULL, &b);
	assert_int_equal(b.n, 2);
	/* Same title, resource and labels (in another order): the same fingerprint. */
	assert_string_equal(b.v[0].fingerprint,
			    "1d924d0fbe60a378c5c1dc8b10f3d051b07d2be9648eb5f1d0b7f48d12c79b4a");
	assert_string_equal(b.v[1].fingerprint, b.v[0].fingerprint);
	assert_string_equal(b.v[0].dedup_key,
			    "gen:1d924d0fbe60a378c5c1dc8b10f3d051b07d2be9648eb5f1d0"
			    "b7f48d12c79b4a:firing:2024-05-01T11:30:00+02:00");
	assert_string_equal(b.v[0].severity, "sev2");
	assert_int_equal(b.v[0].starts_at_ms, 1714555800000LL);
	assert_true(b.v[0].firing);
	/* No id and no start time: no dedup key (every post counts), start = receipt. */
	assert_false(b.v[1].firing);
	assert_null(b.v[1].dedup_key);
	assert_true(b.v[1].starts_at_ms >= before && b.v[1].starts_at_ms <= now_ms());
	assert_string_equal(b.v[1].url, "https://grafana.example.com/d/queues");
	assert_string_equal(b.v[1].severity, "sev3");
	alert_batch_free(&b);
}

static void
test_generic_errors(void **state)
{
	(void)state;
	expect_err(SRC_GENERIC, "{}", "missing field 'title'");
	expect_err(SRC_GENERIC, "{\"title\":5}", "field 'title' must be a string");
	expect_err(SRC_GENERIC, "{\"title\":\"\"}", "field 'title' must not be empty");
	expect_err(SRC_GENERIC, "{\"title\":\"t\",\"status\":\"ok\"}",
		   "field 'status' must be \"firing\" or \"resolved\"");
	expect_err(SRC_GENERIC, "{\"title\":\"t\",\"labels\":{\"a\":1}}",
		   "labels.a: must be a string");
	expect_err(SRC_GENERIC, "{\"title\":\"t\",\"labels\":\"a=b\"}",
		   "field 'labels' must be an object");
	expect_err(SRC_GENERIC, "{\"title\":\"t\",\"starts_at\":\"now\"}",
		   "field 'starts_at' must be an RFC 3339 time");
	expect_err(SRC_GENERIC, "[{\"title\":\"t\"},{\"severity\":\"p1\"}]", "[1].title: missing");
	expect_err(SRC_GENERIC, "[{\"title\":\"t\"},3]", "[1]: must be an object");
	expect_err(SRC_GENERIC, "[{\"title\":\"t\",\"annotations\":{\"n\":null}}]",
		   "[0].annotations.n: must be a string");
	expect_err(SRC_GENERIC, "\"title\"", "body must be a JSON object or array");
}

static void
test_title_cut(void **state)
{
	char body[600];
	struct alert_batch b;
	char err[256];
	size_t n;

	(void)state;
	n = (size_t)snprintf(body, sizeof(body), "{\"title\":\"");
	for (int i = 0; i < 200; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "é");
	snprintf(body + n, sizeof(body) - n, "\"}");
	assert_int_equal(ingest_parse(SRC_GENERIC, body, strlen(body), NULL, &b, err, sizeof(err)),
			 0);
	assert_true(strlen(b.v[0].title) <= INGEST_MAX_TITLE);
	assert_true(strlen(b.v[0].title) > INGEST_MAX_TITLE - 8);
	assert_string_equal(b.v[0].title + strlen(b.v[0].title) - 3, "…");
	alert_batch_free(&b);
}

static void
test_severity_and_names(void **state)
{
	static const struct {
		const char *in, *want;
	} v[] = {
	    {"critical", "sev1"}, {"PAGE", "sev1"},  {"p1", "sev1"},	  {"high", "sev2"},
	    {"Error", "sev2"},	  {"major", "sev2"}, {"warning", "sev3"}, {"minor", "sev3"},
	    {"info", "sev4"},	  {"low", "sev4"},   {"sev4", "sev4"},	  {"bogus", "sev3"},
	    {"", "sev3"},	  {NULL, "sev3"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_string_equal(severity_normalise(v[i].in), v[i].want);
	assert_string_equal(ingest_severity_token("CPU high severity=critical"), "sev1");
	assert_string_equal(ingest_severity_token("Severity : P2 please"), "sev2");
	assert_string_equal(ingest_severity_token("(severity:info)"), "sev4");
	assert_null(ingest_severity_token("xseverity=critical"));
	assert_null(ingest_severity_token("severity is high"));
	assert_null(ingest_severity_token(NULL));
	assert_string_equal(alert_source_name(SRC_ALERTMANAGER), "alertmanager");
	assert_string_equal(alert_source_name(SRC_SNS), "sns");
	assert_string_equal(alert_source_name(SRC_EVENTBRIDGE), "eventbridge");
	assert_string_equal(alert_source_name(SRC_GENERIC), "generic");
	assert_string_equal(alert_source_name(SRC_DECLARE), "declare");
	expect_err(SRC_DECLARE, "{}", "source declare has no wire format");
}

/* NUL and invalid UTF-8 refuse the body naming the field, in all four sources; other control
 * characters become spaces. */
static void
test_text_hygiene(void **state)
{
	static const char am[] = "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\","
				 "\"startsAt\":\"2024-05-01T10:00:00Z\",\"labels\":{%s}}]}";
	static const struct {
		const char *labels, *err;
	} bad[] = {
	    {"\"alertname\":\"A\",\"service\":\"ap\xffi\"",
	     "alerts[0].labels.service: invalid UTF-8"},
	    {"\"alertname\":\"A\",\"service\":\"api\\u0000x\"",
	     "alerts[0].labels.service: contains NUL"},
	    {"\"alertname\":\"A\",\"s\\u0000x\":\"api\"",
	     "alerts[0].labels: a member name contains NUL"},
	    {"\"alertname\":\"\xc0\xaf\"", "alerts[0].labels.alertname: invalid UTF-8"},
	    {"\"alertname\":\"\xed\xa0\x80\"", "alerts[0].labels.alertname: invalid UTF-8"},
	    {"\"alertname\":\"\xf4\x90\x80\x80\"", "alerts[0].labels.alertname: invalid UTF-8"},
	    {"\"alertname\":\"\xe2\x82\"", "alerts[0].labels.alertname: invalid UTF-8"},
	    {"\"alertname\":\"\xc0\x80\"", "alerts[0].labels.alertname: contains NUL"},
	};
	struct alert_batch b;
	char body[512], err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(body, sizeof(body), am, bad[i].labels);
		expect_err(SRC_ALERTMANAGER, body, bad[i].err);
	}
	expect_err(SRC_GENERIC, "{\"title\":\"disk\\u0000 full\"}", "title: contains NUL");
	expect_err(SRC_GENERIC,
		   "[{\"title\":\"a\"},{\"title\":\"b\",\"labels\":{\"x\":\"\\u0000\"}}]",
		   "[1].labels.x: contains NUL");
	expect_err(SRC_EVENTBRIDGE, "{\"detail\":{\"alarmName\":\"\xff\"}}",
		   "detail.alarmName: invalid UTF-8");
	expect_err(SRC_SNS, "{\"AlarmName\":\"x\\u0000\"}", "AlarmName: contains NUL");

	/* an escaped backslash before "u0000" is text; well-formed UTF-8 passes unchanged */
	const char *ok = "{\"title\":\"a\\\\u0000 \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}";
	assert_int_equal(ingest_parse(SRC_GENERIC, ok, strlen(ok), NULL, &b, err, sizeof(err)), 0);
	assert_string_equal(b.v[0].title, "a\\u0000 \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	alert_batch_free(&b);

	/* ESC, CR, DEL, BEL and a C1 CSI become spaces; tab and newline stay */
	const char *ctl = "{\"title\":\"a\\u001b[31mred\\r\\nx\\ty\\u007f\\u0007z\\u009b\","
			  "\"labels\":{\"svc\\u001b\":\"w\\u0001b\"}}";
	assert_int_equal(ingest_parse(SRC_GENERIC, ctl, strlen(ctl), NULL, &b, err, sizeof(err)),
			 0);
	assert_string_equal(b.v[0].title, "a [31mred \nx\ty  z ");
	assert_string_equal(label(b.v[0].labels, "svc "), "w b");
	alert_batch_free(&b);
}

/* Every JSON number → integer conversion goes through json_int: out of range, fractional
 * and non-numbers are refused rather than cast. */
static void
test_json_int(void **state)
{
	static const struct {
		const char *json;
		int64_t min, max;
		int rc;
		int64_t want;
	} cases[] = {
	    {"42", 0, 100, 0, 42},
	    {"-7", -10, 10, 0, -7},
	    {"1e300", 0, INT64_MAX, -1, 0},
	    {"-1e300", INT64_MIN, 0, -1, 0},
	    {"1e999", 0, INT64_MAX, -1, 0},
	    {"9223372036854775808", 0, INT64_MAX, -1, 0},
	    {"-9223372036854775808", INT64_MIN, 0, 0, INT64_MIN},
	    {"2.5", 0, 10, -1, 0},
	    {"101", 0, 100, -1, 0},
	    {"-1", 0, 100, -1, 0},
	    {"\"5\"", 0, 100, -1, 0},
	    {"null", 0, 100, -1, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *j = cJSON_Parse(cases[i].json);
		int64_t out = 0;
		assert_non_null(j);
		assert_int_equal(json_int(j, cases[i].min, cases[i].max, &out), cases[i].rc);
		assert_true(out == cases[i].want);
		cJSON_Delete(j);
	}
	assert_int_equal(json_int(NULL, 0, 1, &(int64_t){0}), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_alertmanager_firing),
	    cmocka_unit_test(test_alertmanager_resolved),
	    cmocka_unit_test(test_alertmanager_details),
	    cmocka_unit_test(test_alertmanager_errors),
	    cmocka_unit_test(test_depth_and_size_caps),
	    cmocka_unit_test(test_sns_cloudwatch_alarm),
	    cmocka_unit_test(test_sns_cloudwatch_ok_without_hint),
	    cmocka_unit_test(test_sns_cloudwatch_variants),
	    cmocka_unit_test(test_sns_cloudwatch_errors),
	    cmocka_unit_test(test_eventbridge),
	    cmocka_unit_test(test_eventbridge_variants_and_errors),
	    cmocka_unit_test(test_generic_single),
	    cmocka_unit_test(test_generic_array),
	    cmocka_unit_test(test_generic_errors),
	    cmocka_unit_test(test_title_cut),
	    cmocka_unit_test(test_severity_and_names),
	    cmocka_unit_test(test_json_int),
	    cmocka_unit_test(test_text_hygiene),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
