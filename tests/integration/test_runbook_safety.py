"""Values from an alert are untrusted: a parameter without its own pattern, and the alert's
resource, get a strict default (no '/', no '..', no ':', no leading '-'), so a path or a URL
never reaches a program's argv; `runbooks validate` warns about such parameters. A step's
timeout also ends every process it started, even one that left its process group."""
import os
import time

import pytest

from conftest import am_alert

# `target` has no pattern: the strict default applies. The diagnostic and the step would
# leave a flag file if they ran.
LOOSE = """\
id: purge-target
title: Purge a target
match:
  - labels: {alertname: PurgeMe}
params:
  target: {from: labels.target, required: true}
risk: low
cost: {usd: 0}
diagnostics:
  - {name: look, exec: ["@PY@", "@BIN@/flag.py", set, "@TMP@/diag-ran"]}
steps:
  - {name: "purge {{target}}", exec: ["@PY@", "@BIN@/flag.py", set, "@TMP@/step-ran", "{{target}}"]}
"""

# {{resource}} is used but not declared: the alert's resource gets the strict default.
BY_RESOURCE = """\
id: kick-resource
title: Kick the resource
match:
  - labels: {alertname: KickMe}
risk: low
cost: {usd: 0}
diagnostics:
  - {name: look, exec: ["@PY@", "@BIN@/flag.py", set, "@TMP@/diag-ran"]}
steps:
  - {name: kick, exec: ["@PY@", "@BIN@/flag.py", set, "@TMP@/step-ran", "{{resource}}"]}
"""

# The runbook declares what a resource looks like (host:port): that pattern applies.
BY_RESOURCE_DECLARED = """\
id: kick-resource
title: Kick the resource
match:
  - labels: {alertname: KickMe}
params:
  resource: {pattern: '^[a-z0-9.-]{1,64}:[0-9]{1,5}$'}
risk: low
cost: {usd: 0}
steps:
  - {name: "kick {{resource}}", exec: [/bin/echo, "kicked {{resource}}"]}
"""


def refused(d, inc, param):
    v = d.wait_state(inc, "needs_attention")
    assert "parameter '%s'" % param in v["attention"], v["attention"]
    assert v["step_runs"] == [], v["step_runs"]
    rows = [r for r in d.audit() if r.get("kind") == "param.refused" and r["incident"] == inc]
    assert len(rows) == 1, rows
    assert "parameter '%s'" % param in rows[0]["message"], rows[0]
    return v


@pytest.mark.parametrize("value", ["../../../../etc/passwd", "/etc/shadow",
                                   "http://evil.example/", "-rf", "a..b", ".."])
def test_param_without_pattern_refuses_paths(healer, value):
    d = healer(runbooks={"purge.yaml": LOOSE})
    d.alert(am_alert("PurgeMe", labels={"target": value, "severity": "warning"}))
    v = refused(d, "INC-1", "target")
    assert "does not match" in v["attention"] or "'..'" in v["attention"], v["attention"]
    assert not (d.root / "diag-ran").exists()
    assert not (d.root / "step-ran").exists()


def test_param_without_pattern_takes_plain_names(healer):
    d = healer(runbooks={"purge.yaml": LOOSE})
    d.alert(am_alert("PurgeMe", labels={"target": "cache-7.eu@blue", "severity": "warning"}))
    v = d.wait_state("INC-1", "resolved")
    assert v["action"]["params"]["target"] == "cache-7.eu@blue"
    assert (d.root / "step-ran").exists()


@pytest.mark.parametrize("value", ["/etc/shadow", "http://evil.example/", "../../x"])
def test_hostile_resource_refused(healer, value):
    d = healer(runbooks={"kick.yaml": BY_RESOURCE})
    # the resource comes from the service label (then instance, pod, job)
    d.alert(am_alert("KickMe", labels={"service": value, "severity": "warning"}))
    v = refused(d, "INC-1", "resource")
    assert v["resource"] == value
    assert not (d.root / "diag-ran").exists()
    assert not (d.root / "step-ran").exists()


def test_declared_resource_pattern_applies(healer):
    d = healer(runbooks={"kick.yaml": BY_RESOURCE_DECLARED})
    d.alert(am_alert("KickMe", labels={"instance": "web-1:9100", "severity": "warning"}))
    v = d.wait_state("INC-1", "resolved")
    runs = v["step_runs"]
    assert [r["name"] for r in runs] == ["kick web-1:9100"], runs
    assert "kicked web-1:9100" in runs[0]["output"], runs[0]
    d.alert(am_alert("KickMe", labels={"instance": "/etc/shadow", "severity": "warning"}))
    v = refused(d, "INC-2", "resource")
    assert v["attention"].endswith("value does not match ^[a-z0-9.-]{1,64}:[0-9]{1,5}$"), v


def test_validate_warns_about_missing_pattern(healer):
    d = healer(runbooks={"purge.yaml": LOOSE}, start=False)
    p = d.cli("runbooks", "validate", d.runbooks, check=False)
    assert p.returncode == 0, (p.stdout, p.stderr)
    assert "ok  purge-target" in p.stdout, p.stdout
    want = "%s/purge.yaml:6: warning: params.target: no pattern" % d.runbooks
    assert want in p.stderr, p.stderr


SETSID = """\
id: hang
title: A step that leaves a detached grandchild behind
match:
  - labels: {alertname: Hang}
params:
  tag: {pattern: '^[a-z]{1,8}$', default: hang}
risk: low
cost: {usd: 0}
steps:
  - name: hang
    exec: ["@PY@", "-c", "import os, subprocess, time; p = subprocess.Popen(['@PY@', '-c', 'import os, time; os.setsid(); open(\\"@TMP@/grandchild.pid\\", \\"w\\").write(str(os.getpid())); time.sleep(100)']); time.sleep(100)"]
    timeout: 2s
"""


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_timeout_kills_setsid_grandchild(healer):
    d = healer(runbooks={"hang.yaml": SETSID})
    d.alert(am_alert("Hang", labels={"severity": "warning"}))
    pidfile = d.root / "grandchild.pid"
    d.wait_for(lambda: pidfile.exists() and pidfile.read_text().strip(), "the grandchild")
    pid = int(pidfile.read_text())
    v = d.wait_state("INC-1", "failed")
    assert v["step_runs"][0]["status"] == "timeout", v["step_runs"]
    d.wait_for(lambda: not alive(pid), "the setsid grandchild %d to be gone" % pid,
               timeout=10)
    if alive(pid):  # pragma: no cover - wait_for failed already
        os.kill(pid, 9)
