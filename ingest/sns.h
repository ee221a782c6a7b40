/* sns.h — AWS SNS HTTPS envelopes: parsing, the string to sign (v1 SHA1 / v2 SHA256),
 * signing-certificate URL checks. Network fetches are the caller's (through httpc). */
#ifndef HEALER_SNS_H
#define HEALER_SNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sns_type { SNS_NOTIFICATION, SNS_SUBSCRIPTION_CONFIRMATION, SNS_UNSUBSCRIBE_CONFIRMATION };

struct sns_message {
	enum sns_type type;
	char *message_id, *topic_arn, *subject, *message, *timestamp, *token;
	char *subscribe_url, *signing_cert_url, *signature_version, *signature_b64;
};

/* Parses the JSON envelope; every field the signature covers must be present. -1 + err. */
int sns_parse(const char *body, size_t len, struct sns_message *out, char *err, size_t errlen);
void sns_message_free(struct sns_message *m);
/* The canonical "Name\nValue\n…" string; owned. */
char *sns_string_to_sign(const struct sns_message *m);
/* SigningCertURL must be https://sns.<region>.amazonaws.com/….pem (or, in the China
 * partition, https://sns.cn-<region>.amazonaws.com.cn/….pem), or its host must be in the
 * comma-separated `extra_hosts` (tests: "127.0.0.1:8443"). 0 or -1 + err. */
int sns_check_cert_url(const char *url, const char *extra_hosts, char *err, size_t errlen);
/* A signed message can be replayed for as long as its certificate lives: its Timestamp must
 * be at most SNS_MAX_AGE_MS old and at most SNS_MAX_AHEAD_MS ahead of now_ms (clock skew).
 * 0, or -1 with err naming Timestamp. */
#define SNS_MAX_AGE_MS (3600 * 1000)
#define SNS_MAX_AHEAD_MS (5 * 60 * 1000)
int sns_check_age(const struct sns_message *m, int64_t now_ms, char *err, size_t errlen);
/* Verifies the message's signature against the PEM certificate. 0 or -1 + err. */
int sns_verify(const struct sns_message *m, const char *cert_pem, size_t cert_len, char *err,
	       size_t errlen);
/* True if topic_arn is in the comma-separated allowlist ("*" allows any). */
bool sns_topic_allowed(const char *topic_arn, const char *allowlist);

#endif
