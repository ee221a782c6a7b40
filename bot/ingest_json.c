/* ingest_json.c — JSON helpers every peer-facing parser shares: the depth-capped parse and
 * the checked conversion of a JSON number to an integer. */
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
