/* fuzz_slack.c — a Socket Mode frame carrying an envelope, as slack.c hands it over: a slash
 * command answered on its ack, then (as after the ack is written) every envelope processed
 * by the engine of the box. There is no connection: acks are dropped as for a closed link. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box.h"
#include "slack_int.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	cJSON *msg;

	box_init();
	if (!ready) {
		/* what slack_prepare reads from the environment in a configured daemon (only a
		 * configured daemon receives envelopes); the tokens are never sent anywhere */
		slack_conf.app_token = xstrdup("xapp-fuzz");
		slack_conf.bot_token = xstrdup("xoxb-fuzz");
		slack_conf.channel = xstrdup("C0INCIDENT");
		slack_conf.api_url = xstrdup("https://slack.com/api/");
		slack_conf.ping_s = 10;
		slack_events_init();
		ready = 1;
	}
	msg = cJSON_ParseWithLength((const char *)data, size);
	/* slack.c's on_message: only frames with a string envelope_id are envelopes */
	if (msg == NULL || !cJSON_IsString(cJSON_GetObjectItem(msg, "envelope_id"))) {
		cJSON_Delete(msg);
		return 0;
	}
	slack_envelope(NULL, cJSON_Duplicate(msg, 1));
	slack_envelope_acked(msg);
	box_drain(4);
	return 0;
}
