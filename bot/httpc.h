/* httpc.h — the HTTP client (the only libcurl user). Blocking: call it from a worker
 * thread (work_submit) or the command line, never from the loop thread. */
#ifndef HEALER_HTTPC_H
#define HEALER_HTTPC_H

#include <stdbool.h>
#include <stddef.h>

struct httpc_req {
	const char *method;        /* default GET */
	const char *url;
	const char *const *headers; /* NULL-terminated "Name: value" list, may be NULL */
	const char *body;
	size_t body_len;
	long timeout_ms;           /* default 10000 */
	size_t max_response;       /* default 1 MiB; larger responses fail with "response too large" */
};

struct httpc_resp {
	long status;        /* 0 when no HTTP response */
	char *body;         /* NUL-terminated, owned */
	size_t body_len;
	long retry_after_s; /* from Retry-After, -1 if absent */
	char *content_type;
	char err[256];      /* transport error text when status == 0 */
};

/* Once at start: curl_global_init; reads HEALER_CA_FILE (extra trusted CA bundle). */
void httpc_global_init(void);
void httpc_global_cleanup(void);
/* Performs the request. Returns 0 when an HTTP response arrived (any status), -1 on a
 * transport error (resp->err says which). Only http and https; redirects not followed. */
int httpc_perform(const struct httpc_req *req, struct httpc_resp *resp);
void httpc_resp_free(struct httpc_resp *resp);
/* One mail to one recipient over SMTP. */
struct httpc_mail {
	const char *url;      /* smtp://host:port (STARTTLS required) or smtps://host:port */
	bool plain;           /* no TLS at all: accepted only for a loopback host */
	const char *user;     /* NULL: no AUTH */
	const char *password;
	const char *from;     /* envelope sender, a bare address */
	const char *to;       /* envelope recipient, a bare address */
	const char *message;  /* the whole RFC 5322 message, CRLF line ends */
	long timeout_ms;      /* default 30000 */
	struct httpc_smtp *session; /* NULL: a connection of its own, closed after the mail */
};

/* One SMTP connection kept for several mails: each mail after the first is a new
 * transaction (MAIL FROM, RCPT TO, DATA) on it, so a burst pays one connection and one TLS
 * handshake. Used by one thread at a time; closed after 30 s unused, and after a failure
 * other than a recipient refused, so a retry starts afresh. */
struct httpc_smtp;
struct httpc_smtp *httpc_smtp_open(void);
void httpc_smtp_close(struct httpc_smtp *s);

/* Sends m (blocking; a worker thread). Returns 0 when the server accepted the message, else
 * -1 with *code the last SMTP reply code (0 when no server answered: connection, TLS or
 * timeout) and err saying what failed. A 5xx is permanent for that recipient; anything else
 * is worth a retry. HEALER_CA_FILE is trusted as for HTTPS. */
int httpc_smtp_send(const struct httpc_mail *m, long *code, char *err, size_t errlen);
/* Whether an smtp:// or smtps:// URL names a loopback host (127.x, ::1, localhost). */
bool httpc_url_is_loopback(const char *url);

/* Percent-encodes s for a form or query value; owned. */
char *httpc_urlencode(const char *s);

#endif
