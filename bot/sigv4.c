/* sigv4.c — AWS Signature Version 4: canonical request, string to sign, derived key. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "sigv4.h"
#include "util.h"

#define SIGV4_SCOPE_CAP 256

struct hdr {
	char *name;  /* lower-cased */
	char *value; /* trimmed, inner spaces collapsed */
};

static int
hdr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct hdr *)a)->name, ((const struct hdr *)b)->name);
}

/* "  a   b " → "a b": AWS signs values trimmed with runs of spaces collapsed. */
static char *
value_normalise(const char *v)
{
	char *out = xmalloc(strlen(v) + 1), *o = out;
	bool space = false;

	while (*v == ' ' || *v == '\t')
		v++;
	for (; *v; v++) {
		if (*v == ' ' || *v == '\t') {
			space = true;
			continue;
		}
		if (space && o != out)
			*o++ = ' ';
		space = false;
		*o++ = *v;
	}
	*o = '\0';
	return out;
}

/* Parses, lower-cases and sorts the headers; repeated names are joined with ",". Returns the
 * count, or -1 on a malformed line or too many. */
static int
headers_parse(const char *const *lines, struct hdr *h)
{
	int n = 0;

	for (size_t i = 0; lines && lines[i]; i++) {
		const char *colon = strchr(lines[i], ':');
		if (colon == NULL || colon == lines[i])
			goto bad;
		char *name = xstrndup(lines[i], (size_t)(colon - lines[i]));
		for (char *p = name; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		char *value = value_normalise(colon + 1);
		int j;
		for (j = 0; j < n && strcmp(h[j].name, name) != 0; j++)
			;
		if (j < n) {
			char *joined = xasprintf("%s,%s", h[j].value, value);
			free(h[j].value);
			free(value);
			free(name);
			h[j].value = joined;
			continue;
		}
		if (n == SIGV4_MAX_HEADERS) {
			free(name);
			free(value);
			goto bad;
		}
		h[n].name = name;
		h[n].value = value;
		n++;
	}
	qsort(h, (size_t)n, sizeof(*h), hdr_cmp);
	return n;
bad:
	for (int j = 0; j < n; j++) {
		free(h[j].name);
		free(h[j].value);
	}
	return -1;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "b=2&a=1" → "a=1&b=2". Sorting whole "k=v" strings orders by name then value except when
 * one name is a prefix of another ("a" vs "a-b"): '=' sorts before every unreserved character
 * but '-' and '.', so those compare on the name first. */
static int
part_cmp(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t xn = strcspn(x, "="), yn = strcspn(y, "=");
	int c = strncmp(x, y, xn < yn ? xn : yn);

	if (c != 0)
		return c;
	if (xn != yn)
		return xn < yn ? -1 : 1;
	return str_cmp(a, b);
}

static void
query_canonical(const char *q, struct buf *out)
{
	char *copy, *save = NULL, **parts = NULL;
	size_t n = 0;

	if (q == NULL || *q == '\0')
		return;
	copy = xstrdup(q);
	for (char *p = strtok_r(copy, "&", &save); p; p = strtok_r(NULL, "&", &save)) {
		parts = xrealloc(parts, (n + 1) * sizeof(*parts));
		parts[n++] = p;
	}
	if (n > 1)
		qsort(parts, n, sizeof(*parts), part_cmp);
	for (size_t i = 0; i < n; i++)
		buf_printf(out, "%s%s%s", i ? "&" : "", parts[i], strchr(parts[i], '=') ? "" : "=");
	free(parts);
	free(copy);
}

static void
hex(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int
sigv4_sign(const struct sigv4_req *r, char *out, size_t outlen)
{
	struct hdr h[SIGV4_MAX_HEADERS];
	struct buf canon, signed_names;
	char body_hash[65], canon_hash[65], scope[SIGV4_SCOPE_CAP], sig[65], date[9];
	uint8_t k[32], k2[32];
	int n, rc = -1, len;

	if (r->amz_date == NULL || strlen(r->amz_date) != 16)
		return -1;
	if ((n = headers_parse(r->headers, h)) < 0)
		return -1;
	buf_init(&canon, 0);
	buf_init(&signed_names, 0);
	buf_printf(&canon, "%s\n%s\n", r->method ? r->method : "GET",
		   r->path && *r->path ? r->path : "/");
	query_canonical(r->query, &canon);
	buf_printf(&canon, "\n");
	for (int i = 0; i < n; i++) {
		buf_printf(&canon, "%s:%s\n", h[i].name, h[i].value);
		buf_printf(&signed_names, "%s%s", i ? ";" : "", h[i].name);
	}
	crypto_sha256_hex(r->body ? r->body : "", r->body ? r->body_len : 0, body_hash);
	buf_printf(&canon, "\n%s\n%s", signed_names.data ? signed_names.data : "", body_hash);
	crypto_sha256_hex(canon.data, canon.len, canon_hash);

	memcpy(date, r->amz_date, 8);
	date[8] = '\0';
	len = snprintf(scope, sizeof(scope), "%s/%s/%s/aws4_request", date, r->region, r->service);
	if (len < 0 || (size_t)len >= sizeof(scope))
		goto out;
	char *sts = xasprintf("AWS4-HMAC-SHA256\n%s\n%s\n%s", r->amz_date, scope, canon_hash);
	char *secret = xasprintf("AWS4%s", r->secret_key);
	/* the HMAC's key and output never share memory */
	crypto_hmac_sha256(secret, strlen(secret), date, 8, k);
	crypto_hmac_sha256(k, 32, r->region, strlen(r->region), k2);
	crypto_hmac_sha256(k2, 32, r->service, strlen(r->service), k);
	crypto_hmac_sha256(k, 32, "aws4_request", 12, k2);
	crypto_hmac_sha256(k2, 32, sts, strlen(sts), k);
	hex(k, 32, sig);
	/* the derived key is as good as the secret for a day: do not leave it on the stack */
	memset(secret, 0, strlen(secret));
	free(secret);
	free(sts);
	len = snprintf(out, outlen,
		       "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s",
		       r->access_key, scope, signed_names.data ? signed_names.data : "", sig);
	rc = len < 0 || (size_t)len >= outlen ? -1 : 0;
out:
	memset(k, 0, sizeof(k));
	memset(k2, 0, sizeof(k2));
	for (int i = 0; i < n; i++) {
		free(h[i].name);
		free(h[i].value);
	}
	buf_free(&canon);
	buf_free(&signed_names);
	return rc;
}

void
sigv4_amz_date(long long epoch_s, char out[17])
{
	time_t t = (time_t)epoch_s;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}
