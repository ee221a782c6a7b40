/* mail_link.c — the sign-in mail: a short text + HTML message with the one-time link, sent
 * through the SMTP sender on a WORK_IO worker so a slow mail server never holds the loop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "email.h"
#include "html.h"
#include "httpc.h"
#include "log.h"
#include "loop.h"
#include "mail_link.h"
#include "util.h"

struct mail_job {
	char *to, *message;
	long code;
	int rc;
	char err[256];
};

static void
mail_work(void *arg)
{
	struct mail_job *j = arg;
	struct httpc_mail m = {
	    .url = cfg.smtp_url,
	    .plain = cfg.smtp_tls && strcmp(cfg.smtp_tls, "none") == 0,
	    .user = cfg.smtp_user,
	    .password = cfg.smtp_password,
	    .from = cfg.mail_from,
	    .to = j->to,
	    .message = j->message,
	};

	j->rc = httpc_smtp_send(&m, &j->code, j->err, sizeof(j->err));
}

static void
mail_done(void *arg)
{
	struct mail_job *j = arg;

	if (j->rc != 0)
		log_warnx("web: the sign-in link for %s could not be mailed: %s (SMTP %ld)", j->to,
			  j->err, j->code);
	else
		log_info("web: sign-in link mailed to %s", j->to);
	free(j->to);
	free(j->message);
	free(j);
}

void
mail_link_send(const char *address, const char *url)
{
	static unsigned serial;
	struct mail_job *j;
	struct buf html;
	char msgid[96];
	char *text;

	if (cfg.smtp_url == NULL || cfg.mail_from == NULL) {
		log_warnx("web: sign-in link for %s not mailed: HEALER_SMTP_URL and "
			  "HEALER_MAIL_FROM are not set (healer login-link prints one)",
			  address);
		return;
	}
	text = xasprintf("Sign in to healer:\r\n\r\n%s\r\n\r\nThe link works once, within 15 "
			 "minutes. If you did not ask for it, ignore this mail.\r\n",
			 url);
	buf_init(&html, 64 * 1024);
	buf_printf(&html, "<p>Sign in to healer:</p><p><a href=\"");
	html_attr(&html, url); /* our own URL, built from HEALER_PUBLIC_URL and a token */
	buf_printf(&html, "\">Sign in</a></p><p>The link works once, within 15 minutes. If you "
			  "did not ask for it, ignore this mail.</p>");
	snprintf(msgid, sizeof(msgid), "<signin.%lld.%u@healer>", (long long)now_ms(), ++serial);
	struct mime_mail m = {
	    .from = cfg.mail_from,
	    .to = address,
	    .subject = "Sign in to healer",
	    .message_id = msgid,
	    .date_ms = now_ms(),
	    .text = text,
	    .html = html.data,
	};
	j = xcalloc(1, sizeof(*j));
	j->to = xstrdup(address);
	j->message = mime_build(&m);
	free(text);
	buf_free(&html);
	work_submit(WORK_IO, mail_work, mail_done, j);
}
