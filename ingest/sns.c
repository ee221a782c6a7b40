/* sns.c — SNS HTTPS envelopes: parsing, string to sign, cert URL rules, signature checks. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "crypto.h"
#include "ingest.h"
#include "sns.h"
#include "util.h"

/* An SNS envelope is one flat object; anything nested deeper is not from SNS. */
#define SNS_MAX_DEPTH 4
/* RSA-4096 signatures are 512 bytes; leave room, refuse anything absurd. */
#define SNS_MAX_SIG 1024

/* The partitions whose SNS hosts sign messages: the host is "sns." + region + suffix. */
static const struct {
	const char *suffix;
	const char *region_prefix; /* every region of the partition starts so */
} sns_partitions[] = {
    {".amazonaws.com", ""},
    {".amazonaws.com.cn", "cn-"},
};

/* How a message type treats an envelope member. */
enum sns_role {
	NOT_SIGNED, /* outside the signature */
	SIGNED,	    /* required and covered by the signature */
	SIGNED_OPT, /* covered by the signature when present (a Notification's Subject) */
};

/* Which envelope member goes where and how each message type treats it. The signed members
 * are listed in the byte order the string to sign uses (sns_string_to_sign); Type, which
 * sorts last, is not a member slot and is appended there. */
struct sns_field {
	const char *name;
	size_t off;
	enum sns_role notif, confirm;
	bool required; /* required for every type, outside the signature */
};

#define SLOT(member) offsetof(struct sns_message, member)
static const struct sns_field sns_fields[] = {
    {"Message", SLOT(message), SIGNED, SIGNED, false},
    {"MessageId", SLOT(message_id), SIGNED, SIGNED, false},
    {"Subject", SLOT(subject), SIGNED_OPT, NOT_SIGNED, false},
    {"SubscribeURL", SLOT(subscribe_url), NOT_SIGNED, SIGNED, false},
    {"Timestamp", SLOT(timestamp), SIGNED, SIGNED, false},
    {"Token", SLOT(token), NOT_SIGNED, SIGNED, false},
    {"TopicArn", SLOT(topic_arn), SIGNED, SIGNED, false},
    {"SignatureVersion", SLOT(signature_version), NOT_SIGNED, NOT_SIGNED, true},
    {"Signature", SLOT(signature_b64), NOT_SIGNED, NOT_SIGNED, true},
    {"SigningCertURL", SLOT(signing_cert_url), NOT_SIGNED, NOT_SIGNED, true},
};
#undef SLOT

static const struct {
	const char *name;
	enum sns_type type;
} sns_types[] = {
    {"Notification", SNS_NOTIFICATION},
    {"SubscriptionConfirmation", SNS_SUBSCRIPTION_CONFIRMATION},
    {"UnsubscribeConfirmation", SNS_UNSUBSCRIBE_CONFIRMATION},
};

static char **
field_slot(struct sns_message *m, const struct sns_field *f)
{
	return (char **)((char *)m + f->off);
}

static enum sns_role
field_role(const struct sns_message *m, const struct sns_field *f)
{
	return m->type == SNS_NOTIFICATION ? f->notif : f->confirm;
}

static const char *
type_name(enum sns_type t)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(sns_types); i++)
		if (sns_types[i].type == t)
			return sns_types[i].name;
	return "?";
}

int
sns_parse(const char *body, size_t len, struct sns_message *out, char *err, size_t errlen)
{
	struct sns_message m = {0};
	cJSON *root, *it;
	const struct sns_field *f;
	const char *tname;
	bool need, found = false;
	size_t i;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (len > INGEST_MAX_BODY) {
		snprintf(err, errlen, "body larger than %d bytes", INGEST_MAX_BODY);
		return -1;
	}
	if ((root = json_parse_capped(body, len, SNS_MAX_DEPTH, err, errlen)) == NULL)
		return -1;
	if (!cJSON_IsObject(root)) {
		snprintf(err, errlen, "body must be a JSON object");
		goto out;
	}
	it = cJSON_GetObjectItemCaseSensitive(root, "Type");
	if (it == NULL) {
		snprintf(err, errlen, "missing field 'Type'");
		goto out;
	}
	if ((tname = cJSON_GetStringValue(it)) == NULL) {
		snprintf(err, errlen, "field 'Type' must be a string");
		goto out;
	}
	for (i = 0; i < ARRAY_LEN(sns_types); i++) {
		if (strcmp(tname, sns_types[i].name) == 0) {
			m.type = sns_types[i].type;
			found = true;
		}
	}
	if (!found) {
		snprintf(err, errlen, "unknown Type '%.64s'", tname);
		goto out;
	}
	for (f = sns_fields; f < sns_fields + ARRAY_LEN(sns_fields); f++) {
		need = f->required || field_role(&m, f) == SIGNED;
		it = cJSON_GetObjectItemCaseSensitive(root, f->name);
		/* An absent Subject is sometimes sent as null; both mean "not signed". */
		if (it == NULL || (cJSON_IsNull(it) && !need)) {
			if (need) {
				snprintf(err, errlen, "missing field '%s'", f->name);
				goto out;
			}
			continue;
		}
		if (!cJSON_IsString(it)) {
			snprintf(err, errlen, "field '%s' must be a string", f->name);
			goto out;
		}
		*field_slot(&m, f) = xstrdup(it->valuestring);
	}
	*out = m;
	memset(&m, 0, sizeof(m)); /* owned by the caller now */
	rc = 0;
out:
	sns_message_free(&m);
	cJSON_Delete(root);
	return rc;
}

void
sns_message_free(struct sns_message *m)
{
	const struct sns_field *f;

	if (m == NULL)
		return;
	for (f = sns_fields; f < sns_fields + ARRAY_LEN(sns_fields); f++) {
		free(*field_slot(m, f));
		*field_slot(m, f) = NULL;
	}
}

char *
sns_string_to_sign(const struct sns_message *m)
{
	const struct sns_field *f;
	const char *v;
	struct buf b;

	buf_init(&b, 0);
	for (f = sns_fields; f < sns_fields + ARRAY_LEN(sns_fields); f++) {
		v = *field_slot((struct sns_message *)m, f);
		/* After sns_parse only a SIGNED_OPT member may be absent. */
		if (field_role(m, f) == NOT_SIGNED || v == NULL)
			continue;
		buf_printf(&b, "%s\n%s\n", f->name, v);
	}
	buf_printf(&b, "Type\n%s\n", type_name(m->type));
	return buf_steal(&b);
}

/* Region codes look like us-east-1, eu-central-2, us-gov-west-1: a two-letter area, one or
 * more lowercase words, and a number, joined by '-'. */
static bool
region_valid(const char *s, size_t n)
{
	size_t i, start = 0, part = 0;
	bool last;

	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != '-')
			continue;
		last = i == n;
		if (i == start)
			return false; /* empty part */
		for (size_t k = start; k < i; k++) {
			unsigned char c = (unsigned char)s[k];

			if (last ? !isdigit(c) : !(c >= 'a' && c <= 'z'))
				return false;
		}
		if (part == 0 && i - start != 2)
			return false;
		part++;
		start = i + 1;
	}
	return part >= 3;
}

/* True if item[0..itemlen) is one of the comma-separated entries (spaces around ignored). */
static bool
list_contains(const char *list, const char *item, size_t itemlen, bool icase)
{
	const char *p = list, *end;
	size_t n;

	if (list == NULL)
		return false;
	while (*p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		end = p;
		while (*end != '\0' && *end != ',')
			end++;
		n = (size_t)(end - p);
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if (n > 0 && n == itemlen &&
		    (icase ? strncasecmp(p, item, n) : strncmp(p, item, n)) == 0)
			return true;
		p = end;
	}
	return false;
}

int
sns_check_cert_url(const char *url, const char *extra_hosts, char *err, size_t errlen)
{
	static const char scheme[] = "https://";
	const char *auth, *path, *p;
	size_t authlen, pathlen;

	if (url == NULL || url[0] == '\0') {
		snprintf(err, errlen, "SigningCertURL is empty");
		return -1;
	}
	for (p = url; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || *p == '\\') {
			snprintf(err, errlen, "SigningCertURL contains a forbidden character");
			return -1;
		}
	}
	if (strncasecmp(url, scheme, sizeof(scheme) - 1) != 0) {
		snprintf(err, errlen, "SigningCertURL must use https");
		return -1;
	}
	auth = url + sizeof(scheme) - 1;
	path = auth + strcspn(auth, "/?#");
	authlen = (size_t)(path - auth);
	if (*path != '/') {
		snprintf(err, errlen, "SigningCertURL has no path");
		return -1;
	}
	if (memchr(auth, '@', authlen) != NULL) {
		snprintf(err, errlen, "SigningCertURL must not carry user information");
		return -1;
	}
	if (strpbrk(path, "?#") != NULL) {
		snprintf(err, errlen, "SigningCertURL must not have a query or fragment");
		return -1;
	}
	pathlen = strlen(path);
	if (pathlen < 5 || strcmp(path + pathlen - 4, ".pem") != 0) {
		snprintf(err, errlen, "SigningCertURL path must end in .pem");
		return -1;
	}
	if (list_contains(extra_hosts, auth, authlen, true))
		return 0;
	if (memchr(auth, ':', authlen) != NULL) {
		snprintf(err, errlen, "SigningCertURL must not name a port");
		return -1;
	}
	/* Exactly sns.<region><suffix>: no further labels on either side. */
	for (size_t i = 0; i < ARRAY_LEN(sns_partitions); i++) {
		size_t suffix = strlen(sns_partitions[i].suffix);
		const char *rp = sns_partitions[i].region_prefix;
		if (authlen > 4 + suffix && strncmp(auth, "sns.", 4) == 0 &&
		    strncmp(auth + authlen - suffix, sns_partitions[i].suffix, suffix) == 0 &&
		    strncmp(auth + 4, rp, strlen(rp)) == 0 &&
		    region_valid(auth + 4, authlen - 4 - suffix))
			return 0;
	}
	snprintf(err, errlen, "SigningCertURL host '%.*s' is not sns.<region>.amazonaws.com(.cn)",
		 (int)(authlen > 128 ? 128 : authlen), auth);
	return -1;
}

int
sns_check_age(const struct sns_message *m, int64_t now_ms, char *err, size_t errlen)
{
	int64_t at;

	if (m->timestamp == NULL || time_parse_iso(m->timestamp, &at) != 0 || at <= 0) {
		snprintf(err, errlen, "field 'Timestamp' must be an RFC 3339 time");
		return -1;
	}
	if (now_ms - at > SNS_MAX_AGE_MS) {
		snprintf(err, errlen, "field 'Timestamp' is more than %d minutes old (%.40s)",
			 SNS_MAX_AGE_MS / 60000, m->timestamp);
		return -1;
	}
	if (at - now_ms > SNS_MAX_AHEAD_MS) {
		snprintf(err, errlen, "field 'Timestamp' is more than %d minutes ahead (%.40s)",
			 SNS_MAX_AHEAD_MS / 60000, m->timestamp);
		return -1;
	}
	return 0;
}

int
sns_verify(const struct sns_message *m, const char *cert_pem, size_t cert_len, char *err,
	   size_t errlen)
{
	uint8_t sig[SNS_MAX_SIG];
	enum crypto_hash h;
	char *tosign = NULL;
	long siglen;
	int rc = -1;

	if (m->signature_version == NULL) {
		snprintf(err, errlen, "missing field 'SignatureVersion'");
		goto out;
	}
	if (strcmp(m->signature_version, "1") == 0) {
		h = CRYPTO_SHA1;
	} else if (strcmp(m->signature_version, "2") == 0) {
		h = CRYPTO_SHA256;
	} else {
		snprintf(err, errlen,
			 "unsupported SignatureVersion '%.16s' (expected \"1\" or \"2\")",
			 m->signature_version);
		goto out;
	}
	siglen = m->signature_b64 ? crypto_b64_decode(m->signature_b64, strlen(m->signature_b64),
						      sig, sizeof(sig), false)
				  : -1;
	if (siglen <= 0) {
		snprintf(err, errlen, "field 'Signature' is not valid base64");
		goto out;
	}
	tosign = sns_string_to_sign(m);
	if (crypto_verify_x509_rsa(cert_pem, cert_len, h, tosign, strlen(tosign), sig,
				   (size_t)siglen, err, errlen) != 0)
		goto out;
	rc = 0;
out:
	free(tosign);
	return rc;
}

bool
sns_topic_allowed(const char *topic_arn, const char *allowlist)
{
	if (topic_arn == NULL || topic_arn[0] == '\0')
		return false;
	return list_contains(allowlist, "*", 1, false) ||
	       list_contains(allowlist, topic_arn, strlen(topic_arn), false);
}
