/* mail_link.c — the sign-in mail: a short text message with the one-time link, sent on a
 * WORK_IO worker so a slow mail server never holds the loop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "loop.h"
#include "mail_link.h"
#include "util.h"

struct mail_job {
	char *to, *url;
	int rc;
};

static void
mail_work(void *arg)
{
	struct mail_job *j = arg;

	j->rc = -1; /* the SMTP sender is wired in when the mail transport provides it */
}

static void
mail_done(void *arg)
{
	struct mail_job *j = arg;

	if (j->rc != 0)
		log_warnx("web: the sign-in link for %s could not be mailed", j->to);
	else
		log_info("web: sign-in link mailed to %s", j->to);
	free(j->to);
	free(j->url);
	free(j);
}

void
mail_link_send(const char *address, const char *url)
{
	struct mail_job *j;

	if (cfg.smtp_url == NULL || cfg.mail_from == NULL) {
		log_warnx("web: sign-in link for %s not mailed: HEALER_SMTP_URL and "
			  "HEALER_MAIL_FROM are not set (healer login-link prints one)",
			  address);
		return;
	}
	j = xcalloc(1, sizeof(*j));
	j->to = xstrdup(address);
	j->url = xstrdup(url);
	work_submit(WORK_IO, mail_work, mail_done, j);
}
