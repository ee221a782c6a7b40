"""Grouping: repeated firing adds occurrences, an identical redelivery changes nothing, a
resolved alert clears the incident and closes it when nothing ran; an alert no runbook
matches needs attention."""
from conftest import am_alert, am_payload, summary

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
  - {name: scale, exec: [/bin/true]}
"""


def slow(status="firing", starts_at="2026-11-23T10:00:00Z"):
    return am_alert("WebSlow", status=status, starts_at=starts_at,
                    labels={"service": "web", "severity": "warning"})


def test_occurrences_duplicates_and_clear(healer):
    d = healer(runbooks={"scale.yaml": SCALE})
    r = d.post("/alerts/alertmanager", am_payload(slow()))
    assert r.status == 202 and summary(r.json) == {"accepted": 1, "duplicates": 0, "incidents": ["INC-1"]}, r
    v = d.wait_state("INC-1", "awaiting_approval")
    assert v["occurrences"] == 1

    # the same alert firing again (a new start time): one more occurrence, same incident
    again = am_payload(slow(starts_at="2026-11-23T10:05:00Z"))
    r = d.post("/alerts/alertmanager", again)
    assert r.status == 202, r
    assert r.json["accepted"] == 1 and r.json["duplicates"] == 0, r.json
    assert r.json["incidents"] == ["INC-1"], r.json
    v = d.view("INC-1")
    assert v["occurrences"] == 2
    version = v["version"]

    # the identical payload redelivered: counted as a duplicate, nothing changes
    r = d.post("/alerts/alertmanager", again)
    assert r.status == 202, r
    assert r.json["accepted"] == 0 and r.json["duplicates"] == 1, r.json
    v = d.view("INC-1")
    assert v["occurrences"] == 2
    assert v["version"] == version
    assert len(d.incidents()) == 1

    # resolved before anything ran: cleared and closed
    r = d.post("/alerts/alertmanager", am_payload(slow(status="resolved",
                                                       starts_at="2026-11-23T10:05:00Z")))
    assert r.status == 202 and r.json["accepted"] == 1, r
    v = d.wait_state("INC-1", "closed")
    assert v["alert_cleared"] is True
    assert v["occurrences"] == 2
    assert not [s for s in v["step_runs"] if s["phase"] == "step"]
    assert len(d.incidents()) == 1
    assert d.incidents(all=False) == []

    # firing again after the incident closed opens a new incident
    r = d.post("/alerts/alertmanager", am_payload(slow(starts_at="2026-11-23T11:00:00Z")))
    assert r.status == 202 and r.json["incidents"] == ["INC-2"], r


def test_no_runbook_needs_attention(healer):
    d = healer(runbooks={"scale.yaml": SCALE})
    d.alert(am_alert("DiskFull", labels={"instance": "db-3", "severity": "critical"}))
    v = d.wait_state("INC-1", "needs_attention")
    assert v["severity"] == "sev1"
    assert v["action"] is None
    assert v["attention"], v
    assert "runbook" in v["attention"], v["attention"]
    assert v["step_runs"] == []


def test_two_alerts_in_one_payload(healer):
    d = healer(runbooks={"scale.yaml": SCALE})
    a1 = am_alert("WebSlow", labels={"service": "web", "severity": "warning"})
    a2 = am_alert("WebSlow", labels={"service": "web2", "severity": "warning"})
    r = d.post("/alerts/alertmanager", am_payload(a1, a2))
    assert r.status == 202, r
    assert r.json["accepted"] == 2 and sorted(r.json["incidents"]) == ["INC-1", "INC-2"], r.json
    d.wait_state("INC-1", "awaiting_approval")
    d.wait_state("INC-2", "awaiting_approval")
