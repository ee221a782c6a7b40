/* sigv4.h — AWS Signature Version 4 for one HTTP request (pure: no clock, no I/O). Used by
 * the CloudWatch watcher and by anything else that calls an AWS JSON API without an SDK. */
#ifndef HEALER_SIGV4_H
#define HEALER_SIGV4_H

#include <stddef.h>

struct sigv4_req {
	const char *method; /* "GET", "POST" */
	const char *path;   /* canonical URI, already percent-encoded ("/" when empty) */
	const char *query;  /* "a=1&b=2", each part already percent-encoded; NULL or "" = none */
	const char *const *headers; /* NULL-terminated "Name: value" lines to sign; must include
				     * Host and X-Amz-Date (and X-Amz-Security-Token if any) */
	const void *body;
	size_t body_len;
	const char *region, *service;
	const char *access_key, *secret_key;
	const char *amz_date; /* "20150830T123600Z": the X-Amz-Date header's value */
};

#define SIGV4_MAX_HEADERS 32

/* Writes the Authorization header's value ("AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…,
 * Signature=…") into out. Returns 0, or -1 when a header line is malformed, there are more
 * than SIGV4_MAX_HEADERS, the date is not 16 characters or out is too small. Header names
 * are lower-cased and values trimmed with inner runs of spaces collapsed, as AWS does;
 * repeated names are joined with ",". The query parts are sorted by name then value. */
int sigv4_sign(const struct sigv4_req *r, char *out, size_t outlen);

/* Formats epoch seconds as the "YYYYMMDDTHHMMSSZ" that X-Amz-Date wants, into out[17]. */
void sigv4_amz_date(long long epoch_s, char out[17]);

#endif
