"""A step that runs but does not fix the problem: verification fails, the incident goes to
failed, the rollback steps run and it ends rolled_back."""
from conftest import am_alert
from test_autopilot import state_order

FLUSH = """\
id: flush-cache
title: Flush the cache
match:
  - labels: {alertname: StaleCache}
params:
  service: {from: labels.service, pattern: '^[a-z0-9@._-]{1,64}$', required: true}
risk: low
cost: {usd: 0}
idempotent: true
steps:
  - {name: flush, exec: ["@PY@", "@BIN@/flag.py", set, "@TMP@/flushed"], timeout: 10s}
verify:
  - {name: cache fresh, exec: ["@PY@", "@BIN@/flag.py", check, "@TMP@/fresh"], retries: 1, interval: 250ms}
rollback:
  - {name: undo flush, exec: ["@PY@", "@BIN@/flag.py", clear, "@TMP@/flushed"]}
  - {name: note, exec: [/bin/echo, "rolled back {{service}}"]}
"""


def test_verify_failure_rolls_back(healer):
    d = healer(runbooks={"flush.yaml": FLUSH})
    d.alert(am_alert("StaleCache", labels={"service": "cache", "severity": "warning"}))
    v = d.wait_state("INC-1", "rolled_back")
    a = v["action"]
    assert a["autopilot"] is True
    assert a["status"] == "rolled_back"
    runs = [(s["phase"], s["name"], s["status"]) for s in v["step_runs"]]
    assert ("step", "flush", "ok") in runs
    verify = [s for s in v["step_runs"] if s["phase"] == "verify"]
    assert verify and all(s["status"] == "failed" and s["exit_code"] == 3 for s in verify), verify
    assert verify[-1]["output"] == "flag absent\n"
    rb = [(s["name"], s["status"], s["exit_code"], s["output"])
          for s in v["step_runs"] if s["phase"] == "rollback"]
    assert rb == [("undo flush", "ok", 0, "flag cleared\n"),
                  ("note", "ok", 0, "rolled back cache\n")], rb
    assert not (d.root / "flushed").exists()  # the rollback really ran
    order = state_order(v["timeline"])
    assert order[-2:] == ["failed", "rolled_back"], order
    assert "verifying" in order
    d.read_until(r"(?i)INC-1\b[^\n]*rolled[ _]back")
