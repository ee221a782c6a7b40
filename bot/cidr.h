/* cidr.h — IP addresses and lists of addresses and CIDR blocks (IPv4 and IPv6), as a
 * setting names trusted proxies. Pure; any thread. */
#ifndef HEALER_CIDR_H
#define HEALER_CIDR_H

#include <stdbool.h>
#include <stddef.h>

#define CIDR_ADDR_MAX 46 /* INET6_ADDRSTRLEN: the longest address text, with its NUL */

/* Writes the canonical text of the IP address in the `len` bytes at `s` ("10.0.0.1",
 * "2001:db8::1"; an IPv4-mapped IPv6 address as its IPv4 text) to out (CIDR_ADDR_MAX bytes).
 * Returns 0, or -1 (out "") when the bytes are no address. */
int cidr_addr_norm(const char *s, size_t len, char *out, size_t outlen);

/* Checks a list of addresses and CIDR blocks separated by commas and/or spaces
 * ("10.0.0.0/8, ::1, 2001:db8::/32"). Returns 0, or -1 with err naming the first bad entry. */
int cidr_list_check(const char *list, char *err, size_t errlen);

/* Whether the address text `addr` is in one of list's entries; false for a NULL or empty
 * list, an address that is not one, and entries that are no address or block. */
bool cidr_list_match(const char *list, const char *addr);

#endif
