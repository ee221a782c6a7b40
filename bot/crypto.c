/* crypto.c — hashes, HMAC, base64, RSA signature checks and randomness (the only OpenSSL user). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "crypto.h"
#include "log.h"
#include "util.h"

/* A JWK modulus beyond 8192 bits is not a key anyone issues; refuse before allocating. */
#define JWK_MAX_MODULUS 1024
#define JWK_MAX_EXPONENT 16
#define RSA_MIN_BITS 2048

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Writes "what: <first OpenSSL error>" into err and clears the thread's error queue, so a
 * stale error never leaks into the next caller's message. */
static int
ossl_fail(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();
	char detail[160] = "";

	if (e != 0)
		ERR_error_string_n(e, detail, sizeof(detail));
	ERR_clear_error();
	if (detail[0] != '\0')
		snprintf(err, errlen, "%s (%s)", what, detail);
	else
		snprintf(err, errlen, "%s", what);
	return -1;
}

void
crypto_sha256(const void *data, size_t len, uint8_t out[32])
{
	unsigned int n = 0;

	if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 || n != 32)
		fatalx("crypto_sha256: EVP_Digest failed");
}

void
crypto_sha256_hex(const void *data, size_t len, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t md[32];
	size_t i;

	crypto_sha256(data, len, md);
	for (i = 0; i < sizeof(md); i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0x0f];
	}
	out[64] = '\0';
}

void
crypto_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len, uint8_t out[32])
{
	size_t n = 0;
	/* EVP_Q_mac refuses a NULL key even when its length is zero. */
	static const uint8_t empty[1];

	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, keylen ? key : empty, keylen, data, len,
		      out, 32, &n) == NULL ||
	    n != 32)
		fatalx("crypto_hmac_sha256: EVP_Q_mac failed");
}

static int
b64_value(char c, bool url)
{
	const char *alpha = url ? b64_url : b64_std;
	const char *p;

	if (c == '\0')
		return -1;
	p = strchr(alpha, c);
	return p ? (int)(p - alpha) : -1;
}

long
crypto_b64_decode(const char *in, size_t inlen, uint8_t *out, size_t outcap, bool url)
{
	uint32_t acc = 0;
	size_t i, n = 0, pad = 0, bits = 0;
	int v;

	/* Padding is optional but, when present, must complete the last quantum exactly. */
	while (pad < 2 && inlen > 0 && in[inlen - 1] == '=') {
		inlen--;
		pad++;
	}
	if (pad > 0 && (inlen + pad) % 4 != 0)
		return -1;
	if (inlen % 4 == 1)
		return -1;
	for (i = 0; i < inlen; i++) {
		if ((v = b64_value(in[i], url)) < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= outcap)
				return -1;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	/* Leftover bits must be zero, or two encodings would decode to the same bytes. */
	if ((acc & ((1u << bits) - 1)) != 0)
		return -1;
	return (long)n;
}

char *
crypto_b64_encode(const uint8_t *in, size_t len, bool url)
{
	const char *alpha = url ? b64_url : b64_std;
	char *out = xmalloc(4 * ((len + 2) / 3) + 1);
	size_t i, o = 0;
	uint32_t v;

	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = alpha[v >> 18];
		out[o++] = alpha[(v >> 12) & 63];
		out[o++] = alpha[(v >> 6) & 63];
		out[o++] = alpha[v & 63];
	}
	if (i < len) {
		v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0);
		out[o++] = alpha[v >> 18];
		out[o++] = alpha[(v >> 12) & 63];
		if (i + 1 < len)
			out[o++] = alpha[(v >> 6) & 63];
		/* url-safe output is unpadded, as JWTs are. */
		if (!url) {
			if (i + 1 >= len)
				out[o++] = '=';
			out[o++] = '=';
		}
	}
	out[o] = '\0';
	return out;
}

/* RSA PKCS#1 v1.5 verification with an already-built public key. */
static int
verify_rsa(EVP_PKEY *pkey, const EVP_MD *md, const void *data, size_t len, const uint8_t *sig,
	   size_t siglen, char *err, size_t errlen)
{
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	int rc = -1, r;

	if (!EVP_PKEY_is_a(pkey, "RSA")) {
		snprintf(err, errlen, "key is not an RSA key");
		goto out;
	}
	if (EVP_PKEY_get_bits(pkey) < RSA_MIN_BITS) {
		snprintf(err, errlen, "RSA key of %d bits is shorter than %d",
			 EVP_PKEY_get_bits(pkey), RSA_MIN_BITS);
		goto out;
	}
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL || EVP_DigestVerifyInit(ctx, &pctx, md, NULL, pkey) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
		ossl_fail(err, errlen, "cannot set up signature verification");
		goto out;
	}
	r = EVP_DigestVerify(ctx, sig, siglen, data, len);
	if (r != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "signature does not match");
		goto out;
	}
	rc = 0;
out:
	EVP_MD_CTX_free(ctx); /* frees pctx too */
	return rc;
}

int
crypto_verify_x509_rsa(const char *cert_pem, size_t cert_len, enum crypto_hash h, const void *data,
		       size_t len, const uint8_t *sig, size_t siglen, char *err, size_t errlen)
{
	BIO *bio = NULL;
	X509 *cert = NULL;
	EVP_PKEY *pkey;
	/* The certificate's validity period, by the system clock. */
	time_t now = time(NULL);
	int rc = -1;

	if (cert_len > INT32_MAX) {
		snprintf(err, errlen, "certificate too large");
		goto out;
	}
	bio = BIO_new_mem_buf(cert_pem, (int)cert_len);
	if (bio == NULL || (cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL) {
		ossl_fail(err, errlen, "cannot read PEM certificate");
		goto out;
	}
	/* X509_cmp_time: -1 = the field is before `now`, 1 = after, 0 = error. */
	if (X509_cmp_time(X509_get0_notBefore(cert), &now) != -1) {
		snprintf(err, errlen, "certificate is not yet valid");
		goto out;
	}
	if (X509_cmp_time(X509_get0_notAfter(cert), &now) != 1) {
		snprintf(err, errlen, "certificate has expired");
		goto out;
	}
	if ((pkey = X509_get0_pubkey(cert)) == NULL) {
		ossl_fail(err, errlen, "certificate has no usable public key");
		goto out;
	}
	rc = verify_rsa(pkey, h == CRYPTO_SHA1 ? EVP_sha1() : EVP_sha256(), data, len, sig, siglen,
			err, errlen);
out:
	X509_free(cert);
	BIO_free(bio);
	ERR_clear_error();
	return rc;
}

/* Decodes one base64url JWK member into a fresh BIGNUM. */
static BIGNUM *
jwk_bn(const char *b64u, size_t cap, const char *name, char *err, size_t errlen)
{
	uint8_t raw[JWK_MAX_MODULUS];
	long n;
	BIGNUM *bn;

	n = b64u ? crypto_b64_decode(b64u, strlen(b64u), raw, cap, true) : -1;
	if (n <= 0) {
		snprintf(err, errlen, "JWK '%s' is not base64url of at most %zu bytes", name, cap);
		return NULL;
	}
	if ((bn = BN_bin2bn(raw, (int)n, NULL)) == NULL)
		fatalx("BN_bin2bn: out of memory");
	return bn;
}

int
crypto_verify_rs256_jwk(const char *n_b64u, const char *e_b64u, const void *data, size_t len,
			const uint8_t *sig, size_t siglen, char *err, size_t errlen)
{
	BIGNUM *n = NULL, *e = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *kctx = NULL;
	EVP_PKEY *pkey = NULL;
	int rc = -1;

	if ((n = jwk_bn(n_b64u, JWK_MAX_MODULUS, "n", err, errlen)) == NULL ||
	    (e = jwk_bn(e_b64u, JWK_MAX_EXPONENT, "e", err, errlen)) == NULL)
		goto out;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1 ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL) {
		ossl_fail(err, errlen, "cannot build RSA key parameters");
		goto out;
	}
	if ((kctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(kctx) != 1 ||
	    EVP_PKEY_fromdata(kctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		ossl_fail(err, errlen, "cannot build RSA key from JWK");
		goto out;
	}
	rc = verify_rsa(pkey, EVP_sha256(), data, len, sig, siglen, err, errlen);
out:
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(kctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(e);
	BN_free(n);
	ERR_clear_error();
	return rc;
}

void
crypto_random(void *buf, size_t len)
{
	/* Without randomness no token or nonce is safe to issue: a broken invariant. */
	if (len > INT32_MAX || RAND_bytes(buf, (int)len) != 1)
		fatalx("RAND_bytes failed");
}
