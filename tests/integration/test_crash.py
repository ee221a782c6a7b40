"""kill -9 while a step runs, then start again: an idempotent runbook's step is re-run and the
incident proceeds; otherwise the incident needs attention and names the step."""
from conftest import am_alert

SLOW = """\
id: slow-fix
title: A fix that takes a while
match:
  - labels: {alertname: SlowFix}
risk: low
cost: {usd: 0}
idempotent: @IDEM@
steps:
  - {name: wait for go, exec: ["@PY@", "@BIN@/wait_for_file.py", "@TMP@/go", "@TMP@/runs"], timeout: 60s}
verify:
  - {name: check, exec: [/bin/true]}
"""


def runs(d):
    p = d.root / "runs"
    return p.read_text().count("started") if p.exists() else 0


def start_and_kill(healer, idem):
    d = healer(runbooks={"slow.yaml": SLOW}, subst={"IDEM": idem})
    d.alert(am_alert("SlowFix", labels={"service": "slow", "severity": "warning"}))
    d.wait_for(lambda: runs(d) == 1, "the step to start")
    v = d.wait_for(lambda: (lambda x: x if any(s["phase"] == "step" and s["status"] == "running"
                                               for s in x["step_runs"]) else None)(d.view("INC-1")),
                   "the step run to show as running")
    assert v["state"] == "running"
    d.kill9()
    return d


def test_idempotent_step_rerun(healer):
    d = start_and_kill(healer, "true")
    d.start()
    d.wait_for(lambda: runs(d) == 2, "the interrupted step to be re-run")
    (d.root / "go").write_text("go")
    v = d.wait_state("INC-1", "resolved")
    steps = [s for s in v["step_runs"] if s["phase"] == "step"]
    assert [s["name"] for s in steps] == ["wait for go", "wait for go"], steps
    assert steps[0]["status"] != "ok" and steps[0]["status"] != "running", steps[0]
    assert steps[1]["status"] == "ok" and steps[1]["output"] == "go file found\n", steps[1]
    assert runs(d) == 2


def test_non_idempotent_needs_attention(healer):
    d = start_and_kill(healer, "false")
    d.start()
    v = d.wait_state("INC-1", "needs_attention")
    assert v["attention"] and "wait for go" in v["attention"], v["attention"]
    steps = [s for s in v["step_runs"] if s["phase"] == "step"]
    assert len(steps) == 1 and steps[0]["status"] != "running", steps
    # and it is not re-run behind our back
    (d.root / "go").write_text("go")
    assert d.wait_state("INC-1", "needs_attention")
    assert runs(d) == 1
