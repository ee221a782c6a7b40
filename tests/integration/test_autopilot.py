"""Alert → runbook matched → diagnostics → autopilot → steps → verified → resolved, and the
daemon's basic process contract (healthz, metrics, SIGTERM, stdin EOF)."""
import re

from conftest import BIN, PY, am_alert, am_payload, audit_kinds, summary

RESTART = """\
id: restart-api
title: Restart the api service
description: |
  Restarts the service when its health check fails.
match:
  - labels: {alertname: ApiDown}
params:
  service: {from: labels.service, pattern: '^[a-z0-9@._-]{1,64}$', required: true}
  url: {from: annotations.health_url, pattern: '^http://127\\.0\\.0\\.1:[0-9]{1,5}$', required: true}
risk: low
blast_radius: 1
cost: {usd: 0}
idempotent: true
diagnostics:
  - {name: status, exec: [/bin/echo, "status of {{service}}"], timeout: 10s}
steps:
  - {name: restart, http: {method: POST, url: "{{url}}/restart/{{service}}", expect_status: 200}, timeout: 10s}
  - {name: mark healthy, exec: ["@PY@", "@BIN@/flag.py", set, "@TMP@/healthy"], timeout: 10s}
verify:
  - {name: health, http: {url: "{{url}}/health", expect_status: 200}, retries: 3, interval: 250ms}
  - {name: flag, exec: ["@PY@", "@BIN@/flag.py", check, "@TMP@/healthy"]}
rollback: []
"""


def api_down(svc, service="api", status="firing", starts_at="2026-11-23T10:00:00Z"):
    return am_alert("ApiDown", status=status, starts_at=starts_at,
                    labels={"service": service, "severity": "warning", "instance": "web-1"},
                    annotations={"health_url": svc.url, "summary": "api is down"})


def state_order(timeline):
    """States named by incident.state timeline rows, in order."""
    names = ["open", "awaiting_approval", "approved", "blocked", "needs_attention", "rejected",
             "expired", "running", "verifying", "resolved", "failed", "rolled_back", "closed"]
    seen = []
    for t in timeline:
        if t["kind"] != "incident.state":
            continue
        # the state moved *to* is the last state name in the message ("running → verifying")
        found = [(m.start(), n) for n in names for m in re.finditer(r"\b%s\b" % n, t["message"])]
        if found:
            seen.append(max(found)[1])
    return seen


def test_autopilot_resolves(healer, svc):
    d = healer(runbooks={"restart.yaml": RESTART}, svc=svc)
    r = d.post("/alerts/alertmanager", am_payload(api_down(svc)))
    assert r.status == 202, r
    assert summary(r.json) == {"accepted": 1, "duplicates": 0, "incidents": ["INC-1"]}

    v = d.wait_state("INC-1", "resolved")
    assert v["key"] == "INC-1"
    assert v["source"] == "alertmanager"
    assert v["labels"]["alertname"] == "ApiDown"
    assert v["labels"]["service"] == "api"
    assert v["severity"] == "sev3"  # "warning" normalised
    assert v["resolved_at"] is not None
    a = v["action"]
    assert a["runbook"] == "restart-api"
    assert a["params"]["service"] == "api" and a["params"]["url"] == svc.url, a["params"]
    assert a["autopilot"] is True
    assert a["decision"] == "autopilot"
    assert a["decision_reason"].startswith("autopilot:"), a["decision_reason"]
    assert a["cost_usd"] == 0
    assert a["cost_formula"]
    assert a["risk_level"] == "low"
    assert a["risk_score"] == 10, a["risk_reasons"]
    assert "+10 runbook risk low" in a["risk_reasons"]
    assert a["status"] == "succeeded"
    assert a["steps"] == ["restart: POST %s/restart/api" % svc.url,
                          "mark healthy: %s %s/flag.py set %s/healthy" % (PY, BIN, d.root)], \
        a["steps"]

    runs = [(s["phase"], s["name"], s["status"]) for s in v["step_runs"]]
    assert runs == [("diagnostic", "status", "ok"), ("step", "restart", "ok"),
                    ("step", "mark healthy", "ok"), ("verify", "health", "ok"),
                    ("verify", "flag", "ok")], runs
    diag = v["step_runs"][0]
    assert diag["exit_code"] == 0 and diag["output"] == "status of api\n"
    assert v["step_runs"][1]["http_status"] == 200
    assert v["step_runs"][2]["exit_code"] == 0 and v["step_runs"][2]["output"] == "flag set\n"
    assert v["step_runs"][4]["output"] == "flag present\n"
    assert (d.root / "healthy").exists()
    assert len(svc.seen("POST", "/restart/api")) == 1
    assert svc.seen("GET", "/health")

    kinds = [t["kind"] for t in v["timeline"]]
    for k in ("incident.opened", "policy.decision", "step.finished", "incident.state"):
        assert k in kinds, kinds
    assert state_order(v["timeline"]) == ["approved", "running", "verifying", "resolved"], \
        [t["message"] for t in v["timeline"] if t["kind"] == "incident.state"]

    # the console shows the card in its final state
    d.read_until(r"(?i)INC-1\b[^\n]*(sev3[^\n]*resolved|resolved[^\n]*sev3)")


def test_health_metrics_and_clean_exit(healer, svc):
    d = healer(runbooks={"restart.yaml": RESTART}, svc=svc)
    r = d.get("/healthz")
    assert r.status == 200, r
    d.alert(api_down(svc))
    d.wait_state("INC-1", "resolved")
    m = d.get("/metrics")
    assert m.status == 200
    assert re.search(r"(?m)^healer_alerts_received_total(\{[^}]*\})? [1-9]", m.text), m.text[:2000]
    assert re.search(r"(?m)^healer_http_requests_total(\{[^}]*\})? [1-9]", m.text), m.text[:2000]
    rc = d.stop()
    assert rc == 0, "SIGTERM exit status %r; log:\n%s" % (rc, d.log_tail())


def test_stdin_eof_does_not_stop_daemon(healer, svc):
    d = healer(runbooks={"restart.yaml": RESTART}, svc=svc)
    d.proc.stdin.close()
    d.alert(api_down(svc))
    d.wait_state("INC-1", "resolved")
    assert d.proc.poll() is None, "daemon exited after stdin EOF"
    assert d.get("/healthz").status == 200


def test_resolved_alert_after_run_marks_cleared(healer, svc):
    """Once healer resolved the incident, the later "resolved" from Alertmanager is recorded
    on that incident (the source agrees) without reopening it or opening another; its
    redelivery changes nothing."""
    d = healer(runbooks={"restart.yaml": RESTART}, svc=svc)
    d.alert(api_down(svc))
    v1 = d.wait_state("INC-1", "resolved")
    assert v1["alert_cleared"] is False
    resolved = am_payload(api_down(svc, status="resolved"))
    r = d.post("/alerts/alertmanager", resolved)
    assert r.status == 202, r
    assert r.json["accepted"] == 1 and r.json["incidents"] == ["INC-1"], r.json
    v = d.view("INC-1")
    assert v["state"] == "resolved" and v["alert_cleared"] is True
    assert v["timeline"][-1]["message"] == "alert resolved at the source (after the incident ended)"
    r = d.post("/alerts/alertmanager", resolved)
    assert r.json["accepted"] == 0 and r.json["duplicates"] == 1, r.json
    assert len(d.incidents()) == 1
    assert "incident.opened" in audit_kinds(d.audit())
