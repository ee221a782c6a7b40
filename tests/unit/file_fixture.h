/* file_fixture.h — files for tests: a fixture read from tests/data, and a runbook loaded
 * from a text through a temporary file. Include after cmocka.h. */
#ifndef HEALER_FILE_FIXTURE_H
#define HEALER_FILE_FIXTURE_H

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runbook.h"
#include "util.h"

/* The whole file at path (at most 1 MiB), its length in *len when len is not NULL; fails
 * the test when it cannot be read. The caller frees it. */
static __attribute__((unused)) char *
fixture(const char *path, size_t *len)
{
	char *s = NULL;
	size_t n = 0;

	if (file_read_all(path, 1 << 20, &s, &n) != 0)
		fail_msg("cannot read fixture %s (run from the repository root)", path);
	if (len)
		*len = n;
	return s;
}

/* The runbook written in text, loaded as a file is; the test fails if it does not load. */
static __attribute__((unused)) struct runbook *
fixture_runbook(const char *text)
{
	char path[] = "/tmp/healer-test-rb-XXXXXX.yaml";
	struct diag_list d = {0};
	struct runbook *rb = NULL;
	int fd = mkstemps(path, 5);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(runbook_load_file(path, &rb, &d), 0);
	unlink(path);
	diag_free(&d);
	return rb;
}

#endif
