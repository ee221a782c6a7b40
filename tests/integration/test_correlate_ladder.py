"""The probable cause's own recovery ladder is followed when its fix was not the incident's
first action: a cause fix that fails verification is rolled back and its next stage is
proposed, bound from the cause's alert and decided on its own."""
from test_correlate_cause import alert, deploy, errors, flag_step, policy, restart_runbook, \
    runbook

# the deploy's rollback never makes it healthy; its ladder's next stage pins the release
CAUSE_FIX = runbook("rollback-deploy", "Roll the last deploy back", "~^Deploy", "low",
                    flag_step("rollback", "rolled-back")) + """\
escalate: [pin-release]
verify:
  - {name: healthy, exec: ["@PY@", "@BIN@/flag.py", "check", "@TMP@/healthy"], timeout: 10s}
rollback:
  - %s
""" % flag_step("undo", "rollback-undone")

PIN = """\
id: pin-release
title: Pin the last good release
params:
  service: {from: labels.service, pattern: '^[a-z0-9-]{1,32}$', required: true}
risk: medium
steps:
  - {name: "pin {{service}}", exec: ["@PY@", "@BIN@/flag.py", "set", "@TMP@/pinned"]}
"""


def stages(v):
    return [(s["stage"], s["runbook"], s["status"], s["current"]) for s in v["ladder"]["stages"]]


def test_the_cause_fix_escalates_along_its_own_ladder(healer):
    d = healer(runbooks={"restart.yaml": restart_runbook("medium"), "rollback.yaml": CAUSE_FIX,
                         "pin.yaml": PIN}, policy=policy(), user="lead1")
    d.alert(errors())
    v = d.wait_state("INC-1", "awaiting_approval")
    assert v["action"]["runbook"] == "restart-api" and v["ladder"] is None
    # the deploy is the cause: its rollback runs by itself (low risk), fails to heal
    d.alert(deploy())
    v = d.wait_for(lambda: (lambda x: x if x["action"]["runbook"] == "pin-release" else None)(
        d.view("INC-1")), "the cause ladder's next stage proposed")
    assert (d.root / "rolled-back").exists() and (d.root / "rollback-undone").exists()
    v = d.wait_state("INC-1", "awaiting_approval")  # medium: its own decision
    assert v["action"]["params"]["service"] == "checkout", v["action"]["params"]  # the cause's
    assert stages(v) == [(1, "rollback-deploy", "rolled_back", False),
                         (2, "pin-release", "proposed", True)], stages(v)
    esc = [t["message"] for t in v["timeline"] if t["kind"] == "ladder.escalated"]
    assert len(esc) == 1 and esc[0].startswith(
        "Stage 1 of 2 (rollback-deploy) rolled back; stage 2: proposed pin-release"), esc
    states = [t["message"].split(":")[0] for t in v["timeline"] if t["kind"] == "incident.state"]
    assert "failed → rolled_back" not in states and states[-1] == \
        "failed → awaiting_approval", states
    d.send("approve INC-1")
    v = d.wait_for(lambda: (lambda x: x if x["action"]["status"] == "succeeded" else None)(
        d.view("INC-1")), "the pin ran")
    assert (d.root / "pinned").exists() and not (d.root / "restarted").exists()
