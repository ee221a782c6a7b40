"""An approval request that nobody answers expires after the policy's approval_ttl."""
import datetime

import pytest

from conftest import am_alert
from test_autopilot import state_order


def seconds(a, b):
    f = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))  # noqa: E731
    return (f(b) - f(a)).total_seconds()

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
"""


def test_approval_expires(healer):
    d = healer(runbooks={"scale.yaml": SCALE}, ttl="2s", user="eve")
    d.alert(am_alert("WebSlow", labels={"service": "web", "severity": "warning"}))
    # no poll for awaiting_approval: on a loaded machine 2 s can pass before the first look
    v = d.wait_state("INC-1", "expired", timeout=25)
    assert v["approvals"] == []
    assert state_order(v["timeline"]) == ["awaiting_approval", "expired"], v["timeline"]
    a = v["action"]
    assert a["decision"] == "approval"
    assert a["expires_at"] and v["resolved_at"], v
    assert v["resolved_at"] >= a["expires_at"], (v["resolved_at"], a["expires_at"])
    decided = [t["at"] for t in v["timeline"] if t["kind"] == "policy.decision"][0]
    assert seconds(decided, a["expires_at"]) == pytest.approx(2.0, abs=0.05)
    d.read_until(r"(?i)INC-1\b[^\n]*expired")
    d.mark()
    d.send("approve INC-1")
    d.read_until(r"refused: ")
    assert d.view("INC-1")["state"] == "expired"
    assert not (d.root / "scaled").exists()
