/* ingest_json.c — JSON helpers peer-facing parsers share: the depth-capped parse, the checked
 * conversion of a JSON number to an integer, and the text hygiene of alert bodies. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "util.h"

cJSON *
json_parse_capped(const char *body, size_t len, int max_depth, char *err, size_t errlen)
{
	const char *end = NULL;
	bool in_str = false, esc = false;
	int depth = 0;
	cJSON *root;
	size_t i;

	if (body == NULL || len == 0) {
		snprintf(err, errlen, "body is empty");
		return NULL;
	}
	/* Count nesting on the raw bytes so a hostile body never reaches cJSON's recursion. */
	for (i = 0; i < len; i++) {
		char c = body[i];

		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			if (++depth > max_depth) {
				snprintf(err, errlen, "nesting deeper than %d levels", max_depth);
				return NULL;
			}
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	root = cJSON_ParseWithLengthOpts(body, len, &end, false);
	if (root != NULL) {
		while (end < body + len &&
		       (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
			end++;
		if (end == body + len)
			return root;
		cJSON_Delete(root); /* trailing bytes after the value */
	}
	i = end != NULL && end >= body ? (size_t)(end - body) : 0;
	snprintf(err, errlen, "body is not valid JSON (at byte %zu)", i < len ? i : len);
	return NULL;
}

int
json_int(const cJSON *v, int64_t min, int64_t max, int64_t *out)
{
	double d;

	if (!cJSON_IsNumber(v))
		return -1;
	d = v->valuedouble;
	/* [-2^63, 2^63) is exactly what converts to int64_t; NaN fails every comparison. */
	if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || d != trunc(d))
		return -1;
	if ((int64_t)d < min || (int64_t)d > max)
		return -1;
	*out = (int64_t)d;
	return 0;
}

/* ---- text hygiene: what a sender may put in the strings of an alert ---- */

/* cJSON decodes "\u0000" into a NUL byte, and everything after it in that string is lost
 * without a trace. Before parsing, each such escape becomes C0 80 (the overlong form of NUL,
 * invalid in UTF-8, so nothing else produces it) for ingest_text_check to name the field.
 * Returns the rewritten copy (owned) and its length, or NULL when there is no such escape. */
static char *
nul_escapes_marked(const char *body, size_t len, size_t *outlen)
{
	static const char esc[] = "\\u0000";
	bool in_str = false;
	char *out = NULL;
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		char c = body[i];
		if (in_str && c == '\\' && len - i >= 6 && memcmp(body + i, esc, 6) == 0) {
			if (out == NULL) {
				out = xmalloc(len);
				memcpy(out, body, i);
				o = i;
			}
			out[o++] = (char)0xC0;
			out[o++] = (char)0x80;
			i += 5;
			continue;
		}
		if (in_str && c == '\\' && i + 1 < len) {
			if (out != NULL) /* an escape's two bytes go together: "\\u0000" is text */
				out[o++] = c;
			c = body[++i];
		} else if (c == '"') {
			in_str = !in_str;
		}
		if (out != NULL)
			out[o++] = c;
	}
	*outlen = o;
	return out;
}

/* Checks one string and cleans it in place: NUL (marked as C0 80) and invalid UTF-8 are
 * refused with what was wrong; C0 controls but \t and \n, DEL and C1 controls each become one
 * space (they move terminals' cursors and colours, and split log lines). */
static const char *
text_clean(char *s)
{
	unsigned char *r = (unsigned char *)s, *w = r;
	size_t n;

	while (*r != '\0') {
		if (r[0] == 0xC0 && r[1] == 0x80)
			return "contains NUL";
		if ((n = utf8_seq_len(r)) == 0)
			return "invalid UTF-8";
		if ((n == 1 && ((*r < 0x20 && *r != '\t' && *r != '\n') || *r == 0x7F)) ||
		    (n == 2 && r[0] == 0xC2 && r[1] < 0xA0)) {
			*w++ = ' ';
			r += n;
			continue;
		}
		while (n-- > 0)
			*w++ = *r++;
	}
	*w = '\0';
	return NULL;
}

/* Walks node's children with `path` naming node (as the error messages do). */
static int
text_walk(cJSON *node, char *path, size_t pathcap, char *err, size_t errlen)
{
	size_t plen = strlen(path);
	const char *what;
	cJSON *it;
	int i = 0;

	cJSON_ArrayForEach(it, node)
	{
		if (cJSON_IsObject(node)) {
			if (it->string != NULL && (what = text_clean(it->string)) != NULL) {
				snprintf(err, errlen, "%s%sa member name %s", path,
					 plen ? ": " : "", what);
				return -1;
			}
			snprintf(path + plen, pathcap - plen, "%s%.64s", plen ? "." : "",
				 it->string ? it->string : "");
		} else {
			snprintf(path + plen, pathcap - plen, "[%d]", i);
		}
		i++;
		if (cJSON_IsString(it) && (what = text_clean(it->valuestring)) != NULL) {
			snprintf(err, errlen, "%s: %s", path, what);
			return -1;
		}
		if ((cJSON_IsObject(it) || cJSON_IsArray(it)) &&
		    text_walk(it, path, pathcap, err, errlen) != 0)
			return -1;
		path[plen] = '\0';
	}
	return 0;
}

int
ingest_text_check(cJSON *root, char *err, size_t errlen)
{
	char path[256] = "";
	const char *what;

	if (cJSON_IsString(root) && (what = text_clean(root->valuestring)) != NULL) {
		snprintf(err, errlen, "body %s", what);
		return -1;
	}
	return text_walk(root, path, sizeof(path), err, errlen);
}

cJSON *
ingest_json_parse(const char *body, size_t len, char *err, size_t errlen)
{
	size_t mlen;
	char *marked = nul_escapes_marked(body, len, &mlen);
	cJSON *root;

	root = json_parse_capped(marked ? marked : body, marked ? mlen : len, INGEST_MAX_DEPTH, err,
				 errlen);
	free(marked);
	if (root != NULL && ingest_text_check(root, err, errlen) != 0) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}
