/* test_sns.c — SNS envelopes: parsing, string to sign, signatures, cert URL rules, topics. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ingest.h"
#include "sns.h"
#include "util.h"
#include "file_fixture.h"

#define DATA "tests/data/sns/"
#define TOPIC "arn:aws:sns:us-east-1:123456789012:healer-alarms"
#define CERT_URL "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-healer-test.pem"

static void
load(const char *name, struct sns_message *m)
{
	char path[128], err[256];
	size_t len;
	char *body;

	snprintf(path, sizeof(path), DATA "%s.json", name);
	body = fixture(path, &len);
	if (sns_parse(body, len, m, err, sizeof(err)) != 0)
		fail_msg("%s: %s", name, err);
	free(body);
}

static int
verify_with(const struct sns_message *m, const char *cert, char *err, size_t errlen)
{
	char path[128];
	size_t len;
	char *pem;
	int rc;

	snprintf(path, sizeof(path), DATA "%s", cert);
	pem = fixture(path, &len);
	rc = sns_verify(m, pem, len, err, errlen);
	free(pem);
	return rc;
}

static void
test_parse_notification(void **state)
{
	struct sns_message m;

	(void)state;
	load("notification_alarm_v1", &m);
	assert_int_equal(m.type, SNS_NOTIFICATION);
	assert_string_equal(m.message_id, "6c1a8e2e-93b4-5a8f-9f3e-2d0b7c4a1e55");
	assert_string_equal(m.topic_arn, TOPIC);
	assert_string_equal(m.subject, "ALARM: \"HighCPU-web-1\" in US East (N. Virginia)");
	assert_string_equal(m.timestamp, "2022-07-09T02:39:54.601Z");
	assert_string_equal(m.signature_version, "1");
	assert_string_equal(m.signing_cert_url, CERT_URL);
	assert_null(m.token);
	assert_null(m.subscribe_url);
	assert_true(strncmp(m.message, "{\"AlarmName\":\"HighCPU-web-1\",", 29) == 0);
	sns_message_free(&m);
	assert_null(m.message);

	load("notification_nosubject_v2", &m);
	assert_null(m.subject);
	assert_string_equal(m.signature_version, "2");
	sns_message_free(&m);
}

static void
test_parse_confirmations(void **state)
{
	struct sns_message m;

	(void)state;
	load("subscription_confirmation", &m);
	assert_int_equal(m.type, SNS_SUBSCRIPTION_CONFIRMATION);
	assert_string_equal(m.message_id, "165545c9-2a5c-472c-8df2-7ff2be2b3b1b");
	assert_true(strncmp(m.token, "2336412f37fb687f", 16) == 0);
	assert_true(strncmp(m.subscribe_url,
			    "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&",
			    64) == 0);
	assert_non_null(strstr(m.message, "healer-alarms.\nTo confirm the subscription"));
	sns_message_free(&m);

	load("unsubscribe_confirmation", &m);
	assert_int_equal(m.type, SNS_UNSUBSCRIBE_CONFIRMATION);
	assert_non_null(m.token);
	sns_message_free(&m);
}

static void
test_parse_errors(void **state)
{
	static const struct {
		const char *body, *err;
	} v[] = {
	    {"", "body is empty"},
	    {"{\"Type\":", "body is not valid JSON (at byte 7)"},
	    {"[]", "body must be a JSON object"},
	    {"{\"a\":[[[[1]]]]}", "nesting deeper than 4 levels"},
	    {"{}", "missing field 'Type'"},
	    {"{\"Type\":7}", "field 'Type' must be a string"},
	    {"{\"Type\":\"Notify\"}", "unknown Type 'Notify'"},
	    {"{\"Type\":\"Notification\",\"Message\":\"m\"}", "missing field 'MessageId'"},
	    {"{\"Type\":\"Notification\",\"Message\":{},\"MessageId\":\"i\"}",
	     "field 'Message' must be a string"},
	    {"{\"Type\":\"Notification\",\"Message\":\"m\",\"MessageId\":\"i\",\"Timestamp\":\"t\","
	     "\"TopicArn\":\"a\",\"SignatureVersion\":\"1\",\"Signature\":\"AAAA\"}",
	     "missing field 'SigningCertURL'"},
	    {"{\"Type\":\"SubscriptionConfirmation\",\"Message\":\"m\",\"MessageId\":\"i\","
	     "\"SubscribeURL\":\"u\",\"Timestamp\":\"t\",\"TopicArn\":\"a\"}",
	     "missing field 'Token'"},
	};
	struct sns_message m;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(sns_parse(v[i].body, strlen(v[i].body), &m, err, sizeof(err)), -1);
		assert_string_equal(err, v[i].err);
		assert_null(m.message);
		assert_null(m.message_id);
	}
}

static void
test_null_subject_is_absent(void **state)
{
	static const char body[] =
	    "{\"Type\":\"Notification\",\"Message\":\"m\",\"MessageId\":\"i\",\"Subject\":null,"
	    "\"Timestamp\":\"t\",\"TopicArn\":\"a\",\"SignatureVersion\":\"2\",\"Signature\":\"AA=="
	    "\","
	    "\"SigningCertURL\":\"https://sns.us-east-1.amazonaws.com/x.pem\"}";
	struct sns_message m;
	char err[256], *s;

	(void)state;
	assert_int_equal(sns_parse(body, strlen(body), &m, err, sizeof(err)), 0);
	assert_null(m.subject);
	s = sns_string_to_sign(&m);
	assert_string_equal(
	    s, "Message\nm\nMessageId\ni\nTimestamp\nt\nTopicArn\na\nType\nNotification\n");
	free(s);
	sns_message_free(&m);
}

/* The committed *.tosign files hold the exact bytes make_fixtures.sh signed. */
static void
test_string_to_sign_matches_fixtures(void **state)
{
	static const char *const names[] = {
	    "notification_alarm_v1",	 "notification_ok_v2",	     "notification_nosubject_v2",
	    "subscription_confirmation", "unsubscribe_confirmation",
	};
	struct sns_message m;
	char path[128], *want, *got;
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		load(names[i], &m);
		snprintf(path, sizeof(path), DATA "%s.tosign", names[i]);
		want = fixture(path, &len);
		got = sns_string_to_sign(&m);
		assert_int_equal(strlen(got), len);
		assert_memory_equal(got, want, len);
		free(got);
		free(want);
		sns_message_free(&m);
	}
}

static void
test_verify_valid(void **state)
{
	static const char *const names[] = {
	    "notification_alarm_v1",	 "notification_ok_v2",	     "notification_nosubject_v2",
	    "subscription_confirmation", "unsubscribe_confirmation",
	};
	struct sns_message m;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		load(names[i], &m);
		if (verify_with(&m, "test-cert.pem", err, sizeof(err)) != 0)
			fail_msg("%s: %s", names[i], err);
		sns_message_free(&m);
	}
}

static void
test_verify_rejects(void **state)
{
	struct sns_message m;
	char err[256], *saved;

	(void)state;
	load("notification_alarm_v1", &m);

	/* One byte of the Message changed. */
	m.message[strlen(m.message) - 2] ^= 1;
	assert_int_equal(verify_with(&m, "test-cert.pem", err, sizeof(err)), -1);
	assert_string_equal(err, "signature does not match");
	m.message[strlen(m.message) - 2] ^= 1;
	assert_int_equal(verify_with(&m, "test-cert.pem", err, sizeof(err)), 0);

	/* Subject dropped: it was signed. */
	saved = m.subject;
	m.subject = NULL;
	assert_int_equal(verify_with(&m, "test-cert.pem", err, sizeof(err)), -1);
	assert_string_equal(err, "signature does not match");
	m.subject = saved;

	/* A SHA1 signature presented as version 2, and unknown versions. */
	strcpy(m.signature_version, "2");
	assert_int_equal(verify_with(&m, "test-cert.pem", err, sizeof(err)), -1);
	assert_string_equal(err, "signature does not match");
	strcpy(m.signature_version, "3");
	assert_int_equal(verify_with(&m, "test-cert.pem", err, sizeof(err)), -1);
	assert_string_equal(err, "unsupported SignatureVersion '3' (expected \"1\" or \"2\")");
	strcpy(m.signature_version, "1");

	/* Another key's certificate, an expired certificate. */
	assert_int_equal(verify_with(&m, "other-cert.pem", err, sizeof(err)), -1);
	assert_string_equal(err, "signature does not match");
	assert_int_equal(verify_with(&m, "expired-cert.pem", err, sizeof(err)), -1);
	assert_string_equal(err, "certificate has expired");

	/* Signature not base64. */
	m.signature_b64[5] = '*';
	assert_int_equal(verify_with(&m, "test-cert.pem", err, sizeof(err)), -1);
	assert_string_equal(err, "field 'Signature' is not valid base64");
	sns_message_free(&m);
}

static void
test_cert_url_rules(void **state)
{
	static const struct {
		const char *url, *extra, *err; /* err NULL = accepted */
	} v[] = {
	    {CERT_URL, NULL, NULL},
	    {"https://sns.eu-central-1.amazonaws.com/a.pem", NULL, NULL},
	    /* the China partition, and nothing looser than it */
	    {"https://sns.cn-north-1.amazonaws.com.cn/a.pem", NULL, NULL},
	    {"https://sns.cn-northwest-1.amazonaws.com.cn/SimpleNotificationService-x.pem", NULL,
	     NULL},
	    {"https://sns.us-east-1.amazonaws.com.cn/a.pem", NULL,
	     "SigningCertURL host 'sns.us-east-1.amazonaws.com.cn' is not "
	     "sns.<region>.amazonaws.com(.cn)"},
	    {"https://sns.cn-north-1.amazonaws.com.cn.evil.com/a.pem", NULL,
	     "SigningCertURL host 'sns.cn-north-1.amazonaws.com.cn.evil.com' is not "
	     "sns.<region>.amazonaws.com(.cn)"},
	    {"https://sns.cn-north-1.amazonaws.cn/a.pem", NULL,
	     "SigningCertURL host 'sns.cn-north-1.amazonaws.cn' is not "
	     "sns.<region>.amazonaws.com(.cn)"},
	    {"https://sns.cn-north-1.amazonaws.com.cn:443/a.pem", NULL,
	     "SigningCertURL must not name a port"},
	    {"https://sns.cn-.amazonaws.com.cn/a.pem", NULL,
	     "SigningCertURL host 'sns.cn-.amazonaws.com.cn' is not "
	     "sns.<region>.amazonaws.com(.cn)"},
	    {"https://sns.us-gov-west-1.amazonaws.com/a.pem", NULL, NULL},
	    {"https://sns.ap-southeast-4.amazonaws.com/dir/a.pem", "127.0.0.1:8443", NULL},
	    {"https://127.0.0.1:8443/cert.pem", "127.0.0.1:8443", NULL},
	    {"https://localhost:9443/cert.pem", "127.0.0.1:8443, localhost:9443", NULL},
	    {"", NULL, "SigningCertURL is empty"},
	    {"http://sns.us-east-1.amazonaws.com/a.pem", NULL, "SigningCertURL must use https"},
	    {"ftp://sns.us-east-1.amazonaws.com/a.pem", NULL, "SigningCertURL must use https"},
	    {"https://sns.us-east-1.amazonaws.com.evil.com/a.pem", NULL,
	     "SigningCertURL host 'sns.us-east-1.amazonaws.com.evil.com' is not "
	     "sns.<region>.amazonaws.com(.cn)"},
	    {"https://evil.com/sns.us-east-1.amazonaws.com/a.pem", NULL,
	     "SigningCertURL host 'evil.com' is not sns.<region>.amazonaws.com(.cn)"},
	    {"https://sns.us-east-1.amazonaws.com@evil.com/a.pem", NULL,
	     "SigningCertURL must not carry user information"},
	    {"https://user@sns.us-east-1.amazonaws.com/a.pem", NULL,
	     "SigningCertURL must not carry user information"},
	    {"https://sns.us-east-1.amazonaws.com:443/a.pem", NULL,
	     "SigningCertURL must not name a port"},
	    {"https://sns.us-east-1.amazonaws.com:8443/a.pem", "127.0.0.1:8443",
	     "SigningCertURL must not name a port"},
	    {"https://127.0.0.1:8443/cert.pem", NULL, "SigningCertURL must not name a port"},
	    {"https://127.0.0.1:9443/cert.pem", "127.0.0.1:8443",
	     "SigningCertURL must not name a port"},
	    {"https://127.0.0.1/cert.pem", "127.0.0.1:8443",
	     "SigningCertURL host '127.0.0.1' is not sns.<region>.amazonaws.com(.cn)"},
	    {"https://sns.us-east-1.amazonaws.com./a.pem", NULL,
	     "SigningCertURL host 'sns.us-east-1.amazonaws.com.' is not "
	     "sns.<region>.amazonaws.com(.cn)"},
	    {"https://evilsns.us-east-1.amazonaws.com/a.pem", NULL,
	     "SigningCertURL host 'evilsns.us-east-1.amazonaws.com' is not "
	     "sns.<region>.amazonaws.com(.cn)"},
	    {"https://sns.evil.amazonaws.com/a.pem", NULL,
	     "SigningCertURL host 'sns.evil.amazonaws.com' is not sns.<region>.amazonaws.com(.cn)"},
	    {"https://sns.us-east-1.evil.amazonaws.com/a.pem", NULL,
	     "SigningCertURL host 'sns.us-east-1.evil.amazonaws.com' is not "
	     "sns.<region>.amazonaws.com(.cn)"},
	    {"https://sqs.us-east-1.amazonaws.com/a.pem", NULL,
	     "SigningCertURL host 'sqs.us-east-1.amazonaws.com' is not "
	     "sns.<region>.amazonaws.com(.cn)"},
	    {"https://SNS.US-EAST-1.AMAZONAWS.COM/a.pem", NULL,
	     "SigningCertURL host 'SNS.US-EAST-1.AMAZONAWS.COM' is not "
	     "sns.<region>.amazonaws.com(.cn)"},
	    {"https://sns.us-east-1.amazonaws.com\\@evil.com/a.pem", NULL,
	     "SigningCertURL contains a forbidden character"},
	    {"https://sns.us-east-1.amazonaws.com/a.pem ", NULL,
	     "SigningCertURL contains a forbidden character"},
	    {"https://sns.us-east-1.amazonaws.com", NULL, "SigningCertURL has no path"},
	    {"https://sns.us-east-1.amazonaws.com?x=/a.pem", NULL, "SigningCertURL has no path"},
	    {"https://sns.us-east-1.amazonaws.com/a.txt", NULL,
	     "SigningCertURL path must end in .pem"},
	    {"https://sns.us-east-1.amazonaws.com/a.pem?x=1", NULL,
	     "SigningCertURL must not have a query or fragment"},
	    {"https://sns.us-east-1.amazonaws.com/a.pem#frag", NULL,
	     "SigningCertURL must not have a query or fragment"},
	};
	char err[256];
	int rc;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		err[0] = '\0';
		rc = sns_check_cert_url(v[i].url, v[i].extra, err, sizeof(err));
		if (v[i].err == NULL && rc != 0)
			fail_msg("%s refused: %s", v[i].url, err);
		if (v[i].err != NULL && rc == 0)
			fail_msg("%s accepted", v[i].url);
		if (v[i].err != NULL)
			assert_string_equal(err, v[i].err);
	}
}

/* A signed message is refused once its Timestamp is more than an hour old (a replay) or
 * more than five minutes ahead. */
static void
test_timestamp_age(void **state)
{
	static const struct {
		const char *ts;
		const char *err; /* NULL = accepted */
	} v[] = {
	    {"2026-12-01T12:00:00.000Z", NULL},
	    {"2026-12-01T11:01:00Z", NULL},
	    {"2026-12-01T12:04:00Z", NULL},
	    {"2026-12-01T10:59:59.999Z",
	     "field 'Timestamp' is more than 60 minutes old (2026-12-01T10:59:59.999Z)"},
	    {"2022-07-09T02:39:54.601Z",
	     "field 'Timestamp' is more than 60 minutes old (2022-07-09T02:39:54.601Z)"},
	    {"2026-12-01T12:05:01Z",
	     "field 'Timestamp' is more than 5 minutes ahead (2026-12-01T12:05:01Z)"},
	    {"yesterday", "field 'Timestamp' must be an RFC 3339 time"},
	    {NULL, "field 'Timestamp' must be an RFC 3339 time"},
	};
	struct sns_message m;
	int64_t now;
	char err[256];

	(void)state;
	assert_int_equal(time_parse_iso("2026-12-01T12:00:00Z", &now), 0);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		memset(&m, 0, sizeof(m));
		m.timestamp = (char *)v[i].ts;
		err[0] = '\0';
		int rc = sns_check_age(&m, now, err, sizeof(err));
		if (v[i].err == NULL && rc != 0)
			fail_msg("%s refused: %s", v[i].ts, err);
		if (v[i].err != NULL) {
			assert_int_equal(rc, -1);
			assert_string_equal(err, v[i].err);
		}
	}
}

static void
test_topic_allowlist(void **state)
{
	(void)state;
	assert_true(sns_topic_allowed(TOPIC, TOPIC));
	assert_true(sns_topic_allowed(TOPIC, "arn:aws:sns:eu-west-1:1:other, " TOPIC));
	assert_true(sns_topic_allowed(TOPIC, "*"));
	assert_true(sns_topic_allowed(TOPIC, "arn:x, *"));
	assert_false(sns_topic_allowed(TOPIC, "arn:aws:sns:us-east-1:123456789012:healer"));
	assert_false(sns_topic_allowed(TOPIC, TOPIC "-2"));
	assert_false(sns_topic_allowed("arn:aws:sns:us-east-1:123456789012:healer", TOPIC));
	assert_false(sns_topic_allowed(TOPIC, ""));
	assert_false(sns_topic_allowed(TOPIC, NULL));
	assert_false(sns_topic_allowed("", "*"));
	assert_false(sns_topic_allowed(NULL, "*"));
}

/* The path the HTTP layer takes: envelope → verified → Message parsed as the alert. */
static void
test_envelope_to_alert(void **state)
{
	struct sns_message m;
	struct alert_batch b;
	char err[256];

	(void)state;
	load("notification_alarm_v1", &m);
	assert_int_equal(sns_check_cert_url(m.signing_cert_url, NULL, err, sizeof(err)), 0);
	assert_int_equal(verify_with(&m, "test-cert.pem", err, sizeof(err)), 0);
	assert_true(sns_topic_allowed(m.topic_arn, TOPIC));
	assert_int_equal(
	    ingest_parse(SRC_SNS, m.message, strlen(m.message), m.message_id, &b, err, sizeof(err)),
	    0);
	assert_int_equal(b.n, 1);
	assert_string_equal(b.v[0].dedup_key, "sns:6c1a8e2e-93b4-5a8f-9f3e-2d0b7c4a1e55");
	assert_string_equal(b.v[0].fingerprint,
			    "arn:aws:cloudwatch:us-east-1:123456789012:alarm:HighCPU-web-1");
	assert_true(b.v[0].firing);
	alert_batch_free(&b);
	sns_message_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_notification),
	    cmocka_unit_test(test_parse_confirmations),
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_null_subject_is_absent),
	    cmocka_unit_test(test_string_to_sign_matches_fixtures),
	    cmocka_unit_test(test_verify_valid),
	    cmocka_unit_test(test_verify_rejects),
	    cmocka_unit_test(test_cert_url_rules),
	    cmocka_unit_test(test_topic_allowlist),
	    cmocka_unit_test(test_timestamp_age),
	    cmocka_unit_test(test_envelope_to_alert),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
