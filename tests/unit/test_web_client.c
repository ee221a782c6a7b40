/* test_web_client.c — the web client's address: trusted proxy lists (IPv4, IPv6, CIDR), and
 * X-Forwarded-For / Forwarded read from the right and only from a trusted peer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cidr.h"
#include "ui_client.h"

#define PROXIES "127.0.0.2, 10.0.0.0/8 2001:db8::/32"

static const char *
resolve(const char *peer, const char *xff, const char *fwd, int want_rc)
{
	static char out[CIDR_ADDR_MAX];

	assert_int_equal(ui_client_resolve(PROXIES, peer, xff, fwd, out, sizeof(out)), want_rc);
	return out;
}

static void
test_list_check(void **state)
{
	char err[160];

	(void)state;
	assert_int_equal(cidr_list_check("", err, sizeof(err)), 0);
	assert_int_equal(cidr_list_check(PROXIES, err, sizeof(err)), 0);
	assert_int_equal(cidr_list_check("::1,192.168.0.0/16,0.0.0.0/0,::/0", err, sizeof(err)),
			 0);
	assert_int_equal(cidr_list_check("10.0.0.1, proxy.example.com", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "\"proxy.example.com\" is not an IPv4 or IPv6 address"));
	assert_int_equal(cidr_list_check("10.0.0.0/33", err, sizeof(err)), -1);
	assert_int_equal(cidr_list_check("10.0.0.1/8", err, sizeof(err)), -1); /* host bits */
	assert_int_equal(cidr_list_check("10.0.0.0/", err, sizeof(err)), -1);
	assert_int_equal(cidr_list_check("10.0.0.0/-1", err, sizeof(err)), -1);
	assert_int_equal(cidr_list_check("2001:db8::/129", err, sizeof(err)), -1);
	assert_int_equal(cidr_list_check("256.1.1.1", err, sizeof(err)), -1);
}

static void
test_list_match(void **state)
{
	(void)state;
	assert_true(cidr_list_match(PROXIES, "127.0.0.2"));
	assert_false(cidr_list_match(PROXIES, "127.0.0.1"));
	assert_true(cidr_list_match(PROXIES, "10.255.1.2"));
	assert_false(cidr_list_match(PROXIES, "11.0.0.1"));
	assert_true(cidr_list_match(PROXIES, "2001:db8:ffff::9"));
	assert_false(cidr_list_match(PROXIES, "2001:db9::1"));
	assert_true(cidr_list_match(PROXIES, "::ffff:10.1.1.1")); /* IPv4-mapped */
	assert_true(cidr_list_match("172.16.0.0/12", "172.31.255.255"));
	assert_false(cidr_list_match("172.16.0.0/12", "172.32.0.0"));
	assert_false(cidr_list_match(NULL, "10.0.0.1"));
	assert_false(cidr_list_match("", "10.0.0.1"));
	assert_false(cidr_list_match(PROXIES, "garbage"));
	assert_false(cidr_list_match("nonsense, 10.0.0.0/8", "9.9.9.9"));
	assert_true(cidr_list_match("nonsense, 10.0.0.0/8", "10.0.0.9"));
}

/* A client cannot name its own address: headers from a peer not listed are ignored. */
static void
test_untrusted_peer_ignored(void **state)
{
	(void)state;
	assert_string_equal(resolve("198.51.100.7", "203.0.113.1", NULL, 0), "198.51.100.7");
	assert_string_equal(resolve("198.51.100.7", NULL, "for=203.0.113.1", 0), "198.51.100.7");
	assert_string_equal(resolve("127.0.0.1", "203.0.113.1", NULL, 0), "127.0.0.1");
	/* no list at all: nothing is trusted */
	char out[CIDR_ADDR_MAX];
	assert_int_equal(ui_client_resolve(NULL, "127.0.0.2", "203.0.113.1", NULL, out,
					   sizeof(out)),
			 0);
	assert_string_equal(out, "127.0.0.2");
}

static void
test_xff_chains(void **state)
{
	(void)state;
	assert_string_equal(resolve("127.0.0.2", "203.0.113.1", NULL, 1), "203.0.113.1");
	/* a spoofed left-most entry is the client's own claim: the right-most untrusted wins */
	assert_string_equal(resolve("127.0.0.2", "1.2.3.4, 203.0.113.1", NULL, 1), "203.0.113.1");
	/* trusted hops on the right are skipped */
	assert_string_equal(resolve("127.0.0.2", "1.2.3.4,203.0.113.1, 10.1.1.1 ,10.2.2.2", NULL, 1),
			    "203.0.113.1");
	/* every hop trusted: the left-most */
	assert_string_equal(resolve("10.0.0.5", "10.9.9.9, 127.0.0.2", NULL, 1), "10.9.9.9");
	/* ports */
	assert_string_equal(resolve("127.0.0.2", "203.0.113.1:5555", NULL, 1), "203.0.113.1");
	/* X-Forwarded-For is read before Forwarded */
	assert_string_equal(resolve("127.0.0.2", "203.0.113.1", "for=198.51.100.1", 1),
			    "203.0.113.1");
}

static void
test_ipv6(void **state)
{
	(void)state;
	assert_string_equal(resolve("127.0.0.2", "2001:DB9:0::1", NULL, 1), "2001:db9::1");
	assert_string_equal(resolve("127.0.0.2", "[2001:db9::1]:443", NULL, 1), "2001:db9::1");
	assert_string_equal(resolve("127.0.0.2", "2001:db9::1, 2001:db8::7", NULL, 1),
			    "2001:db9::1");
	assert_string_equal(resolve("2001:db8::1", "::ffff:203.0.113.9", NULL, 1), "203.0.113.9");
	assert_string_equal(resolve("2001:db8::1", NULL, "for=\"[2001:db9::5]:80\"", 1),
			    "2001:db9::5");
	assert_string_equal(resolve("2001:db9::1", "203.0.113.1", NULL, 0), "2001:db9::1");
}

static void
test_forwarded(void **state)
{
	(void)state;
	assert_string_equal(resolve("127.0.0.2", NULL, "for=203.0.113.1", 1), "203.0.113.1");
	assert_string_equal(resolve("127.0.0.2", NULL, "For=\"203.0.113.1:80\";proto=https", 1),
			    "203.0.113.1");
	assert_string_equal(
	    resolve("127.0.0.2", NULL, "for=1.2.3.4, proto=http;for=203.0.113.1;by=10.0.0.1", 1),
	    "203.0.113.1");
	assert_string_equal(resolve("127.0.0.2", NULL, "for=203.0.113.1, for=10.0.0.3", 1),
			    "203.0.113.1");
	/* unknown or obfuscated hops and hops without for= say nothing: the peer */
	assert_string_equal(resolve("127.0.0.2", NULL, "for=unknown", 0), "127.0.0.2");
	assert_string_equal(resolve("127.0.0.2", NULL, "for=_hidden", 0), "127.0.0.2");
	assert_string_equal(resolve("127.0.0.2", NULL, "proto=https", 0), "127.0.0.2");
	assert_string_equal(resolve("127.0.0.2", NULL, "for=\"203.0.113.1", 0), "127.0.0.2");
	/* a quoted ';' does not end a pair: no for= is found inside another value */
	assert_string_equal(resolve("127.0.0.2", NULL, "x=\"a;for=1.2.3.4;b\";for=203.0.113.1", 1),
			    "203.0.113.1");
	assert_string_equal(resolve("127.0.0.2", NULL, "x=\"a;for=1.2.3.4;b\"", 0), "127.0.0.2");
	/* a quoted comma does not split */
	assert_string_equal(resolve("127.0.0.2", NULL, "for=203.0.113.1;x=\"a,b\"", 1),
			    "203.0.113.1");
}

static void
test_garbage(void **state)
{
	char big[4096];
	size_t i;

	(void)state;
	assert_string_equal(resolve("127.0.0.2", "", NULL, 0), "127.0.0.2");
	assert_string_equal(resolve("127.0.0.2", ",", NULL, 0), "127.0.0.2");
	assert_string_equal(resolve("127.0.0.2", "not-an-ip", NULL, 0), "127.0.0.2");
	assert_string_equal(resolve("127.0.0.2", "203.0.113.1, bogus", NULL, 0), "127.0.0.2");
	assert_string_equal(resolve("127.0.0.2", "[2001:db9::1", NULL, 0), "127.0.0.2");
	assert_string_equal(resolve("127.0.0.2", "[2001:db9::1]x", NULL, 0), "127.0.0.2");
	assert_string_equal(resolve("127.0.0.2", "203.0.113.1\r\n", NULL, 0), "127.0.0.2");
	/* garbage left of the client is never reached */
	assert_string_equal(resolve("127.0.0.2", "bogus, 203.0.113.1", NULL, 1), "203.0.113.1");
	/* too many hops: the peer */
	for (i = 0; i < 40 * 2; i += 2)
		memcpy(big + i, "1,", 2);
	big[i] = '\0';
	strcat(big, "203.0.113.1");
	assert_string_equal(resolve("127.0.0.2", big, NULL, 0), "127.0.0.2");
	/* a long entry */
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_string_equal(resolve("127.0.0.2", big, NULL, 0), "127.0.0.2");
	/* a small out buffer never gets a truncated address */
	char small[8];
	assert_int_equal(ui_client_resolve(PROXIES, "127.0.0.2", "203.0.113.1", NULL, small,
					   sizeof(small)),
			 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_list_check),	   cmocka_unit_test(test_list_match),
	    cmocka_unit_test(test_untrusted_peer_ignored), cmocka_unit_test(test_xff_chains),
	    cmocka_unit_test(test_ipv6),		   cmocka_unit_test(test_forwarded),
	    cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
