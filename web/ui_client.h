/* ui_client.h — the web client's address: the TCP peer, or, when the peer is a trusted
 * reverse proxy, the address the proxy forwarded (X-Forwarded-For, Forwarded: for=). */
#ifndef HEALER_UI_CLIENT_H
#define HEALER_UI_CLIENT_H

#include <stddef.h>

#include "cidr.h"
#include "http_server.h"

#define UI_CLIENT_HOPS_MAX 32 /* entries of a forwarding header looked at; more: peer used */

/* The client behind `peer`: when peer is in `trusted` (HEALER_TRUSTED_PROXIES' list), the
 * right-most address of `xff` (X-Forwarded-For) that is not itself trusted, or with no
 * X-Forwarded-For the same reading of the for= parameters of `fwd` (Forwarded, RFC 7239);
 * when every entry is trusted, the left-most. Otherwise, or when the header chain has an
 * entry up to that point that is no address ("unknown", an obfuscated name, garbage) or
 * has more than UI_CLIENT_HOPS_MAX entries, peer itself. xff, fwd and trusted may be NULL.
 * Writes the address text (canonical form when from a header) to out (CIDR_ADDR_MAX bytes
 * or more). Returns 1 when the address came from a header, 0 when it is the peer. Pure. */
int ui_client_resolve(const char *trusted, const char *peer, const char *xff, const char *fwd,
		      char *out, size_t outlen);

/* ui_client_resolve for a request with cfg.trusted_proxies; returns out. */
const char *ui_client_addr(const struct http_request *req, char *out, size_t outlen);

#endif
