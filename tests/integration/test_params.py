"""Parameter values are untrusted: one that does not match its pattern refuses the whole
action before anything runs."""
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
diagnostics:
  - {name: logs, exec: ["@PY@", "@BIN@/flag.py", set, "@TMP@/diag-ran"]}
steps:
  - {name: restart, exec: ["@PY@", "@BIN@/flag.py", set, "@TMP@/step-ran"]}
"""


def test_injection_refused(healer):
    d = healer(runbooks={"restart.yaml": RESTART})
    d.alert(am_alert("ServiceDown", labels={"service": "x; rm -rf /", "severity": "critical"}))
    v = d.wait_state("INC-1", "needs_attention")
    assert v["attention"].endswith(
        "parameter 'service': value does not match ^[a-z0-9@._-]{1,64}$"), v["attention"]
    assert v["step_runs"] == []
    assert not (d.root / "diag-ran").exists()
    assert not (d.root / "step-ran").exists()
    rows = [r for r in d.audit() if r.get("kind") == "param.refused"]
    assert len(rows) == 1, rows
    assert rows[0]["incident"] == "INC-1"
    assert "service" in rows[0]["message"], rows[0]
    assert "param.refused" in [t["kind"] for t in v["timeline"]]


def test_missing_required_param(healer):
    d = healer(runbooks={"restart.yaml": RESTART})
    d.alert(am_alert("ServiceDown", labels={"severity": "critical"}))
    v = d.wait_state("INC-1", "needs_attention")
    assert "parameter 'service'" in v["attention"], v["attention"]
    assert v["step_runs"] == []
    assert not (d.root / "step-ran").exists()


def test_valid_param_runs(healer):
    d = healer(runbooks={"restart.yaml": RESTART})
    d.alert(am_alert("ServiceDown", labels={"service": "api@1.service", "severity": "warning"}))
    v = d.wait_state("INC-1", "resolved")
    assert v["action"]["params"]["service"] == "api@1.service", v["action"]["params"]
    assert (d.root / "step-ran").exists()
