"""watch.yaml from the command line and at start: check-config names the file and line of
each problem, serve refuses a broken file, and the runbook loader never reads watch.yaml."""
import subprocess

from conftest import HEALER

GOOD = """\
rules:
  - name: cpu
    prometheus: {url: "http://127.0.0.1:9", query: 'rate(cpu_seconds_total[1m])'}
    every: 30s
"""

BAD = """\
rules:
  - name: cpu
    prometheus: {url: "http://127.0.0.1:9", query: up, password: hunter2}
    every: often
  - name: mem
    cloudwatch: {namespace: AWS/EC2, metric: MemoryUtilization, period: 7}
"""


def test_check_config_reads_watch_yaml(healer):
    d = healer(start=False)
    (d.root / "watch.yaml").write_text(GOOD)  # ./watch.yaml by default
    p = d.cli("check-config")
    assert "watch.yaml: 1 watch rules" in p.stdout, p.stdout

    (d.root / "watch.yaml").write_text(BAD)
    p = d.cli("check-config", check=False)
    assert p.returncode == 1
    err = p.stderr
    assert "./watch.yaml:3: rules[0].prometheus: 'password': secrets never go in this file" in err, err
    assert "./watch.yaml:4: rules[0].every: bad duration 'often'" in err, err
    assert "./watch.yaml:6: rules[1].cloudwatch.period: 7 is not 1, 5, 10, 30 or a multiple of 60" in err, err
    assert "hunter2" not in err


def test_named_watch_file_must_exist_and_serve_refuses_a_broken_one(healer):
    d = healer(start=False)
    missing = d.root / "nope.yaml"
    d.env_extra["HEALER_WATCH"] = str(missing)
    p = d.cli("check-config", check=False)
    assert p.returncode == 1 and "%s: cannot read the watch rules" % missing in p.stderr, p.stderr

    bad = d.root / "w.yaml"
    bad.write_text(BAD)
    d.env_extra["HEALER_WATCH"] = str(bad)
    r = subprocess.run([str(HEALER), "serve"], cwd=str(d.root), env=d.env(),
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert "w.yaml:4: rules[0].every: bad duration 'often'" in r.stderr, r.stderr
    assert "refusing to start" in r.stderr


def test_runbook_loader_skips_watch_yaml(healer):
    d = healer(runbooks={"watch.yaml": GOOD}, start=False)
    p = d.cli("runbooks", "validate")
    assert p.returncode == 0 and "watch.yaml" not in p.stdout + p.stderr, (p.stdout, p.stderr)
