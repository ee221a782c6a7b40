"""Every shipped runbook, through the real daemon, against stub commands: HEALER_EXEC_PATH
points exec steps at a directory of stubs (systemctl, journalctl, df, du, find, aws, kubectl)
that record their argv and exit 0, and http steps at a fake service. Each diagnostic, step
and verification must reach its program with exactly the argv the runbook means, so an
argument split by YAML (a comma in a flow sequence) or a template gone wrong fails here."""
import json
import os
import stat

import pytest

from conftest import REPO, am_alert

STUBS = ("systemctl", "journalctl", "df", "du", "find", "aws", "kubectl")

STUB = """\
#!/usr/bin/python3
import json, os, sys
with open(%r, "a") as f:
    f.write(json.dumps([os.path.basename(sys.argv[0])] + sys.argv[1:]) + "\\n")
print("stub", os.path.basename(sys.argv[0]), "ok")
"""

# Everything may run on autopilot, so that no approval stands between the alert and the
# commands; nothing is frozen, nothing is rate-limited.
POLICY = """\
autopilot: {max_risk: critical, max_cost_usd: 1000, min_confidence: 0, max_usd_per_day: 100000}
approvals:
  low:      {roles: [any], count: 1}
  medium:   {roles: [any], count: 1}
  high:     {roles: [any], count: 1}
  critical: {roles: [any], count: 1}
approval_ttl: 30m
limits: {max_runs_per_hour: 0, max_concurrent: 0, cooldown_per_resource: 0s}
freeze: []
roles: {}
"""


def shipped():
    d = REPO / "runbooks"
    return {p.name: p.read_text() for p in sorted(d.glob("*.yaml")) if p.name != "policy.yaml"}


@pytest.fixture
def stubbed(healer, svc, tmp_path):
    stubdir = tmp_path / "stubs"
    stubdir.mkdir()
    log = tmp_path / "argv.log"
    for name in STUBS:
        p = stubdir / name
        p.write_text(STUB % str(log))
        p.chmod(p.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    # only the stubs: a command the test forgot fails instead of touching the machine
    d = healer(runbooks=shipped(), policy=POLICY, user="root", svc=svc,
               HEALER_EXEC_PATH=str(stubdir))

    def calls():
        if not log.exists():
            return []
        return [json.loads(ln) for ln in log.read_text().splitlines() if ln.strip()]

    d.calls = calls
    return d


def ran(d, inc, phases):
    """Waits until the step runs of these phases all finished ok; returns the view."""
    def done():
        v = d.view(inc)
        runs = [r for r in v["step_runs"] if r["phase"] in phases]
        bad = [r for r in runs if r["status"] not in (None, "ok", "running")]
        assert not bad, json.dumps(bad, indent=1)
        return v if runs and all(r["status"] == "ok" for r in runs) else None
    return d.wait_for(done, "%s: %s ok" % (inc, "/".join(phases)))


def until_verifying_then_clear(d, inc, alert):
    """Verification ends with the alert resolving: clear it once the incident verifies."""
    d.wait_for(lambda: d.view(inc)["state"] in ("verifying", "resolved"), inc + " verifying")
    alert = dict(alert, status="resolved")
    d.alert(alert)
    return d.wait_state(inc, "resolved")


def test_restart_service(stubbed, svc):
    d = stubbed
    svc.route("GET", "/healthz", 200, "ok")
    d.alert(am_alert("ServiceDown", labels={"service": "api", "severity": "warning"},
                     annotations={"health_url": svc.url + "/healthz"}))
    v = d.wait_state("INC-1", "resolved")
    assert d.calls() == [
        ["systemctl", "status", "--no-pager", "--lines=0", "api"],
        ["journalctl", "--no-pager", "-u", "api", "-n", "50"],
        ["systemctl", "restart", "api"],
        ["systemctl", "is-active", "--quiet", "api"],
    ], d.calls()
    assert len(svc.seen("GET", "/healthz")) == 1
    assert [r["name"] for r in v["step_runs"]] == [
        "unit status", "recent logs", "restart api", "unit is active",
        "health check answers 200"]


def test_free_disk_space(stubbed):
    d = stubbed
    alert = am_alert("NodeFilesystemAlmostOutOfSpace",
                     labels={"mountpoint": "/var", "severity": "warning"})
    d.alert(alert)
    until_verifying_then_clear(d, "INC-1", alert)
    assert d.calls() == [
        ["df", "-h", "--output=source,size,used,avail,pcent,target", "/var"],
        ["du", "-x", "-h", "-d", "1", "/var"],
        ["journalctl", "--disk-usage"],
        ["journalctl", "--vacuum-size=500M"],
        ["find", "/tmp", "-xdev", "-type", "f", "-mtime", "+7", "-delete"],
    ], d.calls()


def test_aws_asg_scale_out(stubbed):
    d = stubbed
    # the desired capacity is a human's call: given on the command line
    d.send("run aws-asg-scale-out asg=web-prod desired=6 count=2")
    d.read_until(r"INC-1: aws-asg-scale-out runs on autopilot")
    ran(d, "INC-1", ("diagnostic", "step"))
    assert d.calls() == [
        ["aws", "autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names",
         "web-prod", "--query",
         "AutoScalingGroups[0].{desired:DesiredCapacity,min:MinSize,max:MaxSize,"
         "instances:length(Instances)}", "--output", "table"],
        ["aws", "autoscaling", "describe-scaling-activities", "--auto-scaling-group-name",
         "web-prod", "--max-items", "5", "--query",
         "Activities[].[StartTime,StatusCode,Description]", "--output", "table"],
        ["aws", "autoscaling", "set-desired-capacity", "--auto-scaling-group-name",
         "web-prod", "--desired-capacity", "6"],
    ], d.calls()
    v = d.view("INC-1")
    assert v["action"]["cost_usd"] == pytest.approx(4.61, abs=0.01), v["action"]
    # verification waits for the CPU alarm, which a `run` does not have: still verifying
    assert v["state"] == "verifying", v["state"]


def test_aws_ec2_reboot_ssm(stubbed):
    d = stubbed
    iid = "i-0abc1234def567890"
    alert = am_alert("web-1-status", labels={"namespace": "AWS/EC2", "InstanceId": iid,
                                             "metric": "StatusCheckFailed_Instance",
                                             "severity": "critical"})
    d.alert(alert)
    # the runbook waits 60 s after the reboot before polling the status checks
    d.wait_for(lambda: any(r["phase"] == "verify" and r["status"] == "ok"
                           for r in d.view("INC-1")["step_runs"]),
               "the status check verification", timeout=120)
    until_verifying_then_clear(d, "INC-1", alert)
    assert d.calls() == [
        ["aws", "ec2", "describe-instance-status", "--include-all-instances",
         "--instance-ids", iid, "--output", "table"],
        ["aws", "ssm", "describe-instance-information", "--filters",
         "Key=InstanceIds,Values=" + iid, "--query",
         "InstanceInformationList[].[InstanceId,PingStatus,LastPingDateTime]",
         "--output", "table"],
        ["aws", "ec2", "get-console-output", "--instance-id", iid, "--output", "text"],
        ["aws", "ec2", "reboot-instances", "--instance-ids", iid],
        ["aws", "ec2", "wait", "instance-status-ok", "--instance-ids", iid],
    ], d.calls()


def test_k8s_rollback_deployment(stubbed):
    d = stubbed
    alert = am_alert("KubeDeploymentReplicasMismatch",
                     labels={"deployment": "checkout", "namespace": "shop",
                             "severity": "warning"})
    d.alert(alert)
    until_verifying_then_clear(d, "INC-1", alert)
    dep = "deployment/checkout"
    assert d.calls() == [
        ["kubectl", "rollout", "history", dep, "-n", "shop"],
        ["kubectl", "get", dep, "-n", "shop", "-o", "wide"],
        ["kubectl", "rollout", "status", dep, "-n", "shop", "--timeout=5s"],
        ["kubectl", "rollout", "undo", dep, "-n", "shop"],
        ["kubectl", "rollout", "status", dep, "-n", "shop", "--timeout=5m"],
    ], d.calls()


def test_flush_cache_http(stubbed, svc):
    d = stubbed
    alert = am_alert("CacheHitRateLow", labels={"pool": "sessions", "severity": "warning"},
                     annotations={"cache_admin_url": svc.url})
    d.alert(alert)
    until_verifying_then_clear(d, "INC-1", alert)
    assert d.calls() == []
    got = [(m, p, b) for m, p, b in svc.requests]
    assert got == [
        ("GET", "/admin/cache/stats?pool=sessions", ""),
        ("POST", "/admin/cache/flush?pool=sessions",
         '{"pool": "sessions", "reason": "healer INC-1"}'),
        ("GET", "/healthz", ""),
    ], got


def test_every_shipped_runbook_is_covered():
    tested = {"restart-service", "free-disk-space", "aws-asg-scale-out", "aws-ec2-reboot-ssm",
              "k8s-rollback-deployment", "flush-cache-http"}
    ids = set()
    for text in shipped().values():
        for ln in text.splitlines():
            if ln.startswith("id: "):
                ids.add(ln[4:].strip())
    assert ids == tested, ids ^ tested


def test_exec_path_must_be_absolute(healer):
    """A relative HEALER_EXEC_PATH would run programs from wherever the daemon stands: it
    is refused with a warning and the default PATH is used."""
    d = healer(runbooks={"echo.yaml": """\
id: echo
title: Echo
match:
  - labels: {alertname: Echo}
risk: low
cost: {usd: 0}
steps:
  - {name: say, exec: [echo, hello]}
"""}, HEALER_EXEC_PATH="bin:/usr/bin")
    d.alert(am_alert("Echo", labels={"severity": "warning"}))
    v = d.wait_state("INC-1", "resolved")
    assert v["step_runs"][0]["output"] == "hello\n"
    assert "HEALER_EXEC_PATH 'bin:/usr/bin' ignored" in d.log_tail(200)
