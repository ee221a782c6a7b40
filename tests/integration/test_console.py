"""The console adapter: commands on stdin, cards and replies on stdout, same grammar as chat."""
import json

from conftest import am_alert

RESTART = """\
id: restart-service
title: Restart a service
match:
  - labels: {alertname: ServiceDown}
params:
  service: {from: labels.service, pattern: '^[a-z0-9@._-]{1,64}$', required: true}
risk: low
cost: {usd: 0}
steps:
  - {name: restart, exec: [/bin/echo, "restarted {{service}}"]}
"""


def test_help_and_bad_command(healer):
    d = healer(runbooks={"restart.yaml": RESTART}, user="root")
    d.send("help")
    for verb in ("approve", "reject", "declare", "autopilot"):
        d.read_until(verb)
    d.mark()
    d.send("frobnicate INC-1")
    d.read_until(r"refused: ")
    d.mark()
    d.send("reject")
    d.read_until(r"usage: reject ID reason")


def test_declare_ack_close(healer):
    d = healer(runbooks={"restart.yaml": RESTART}, user="root")
    d.send('declare "checkout is slow" sev2 service=checkout')
    d.read_until(r"(?i)INC-1\b[^\n]*sev2")
    v = d.wait_for(lambda: (lambda p: p.returncode == 0 and p)(
        d.cli("incidents", "show", "INC-1", "--json", check=False)), "INC-1 to exist")
    v = d.view("INC-1")
    assert v["title"].startswith("checkout is slow"), v["title"]
    assert v["source"] == "declare"
    assert v["severity"] == "sev2"
    assert v["requester"] == "console:root"
    d.send("ack INC-1")
    v = d.wait_for(lambda: (lambda x: x if x["acked_by"] else None)(d.view("INC-1")), "the ack")
    assert v["acked_by"] == "console:root"
    d.send("close INC-1")
    v = d.wait_state("INC-1", "closed")
    d.mark()
    d.send("list")
    d.send("list all")
    d.read_until(r"INC-1")


def test_run_uses_same_policy_as_alerts(healer):
    """design.md: `run RUNBOOK key=value…` goes through the same policy as alerts, so a
    low-risk $0 runbook is autopilot; whatever is decided, the reason must match it."""
    d = healer(runbooks={"restart.yaml": RESTART}, user="root")
    d.send("runbooks")
    d.read_until("restart-service")
    d.send("run restart-service service=api")
    v = d.wait_for(lambda: (lambda p: p.returncode == 0 and json.loads(p.stdout))(
        d.cli("incidents", "show", "INC-1", "--json", check=False)), "INC-1 to exist")
    v = d.wait_for(lambda: (lambda x: x if x["action"] and x["action"]["decision"] else None)(
        d.view("INC-1")), "a decision on INC-1")
    a = v["action"]
    assert a["params"]["service"] == "api", a["params"]
    assert v["requester"] == "console:root"
    assert a["decision_reason"].startswith(a["decision"]) or \
        (a["decision"] == "approval" and a["decision_reason"].startswith("needs ")), \
        "decision %r with reason %r" % (a["decision"], a["decision_reason"])
    assert a["decision"] == "autopilot", a
    v = d.wait_state("INC-1", "resolved")
    assert v["action"]["autopilot"] is True


def test_autopilot_switch(healer):
    d = healer(runbooks={"restart.yaml": RESTART}, user="root")
    d.send("autopilot off")
    d.read_until(r"(?i)autopilot[^\n]*off")
    d.alert(am_alert("ServiceDown", labels={"service": "web", "severity": "warning"}))
    v = d.wait_state("INC-1", "awaiting_approval")
    assert v["action"]["autopilot"] is False
    assert v["action"]["decision"] == "approval"
    assert "autopilot" in v["action"]["decision_reason"], v["action"]["decision_reason"]
    d.send("autopilot on")
    d.read_until(r"(?i)autopilot[^\n]*on")
    d.alert(am_alert("ServiceDown", labels={"service": "db", "severity": "warning"}))
    v = d.wait_state("INC-2", "resolved")
    assert v["action"]["autopilot"] is True
    d.send("show INC-1")
    d.read_until(r"INC-1")
    d.send("stats")
    d.read_until(r"(?i)incident")
