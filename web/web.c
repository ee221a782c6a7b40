/* web.c — HTML answers for HTTP handlers: pages, error pages, redirects, cookies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "html.h"
#include "web.h"

void
web_html_response(struct http_response *resp, int status, char *body)
{
	resp->status = status;
	resp->content_type = "text/html; charset=utf-8";
	free(resp->body);
	resp->body = body;
	/* served over https: browsers stay on https, so a session cookie never travels in the
	 * clear through a downgraded first request */
	if (web_public_https() &&
	    (resp->headers == NULL || strstr(resp->headers, "Strict-Transport-Security") == NULL))
		http_header_add(resp, "Strict-Transport-Security", "max-age=31536000");
}

void
web_error_page(struct http_response *resp, int status, const char *heading, const char *message)
{
	struct buf b;

	buf_init(&b, HTML_MAX);
	html_page_begin(&b, heading);
	buf_printf(&b, "<div class=\"notice error\"><h1>");
	html_text(&b, heading);
	buf_printf(&b, "</h1><p>");
	html_text(&b, message);
	buf_printf(&b, "</p></div>");
	html_page_end(&b);
	web_html_response(resp, status, buf_steal(&b));
}

void
web_redirect(struct http_response *resp, const char *location)
{
	/* "//host" and "/\host" are other sites to a browser */
	if (location == NULL || location[0] != '/' || location[1] == '/' || location[1] == '\\' ||
	    http_header_add(resp, "Location", location) != 0) {
		web_error_page(resp, 500, "Internal error", "bad redirect target");
		return;
	}
	web_html_response(resp, 303, xstrdup(""));
}

int
web_set_cookie(struct http_response *resp, const char *name, const char *value, long max_age_s,
	       bool secure)
{
	char *line;
	int rc;

	if (strpbrk(name, "=;, \t") != NULL || strpbrk(value, ";, \t\"\\") != NULL)
		return -1;
	line = xasprintf("%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%ld%s", name, value,
			 max_age_s, secure ? "; Secure" : "");
	rc = http_header_add(resp, "Set-Cookie", line);
	free(line);
	return rc;
}

bool
web_public_https(void)
{
	return cfg.public_url != NULL && strncmp(cfg.public_url, "https://", 8) == 0;
}
