/* box.c — the daemon in a box shared by the fuzz targets that drive the engine (box.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "box.h"
#include "config.h"
#include "engine.h"
#include "log.h"
#include "loop.h"
#include "policy.h"
#include "runbook.h"
#include "store.h"
#include "util.h"

static int box_ready;
static char box_dir[64];

/* The store lives as long as the process: removing it at exit keeps /tmp clean. */
static void
box_cleanup(void)
{
	char p[128];
	static const char *const files[] = {"healer.db", "healer.db-wal", "healer.db-shm"};

	for (size_t i = 0; i < ARRAY_LEN(files); i++) {
		snprintf(p, sizeof(p), "%s/%s", box_dir, files[i]);
		unlink(p);
	}
	rmdir(box_dir);
}

void
box_init(void)
{
	struct runbook_set *rbs;
	struct policy *pol;
	char db[128];

	if (box_ready)
		return;
	box_ready = 1;
	/* Findings are what matter; a log line per input would drown them and slow the run. */
	log_init(getenv("HEALER_LOG_LEVEL") ? getenv("HEALER_LOG_LEVEL") : "error");
	free(cfg.ingest_token);
	cfg.ingest_token = xstrdup("fuzz-ingest-token");
	/* the tests' topics and certificate host: envelopes of those get as far as the
	 * certificate fetch (which the httpc stub fails), others are refused naming the topic */
	cfg.sns_topics = xstrdup("arn:aws:sns:us-east-1:123456789012:healer-alarms,"
				 "arn:aws:sns:us-east-1:123456789012:healer");
	cfg.sns_cert_hosts = xstrdup("127.0.0.1:8443");
	snprintf(box_dir, sizeof(box_dir), "%s/healer-fuzz-XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(box_dir) == NULL) {
		perror("box: mkdtemp");
		abort();
	}
	atexit(box_cleanup);
	snprintf(db, sizeof(db), "%s/healer.db", box_dir);
	if (store_open(db) != 0) {
		fprintf(stderr, "box: cannot open the store %s\n", db);
		abort();
	}
	rbs = xcalloc(1, sizeof(*rbs));
	pol = xcalloc(1, sizeof(*pol));
	policy_defaults(pol);
	engine_init(rbs, pol);
	if (loop_init() != 0) {
		fprintf(stderr, "box: cannot start the loop\n");
		abort();
	}
}

void
box_drain(int rounds)
{
	for (int i = 0; i < rounds; i++)
		lws_service(loop_context(), -1);
}

char *
box_strndup(const uint8_t *data, size_t size)
{
	char *s = xmalloc(size + 1);

	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

bool
box_utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (p != NULL && *p) {
		size_t n;
		uint32_t cp;

		if (*p < 0x80) {
			p++;
			continue;
		} else if ((*p & 0xE0) == 0xC0) {
			n = 1, cp = *p & 0x1F;
		} else if ((*p & 0xF0) == 0xE0) {
			n = 2, cp = *p & 0x0F;
		} else if ((*p & 0xF8) == 0xF0) {
			n = 3, cp = *p & 0x07;
		} else {
			return false;
		}
		for (size_t i = 1; i <= n; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3F);
		}
		/* overlong forms, surrogates and code points past U+10FFFF are not UTF-8 */
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
			return false;
		p += n + 1;
	}
	return true;
}

void
box_fail(const char *what, const char *detail)
{
	fprintf(stderr, "\n==fuzz== %s: %.300s\n", what, detail ? detail : "(null)");
	abort();
}

char *
box_data_file(const char *name, size_t *len)
{
	char path[512], *data = NULL;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/%s", FUZZ_DATA, name);
	if (file_read_all(path, 1024 * 1024, &data, &n) != 0) {
		perror(path);
		abort();
	}
	if (len != NULL)
		*len = n;
	return data;
}
