/* httpc.c — blocking HTTP client over libcurl (the only file including curl.h). */
#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "config.h"
#include "httpc.h"
#include "log.h"
#include "util.h"

#define HTTPC_DEFAULT_TIMEOUT_MS 10000L
#define HTTPC_DEFAULT_MAX_RESPONSE (1024 * 1024)
#define HTTPC_SYSTEM_CA_DIR "/etc/ssl/certs"

/* One transfer's sinks: the capped body and the headers we care about. */
struct xfer {
	struct buf body;
	long retry_after_s;
};

static char *ca_file;
/* A handle per thread, kept between calls so keep-alive connections and TLS sessions are
 * reused; freed by the key's destructor when a worker thread exits. */
static pthread_key_t handle_key;
static pthread_once_t handle_once = PTHREAD_ONCE_INIT;

static void
handle_destroy(void *h)
{
	curl_easy_cleanup(h);
}

static void
handle_key_make(void)
{
	if (pthread_key_create(&handle_key, handle_destroy) != 0)
		fatalx("httpc: pthread_key_create failed");
}

static CURL *
handle_get(void)
{
	CURL *h;

	pthread_once(&handle_once, handle_key_make);
	h = pthread_getspecific(handle_key);
	if (h == NULL) {
		if ((h = curl_easy_init()) == NULL)
			fatalx("httpc: curl_easy_init failed");
		pthread_setspecific(handle_key, h);
	}
	return h;
}

void
httpc_global_init(void)
{
	const char *ca = config_get("HEALER_CA_FILE");

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("httpc: curl_global_init failed");
	free(ca_file);
	ca_file = ca != NULL && *ca != '\0' ? xstrdup(ca) : NULL;
	pthread_once(&handle_once, handle_key_make);
}

void
httpc_global_cleanup(void)
{
	CURL *h;

	pthread_once(&handle_once, handle_key_make);
	if ((h = pthread_getspecific(handle_key)) != NULL) {
		pthread_setspecific(handle_key, NULL);
		curl_easy_cleanup(h);
	}
	free(ca_file);
	ca_file = NULL;
	curl_global_cleanup();
}

static size_t
xfer_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct xfer *x = userdata;
	size_t n = size * nmemb;

	if (buf_append(&x->body, ptr, n) != 0)
		return 0; /* curl aborts with CURLE_WRITE_ERROR */
	return n;
}

/* Retry-After is delta-seconds or an HTTP-date; anything else is ignored. */
static long
retry_after_parse(const char *v, size_t n)
{
	char tmp[64];
	char *end;
	long s;
	time_t t;

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	if (isdigit((unsigned char)tmp[0])) {
		s = strtol(tmp, &end, 10);
		return *end == '\0' && s >= 0 ? s : -1;
	}
	if ((t = curl_getdate(tmp, NULL)) == -1)
		return -1;
	t -= time(NULL);
	return t > 0 ? (long)t : 0;
}

static size_t
xfer_header(char *ptr, size_t size, size_t nitems, void *userdata)
{
	static const char name[] = "retry-after:";
	struct xfer *x = userdata;
	size_t n = size * nitems, vlen;
	const char *v;

	/* Headers of an interim response (100 Continue) must not leak into the final one. */
	if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0)
		x->retry_after_s = -1;
	if (n <= sizeof(name) - 1 || strncasecmp(ptr, name, sizeof(name) - 1) != 0)
		return n;
	v = ptr + sizeof(name) - 1;
	vlen = n - (sizeof(name) - 1);
	while (vlen > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen > 0 && isspace((unsigned char)v[vlen - 1]))
		vlen--;
	x->retry_after_s = retry_after_parse(v, vlen);
	return n;
}

/* The method decides how the body goes out: POST as POSTFIELDS, others by CUSTOMREQUEST. */
static void
set_method(CURL *h, const struct httpc_req *req)
{
	const char *m = req->method != NULL ? req->method : "GET";
	bool has_body = req->body != NULL;

	if (strcmp(m, "GET") == 0 && !has_body) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
		return;
	}
	if (strcmp(m, "HEAD") == 0) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
		return;
	}
	if (strcmp(m, "POST") == 0 || has_body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)(has_body ? req->body_len : 0));
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, has_body ? req->body : "");
	}
	if (strcmp(m, "POST") != 0)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);
}

int
httpc_perform(const struct httpc_req *req, struct httpc_resp *resp)
{
	CURL *h = handle_get();
	struct curl_slist *hdrs = NULL, *tmp;
	struct xfer x;
	char errbuf[CURL_ERROR_SIZE] = "";
	const char *ctype = NULL;
	size_t max = req->max_response > 0 ? req->max_response : HTTPC_DEFAULT_MAX_RESPONSE;
	long timeout = req->timeout_ms > 0 ? req->timeout_ms : HTTPC_DEFAULT_TIMEOUT_MS;
	CURLcode rc;
	size_t i;
	int ret = -1;

	memset(resp, 0, sizeof(*resp));
	resp->retry_after_s = -1;
	buf_init(&x.body, max);
	x.retry_after_s = -1;

	if (req->headers != NULL) {
		for (i = 0; req->headers[i] != NULL; i++) {
			if ((tmp = curl_slist_append(hdrs, req->headers[i])) == NULL)
				fatalx("httpc: out of memory");
			hdrs = tmp;
		}
	}
	/* Servers that never send 100 Continue would cost every large POST a second. */
	if ((tmp = curl_slist_append(hdrs, "Expect:")) == NULL)
		fatalx("httpc: out of memory");
	hdrs = tmp;

	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, req->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "healer");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, xfer_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, xfer_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
	/* CAINFO replaces the default bundle file, so the system CAs stay trusted through the
	 * hashed directory (Debian's default CAPATH, set explicitly here). */
	if (ca_file != NULL) {
		curl_easy_setopt(h, CURLOPT_CAINFO, ca_file);
		if (access(HTTPC_SYSTEM_CA_DIR, R_OK) == 0)
			curl_easy_setopt(h, CURLOPT_CAPATH, HTTPC_SYSTEM_CA_DIR);
	}
	set_method(h, req);

	rc = curl_easy_perform(h);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
		if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ctype) == CURLE_OK &&
		    ctype != NULL)
			resp->content_type = xstrdup(ctype);
		resp->retry_after_s = x.retry_after_s;
		resp->body_len = x.body.len;
		resp->body = buf_steal(&x.body);
		ret = 0;
		goto out;
	}
	if (x.body.overflow || rc == CURLE_FILESIZE_EXCEEDED)
		snprintf(resp->err, sizeof(resp->err), "response too large");
	else if (errbuf[0] != '\0')
		snprintf(resp->err, sizeof(resp->err), "%s", errbuf);
	else
		snprintf(resp->err, sizeof(resp->err), "%s", curl_easy_strerror(rc));
	resp->body = xstrdup("");

out:
	/* The handle keeps pointers to these until the next reset; drop them now. */
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(hdrs);
	buf_free(&x.body);
	return ret;
}

void
httpc_resp_free(struct httpc_resp *resp)
{
	free(resp->body);
	free(resp->content_type);
	resp->body = NULL;
	resp->content_type = NULL;
	resp->body_len = 0;
}

char *
httpc_urlencode(const char *s)
{
	char *e, *out;

	if ((e = curl_easy_escape(handle_get(), s, 0)) == NULL)
		fatalx("httpc: out of memory");
	out = xstrdup(e);
	curl_free(e);
	return out;
}

/* ---- SMTP ---- */

struct mail_src {
	const char *p;
	size_t left;
};

static size_t
mail_read(char *buf, size_t size, size_t nitems, void *userdata)
{
	struct mail_src *src = userdata;
	size_t n = size * nitems;

	if (n > src->left)
		n = src->left;
	memcpy(buf, src->p, n);
	src->p += n;
	src->left -= n;
	return n;
}

bool
httpc_url_is_loopback(const char *url)
{
	static const char *const hosts[] = {"localhost", "[::1]"};
	const char *h = strstr(url != NULL ? url : "", "://"), *at;
	char host[256];
	size_t n, i;

	if (h == NULL)
		return false;
	h += 3;
	/* user:password@ comes before the host */
	if ((at = memrchr(h, '@', strcspn(h, "/"))) != NULL)
		h = at + 1;
	n = h[0] == '[' ? strcspn(h, "]") + 1 : strcspn(h, ":/");
	if (n == 0 || n >= sizeof(host))
		return false;
	memcpy(host, h, n);
	host[n] = '\0';
	for (i = 0; i < ARRAY_LEN(hosts); i++)
		if (strcasecmp(host, hosts[i]) == 0)
			return true;
	return strncmp(host, "127.", 4) == 0 && strspn(host, "0123456789.") == n;
}

#define SMTP_IDLE_MS 30000 /* a kept connection unused this long is closed, not reused */

struct httpc_smtp {
	CURL *h;	 /* its connection cache holds the SMTP connection */
	int64_t used_at; /* mono ms of the last mail */
};

struct httpc_smtp *
httpc_smtp_open(void)
{
	return xcalloc(1, sizeof(struct httpc_smtp));
}

void
httpc_smtp_close(struct httpc_smtp *s)
{
	if (s == NULL)
		return;
	if (s->h != NULL)
		curl_easy_cleanup(s->h);
	free(s);
}

/* The handle for one mail: the session's (its connection kept, every option reset), or one
 * of its own. */
static CURL *
smtp_handle(struct httpc_smtp *s)
{
	CURL *h;

	if (s == NULL) {
		if ((h = curl_easy_init()) == NULL)
			fatalx("httpc: curl_easy_init failed");
		return h;
	}
	if (s->h != NULL && mono_ms() - s->used_at > SMTP_IDLE_MS) {
		curl_easy_cleanup(s->h); /* the server has likely closed it: QUIT, then afresh */
		s->h = NULL;
	}
	if (s->h == NULL) {
		if ((s->h = curl_easy_init()) == NULL)
			fatalx("httpc: curl_easy_init failed");
	} else {
		curl_easy_reset(s->h); /* keeps the connection cache */
	}
	return s->h;
}

int
httpc_smtp_send(const struct httpc_mail *m, long *code, char *err, size_t errlen)
{
	char errbuf[CURL_ERROR_SIZE] = "", addr[512];
	struct curl_slist *rcpt = NULL;
	struct mail_src src = {m->message, strlen(m->message)};
	CURLcode cc;
	CURL *h;
	int rc = -1;

	*code = 0;
	err[0] = '\0';
	if (m->plain && !httpc_url_is_loopback(m->url)) {
		snprintf(err, errlen, "plain SMTP is allowed to a loopback server only");
		return -1;
	}
	h = smtp_handle(m->session);
	snprintf(addr, sizeof(addr), "<%s>", m->to);
	rcpt = curl_slist_append(rcpt, addr);
	snprintf(addr, sizeof(addr), "<%s>", m->from);
	curl_easy_setopt(h, CURLOPT_URL, m->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, addr);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, mail_read);
	curl_easy_setopt(h, CURLOPT_READDATA, &src);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)src.left);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, m->timeout_ms > 0 ? m->timeout_ms : 30000L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	/* smtp:// must upgrade with STARTTLS or fail; never fall back to plain text */
	curl_easy_setopt(h, CURLOPT_USE_SSL,
			 m->plain ? (long)CURLUSESSL_NONE : (long)CURLUSESSL_ALL);
	if (ca_file != NULL) {
		curl_easy_setopt(h, CURLOPT_CAINFO, ca_file);
		curl_easy_setopt(h, CURLOPT_CAPATH, HTTPC_SYSTEM_CA_DIR);
	}
	if (m->user != NULL && *m->user != '\0') {
		curl_easy_setopt(h, CURLOPT_USERNAME, m->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, m->password != NULL ? m->password : "");
	}
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, code);
	if (cc == CURLE_OK) {
		rc = 0;
	} else {
		snprintf(err, errlen, "%s (SMTP %ld)", errbuf[0] ? errbuf : curl_easy_strerror(cc),
			 *code);
	}
	curl_slist_free_all(rcpt);
	if (m->session == NULL) {
		curl_easy_cleanup(h);
		return rc;
	}
	m->session->used_at = mono_ms();
	/* a refused recipient leaves the session sound; anything else may not have */
	if (rc != 0 && !(*code >= 500 && *code < 600)) {
		curl_easy_cleanup(h);
		m->session->h = NULL;
	}
	return rc;
}
