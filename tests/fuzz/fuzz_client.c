/* fuzz_client.c — the web client's address behind proxies: the input's lines are a trusted
 * proxy list, the TCP peer, an X-Forwarded-For value ("-" for none) and a Forwarded value. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box.h"
#include "cidr.h"
#include "ui_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The next line of *p, cut in place; NULL when there is none. */
static char *
next_line(char **p)
{
	char *line = *p, *nl;

	if (line == NULL)
		return NULL;
	if ((nl = strchr(line, '\n')) != NULL) {
		*nl = '\0';
		*p = nl + 1;
	} else {
		*p = NULL;
	}
	return line;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = box_strndup(data, size), *p = text, err[160];
	char out[CIDR_ADDR_MAX], norm[CIDR_ADDR_MAX];
	char *list = next_line(&p), *peer = next_line(&p), *xff = next_line(&p);
	char *fwd = next_line(&p);
	int rc;

	if (xff != NULL && strcmp(xff, "-") == 0)
		xff = NULL;
	if (cidr_list_check(list, err, sizeof(err)) != 0 && strlen(err) >= sizeof(err) - 1)
		box_fail("client: the list's error was cut", err);
	rc = ui_client_resolve(list, peer, xff, fwd, out, sizeof(out));
	if (rc == 0 && strncmp(out, peer ? peer : "", sizeof(out) - 1) != 0)
		box_fail("client: not from a header, yet not the peer", out);
	if (rc == 1) {
		if (peer == NULL || !cidr_list_match(list, peer))
			box_fail("client: a header believed from an untrusted peer", peer ? peer : "");
		/* an address from a header is always a canonical address */
		if (cidr_addr_norm(out, strlen(out), norm, sizeof(norm)) != 0 ||
		    strcmp(out, norm) != 0)
			box_fail("client: not a canonical address", out);
	}
	free(text);
	return 0;
}
