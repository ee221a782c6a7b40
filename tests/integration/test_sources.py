"""EventBridge "CloudWatch Alarm State Change" events and generic JSON alerts become
incidents with the labels, resource and severity a user would expect."""
import uuid

from conftest import summary



DISK = """\
id: clean-disk
title: Clean a full disk
match:
  - labels: {alertname: DiskFull-db-1}
  - labels: {alertname: "~^disk-"}
risk: medium
cost: {usd: 0}
steps:
  - {name: noop, exec: [/bin/true]}
"""

ARN = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:DiskFull-db-1"


def eb_event(state="ALARM", event_id=None):
    return {
        "version": "0", "id": event_id or str(uuid.uuid4()),
        "detail-type": "CloudWatch Alarm State Change", "source": "aws.cloudwatch",
        "account": "123456789012", "time": "2026-11-23T10:00:00Z", "region": "eu-west-1",
        "resources": [ARN],
        "detail": {
            "alarmName": "DiskFull-db-1",
            "state": {"value": state, "reason": "Threshold Crossed",
                      "reasonData": "{\"version\":\"1.0\"}",
                      "timestamp": "2026-11-23T10:00:00.000+0000"},
            "previousState": {"value": "OK" if state == "ALARM" else "ALARM",
                              "reason": "", "timestamp": "2026-11-23T09:00:00.000+0000"},
            "configuration": {
                "description": "disk above 90% on db-1",
                "metrics": [{"id": "m1", "returnData": True, "metricStat": {
                    "metric": {"namespace": "CWAgent", "name": "disk_used_percent",
                               "dimensions": {"InstanceId": "i-0db1"}},
                    "period": 300, "stat": "Average"}}],
            },
        },
    }


def test_eventbridge_alarm(healer):
    d = healer(runbooks={"disk.yaml": DISK})
    ev = eb_event()
    r = d.post("/alerts/eventbridge", ev)
    assert r.status == 202, r
    assert summary(r.json) == {"accepted": 1, "duplicates": 0, "incidents": ["INC-1"]}, r.json
    v = d.wait_state("INC-1", "awaiting_approval")
    assert v["source"] == "eventbridge"
    assert v["labels"]["alertname"] == "DiskFull-db-1", v["labels"]
    assert v["labels"]["region"] == "eu-west-1"
    assert v["labels"]["account"] == "123456789012"
    assert v["labels"].get("InstanceId") == "i-0db1", v["labels"]
    assert v["resource"] == "i-0db1"
    assert "DiskFull-db-1" in v["title"]
    assert v["action"]["runbook"] == "clean-disk"
    # redelivery of the same event id
    r = d.post("/alerts/eventbridge", ev)
    assert r.status == 202 and r.json["duplicates"] == 1 and r.json["accepted"] == 0, r
    # back to OK: cleared and closed (nothing ran)
    r = d.post("/alerts/eventbridge", eb_event(state="OK"))
    assert r.status == 202 and r.json["accepted"] == 1, r
    v = d.wait_state("INC-1", "closed")
    assert v["alert_cleared"] is True


def test_eventbridge_wrong_detail_type(healer):
    d = healer(runbooks={"disk.yaml": DISK})
    ev = eb_event()
    del ev["detail"]
    r = d.post("/alerts/eventbridge", ev)
    assert r.status == 400, r
    assert "detail" in r.json["error"], r.json
    assert d.incidents() == []


def test_generic_alert(healer):
    d = healer(runbooks={"disk.yaml": DISK})
    body = {"title": "disk almost full", "severity": "critical", "resource": "db-7",
            "labels": {"alertname": "disk-full", "team": "storage"},
            "annotations": {"runbook_url": "https://wiki/disk"},
            "id": "evt-1", "url": "https://monitor/evt-1"}
    r = d.post("/alerts/generic", body)
    assert r.status == 202, r
    assert summary(r.json) == {"accepted": 1, "duplicates": 0, "incidents": ["INC-1"]}, r.json
    v = d.wait_state("INC-1", "awaiting_approval")
    assert v["source"] == "generic"
    assert v["title"].startswith("disk almost full"), v["title"]
    assert v["severity"] == "sev1"
    assert v["resource"] == "db-7"
    assert v["labels"] == {"alertname": "disk-full", "team": "storage"}
    assert v["annotations"] == {"runbook_url": "https://wiki/disk"}
    assert v["action"]["runbook"] == "clean-disk"  # matched by the "~^disk-" rule
    r = d.post("/alerts/generic", body)
    assert r.status == 202 and r.json["duplicates"] == 1, r


def test_generic_missing_title(healer):
    d = healer()
    r = d.post("/alerts/generic", {"severity": "critical", "resource": "db-7"})
    assert r.status == 400, r
    assert "title" in r.json["error"], r.json
    r = d.post("/alerts/generic", [{"title": "ok"}, {"labels": {}}])
    assert r.status == 400 and "title" in r.json["error"], r
    assert d.incidents() == []


def test_generic_batch(healer):
    d = healer()
    r = d.post("/alerts/generic", [{"title": "one", "resource": "a"},
                                   {"title": "two", "resource": "b", "severity": "info"}])
    assert r.status == 202 and r.json["accepted"] == 2, r
    v = d.wait_state("INC-2", "needs_attention")
    assert v["severity"] == "sev4"
