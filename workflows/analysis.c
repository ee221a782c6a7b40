/* analysis.c — the rule-less fallback by text search, similar incidents, history's weight on
 * confidence, and the words all of it searches by. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "analysis.h"
#include "log.h"
#include "util.h"

#define TERM_MAX 40   /* bytes: longer "words" are ids, hashes, base64 */
#define DOC_MAX 16384 /* bytes of runbook text compared for matching words */
#define SEARCH_HITS 5
#define DAY_MS 86400000LL

/* Words that match everything and explain nothing. Sorted for bsearch. */
static const char *const stopwords[] = {
    "alert", "alerts",	 "an",	     "and",	    "are",	"as",	  "at",	  "be",
    "by",    "com",	 "critical", "description", "false",	"firing", "for",  "from",
    "has",   "have",	 "healer",   "http",	    "https",	"in",	  "info", "instance",
    "is",    "it",	 "its",	     "job",	    "labels",	"no",	  "none", "not",
    "null",  "of",	 "on",	     "or",	    "resolved", "sev1",	  "sev2", "sev3",
    "sev4",  "severity", "summary",  "that",	    "the",	"this",	  "to",	  "true",
    "value", "warning",	 "was",	     "with",	    "www",
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool
is_stopword(const char *w)
{
	return bsearch(&w, stopwords, ARRAY_LEN(stopwords), sizeof(stopwords[0]), cmp_str) != NULL;
}

/* Hex strings of 12 or more characters are fingerprints and ids, not words. */
static bool
is_hex_id(const char *w, size_t n)
{
	if (n < 12)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)w[i]))
			return false;
	return true;
}

static bool
term_char(unsigned char c)
{
	/* like FTS5's unicode61 for ASCII; other UTF-8 bytes stay inside words */
	return isalnum(c) || c >= 0x80;
}

/* Calls fn for every word of s, lower-cased; stops when fn returns false. */
static void
words_each(const char *s, bool (*fn)(const char *w, void *ctx), void *ctx)
{
	char w[TERM_MAX + 1];

	while (s && *s) {
		size_t n = 0, len = 0;
		while (*s && !term_char((unsigned char)*s))
			s++;
		while (term_char((unsigned char)s[len])) {
			if (n < TERM_MAX)
				w[n++] = (char)tolower((unsigned char)s[len]);
			len++;
		}
		s += len;
		if (len < 2 || len > TERM_MAX || is_hex_id(w, n))
			continue;
		w[n] = '\0';
		if (!is_stopword(w) && !fn(w, ctx))
			return;
	}
}

static bool
term_add(const char *w, void *ctx)
{
	struct analysis_terms *t = ctx;

	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i], w) == 0)
			return true;
	if (t->n == ANALYSIS_MAX_TERMS)
		return false;
	t->v[t->n++] = xstrdup(w);
	return true;
}

/* Words of the string values of an object (keys are the same on every alert). */
static void
values_terms(const cJSON *obj, struct analysis_terms *t)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, obj)
	{
		if (cJSON_IsString(it))
			words_each(it->valuestring, term_add, t);
	}
}

void
analysis_terms(const char *title, const cJSON *labels, const cJSON *annotations,
	       struct analysis_terms *out)
{
	memset(out, 0, sizeof(*out));
	words_each(title, term_add, out);
	values_terms(labels, out);
	values_terms(annotations, out);
}

void
analysis_terms_free(struct analysis_terms *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i]);
	memset(t, 0, sizeof(*t));
}

/* ---- what a runbook is searched by ---- */

static void
doc_steps(struct buf *b, const struct step *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_printf(b, "%s\n", s[i].name);
}

static void
doc_labels(struct buf *b, const struct runbook *rb)
{
	for (size_t r = 0; r < rb->nmatch; r++)
		for (size_t l = 0; l < rb->match[r].nlabels; l++)
			buf_printf(b, "%s %s\n", rb->match[r].labels[l].key,
				   rb->match[r].labels[l].value);
}

static char *
doc_text(const struct runbook *rb)
{
	struct buf b;

	buf_init(&b, DOC_MAX);
	buf_printf(&b, "%s %s\n", rb->id, rb->title);
	doc_labels(&b, rb);
	doc_steps(&b, rb->diagnostics, rb->ndiagnostics);
	doc_steps(&b, rb->steps, rb->nsteps);
	buf_append_trunc(&b, rb->description ? rb->description : "",
			 rb->description ? strlen(rb->description) : 0);
	return buf_steal(&b);
}

struct match_ctx {
	const struct analysis_terms *t;
	bool seen[ANALYSIS_MAX_TERMS];
};

static bool
match_word(const char *w, void *arg)
{
	struct match_ctx *m = arg;

	for (size_t i = 0; i < m->t->n; i++)
		if (strcmp(m->t->v[i], w) == 0)
			m->seen[i] = true;
	return true;
}

size_t
analysis_matching_terms(const struct runbook *rb, const struct analysis_terms *t, char *out,
			size_t outlen)
{
	struct match_ctx m = {.t = t};
	char *doc = doc_text(rb);
	size_t off = 0, n = 0;

	words_each(doc, match_word, &m);
	free(doc);
	out[0] = '\0';
	for (size_t i = 0; i < t->n; i++) {
		if (!m.seen[i])
			continue;
		n++;
		if (off < outlen)
			off += (size_t)snprintf(out + off, outlen - off, "%s%s", off ? ", " : "",
						t->v[i]);
	}
	return n;
}

double
analysis_history_confidence(double base, int successes)
{
	double c = base + ANALYSIS_SUCCESS_STEP * (successes > 0 ? successes : 0);

	if (c > ANALYSIS_CONFIDENCE_MAX)
		c = ANALYSIS_CONFIDENCE_MAX;
	return c < base ? base : c;
}

/* ---- setup ---- */

void
analysis_setup(const struct runbook_set *rbs)
{
	static const struct runbook_set *indexed;
	struct store_runbook_doc *docs;
	struct buf *steps, *labels;

	/* a fresh connection (or another set) has no index yet */
	if (rbs == indexed && store_runbooks_indexed() == rbs->n && rbs->n > 0)
		return;
	docs = xcalloc(rbs->n + 1, sizeof(*docs));
	steps = xcalloc(rbs->n + 1, sizeof(*steps));
	labels = xcalloc(rbs->n + 1, sizeof(*labels));
	for (size_t i = 0; i < rbs->n; i++) {
		const struct runbook *rb = rbs->v[i];
		buf_init(&steps[i], DOC_MAX);
		buf_init(&labels[i], DOC_MAX);
		doc_steps(&steps[i], rb->diagnostics, rb->ndiagnostics);
		doc_steps(&steps[i], rb->steps, rb->nsteps);
		doc_steps(&steps[i], rb->verify, rb->nverify);
		doc_labels(&labels[i], rb);
		docs[i].id = rb->id;
		docs[i].title = rb->title;
		docs[i].description = rb->description;
		docs[i].steps = steps[i].data ? steps[i].data : "";
		docs[i].labels = labels[i].data ? labels[i].data : "";
	}
	if (store_runbooks_index(docs, rbs->n) == STORE_OK)
		indexed = rbs;
	else
		log_warnx("analysis: runbooks not indexed; text search proposes nothing");
	for (size_t i = 0; i < rbs->n; i++) {
		buf_free(&steps[i]);
		buf_free(&labels[i]);
	}
	free(steps);
	free(labels);
	free(docs);
}

/* ---- the analysis ---- */

static void
candidate_add(struct analysis *an, const struct runbook *rb)
{
	for (size_t i = 0; i < an->ncandidates; i++)
		if (an->candidates[i] == rb)
			return;
	if (rb && an->ncandidates < ANALYSIS_MAX_CANDIDATES)
		an->candidates[an->ncandidates++] = rb;
}

/* No rule fired: the best search hit whose parameters bind from the alert. */
static void
search_fallback(const struct incident *inc, const struct runbook_set *rbs,
		const struct analysis_terms *t, double min_confidence, struct analysis *an)
{
	struct store_hit *hits = NULL;
	size_t n = 0;
	char words[400], err[300], lbl[460] = "";
	const char *refused = NULL;

	if (store_runbooks_search((const char *const *)t->v, t->n, SEARCH_HITS, &hits, &n) != 0)
		n = 0;
	for (size_t i = 0; i < n; i++) {
		const struct runbook *rb = runbook_find(rbs, hits[i].id);
		cJSON *params = NULL;
		if (rb == NULL)
			continue;
		candidate_add(an, rb);
		if (an->rb != NULL)
			continue;
		if (runbook_bind_params(rb, inc->labels, inc->annotations, NULL, &params, err,
					sizeof(err)) != 0) {
			if (refused == NULL) {
				snprintf(lbl, sizeof(lbl), "%s (%s)", rb->id, err);
				refused = lbl;
			}
			continue;
		}
		cJSON_Delete(params);
		analysis_matching_terms(rb, t, words, sizeof(words));
		an->rb = rb;
		snprintf(an->source, sizeof(an->source), "search");
		/* below the policy's bar whatever it is: a suggestion never runs by itself */
		an->confidence = ANALYSIS_SEARCH_CONFIDENCE;
		if (an->confidence >= min_confidence)
			an->confidence = min_confidence / 2;
		snprintf(
		    an->why, sizeof(an->why),
		    "Suggested by text search, no match rule fired: runbook %s shares the words "
		    "%s with this alert (best of %zu hit%s). Low confidence: a human decides.",
		    rb->id, *words ? words : "(none)", n, n == 1 ? "" : "s");
	}
	if (an->rb == NULL && refused)
		snprintf(an->why, sizeof(an->why),
			 "text search found %s, but its parameters do not bind", refused);
	else if (an->rb == NULL)
		snprintf(an->why, sizeof(an->why),
			 "text search found no runbook sharing a word with this alert");
	free(hits);
}

void
analysis_run(const struct incident *inc, const struct runbook_set *rbs, const struct runbook *rb,
	     const char *source, const char *why, double confidence, double min_confidence,
	     struct analysis *out)
{
	struct analysis_terms t;

	memset(out, 0, sizeof(out[0]));
	analysis_terms(inc->title, inc->labels, inc->annotations, &t);
	out->rb = rb;
	out->confidence = confidence;
	snprintf(out->source, sizeof(out->source), "%s", source ? source : "rules");
	snprintf(out->why, sizeof(out->why), "%s", why ? why : "");
	/* every runbook a rule matches is a candidate; the first is the proposal */
	for (size_t i = 0; rbs && i < rbs->n; i++)
		if (runbook_matches(rbs->v[i], inc->labels))
			candidate_add(out, rbs->v[i]);
	candidate_add(out, rb);
	if (rb == NULL)
		search_fallback(inc, rbs, &t, min_confidence, out);
	if (store_similar_incidents((const char *const *)t.v, t.n, inc->resource, inc->id,
				    ANALYSIS_SIMILAR, out->similar, &out->nsimilar) != 0)
		out->nsimilar = 0;
	if (out->rb != NULL &&
	    store_runbook_successes(out->rb->id, inc->fingerprint, inc->title, inc->id,
				    now_ms() - ANALYSIS_HISTORY_DAYS * DAY_MS,
				    &out->successes) == 0 &&
	    out->successes > 0) {
		size_t off = strlen(out->why);
		double before = out->confidence;
		/* only a rule's choice earns confidence: a suggestion stays a suggestion */
		if (strcmp(out->source, "rules") == 0)
			out->confidence = analysis_history_confidence(before, out->successes);
		snprintf(out->why + off, sizeof(out->why) - off,
			 "\nHistory: %s resolved this alert %d time%s in the last %d days",
			 out->rb->id, out->successes, out->successes == 1 ? "" : "s",
			 ANALYSIS_HISTORY_DAYS);
		off = strlen(out->why);
		if (out->confidence > before)
			snprintf(out->why + off, sizeof(out->why) - off, " (confidence +%.2f)",
				 out->confidence - before);
	}
	analysis_terms_free(&t);
}

static const char *
jstr(const cJSON *o, const char *k)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));

	return s ? s : "";
}

char *
analysis_similar_text(const cJSON *similar)
{
	const cJSON *it;
	struct buf b;

	if (cJSON_GetArraySize(similar) == 0)
		return NULL;
	buf_init(&b, 4096);
	buf_printf(&b, "Similar past incidents:");
	cJSON_ArrayForEach(it, similar)
	{
		const cJSON *rs = cJSON_GetObjectItemCaseSensitive(it, "resolve_s");
		char d[32] = "";
		if (cJSON_IsNumber(rs))
			duration_format((int64_t)(rs->valuedouble * 1000), d, sizeof(d));
		buf_printf(&b, " %s %s", jstr(it, "key"), jstr(it, "state"));
		if (*jstr(it, "runbook"))
			buf_printf(&b, " with %s", jstr(it, "runbook"));
		if (*d)
			buf_printf(&b, " in %s", d);
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "same_resource")))
			buf_printf(&b, " (same resource)");
		if (*jstr(it, "outcome"))
			buf_printf(&b, ": %.120s", jstr(it, "outcome"));
		buf_printf(&b, ";");
	}
	b.data[--b.len] = '\0'; /* the last ';' */
	return buf_steal(&b);
}

int
analysis_record(int64_t id, const struct analysis *an)
{
	int64_t ids[ANALYSIS_SIMILAR];
	cJSON *mem;
	char *text;
	int rc;

	for (size_t i = 0; i < an->nsimilar; i++)
		ids[i] = an->similar[i].id;
	if ((rc = store_incident_set_memory(id, an->source, ids, an->nsimilar)) != STORE_OK)
		return rc;
	mem = cJSON_CreateObject();
	if ((rc = store_view_memory(id, mem)) == STORE_OK &&
	    (text = analysis_similar_text(cJSON_GetObjectItem(mem, "similar"))) != NULL) {
		rc = chat_notify_note(id, text);
		free(text);
	}
	cJSON_Delete(mem);
	return rc;
}
