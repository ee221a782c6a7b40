/* fuzz_command.c — one chat command line through the shared grammar, and when it parses,
 * run as a console user by the engine of the box (no runbooks: nothing can execute). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box.h"
#include "command.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = box_strndup(data, size), err[512];
	struct command c;
	struct command_reply r;

	box_init();
	err[0] = '\0';
	if (command_parse(line, &c, err, sizeof(err)) != 0) {
		if (err[0] == '\0')
			box_fail("command: a refusal without the usage", line);
	} else {
		command_execute(&c, "console:fuzz", &r);
		if (r.text == NULL)
			box_fail("command: a reply without text", line);
		command_reply_free(&r);
	}
	free(line);
	box_drain(4);
	return 0;
}
