"""What people see of a run: `run` says whether it goes on autopilot or waits for approval,
step names are shown with their parameters filled in, and a text-search suggestion never
runs on autopilot whatever the confidence threshold."""
import json

from conftest import DEFAULT_POLICY, am_alert

RESTART = """\
id: restart-service
title: Restart a service
match:
  - labels: {alertname: ServiceDown}
params:
  service: {from: labels.service, pattern: '^[a-z0-9@._-]{1,64}$', required: true}
risk: @RISK@
cost: {usd: 0}
diagnostics:
  - {name: "status of {{service}}", exec: [/bin/echo, "status {{service}}"]}
steps:
  - {name: "restart {{service}}", exec: ["@PY@", "-c", "import sys; sys.exit(3)"]}
verify:
  - {name: "{{service}} is up", exec: [/bin/echo, up]}
rollback:
  - {name: "restore {{service}}", exec: [/bin/echo, "restored {{service}}"]}
"""


def wait_exists(d, inc):
    return d.wait_for(lambda: (lambda p: p.returncode == 0 and json.loads(p.stdout))(
        d.cli("incidents", "show", inc, "--json", check=False)), "%s to exist" % inc)


def test_step_names_are_templated(healer):
    d = healer(runbooks={"restart.yaml": RESTART}, subst={"RISK": "low"})
    d.alert(am_alert("ServiceDown", labels={"service": "api", "severity": "warning"}))
    v = d.wait_state("INC-1", "rolled_back")
    names = [(r["phase"], r["name"]) for r in v["step_runs"]]
    assert names == [("diagnostic", "status of api"), ("step", "restart api"),
                     ("rollback", "restore api")], names
    assert "{{" not in v["outcome"], v["outcome"]
    assert "step 'restart api' exit status 3" in v["outcome"], v["outcome"]
    msgs = [t["message"] for t in v["timeline"] if t["kind"] == "step.finished"]
    assert any(m.startswith("step 'restart api' failed") for m in msgs), msgs
    d.send("show INC-1")
    d.read_until(r"restart api")
    assert "{{service}}" not in d.console_text()


def test_run_help_and_reply_autopilot(healer):
    d = healer(runbooks={"restart.yaml": RESTART}, user="root", subst={"RISK": "low"})
    d.send("help")
    m = d.read_until(r"run RUNBOOK key=value[^\n]*")
    assert "propose" not in m.group(0), m.group(0)
    assert "autopilot" in m.group(0), m.group(0)
    d.mark()
    d.send("run restart-service service=api")
    d.read_until(r"INC-1: restart-service runs on autopilot \(risk low, \$0\.00\)")
    v = wait_exists(d, "INC-1")
    v = d.wait_for(lambda: (lambda x: x if x["action"]["decision"] else None)(d.view("INC-1")),
                   "the decision")
    assert v["action"]["decision"] == "autopilot", v["action"]


def test_run_reply_awaiting_approval(healer):
    d = healer(runbooks={"restart.yaml": RESTART}, user="root", subst={"RISK": "medium"})
    d.send("run restart-service service=api")
    d.read_until(r"INC-1: restart-service awaits approval by engineer, lead or admin "
                 r"\(risk medium, \$0\.00\)")
    v = d.wait_state("INC-1", "awaiting_approval")
    assert v["action"]["decision"] == "approval"


def test_run_reply_refused_params(healer):
    d = healer(runbooks={"restart.yaml": RESTART}, user="root", subst={"RISK": "low"})
    d.send("run restart-service service=/etc/x")
    d.read_until(r"INC-1: runbook restart-service refused: parameter 'service': value does "
                 r"not match")


SEARCHABLE = """\
id: free-disk
title: Free disk space on a full volume
description: |
  Deletes rotated logs when disk usage on a volume is nearly full.
match:
  - labels: {alertname: DiskFull}
params:
  path: {from: labels.mountpoint, pattern: '^/[a-z0-9/_-]{0,64}$', required: true}
risk: low
cost: {usd: 0}
steps:
  - {name: clean, exec: ["@PY@", "@BIN@/flag.py", set, "@TMP@/step-ran"]}
"""


def test_search_suggestion_never_autopilot(healer):
    """min_confidence 0 lets any confidence pass the threshold, and max_risk medium the risk
    a low confidence adds; the decision still refuses autopilot because the runbook was only
    suggested by text search."""
    policy = DEFAULT_POLICY.replace("min_confidence: 0.8", "min_confidence: 0").replace(
        "max_risk: low", "max_risk: medium")
    assert "min_confidence: 0," in policy and "max_risk: medium" in policy
    d = healer(runbooks={"disk.yaml": SEARCHABLE}, policy=policy)
    d.alert(am_alert("VolumeAlmostFull", labels={"mountpoint": "/var", "severity": "warning"},
                     annotations={"summary": "disk usage above 95 percent"}))
    v = d.wait_state("INC-1", "awaiting_approval")
    assert v["analysis_source"] == "search"
    a = v["action"]
    assert a["autopilot"] is False
    assert a["decision"] == "approval"
    assert a["risk_level"] == "medium", a
    assert a["decision_reason"] == ("needs 1 approval from engineer, lead or admin: suggested "
                                    "by text search (never on autopilot)"), a["decision_reason"]
    rows = [r for r in d.audit() if r.get("kind") == "policy.decision"]
    assert rows and "suggested by text search" in rows[-1]["message"], rows
    assert not (d.root / "step-ran").exists()
