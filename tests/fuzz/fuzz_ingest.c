/* fuzz_ingest.c — one body read as each of the four alert sources (Alertmanager, generic,
 * CloudWatch alarm as carried by SNS, EventBridge), and what parses handed to the engine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box.h"
#include "engine.h"
#include "ingest.h"

static const char *body;
static size_t body_len;

/* A string the body wrote as "<s>\u0000…" was cut at the NUL: the alert says less than what
 * was sent (and "a\u0000b" and "a" become the same alert). */
static void
check_not_cut(const char *s, const char *what)
{
	cJSON *j = cJSON_CreateString(s);
	char *q = cJSON_PrintUnformatted(j), *needle;
	size_t n;

	if (q == NULL)
		box_fail(what, "cannot print a parsed string");
	n = strlen(q);
	needle = malloc(n + 6);
	memcpy(needle, q, n - 1); /* without the closing quote */
	memcpy(needle + n - 1, "\\u0000", 7);
	if (memmem(body, body_len, needle, strlen(needle)) != NULL)
		box_fail(what, "a string was cut at an escaped NUL (\\u0000) and accepted");
	free(needle);
	cJSON_free(q);
	cJSON_Delete(j);
}

static void
check_json_strings(const cJSON *o, const char *what)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, o)
	{
		if (!box_utf8_ok(it->string))
			box_fail(what, "a name is not UTF-8");
		check_not_cut(it->string, what);
		if (cJSON_IsString(it)) {
			if (!box_utf8_ok(it->valuestring))
				box_fail(what, "a value is not UTF-8");
			check_not_cut(it->valuestring, what);
		}
	}
}

/* What every parsed alert promises its readers (the store, the cards, the chat APIs). */
static void
check_alert(const struct alert *a)
{
	const char *const strs[] = {a->fingerprint, a->title, a->severity, a->resource, a->url,
				    a->dedup_key};

	if (a->fingerprint == NULL || a->title == NULL || a->severity == NULL)
		box_fail("ingest", "an alert without fingerprint, title or severity");
	if (strlen(a->title) > INGEST_MAX_TITLE)
		box_fail("ingest: title longer than INGEST_MAX_TITLE", a->title);
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		if (strs[i] == NULL)
			continue;
		if (!box_utf8_ok(strs[i]))
			box_fail("ingest: a field is not UTF-8", strs[i]);
		check_not_cut(strs[i], "ingest: a field");
	}
	check_json_strings(a->labels, "ingest: labels");
	check_json_strings(a->annotations, "ingest: annotations");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum alert_source srcs[] = {SRC_ALERTMANAGER, SRC_GENERIC, SRC_SNS,
						 SRC_EVENTBRIDGE};
	char err[256];

	box_init();
	body = (const char *)data;
	body_len = size;
	for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++) {
		struct alert_batch b = {0};
		cJSON *incidents;
		int accepted, dups, ignored;

		if (ingest_parse(srcs[i], (const char *)data, size, "fuzz-message-id", &b, err,
				 sizeof(err)) != 0) {
			if (b.n != 0 || err[0] == '\0')
				box_fail("ingest: a refusal with alerts or without a reason", err);
			/* the reason is the 400 answer's "error": JSON, so UTF-8 */
			if (!box_utf8_ok(err))
				box_fail("ingest: the refusal is not UTF-8", err);
			continue;
		}
		for (size_t j = 0; j < b.n; j++)
			check_alert(&b.v[j]);
		/* a body the parser accepted must not fail in the store: that would be a 503 */
		incidents = cJSON_CreateArray();
		if (engine_ingest(&b, incidents, &accepted, &dups, &ignored) != ENGINE_OK)
			box_fail("ingest: the engine refused a parsed batch",
				 alert_source_name(srcs[i]));
		cJSON_Delete(incidents);
		alert_batch_free(&b);
	}
	box_drain(4);
	return 0;
}
