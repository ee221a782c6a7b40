"""The command line beside the daemon: version, check-config, runbooks validate, incidents."""
import re
import subprocess

from conftest import HEALER, am_alert

GOOD = """\
id: ok-book
title: Fine
match:
  - labels: {alertname: Fine}
risk: low
cost: {usd: 0}
steps:
  - {name: noop, exec: [/bin/true]}
"""

BAD = """\
id: bad-book
title: Broken
match:
  - labels: {alertname: Broken}
risk: extreme
cost: {usd: 0}
steps:
  - {name: noop, exec: [/bin/true]}
"""

BAD_TEMPLATE = """\
id: bad-template
title: Uses an undeclared parameter
match:
  - labels: {alertname: Broken2}
risk: low
cost: {usd: 0}
steps:
  - {name: noop, exec: [/bin/echo, "{{nosuch}}"]}
"""


def test_version(healer):
    d = healer(start=False)
    p = d.cli("version")
    assert re.search(r"healer \S+", p.stdout), p.stdout


def test_check_config_ok_and_bad(healer):
    d = healer(runbooks={"ok.yaml": GOOD}, start=False)
    p = d.cli("check-config")
    assert "configuration OK" in p.stdout, (p.stdout, p.stderr)
    (d.runbooks / "policy.yaml").write_text("approval_ttl: banana\nautopilot: {max_risk: huge}\n")
    p = d.cli("check-config", check=False)
    assert p.returncode == 1, (p.stdout, p.stderr)
    out = p.stdout + p.stderr
    assert "configuration OK" not in out
    assert "approval_ttl" in out and "max_risk" in out, out
    assert re.search(r"policy\.yaml:1: ", out), out


def test_runbooks_validate(healer):
    d = healer(runbooks={"ok.yaml": GOOD, "bad.yaml": BAD, "tmpl.yaml": BAD_TEMPLATE}, start=False)
    p = d.cli("runbooks", "validate", d.runbooks, check=False)
    assert p.returncode == 1, (p.stdout, p.stderr)
    out = p.stdout + p.stderr
    assert re.search(r"bad\.yaml:5: [^\n]*risk", out), out
    assert re.search(r"tmpl\.yaml:\d+: [^\n]*nosuch", out), out
    assert "ok.yaml:" not in out
    (d.runbooks / "bad.yaml").unlink()
    (d.runbooks / "tmpl.yaml").unlink()
    p = d.cli("runbooks", "validate", d.runbooks)
    assert p.returncode == 0


def test_incidents_list(healer):
    d = healer(runbooks={"ok.yaml": GOOD})
    d.alert(am_alert("Fine", labels={"service": "x", "severity": "warning"}))
    d.wait_state("INC-1", "resolved")
    d.alert(am_alert("Unknown", labels={"service": "y", "severity": "warning"}))
    d.wait_state("INC-2", "needs_attention")
    rows = d.incidents(all=True)
    assert [r.get("key") or r.get("id") for r in rows] in (["INC-2", "INC-1"], [2, 1]), rows
    open_rows = d.incidents(all=False)
    assert len(open_rows) == 1 and open_rows[0]["state"] == "needs_attention", open_rows
    text = d.cli("incidents", "list", "--all").stdout
    assert "INC-1" in text and "INC-2" in text
    p = d.cli("incidents", "show", "INC-9", "--json", check=False)
    assert p.returncode != 0


def test_no_arguments_means_serve(healer):
    d = healer(runbooks={"ok.yaml": GOOD}, start=False)
    d.args = []
    d.start()
    d.alert(am_alert("Fine", labels={"service": "x", "severity": "warning"}))
    d.wait_state("INC-1", "resolved")
    assert d.stop() == 0


def test_policy_path_from_env(healer, tmp_path):
    elsewhere = tmp_path / "elsewhere.yaml"
    elsewhere.write_text("approval_ttl: 30m\nroles:\n  admin: [\"console:root\"]\n"
                         "approvals:\n  low: {roles: [nobody], count: 1}\n")
    d = healer(runbooks={"ok.yaml": GOOD}, start=False, HEALER_POLICY=str(elsewhere))
    p = d.cli("check-config", check=False)
    out = p.stdout + p.stderr
    assert p.returncode == 1, out
    assert "elsewhere.yaml:5: " in out and "nobody" in out, out
    # the daemon refuses to start on it rather than running without a policy
    r = subprocess.run([str(HEALER), "serve"], cwd=str(d.root), env=d.env(), timeout=20,
                       stdin=subprocess.DEVNULL, capture_output=True, text=True)
    assert r.returncode != 0
    assert "elsewhere.yaml" in r.stderr, r.stderr
