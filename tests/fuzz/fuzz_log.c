/* fuzz_log.c — the log redactor: the first input line is a secret (as log_redact gets them
 * from the environment), the rest a log line to redact. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box.h"
#include "log.h"

#define LINE_MAX_FUZZ 4096 /* log.c's LOG_LINE_MAX: a log line is never longer */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = box_strndup(data, size), *line, *nl;
	size_t before;

	if ((nl = strchr(text, '\n')) == NULL) {
		free(text);
		return 0;
	}
	*nl = '\0';
	line = nl + 1;
	if (strlen(line) >= LINE_MAX_FUZZ)
		line[LINE_MAX_FUZZ - 1] = '\0';
	log_redact_forget();
	log_redact(text);
	before = strlen(line);
	log_redact_apply(line);
	if (strlen(line) > before)
		box_fail("log: redaction made the line longer", line);
	/* A secret of 6+ bytes never survives redaction. Only asserted for secrets sharing no
	 * byte with the mark, so that no occurrence can be made of mark and kept text. */
	if (strlen(text) >= 6 && strpbrk(text, "[REDACT]") == NULL && strstr(line, text) != NULL)
		box_fail("log: the secret is still in the line", line);
	free(text);
	return 0;
}
