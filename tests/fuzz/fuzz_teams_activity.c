/* fuzz_teams_activity.c — a Bot Framework activity (message, invoke card action,
 * conversation and installation updates) handled as POST /api/messages does once the token
 * is checked, by the engine of the box; replies go nowhere (no network in fuzzing). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box.h"
#include "teams.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_response resp = {0};
	cJSON *j;

	box_init();
	teams_activity_handle((const char *)data, size, &resp);
	if (resp.status < 200 || resp.status > 599)
		box_fail("teams: no HTTP status for an activity", resp.body);
	/* every answer is JSON: Teams shows a broken card otherwise */
	if (resp.body == NULL || (j = cJSON_Parse(resp.body)) == NULL)
		box_fail("teams: the answer is not JSON", resp.body);
	cJSON_Delete(j);
	if (!box_utf8_ok(resp.body))
		box_fail("teams: the answer is not UTF-8", resp.body);
	free(resp.body);
	box_drain(4);
	return 0;
}
