/* mail_link.h — mailing a sign-in link through the SMTP sender, on a WORK_IO worker. */
#ifndef HEALER_MAIL_LINK_H
#define HEALER_MAIL_LINK_H

/* Mails `url` to `address` when HEALER_SMTP_URL and HEALER_MAIL_FROM are set; otherwise logs
 * that it could not (the link itself is never logged). Loop thread; returns at once. */
void mail_link_send(const char *address, const char *url);

#endif
