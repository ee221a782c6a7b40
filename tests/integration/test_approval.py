"""Approval-gated actions from the console: role refusal, two distinct approvers for a
critical action (across daemon restarts, each as a different console user), reject with a
reason."""
from conftest import am_alert, audit_kinds

FAILOVER = """\
id: failover-db
title: Fail the database over to the replica
description: Promotes the replica.
match:
  - labels: {alertname: DbPrimaryDown}
params:
  service: {from: labels.service, pattern: '^[a-z0-9@._-]{1,64}$', required: true}
risk: critical
blast_radius: 1
cost: {usd: 0}
idempotent: false
diagnostics:
  - {name: replication lag, exec: [/bin/echo, "lag of {{service}}: 0s"]}
steps:
  - {name: promote, exec: [/bin/echo, "promoted {{service}}"], timeout: 10s}
verify:
  - {name: check, exec: [/bin/true]}
"""

SCALE = """\
id: scale-web
title: Add web capacity
match:
  - labels: {alertname: WebSlow}
params:
  service: {from: labels.service, pattern: '^[a-z0-9@._-]{1,64}$', required: true}
risk: medium
cost: {usd: 0}
steps:
  - {name: scale, exec: ["@PY@", "@BIN@/flag.py", set, "@TMP@/scaled"]}
verify:
  - {name: check, exec: [/bin/true]}
"""


def db_down():
    return am_alert("DbPrimaryDown", labels={"service": "db", "severity": "critical"})


def approvals(v):
    return [(a["user"], a["decision"]) for a in v["approvals"]]


def test_critical_needs_two_distinct_approvers(healer):
    d = healer(runbooks={"failover.yaml": FAILOVER}, user="eve")
    d.alert(db_down())
    v = d.wait_state("INC-1", "awaiting_approval")
    a = v["action"]
    assert a["decision"] == "approval"
    assert a["risk_level"] == "critical", a
    assert a["approvals_needed"] == 2
    assert "needs 2 approvals" in a["decision_reason"] and "risk critical" in a["decision_reason"], \
        a["decision_reason"]
    assert a["autopilot"] is False
    assert [s["phase"] for s in v["step_runs"]] == ["diagnostic"]
    assert v["step_runs"][0]["output"] == "lag of db: 0s\n"
    d.read_until(r"(?i)INC-1\b[^\n]*awaiting[ _]approval")

    # eve is an engineer: refused, with what is needed; nothing changes
    d.mark()
    d.send("approve INC-1")
    d.read_until(r"refused: approve needs role lead or admin \(you have: engineer\)")
    v = d.view("INC-1")
    assert v["state"] == "awaiting_approval"
    assert v["approvals"] == []
    rows = [r for r in d.audit() if r.get("kind") == "approval.refused"]
    assert len(rows) == 1, rows
    assert rows[0]["actor"] == "console:eve", rows[0]

    # first lead: 1 of 2, still waiting
    d.restart(user="lead1")
    d.send("approve INC-1")
    d.read_until(r"1 of 2")
    v = d.view("INC-1")
    assert v["state"] == "awaiting_approval"
    assert approvals(v) == [("console:lead1", "approve")]
    assert not [s for s in v["step_runs"] if s["phase"] == "step"]

    # the same lead again is refused: approvers must be distinct
    d.mark()
    d.send("approve 1")
    m = d.read_until(r"refused: [^\n]*")
    assert "already approved" in m.group(0), m.group(0)
    assert approvals(d.view("INC-1")) == [("console:lead1", "approve")]

    # second lead: enough approvals, the action runs
    d.restart(user="lead2")
    d.send("approve INC-1")
    v = d.wait_state("INC-1", "resolved")
    assert approvals(v) == [("console:lead1", "approve"), ("console:lead2", "approve")]
    assert v["action"]["autopilot"] is False
    steps = [s for s in v["step_runs"] if s["phase"] == "step"]
    assert [(s["name"], s["status"], s["output"]) for s in steps] == \
        [("promote", "ok", "promoted db\n")]
    kinds = audit_kinds(d.audit())
    assert kinds.count("approval.granted") == 2, kinds
    assert "command" in kinds
    d.read_until(r"(?i)INC-1\b[^\n]*resolved")


def test_reject_with_reason(healer):
    d = healer(runbooks={"scale.yaml": SCALE}, user="eve")
    d.alert(am_alert("WebSlow", labels={"service": "web", "severity": "warning"}))
    v = d.wait_state("INC-1", "awaiting_approval")
    assert v["action"]["risk_level"] == "medium"
    assert v["action"]["decision"] == "approval"
    d.send("reject INC-1 not during the release window")
    v = d.wait_state("INC-1", "rejected")
    assert [(a["user"], a["decision"], a["reason"]) for a in v["approvals"]] == \
        [("console:eve", "reject", "not during the release window")]
    assert not [s for s in v["step_runs"] if s["phase"] == "step"]
    assert not (d.root / "scaled").exists()
    # a rejected incident is final: a late approval is refused
    d.mark()
    d.send("approve INC-1")
    d.read_until(r"refused: ")
    assert d.view("INC-1")["state"] == "rejected"


def test_medium_approved_by_engineer_runs(healer):
    d = healer(runbooks={"scale.yaml": SCALE}, user="eve")
    d.alert(am_alert("WebSlow", labels={"service": "web", "severity": "warning"}))
    d.wait_state("INC-1", "awaiting_approval")
    d.send("approve INC-1")
    v = d.wait_state("INC-1", "resolved")
    assert approvals(v) == [("console:eve", "approve")]
    assert (d.root / "scaled").exists()


COOLDOWN_POLICY = """\
autopilot: {max_risk: low, max_cost_usd: 20, min_confidence: 0.8, max_usd_per_day: 100}
approvals:
  low:      {roles: [any], count: 1}
  medium:   {roles: [engineer, lead, admin], count: 1}
  high:     {roles: [lead, admin], count: 1, requester_may_approve: false}
  critical: {roles: [lead, admin], count: 2, requester_may_approve: false}
approval_ttl: 30m
limits: {max_runs_per_hour: 100, max_concurrent: 10, cooldown_per_resource: 1h}
freeze: @FREEZE@
roles:
  admin:    ["console:root"]
  engineer: ["console:eve"]
  lead:     ["console:lead1"]
"""

QUICK = """\
id: quick
title: Quick fix
match:
  - labels: {alertname: "~^Quick"}
params:
  service: {from: labels.service, pattern: '^[a-z0-9@._-]{1,64}$', required: true}
risk: low
cost: {usd: 0}
steps:
  - {name: fix, exec: [/bin/echo, "fixed {{service}}"]}
"""


def test_cooldown_blocks_second_run_on_resource(healer):
    d = healer(runbooks={"quick.yaml": QUICK}, policy=COOLDOWN_POLICY, subst={"FREEZE": "[]"})
    d.alert(am_alert("QuickA", labels={"service": "api", "severity": "warning"}))
    d.wait_state("INC-1", "resolved")
    d.alert(am_alert("QuickB", labels={"service": "api", "severity": "warning"}))
    v = d.wait_state("INC-2", "blocked")
    assert v["resource"] == "api"
    assert v["action"]["decision"] == "blocked"
    assert v["action"]["decision_reason"].startswith("blocked: cooldown on api until "), \
        v["action"]["decision_reason"]
    assert not [s for s in v["step_runs"] if s["phase"] == "step"]
    # another resource is not affected
    d.alert(am_alert("QuickA", labels={"service": "web", "severity": "warning"}))
    d.wait_state("INC-3", "resolved")


def test_freeze_only_admin_may_approve(healer):
    d = healer(runbooks={"quick.yaml": QUICK}, policy=COOLDOWN_POLICY,
               subst={"FREEZE": '["Mon 00:00-Sun 23:59"]'}, user="eve")
    d.alert(am_alert("QuickA", labels={"service": "api", "severity": "warning"}))
    v = d.wait_state("INC-1", "awaiting_approval")
    a = v["action"]
    assert a["autopilot"] is False and a["decision"] == "approval", a
    assert "+15" in " ".join(a["risk_reasons"]) and "freeze" in " ".join(a["risk_reasons"]), a
    d.send("approve INC-1")
    m = d.read_until(r"refused: [^\n]*")
    assert "freeze" in m.group(0) and "admin" in m.group(0), m.group(0)
    assert d.view("INC-1")["state"] == "awaiting_approval"
    d.restart(user="root")
    d.send("approve INC-1")
    v = d.wait_state("INC-1", "resolved")
    assert [x["user"] for x in v["approvals"]] == ["console:root"]


def test_dryrun_shows_plan_and_runs_nothing(healer):
    d = healer(runbooks={"scale.yaml": SCALE}, user="eve")
    d.alert(am_alert("WebSlow", labels={"service": "web", "severity": "warning"}))
    v1 = d.wait_state("INC-1", "awaiting_approval")
    d.mark()
    d.send("dryrun INC-1")
    d.read_until(r"scale-web")
    d.read_until(r"flag\.py set %s/scaled" % d.root)
    v = d.view("INC-1")
    assert v["state"] == "awaiting_approval"
    assert v["approvals"] == []
    assert len(v["step_runs"]) == len(v1["step_runs"])
    assert not (d.root / "scaled").exists()
