/* mail_mime.c — RFC 5322 / MIME messages: encoded headers, multipart/alternative. Pure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "email.h"
#include "view.h"

#define ENCODED_WORD_MAX 75 /* RFC 2047 */
#define B64_LINE 76

/* Bytes of UTF-8 that fit one encoded word: base64 of n bytes is 4*ceil(n/3) characters
 * after the 12 of "=?UTF-8?B?" and "?=". Cut on a character boundary. */
static size_t
word_take(const unsigned char *s, size_t left)
{
	size_t max = (ENCODED_WORD_MAX - 12) / 4 * 3, n = left < max ? left : max;

	while (n > 0 && n < left && (s[n] & 0xC0) == 0x80)
		n--;
	return n > 0 ? n : (left < max ? left : max);
}

void
mime_header_value(struct buf *b, const char *s)
{
	char *clean = xstrdup(s != NULL ? s : "");
	unsigned char *p;
	bool ascii = true;
	size_t left, n;
	char *enc;

	for (p = (unsigned char *)clean; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			*p = ' '; /* CR and LF above all: they would end the header */
		if (*p >= 0x80)
			ascii = false;
	}
	/* "=?" in plain text would read as an encoded word: encode that too */
	if (ascii && strstr(clean, "=?") == NULL && strlen(clean) <= 900) {
		buf_append_trunc(b, clean, strlen(clean));
		free(clean);
		return;
	}
	p = (unsigned char *)clean;
	for (left = strlen(clean); left > 0; left -= n, p += n) {
		n = word_take(p, left);
		enc = crypto_b64_encode(p, n, false);
		buf_printf(b, "%s=?UTF-8?B?%s?=", p == (unsigned char *)clean ? "" : "\r\n ", enc);
		free(enc);
	}
	free(clean);
}

/* base64 of s in lines of 76 characters. */
static void
b64_body(struct buf *b, const char *s)
{
	char *enc = crypto_b64_encode((const uint8_t *)s, strlen(s), false);
	size_t i, n = strlen(enc);

	for (i = 0; i < n; i += B64_LINE) {
		buf_append_trunc(b, enc + i, n - i < B64_LINE ? n - i : B64_LINE);
		buf_append_trunc(b, "\r\n", 2);
	}
	free(enc);
}

char *
mime_build(const struct mime_mail *m)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t t = (time_t)(m->date_ms / 1000);
	char hash[65], boundary[48];
	struct buf b;
	struct tm tm;

	gmtime_r(&t, &tm);
	/* '_' and '=' never occur in base64 lines, so the boundary cannot appear in a part */
	crypto_sha256_hex(m->message_id, strlen(m->message_id), hash);
	snprintf(boundary, sizeof(boundary), "=_healer_%.24s", hash);
	buf_init(&b, 0);
	buf_printf(&b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday],
		   tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		   tm.tm_sec);
	/* addresses were validated by the policy loader and config: no encoding needed */
	buf_printf(&b, "From: %s\r\nTo: %s\r\nSubject: ", m->from, m->to);
	mime_header_value(&b, m->subject);
	buf_printf(&b, "\r\nMessage-ID: %s\r\n", m->message_id);
	if (m->in_reply_to != NULL && *m->in_reply_to != '\0')
		buf_printf(&b, "In-Reply-To: %s\r\nReferences: %s\r\n", m->in_reply_to,
			   m->in_reply_to);
	buf_printf(&b,
		   "MIME-Version: 1.0\r\n"
		   "Auto-Submitted: auto-generated\r\n"
		   "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n",
		   boundary);
	buf_printf(&b,
		   "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
		   "Content-Transfer-Encoding: base64\r\n\r\n",
		   boundary);
	b64_body(&b, m->text != NULL ? m->text : "");
	buf_printf(&b,
		   "--%s\r\nContent-Type: text/html; charset=utf-8\r\n"
		   "Content-Transfer-Encoding: base64\r\n\r\n",
		   boundary);
	b64_body(&b, m->html != NULL ? m->html : "");
	buf_printf(&b, "--%s--\r\n", boundary);
	return buf_steal(&b);
}

char *
email_subject(const cJSON *view)
{
	char *state = xstrdup(view_str(view, "state")), *title, *p, *s;

	for (p = state; *p != '\0'; p++)
		if (*p == '_')
			*p = ' ';
	title = utf8_truncate(view_str(view, "title"), EMAIL_SUBJECT_MAX);
	s = xasprintf("[%s] [%s] %s: %s", view_str(view, "key"), view_str(view, "severity"), state,
		      title);
	free(title);
	free(state);
	return s;
}
