/* cidr.c — IP address texts and lists of addresses and CIDR blocks: parsing, checking and
 * matching, for the setting that names trusted proxies. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"

#define ENTRY_MAX 64 /* an address with a prefix length fits with room to spare */
#define LIST_SEP ", \t"

/* An address as 16 bytes: IPv4 as its IPv4-mapped IPv6 form, so one compare covers both. */
struct ip {
	unsigned char b[16];
	bool v4;
};

static const unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static int
ip_parse(const char *s, size_t len, struct ip *ip)
{
	char text[ENTRY_MAX];

	if (len == 0 || len >= sizeof(text))
		return -1;
	memcpy(text, s, len);
	text[len] = '\0';
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, text, ip->b + 12) == 1) {
		memcpy(ip->b, v4_mapped, sizeof(v4_mapped));
		ip->v4 = true;
		return 0;
	}
	if (inet_pton(AF_INET6, text, ip->b) != 1)
		return -1;
	ip->v4 = memcmp(ip->b, v4_mapped, sizeof(v4_mapped)) == 0;
	return 0;
}

int
cidr_addr_norm(const char *s, size_t len, char *out, size_t outlen)
{
	struct ip ip;
	const char *r;

	if (outlen > 0)
		out[0] = '\0';
	if (outlen < CIDR_ADDR_MAX || ip_parse(s, len, &ip) != 0)
		return -1;
	if (ip.v4)
		r = inet_ntop(AF_INET, ip.b + 12, out, (socklen_t)outlen);
	else
		r = inet_ntop(AF_INET6, ip.b, out, (socklen_t)outlen);
	if (r == NULL) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

/* One entry ("10.0.0.0/8", "::1") as a base address and a prefix length in bits of the
 * 16-byte form. Host bits set in the base are refused: "10.0.0.1/8" most likely means a
 * mistake, not 10.0.0.0/8. */
static int
entry_parse(const char *s, size_t len, struct ip *base, int *bits)
{
	const char *slash = memchr(s, '/', len);
	size_t alen = slash ? (size_t)(slash - s) : len;
	char num[4];
	char *end;
	long n;
	int max, i;

	if (ip_parse(s, alen, base) != 0)
		return -1;
	max = base->v4 ? 32 : 128;
	n = max;
	if (slash != NULL) {
		size_t nlen = len - alen - 1;

		if (nlen == 0 || nlen >= sizeof(num) || strspn(slash + 1, "0123456789") < nlen)
			return -1;
		memcpy(num, slash + 1, nlen);
		num[nlen] = '\0';
		n = strtol(num, &end, 10);
		if (*end != '\0' || n > max)
			return -1;
	}
	*bits = (int)n + (base->v4 ? 96 : 0);
	for (i = *bits; i < 128; i++)
		if (base->b[i / 8] & (0x80 >> (i % 8)))
			return -1;
	return 0;
}

static bool
entry_contains(const struct ip *base, int bits, const struct ip *ip)
{
	int whole = bits / 8, rest = bits % 8;

	if (memcmp(base->b, ip->b, (size_t)whole) != 0)
		return false;
	if (rest == 0)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (base->b[whole] & mask) == (ip->b[whole] & mask);
}

int
cidr_list_check(const char *list, char *err, size_t errlen)
{
	const char *p = list;
	struct ip base;
	int bits;

	while (*(p += strspn(p, LIST_SEP)) != '\0') {
		size_t len = strcspn(p, LIST_SEP);

		if (entry_parse(p, len, &base, &bits) != 0) {
			snprintf(err, errlen,
				 "\"%.*s\" is not an IPv4 or IPv6 address or CIDR block "
				 "(e.g. 10.0.0.0/8, ::1)",
				 (int)(len > ENTRY_MAX ? ENTRY_MAX : len), p);
			return -1;
		}
		p += len;
	}
	return 0;
}

bool
cidr_list_match(const char *list, const char *addr)
{
	const char *p = list;
	struct ip ip, base;
	int bits;

	if (list == NULL || addr == NULL || ip_parse(addr, strlen(addr), &ip) != 0)
		return false;
	while (*(p += strspn(p, LIST_SEP)) != '\0') {
		size_t len = strcspn(p, LIST_SEP);

		if (entry_parse(p, len, &base, &bits) == 0 && entry_contains(&base, bits, &ip))
			return true;
		p += len;
	}
	return false;
}
