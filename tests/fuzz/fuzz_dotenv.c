/* fuzz_dotenv.c — .env lines (KEY=VALUE, export, quotes, comments) as config_load reads
 * them, one line per input line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box.h"
#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = box_strndup(data, size), *line, *next, *key, *val;

	for (line = text; line != NULL; line = next) {
		char *end;
		int rc;

		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		end = line + strlen(line);
		rc = config_dotenv_line(line, &key, &val);
		if (rc > 0 && (key < line || key > end || val < line || val > end))
			box_fail("dotenv: key or value outside the line", line);
	}
	free(text);
	return 0;
}
