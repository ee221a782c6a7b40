/* test_crypto.c — known-answer vectors for SHA-256, HMAC and base64; RSA checks on fixtures. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crypto.h"
#include "util.h"
#include "file_fixture.h"

#define DATA "tests/data/sns/"

static void
hex(const uint8_t *v, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", v[i]);
}

static void
test_sha256_vectors(void **state)
{
	/* FIPS 180-2 examples and the empty string. */
	static const struct {
		const char *in, *want;
	} v[] = {
	    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	};
	char out[65], h[65];
	uint8_t raw[32];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		crypto_sha256_hex(v[i].in, strlen(v[i].in), out);
		assert_string_equal(out, v[i].want);
		crypto_sha256(v[i].in, strlen(v[i].in), raw);
		hex(raw, 32, h);
		assert_string_equal(h, v[i].want);
	}
}

static void
test_hmac_sha256_vectors(void **state)
{
	/* RFC 4231 test cases 1, 2 and 6, and an empty key over empty data. */
	uint8_t key1[20], key6[131], mac[32];
	char h[65];

	(void)state;
	memset(key1, 0x0b, sizeof(key1));
	crypto_hmac_sha256(key1, sizeof(key1), "Hi There", 8, mac);
	hex(mac, 32, h);
	assert_string_equal(h, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");

	crypto_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, mac);
	hex(mac, 32, h);
	assert_string_equal(h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

	memset(key6, 0xaa, sizeof(key6));
	crypto_hmac_sha256(key6, sizeof(key6),
			   "Test Using Larger Than Block-Size Key - Hash Key First", 54, mac);
	hex(mac, 32, h);
	assert_string_equal(h, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");

	crypto_hmac_sha256(NULL, 0, "", 0, mac);
	hex(mac, 32, h);
	assert_string_equal(h, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

static void
test_b64_rfc4648(void **state)
{
	static const struct {
		const char *raw, *enc, *unpadded;
	} v[] = {
	    {"", "", ""},
	    {"f", "Zg==", "Zg"},
	    {"fo", "Zm8=", "Zm8"},
	    {"foo", "Zm9v", "Zm9v"},
	    {"foob", "Zm9vYg==", "Zm9vYg"},
	    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
	    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
	};
	uint8_t out[16];
	char *e;
	long n;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t len = strlen(v[i].raw);

		e = crypto_b64_encode((const uint8_t *)v[i].raw, len, false);
		assert_string_equal(e, v[i].enc);
		free(e);
		e = crypto_b64_encode((const uint8_t *)v[i].raw, len, true);
		assert_string_equal(e, v[i].unpadded);
		free(e);
		n = crypto_b64_decode(v[i].enc, strlen(v[i].enc), out, sizeof(out), false);
		assert_int_equal(n, (long)len);
		assert_memory_equal(out, v[i].raw, len);
		n = crypto_b64_decode(v[i].unpadded, strlen(v[i].unpadded), out, sizeof(out), true);
		assert_int_equal(n, (long)len);
		assert_memory_equal(out, v[i].raw, len);
	}
}

static void
test_b64_alphabets_and_errors(void **state)
{
	static const uint8_t raw[] = {0xfb, 0xff, 0xbf};
	uint8_t out[8];
	char *e;

	(void)state;
	e = crypto_b64_encode(raw, 3, false);
	assert_string_equal(e, "+/+/");
	free(e);
	e = crypto_b64_encode(raw, 3, true);
	assert_string_equal(e, "-_-_");
	free(e);
	assert_int_equal(crypto_b64_decode("-_-_", 4, out, sizeof(out), true), 3);
	assert_memory_equal(out, raw, 3);
	/* Each alphabet refuses the other's characters. */
	assert_int_equal(crypto_b64_decode("-_-_", 4, out, sizeof(out), false), -1);
	assert_int_equal(crypto_b64_decode("+/+/", 4, out, sizeof(out), true), -1);
	assert_int_equal(crypto_b64_decode("Zm9v!", 5, out, sizeof(out), false), -1);
	assert_int_equal(crypto_b64_decode("Z", 1, out, sizeof(out), false), -1);
	assert_int_equal(crypto_b64_decode("Zg=", 3, out, sizeof(out), false), -1);
	assert_int_equal(crypto_b64_decode("Zg===", 5, out, sizeof(out), false), -1);
	assert_int_equal(crypto_b64_decode("Zh==", 4, out, sizeof(out), false),
			 -1); /* stray bits */
	assert_int_equal(crypto_b64_decode("Zm 9v", 5, out, sizeof(out), false), -1);
	assert_int_equal(crypto_b64_decode("Zm9vYmFy", 8, out, 5, false), -1); /* output cap */
	assert_int_equal(crypto_b64_decode("Zm9vYmFy", 8, out, 6, false), 6);
}

static void
test_b64_round_trip(void **state)
{
	uint8_t raw[64], back[64];
	char *e;
	long n;

	(void)state;
	for (size_t len = 0; len <= sizeof(raw); len++) {
		crypto_random(raw, len);
		for (int url = 0; url < 2; url++) {
			e = crypto_b64_encode(raw, len, url);
			assert_int_equal(strlen(e), url ? (4 * len + 2) / 3 : 4 * ((len + 2) / 3));
			n = crypto_b64_decode(e, strlen(e), back, sizeof(back), url);
			assert_int_equal(n, (long)len);
			assert_memory_equal(back, raw, len);
			free(e);
		}
	}
}

static void
test_random_differs(void **state)
{
	uint8_t a[32], b[32];

	(void)state;
	crypto_random(a, sizeof(a));
	crypto_random(b, sizeof(b));
	assert_memory_not_equal(a, b, sizeof(a));
}

/* jwt_rs256.txt is "header.payload.signature", signed with the key of test-cert.pem. */
struct jwt {
	char *text;
	size_t signed_len;
	uint8_t sig[512];
	long siglen;
};

static void
jwt_load(struct jwt *j)
{
	char *dot;

	j->text = fixture(DATA "jwt_rs256.txt", NULL);
	j->text[strcspn(j->text, "\n")] = '\0';
	dot = strrchr(j->text, '.');
	assert_non_null(dot);
	j->signed_len = (size_t)(dot - j->text);
	j->siglen = crypto_b64_decode(dot + 1, strlen(dot + 1), j->sig, sizeof(j->sig), true);
	assert_int_equal(j->siglen, 256);
}

static void
test_x509_verify(void **state)
{
	struct jwt j;
	size_t clen;
	char *cert = fixture(DATA "test-cert.pem", &clen), *other, *expired, err[256];
	size_t olen, elen;

	(void)state;
	other = fixture(DATA "other-cert.pem", &olen);
	expired = fixture(DATA "expired-cert.pem", &elen);
	jwt_load(&j);
	assert_int_equal(crypto_verify_x509_rsa(cert, clen, CRYPTO_SHA256, j.text, j.signed_len,
						j.sig, (size_t)j.siglen, err, sizeof(err)),
			 0);
	/* Wrong hash, altered data, wrong key, expired certificate, not a certificate. */
	assert_int_equal(crypto_verify_x509_rsa(cert, clen, CRYPTO_SHA1, j.text, j.signed_len,
						j.sig, (size_t)j.siglen, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "signature does not match");
	assert_int_equal(crypto_verify_x509_rsa(cert, clen, CRYPTO_SHA256, j.text, j.signed_len - 1,
						j.sig, (size_t)j.siglen, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "signature does not match");
	assert_int_equal(crypto_verify_x509_rsa(other, olen, CRYPTO_SHA256, j.text, j.signed_len,
						j.sig, (size_t)j.siglen, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "signature does not match");
	assert_int_equal(crypto_verify_x509_rsa(expired, elen, CRYPTO_SHA256, j.text, j.signed_len,
						j.sig, (size_t)j.siglen, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "certificate has expired");
	assert_int_equal(crypto_verify_x509_rsa("not a pem", 9, CRYPTO_SHA256, j.text, j.signed_len,
						j.sig, (size_t)j.siglen, err, sizeof(err)),
			 -1);
	assert_true(strncmp(err, "cannot read PEM certificate", 27) == 0);
	free(j.text);
	free(cert);
	free(other);
	free(expired);
}

/* Pulls "name":"value" out of the one-line jwk.json without a JSON parser in this test. */
static char *
jwk_member(const char *jwk, const char *name)
{
	char key[16];
	const char *p, *end;

	snprintf(key, sizeof(key), "\"%s\":\"", name);
	p = strstr(jwk, key);
	assert_non_null(p);
	p += strlen(key);
	end = strchr(p, '"');
	assert_non_null(end);
	return xstrndup(p, (size_t)(end - p));
}

static void
test_rs256_jwk(void **state)
{
	struct jwt j;
	char *jwk = fixture(DATA "jwk.json", NULL), *n, *e, err[256];

	(void)state;
	n = jwk_member(jwk, "n");
	e = jwk_member(jwk, "e");
	assert_string_equal(e, "AQAB");
	jwt_load(&j);
	assert_int_equal(crypto_verify_rs256_jwk(n, e, j.text, j.signed_len, j.sig,
						 (size_t)j.siglen, err, sizeof(err)),
			 0);
	j.text[0] ^= 1; /* one bit of the header flipped */
	assert_int_equal(crypto_verify_rs256_jwk(n, e, j.text, j.signed_len, j.sig,
						 (size_t)j.siglen, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "signature does not match");
	j.text[0] ^= 1;
	assert_int_equal(crypto_verify_rs256_jwk(n, "AQAA", j.text, j.signed_len, j.sig,
						 (size_t)j.siglen, err, sizeof(err)),
			 -1);
	assert_int_equal(crypto_verify_rs256_jwk(n, "!!", j.text, j.signed_len, j.sig,
						 (size_t)j.siglen, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "JWK 'e' is not base64url of at most 16 bytes");
	assert_int_equal(crypto_verify_rs256_jwk(NULL, e, j.text, j.signed_len, j.sig,
						 (size_t)j.siglen, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "JWK 'n' is not base64url of at most 1024 bytes");
	/* A 504-bit modulus (the first 63 bytes of the real one) is refused as too short. */
	n[84] = '\0';
	assert_int_equal(crypto_verify_rs256_jwk(n, e, j.text, j.signed_len, j.sig,
						 (size_t)j.siglen, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "RSA key of 504 bits is shorter than 2048");
	free(j.text);
	free(n);
	free(e);
	free(jwk);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sha256_vectors), cmocka_unit_test(test_hmac_sha256_vectors),
	    cmocka_unit_test(test_b64_rfc4648),	   cmocka_unit_test(test_b64_alphabets_and_errors),
	    cmocka_unit_test(test_b64_round_trip), cmocka_unit_test(test_random_differs),
	    cmocka_unit_test(test_x509_verify),	   cmocka_unit_test(test_rs256_jwk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
