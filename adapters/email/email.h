/* email.h — the email transport: incident mail per route, signed approval links, and the
 * confirmation page the links open (docs/internals/email.md). */
#ifndef HEALER_EMAIL_H
#define HEALER_EMAIL_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "util.h"

#define EMAIL_TRANSPORT "email"
#define EMAIL_LINK_PURPOSE "mail-link" /* token purpose of every mail link */
#define EMAIL_SUBJECT_MAX 200	       /* bytes of the title kept in a subject */

/* One message, every field as the data gave it: mime_build encodes and escapes. */
struct mime_mail {
	const char *from;	 /* bare address */
	const char *to;		 /* bare address */
	const char *subject;	 /* UTF-8; CR, LF and controls become spaces */
	const char *message_id;	 /* "<…@…>" */
	const char *in_reply_to; /* "<…@…>" or NULL: the first mail of a thread */
	int64_t date_ms;
	const char *text; /* text/plain part, UTF-8 */
	const char *html; /* text/html part, already escaped HTML */
};

/* ---- pure (mail_mime.c) ---- */
/* Appends s as a header value: printable ASCII as is; anything else as RFC 2047 UTF-8
 * base64 encoded-words of at most 75 bytes, folded. CR, LF and other control bytes are
 * replaced by spaces first, so no value can start a header of its own. */
void mime_header_value(struct buf *b, const char *s);
/* The whole message: headers (Date, From, To, Subject, Message-ID, In-Reply-To and
 * References when threaded, MIME-Version) and a multipart/alternative body with the text
 * and HTML parts in base64, CRLF line ends. Owned. */
char *mime_build(const struct mime_mail *m);
/* "[INC-7] [sev2] awaiting approval: <title cut to EMAIL_SUBJECT_MAX>", owned, unencoded. */
char *email_subject(const cJSON *view);

/* ---- the confirmation page (email_act.c) ---- */
/* Registers GET and POST /ui/act on the HTTP server. */
void email_act_routes(void);

#endif
