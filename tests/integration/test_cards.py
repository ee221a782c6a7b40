"""What every surface shows, end to end on the console card (`healer incidents show`): a failed
step's stderr, one duration for a finished incident, a proposal that never ran."""
import re

from conftest import am_alert

FAILING = """\
id: clean-tmp
title: Clean the temporary directory
match:
  - labels: {alertname: TmpFull}
params:
  service: {from: labels.service, pattern: '^[a-z0-9@._-]{1,64}$', required: true}
risk: low
cost: {usd: 0}
idempotent: true
steps:
  - name: clean
    exec: ["@PY@", "-c", "import sys; sys.stderr.write(''.join('noise %d\\\\n' % i for i in range(9)) + 'rm: cannot remove /tmp/x: Read-only file system\\\\n'); sys.exit(1)"]
rollback: []
"""

FIXES = """\
id: touch-flag
title: Set the flag
match:
  - labels: {alertname: FlagMissing}
params:
  service: {from: labels.service, pattern: '^[a-z0-9@._-]{1,64}$', required: true}
risk: low
cost: {usd: 0}
idempotent: true
steps:
  - {name: set, exec: ["@PY@", "@BIN@/flag.py", set, "@TMP@/flag"], timeout: 10s}
verify:
  - {name: check, exec: ["@PY@", "@BIN@/flag.py", check, "@TMP@/flag"]}
"""

DURATION = r"\d+ (ms|s|min|h|d)\b"


def card(d, inc):
    return d.cli("incidents", "show", inc).stdout


def test_failed_step_shows_its_stderr(healer):
    d = healer(runbooks={"clean.yaml": FAILING})
    d.alert(am_alert("TmpFull", labels={"service": "tmp", "severity": "warning"}))
    v = d.wait_state("INC-1", "failed")
    run = [s for s in v["step_runs"] if s["phase"] == "step"][-1]
    assert run["status"] == "failed" and "Read-only file system" in run["stderr"], run
    t = card(d, "INC-1")
    # the last lines of stderr, not only the exit status; the early noise is left out
    assert "! rm: cannot remove /tmp/x: Read-only file system" in t, t
    assert "! noise 8" in t and "! noise 5" in t, t
    assert "noise 4" not in t, t
    # failed waits for a human on every surface: acknowledge or close, nothing to approve
    assert "Actions:   ack INC-1 | close INC-1" in t, t


def test_finished_incident_shows_one_duration(healer):
    d = healer(runbooks={"flag.yaml": FIXES})
    d.alert(am_alert("FlagMissing", labels={"service": "api", "severity": "warning"}))
    v = d.wait_state("INC-1", "resolved")
    # the engine's outcome carries no duration of its own ...
    assert v["outcome"] == "Resolved by autopilot, verified", v["outcome"]
    assert not re.search(DURATION, v["outcome"]), v["outcome"]
    # ... the card adds the one duration, opened → resolved, in one place
    t = card(d, "INC-1")
    m = re.search(r"Outcome: +Resolved by autopilot, verified, (%s) after it opened" % DURATION, t)
    assert m, t
    assert len(re.findall(r"(?i)resolved in " + DURATION, t)) == 0, t
    assert "─ fix that ran ─" in t, t


def test_closed_proposal_reads_as_never_ran(healer):
    # medium risk: waits for approval; closed by hand before anything ran
    d = healer(runbooks={"flag.yaml": FIXES.replace("risk: low", "risk: high")})
    d.alert(am_alert("FlagMissing", labels={"service": "api", "severity": "warning"}))
    d.wait_state("INC-1", "awaiting_approval")
    d.send("close INC-1")
    v = d.wait_state("INC-1", "closed")
    assert v["action"]["started_at"] is None
    t = card(d, "INC-1")
    assert "─ proposed fix (never ran) ─" in t, t
    # the console user by name; the record keeps the id
    assert re.search(r"Outcome: +Closed by alice, %s after it opened" % DURATION, t), t
    assert v["outcome"] == "Closed by console:alice", v["outcome"]
    # the next incident on the same resource remembers it as a proposal, not as the fix
    d.alert(am_alert("FlagMissing", labels={"service": "api", "severity": "warning",
                                            "instance": "web-2"}))
    v2 = d.wait_for(lambda: (lambda x: x if x["similar"] else None)(d.view("INC-2")),
                    "INC-2 lists INC-1 as similar")
    assert v2["similar"][0]["key"] == "INC-1" and v2["similar"][0]["runbook_ran"] is False
    assert "touch-flag (proposed, never ran)" in card(d, "INC-2")
