"""An approval request that nobody answers expires after the policy's approval_ttl."""
from conftest import am_alert

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
    v = d.wait_state("INC-1", "awaiting_approval")
    assert v["action"]["expires_at"], v["action"]
    v = d.wait_state("INC-1", "expired", timeout=20)
    assert v["approvals"] == []
    assert "incident.state" in [t["kind"] for t in v["timeline"]]
    d.read_until(r"(?i)INC-1\b[^\n]*expired")
    d.mark()
    d.send("approve INC-1")
    d.read_until(r"refused: ")
    assert d.view("INC-1")["state"] == "expired"
    assert not (d.root / "scaled").exists()
