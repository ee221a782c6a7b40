/* fuzz_policy.c — a policy file (loaded through a memfd path, as from disk), then the
 * decisions and click-time checks made from what loaded, and freeze windows on their own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "box.h"
#include "policy.h"

static void
decide(const struct policy *p)
{
	struct decision_ctx ctx = {.now_ms = 1714557600000, .autopilot_enabled = true,
				   .usd_autopilot_today = 3.5, .runs_last_hour = 2, .running = 1,
				   .last_run_on_resource_ms = 1714557000000, .resource = "i-0abc"};
	const char *const approvers[] = {"slack:U1", "teams:a-b-c"};
	struct decision d;
	char why[320], roles[256];
	const char *which;

	for (int r = 0; r < RISK__COUNT; r++) {
		policy_decide(p, (enum risk_level)r, 12.5, 0.85, &ctx, &d);
		if (d.reason[0] == '\0')
			box_fail("policy: a decision without a reason", decision_kind_name(d.kind));
		(void)policy_check_approval(p, (enum risk_level)r, "slack:U2", "slack:U1", approvers,
					    2, ctx.now_ms, ctx.now_ms + 60000, why, sizeof(why));
		(void)policy_check_actor(p, (enum risk_level)r, "console:alice", "reject", why,
					 sizeof(why));
	}
	(void)policy_in_freeze(p, ctx.now_ms, &which);
	policy_user_roles(p, "slack:U1", roles, sizeof(roles));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct diag_list errs = {0};
	struct policy p;
	struct freeze_window fw = {0};
	char *s;
	int nerr;

	if (fd < 0) {
		if ((fd = memfd_create("policy.yaml", 0)) < 0) {
			perror("memfd_create");
			abort();
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size) {
		perror("policy: writing the memfd");
		abort();
	}
	nerr = policy_load(path, true, &p, &errs);
	if (nerr > 0 && errs.n == 0)
		box_fail("policy: errors without messages", "");
	decide(&p);
	policy_free(&p);
	diag_free(&errs);

	s = box_strndup(data, size);
	if (freeze_parse(s, &fw) == 0) {
		if (fw.start_min < 0 || fw.end_min < 0 || fw.start_min >= 7 * 24 * 60 ||
		    fw.end_min >= 7 * 24 * 60)
			box_fail("policy: freeze window outside the week", s);
		free(fw.text);
	}
	free(s);
	return 0;
}
