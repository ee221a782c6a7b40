/* fuzz_sns.c — an SNS HTTPS envelope: parse, the string to sign, the certificate URL rules,
 * the signature against the test certificate, and a Notification's Message as CloudWatch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box.h"
#include "ingest.h"
#include "sns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *cert;
	static size_t cert_len;
	struct sns_message m;
	struct alert_batch b = {0};
	char err[256];
	char *tosign;

	if (cert == NULL)
		cert = box_data_file("sns/test-cert.pem", &cert_len);
	memset(&m, 0, sizeof(m));
	if (sns_parse((const char *)data, size, &m, err, sizeof(err)) != 0) {
		if (err[0] == '\0')
			box_fail("sns: a refusal without a reason", "");
		if (!box_utf8_ok(err)) /* it is the 400 answer's "error" */
			box_fail("sns: the refusal is not UTF-8", err);
		return 0;
	}
	tosign = sns_string_to_sign(&m);
	if (tosign == NULL)
		box_fail("sns: a parsed envelope has no string to sign", m.message_id);
	free(tosign);
	(void)sns_check_cert_url(m.signing_cert_url, "127.0.0.1:8443", err, sizeof(err));
	(void)sns_topic_allowed(m.topic_arn, "arn:aws:sns:us-east-1:123456789012:healer,other");
	(void)sns_verify(&m, cert, cert_len, err, sizeof(err));
	if (m.type == SNS_NOTIFICATION && m.message != NULL &&
	    ingest_parse(SRC_SNS, m.message, strlen(m.message), m.message_id, &b, err,
			 sizeof(err)) == 0)
		alert_batch_free(&b);
	sns_message_free(&m);
	return 0;
}
