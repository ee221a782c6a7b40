/* crypto.h — the only OpenSSL user: hashes, HMAC, RSA signature checks, X.509, base64. */
#ifndef HEALER_CRYPTO_H
#define HEALER_CRYPTO_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* SHA-256 of data as 64 lowercase hex chars + NUL into out[65]. */
void crypto_sha256_hex(const void *data, size_t len, char out[65]);
void crypto_sha256(const void *data, size_t len, uint8_t out[32]);
void crypto_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
			uint8_t out[32]);
/* Base64 (standard and url-safe, padding optional). Returns decoded length or -1. */
long crypto_b64_decode(const char *in, size_t inlen, uint8_t *out, size_t outcap, bool url);
/* Encodes; returns owned NUL-terminated string. */
char *crypto_b64_encode(const uint8_t *in, size_t len, bool url);

enum crypto_hash { CRYPTO_SHA1, CRYPTO_SHA256 };
/* Verifies an RSA PKCS#1 v1.5 signature over data with the public key of a PEM X.509
 * certificate. Also checks the certificate's validity period against now. Returns 0 if
 * valid, -1 otherwise with err. */
int crypto_verify_x509_rsa(const char *cert_pem, size_t cert_len, enum crypto_hash h,
			   const void *data, size_t len, const uint8_t *sig, size_t siglen,
			   char *err, size_t errlen);
/* Verifies RS256 with a JWK's modulus/exponent (base64url n, e). 0 or -1. */
int crypto_verify_rs256_jwk(const char *n_b64u, const char *e_b64u, const void *data, size_t len,
			    const uint8_t *sig, size_t siglen, char *err, size_t errlen);
/* Fills buf with random bytes (RAND_bytes). */
void crypto_random(void *buf, size_t len);

#endif
