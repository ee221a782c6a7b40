"""Multi-stage recovery: a runbook's `escalate` list is the rest of its ladder. When a stage
fails verification it is rolled back and the next stage is proposed on the same incident,
decided by the policy like any proposal; after the last stage the incident needs a human and
the thread names the people who approve the last stage's risk."""
import json

from conftest import am_alert, audit_kinds, DEFAULT_POLICY
from test_autopilot import state_order
from test_slack import slack, CHANNEL  # noqa: F401 (fixture)

# Stage 1 restarts (touches "restarted") but the service stays unhealthy; its rollback
# removes the file. Stage 2 makes it healthy unless @S2FIX@ names another file. Stage 3
# is the last resort; it never fixes anything.
STAGE1 = """\
id: restart-svc
title: Restart the service
match:
  - labels: {alertname: SvcDown}
params:
  service: {from: labels.service, pattern: '^[a-z0-9-]{1,32}$', required: true}
risk: low
escalate: [scale-svc, rollback-svc]
steps:
  - {name: restart, exec: ["@PY@", @STEP1@], timeout: 30s}
verify:
  - {name: healthy, exec: ["@PY@", "@BIN@/flag.py", check, "@TMP@/healthy"]}
rollback:
  - {name: undo restart, exec: ["@PY@", "@BIN@/flag.py", clear, "@TMP@/restarted"]}
"""
STAGE2 = """\
id: scale-svc
title: Scale the service out
params:
  service: {from: labels.service, pattern: '^[a-z0-9-]{1,32}$', required: true}
risk: @RISK2@
steps:
  - {name: "scale {{service}}", exec: ["@PY@", "@BIN@/flag.py", set, "@TMP@/@S2FIX@"]}
verify:
  - {name: healthy, exec: ["@PY@", "@BIN@/flag.py", check, "@TMP@/healthy"]}
rollback:
  - {name: scale in, exec: ["@PY@", "@BIN@/flag.py", clear, "@TMP@/@S2FIX@"]}
"""
STAGE3 = """\
id: rollback-svc
title: Roll back the last deploy
params:
  service: {from: labels.service, pattern: '^[a-z0-9-]{1,32}$', required: true}
risk: @RISK3@
steps:
  - {name: undo deploy, exec: ["@PY@", "@BIN@/flag.py", set, "@TMP@/undeployed"]}
verify:
  - {name: healthy, exec: ["@PY@", "@BIN@/flag.py", check, "@TMP@/healthy"]}
"""
LADDER = {"a-restart.yaml": STAGE1, "b-scale.yaml": STAGE2, "c-rollback.yaml": STAGE3}


def start(healer, policy=None, wait=False, user="root", env=None, **kw):
    """A daemon with the three stages. wait: stage 1's step waits for the file "go"."""
    s = {"RISK2": "low", "RISK3": "low", "S2FIX": "healthy"}
    s.update(kw)
    step1 = ('"@BIN@/wait_for_file.py", "@TMP@/go", "@TMP@/runs"' if wait
             else '"@BIN@/flag.py", set, "@TMP@/restarted"')
    text = dict(LADDER)
    text["a-restart.yaml"] = STAGE1.replace("@STEP1@", step1)
    return healer(runbooks=text, policy=policy, user=user, subst=s, **(env or {}))


def svc_down():
    return am_alert("SvcDown", labels={"service": "api", "severity": "warning"})


def stages(v):
    return [(s["stage"], s["runbook"], s["status"], s["current"]) for s in v["ladder"]["stages"]]


def test_second_stage_on_autopilot_resolves(healer):
    d = start(healer)
    d.alert(svc_down())
    v = d.wait_state("INC-1", "resolved")
    assert v["action"]["runbook"] == "scale-svc"
    assert v["action"]["autopilot"] is True
    assert [(s["name"], s["status"]) for s in v["step_runs"]] == \
        [("scale api", "ok"), ("healthy", "ok")], v["step_runs"]
    assert stages(v) == [(1, "restart-svc", "rolled_back", False),
                         (2, "scale-svc", "succeeded", True),
                         (3, "rollback-svc", "pending", False)]
    assert v["ladder"]["current"] == 2 and v["ladder"]["exhausted"] is False
    assert v["ladder"]["stages"][0]["result"].startswith("Rolled back after "), v["ladder"]
    assert not (d.root / "restarted").exists()  # stage 1's rollback ran before stage 2
    assert not (d.root / "undeployed").exists()  # stage 3 never ran
    order = state_order(v["timeline"])
    assert order[order.index("failed"):] == ["failed", "approved", "running", "verifying",
                                             "resolved"], order
    assert "rolled_back" not in order  # a stage that is not the last is not final
    esc = [t for t in v["timeline"] if t["kind"] == "ladder.escalated"]
    assert len(esc) == 1 and esc[0]["message"].startswith(
        "Stage 1 of 3 (restart-svc) rolled back; stage 2: proposed scale-svc: cost fixed $0.00,"
    ), esc
    kinds = audit_kinds(d.audit())
    assert kinds.count("policy.decision") == 2  # every stage gets its own decision
    # the console card shows the ladder with the current stage marked
    d.read_until(r"recovery ladder ─+┤\n"
                 r"│   1\. restart-svc — Restart the service: rolled_back +│\n"
                 r"│ ▶ 2\. scale-svc — Scale the service out: succeeded +│\n"
                 r"│   3\. rollback-svc — Roll back the last deploy: pending +│\n")


def test_second_stage_after_approval(healer):
    d = start(healer, RISK2="medium")
    d.alert(svc_down())
    v = d.wait_state("INC-1", "awaiting_approval")
    a = v["action"]
    assert a["runbook"] == "scale-svc" and a["risk_level"] == "medium", a
    assert a["decision"] == "approval", a
    assert stages(v)[:2] == [(1, "restart-svc", "rolled_back", False),
                             (2, "scale-svc", "proposed", True)]
    d.send("approve INC-1")
    v = d.wait_state("INC-1", "resolved")
    assert v["action"]["runbook"] == "scale-svc" and v["action"]["autopilot"] is False
    assert [(x["user"], x["decision"]) for x in v["approvals"]] == [("console:root", "approve")]
    assert stages(v)[1] == (2, "scale-svc", "succeeded", True)


LEAD_POLICY = DEFAULT_POLICY.replace(
    'lead:     ["console:lead1", "console:lead2"]',
    'lead:     ["console:lead1", "slack:ULEAD9"]')


def test_every_stage_fails_pages_a_human(healer):
    d = start(healer, policy=LEAD_POLICY, S2FIX="scaled", RISK3="high")
    d.alert(svc_down())
    v = d.wait_state("INC-1", "awaiting_approval")  # stage 3 is high risk
    assert v["action"]["runbook"] == "rollback-svc"
    d.send("approve INC-1")
    v = d.wait_state("INC-1", "needs_attention")
    assert stages(v) == [(1, "restart-svc", "rolled_back", False),
                         (2, "scale-svc", "rolled_back", False),
                         (3, "rollback-svc", "failed", True)]
    assert v["ladder"]["exhausted"] is True
    # high risk is approved by lead or admin: their members, in the policy's order
    assert v["ladder"]["page"] == ["console:root", "console:lead1", "slack:ULEAD9"]
    want = ("Recovery ladder exhausted at stage 3 of 3 (rollback-svc): every stage failed. "
            "A human is needed: console:root, console:lead1, slack:ULEAD9 (roles lead, admin)")
    assert v["attention"] == want
    assert not (d.root / "scaled").exists()  # stage 2 was rolled back too
    assert (d.root / "undeployed").exists()
    rows = [r for r in d.audit() if r.get("kind") == "ladder.exhausted"]
    assert len(rows) == 1 and rows[0]["message"] == want
    # the console card wraps the attention line at its width: the start of it is enough here
    d.read_until(r"A human is needed: console:root, console:lead1,")


def test_every_stage_fails_mentions_on_slack(healer, slack):  # noqa: F811
    policy = LEAD_POLICY.replace("low:      {roles: [any], count: 1}",
                                 "low:      {roles: [lead], count: 1}")
    d = start(healer, policy=policy, S2FIX="scaled",
              env=dict(SLACK_APP_TOKEN="xapp-1-A0HEALER-test", SLACK_BOT_TOKEN="xoxb-test-token",
                       SLACK_CHANNEL=CHANNEL, SLACK_API_URL=slack.api_url,
                       HEALER_SLACK_PING_S="1"))
    slack.wait_live()
    d.alert(svc_down())
    v = d.wait_state("INC-1", "needs_attention")
    assert v["ladder"]["page"] == ["console:lead1", "slack:ULEAD9"]

    def paged():
        c = slack.card("INC-1")
        if not c:
            return None
        th = "\n".join(m["text"] for m in slack.thread(c[0]))
        return th if "<@ULEAD9>" in th else None
    th = slack.wait(paged, "the thread mentioning the lead")
    assert "Recovery ladder exhausted at stage 3 of 3 (rollback-svc)" in th
    assert ":rotating_light: console:lead1 <@ULEAD9>" in th, th
    card = json.dumps(slack.card("INC-1")[1]["blocks"])
    assert "rollback-svc" in card and "scale-svc" in card


def test_kill_switch_stops_next_stage(healer):
    d = start(healer, wait=True)
    d.alert(svc_down())
    d.wait_for(lambda: (d.root / "runs").exists(), "stage 1 running")
    d.send("autopilot off")
    d.read_until(r"(?i)autopilot[^\n]*off")
    (d.root / "go").write_text("")
    v = d.wait_state("INC-1", "awaiting_approval")
    a = v["action"]
    assert a["runbook"] == "scale-svc" and a["autopilot"] is False, a
    assert "autopilot is switched off" in a["decision_reason"], a["decision_reason"]
    assert stages(v)[0][2] == "rolled_back"
    assert not (d.root / "healthy").exists()  # stage 2 did not run
