"""A correlated incident follows its probable cause: a cause that joins late gets its fix
proposed first (approvals of the withdrawn proposal do not count), or next when a fix is
already running; and a fix that ended well waits for the incident's other alerts to clear,
up to the correlate rule's grace period, across a restart too."""
import re

from conftest import am_alert, audit_kinds, DEFAULT_POLICY

RULES = """\
correlate:
  - keys: [cluster, namespace]
    window: 10m
    cause: {alertname: "~^Deploy"}
  - keys: [service]
    window: 5m
    grace: @GRACE@
"""

# medium risk needs two approvals here, so that one given too early can be seen not to count
TWO_APPROVALS = DEFAULT_POLICY.replace(
    "medium:   {roles: [engineer, lead, admin], count: 1}",
    "medium:   {roles: [engineer, lead, admin], count: 2}")


def policy(base=DEFAULT_POLICY, grace="10m"):
    return base + RULES.replace("@GRACE@", grace)


def runbook(rbid, title, alertname, risk, step):
    """A runbook for one alertname, its service bound from the alert, and one step."""
    return """\
id: %s
title: %s
match:
  - labels: {alertname: "%s"}
params:
  service: {from: labels.service, pattern: '^[a-z0-9-]{1,32}$', required: true}
risk: %s
steps:
  - %s
""" % (rbid, title, alertname, risk, step)


def flag_step(name, flag):
    return '{name: %s, exec: ["@PY@", "@BIN@/flag.py", "set", "@TMP@/%s"], timeout: 30s}' % (
        name, flag)


def restart_runbook(risk="low", hold=False, verify=False):
    """restart-api for HighErrors; hold: its step waits for the file "go"; verify: it has a
    verification step (which passes)."""
    step = ('{name: restart, exec: ["@PY@", "@BIN@/wait_for_file.py", "@TMP@/go", '
            '"@TMP@/runs"], timeout: 60s}' if hold else flag_step("restart", "restarted"))
    text = runbook("restart-api", "Restart the API", "HighErrors", risk, step)
    if verify:
        text += "verify:\n  - %s\n" % flag_step("healthy", "healthy")
    return text


def rollback_runbook(risk="low"):
    return runbook("rollback-deploy", "Roll the last deploy back", "~^Deploy", risk,
                   flag_step("rollback", "rolled-back"))


def alert(name, status="firing", **labels):
    labels.setdefault("severity", "warning")
    return am_alert(name, status=status, labels=labels)


def errors(status="firing"):
    return alert("HighErrors", status, service="api", cluster="eu1", namespace="shop")


def deploy(name="DeployFinished"):
    return alert(name, service="checkout", cluster="eu1", namespace="shop")


def approvals(v):
    return [(a["user"], a["decision"]) for a in v["approvals"]]


def card_text(d):
    """The console's cards as running text: box edges and line wraps removed."""
    return re.sub(r"\s+", " ", d.console_text().replace("│", " "))


def waiting(d, inc):
    return d.wait_for(lambda: (lambda x: x if x["state"] == "verifying" and
                               "waiting" in (x["outcome"] or "") else None)(d.view(inc)),
                      "%s waiting for its alerts to clear" % inc)


def test_late_cause_replaces_the_proposal_and_its_approvals(healer):
    d = healer(runbooks={"restart.yaml": restart_runbook("medium"),
                         "rollback.yaml": rollback_runbook("medium")},
               policy=policy(TWO_APPROVALS), user="lead1")
    d.alert(errors())
    v = d.wait_state("INC-1", "awaiting_approval")
    assert v["action"]["runbook"] == "restart-api"
    first_action = v["action"]["id"]
    d.send("approve INC-1")
    d.read_until(r"1 of 2")
    # the deploy behind the errors arrives: its rollback is proposed instead
    d.alert(deploy())
    v = d.wait_for(lambda: (lambda x: x if x["state"] == "awaiting_approval" and
                            x["action"]["runbook"] == "rollback-deploy" else None)(
        d.view("INC-1")), "the rollback proposed for the deploy")
    assert v["cause"]["alertname"] == "DeployFinished"
    assert v["action"]["params"]["service"] == "checkout"  # bound from the cause
    assert approvals(v) == []
    assert v["analysis"].startswith("Probable cause DeployFinished (checkout). Matched runbook "
                                    "rollback-deploy"), v["analysis"]
    changed = [t["message"] for t in v["timeline"] if t["kind"] == "proposal.changed"]
    assert changed == ["cause changed to DeployFinished (checkout): rollback-deploy is "
                       "proposed for it"], changed
    states = [t["message"] for t in v["timeline"] if t["kind"] == "incident.state"]
    assert "awaiting_approval → open: cause changed to DeployFinished (checkout): " \
        "rollback-deploy is proposed for it" in states, states
    rows = [r for r in d.audit() if r.get("kind") == "proposal.changed"]
    assert len(rows) == 1 and rows[0]["actor"] == "healer", rows
    d.wait_for(lambda: "Probable cause DeployFinished (checkout)" in card_text(d),
               "the console card names the new cause")
    # lead1's approval was for the withdrawn proposal: lead2's is the first of two
    d.restart(user="lead2")
    d.send("approve INC-1")
    d.read_until(r"1 of 2")
    assert d.view("INC-1")["state"] == "awaiting_approval"
    d.restart(user="lead1")
    d.send("approve INC-1")
    v = waiting(d, "INC-1")  # the rollback ran; the errors still fire
    assert (d.root / "rolled-back").exists()
    assert not (d.root / "restarted").exists()  # the withdrawn proposal never ran
    assert approvals(v) == [("console:lead2", "approve"), ("console:lead1", "approve")]
    assert v["outcome"].startswith("Fix done; waiting for 1 related alert to clear"), \
        v["outcome"]
    d.alert(errors("resolved"))
    v = d.wait_state("INC-1", "resolved")
    assert v["outcome"] == "Done (runbook has no verification) after approval; every " \
        "related alert cleared", v["outcome"]
    assert v["action"]["id"] != first_action


def test_fix_running_when_the_cause_joins_then_the_cause_fix(healer):
    d = healer(runbooks={"restart.yaml": restart_runbook(hold=True),
                         "rollback.yaml": rollback_runbook()}, policy=policy())
    d.alert(errors())
    d.wait_state("INC-1", "running")
    d.alert(deploy("DeployStarted"))
    v = d.wait_for(lambda: (lambda x: x if "cause.changed" in audit_kinds(x["timeline"])
                            else None)(d.view("INC-1")), "the cause change recorded")
    msgs = [t["message"] for t in v["timeline"] if t["kind"] == "cause.changed"]
    assert msgs == ["cause changed to DeployStarted (checkout): its runbook rollback-deploy is "
                    "proposed once the running fix ends"], msgs
    assert v["state"] == "running" and v["action"]["runbook"] == "restart-api"
    assert not (d.root / "rolled-back").exists()  # one fix at a time
    (d.root / "go").write_text("")
    v = waiting(d, "INC-1")
    assert v["action"]["runbook"] == "rollback-deploy"
    assert (d.root / "rolled-back").exists()
    assert len((d.root / "runs").read_text().splitlines()) == 1  # the first fix ran once
    changed = [t["message"] for t in v["timeline"] if t["kind"] == "proposal.changed"]
    assert changed == ["the fix ended; the probable cause DeployStarted (checkout) is next: "
                       "rollback-deploy is proposed for it"], changed
    steps = [s["name"] for s in v["step_runs"] if s["phase"] == "step"]
    assert steps == ["rollback"], steps  # the view shows the current action's runs
    # the cause's runbook was tried: a later deploy alert changes nothing, no loop
    d.alert(deploy("DeployFinished"))
    v = d.wait_for(lambda: (lambda x: x if "2 related alerts" in x["outcome"] else None)(
        d.view("INC-1")), "DeployFinished joined and waited for")
    assert v["state"] == "verifying" and v["action"]["runbook"] == "rollback-deploy"
    d.alert(errors("resolved"))
    d.alert(alert("DeployFinished", "resolved", service="checkout", cluster="eu1",
                  namespace="shop"))
    v = d.wait_state("INC-1", "resolved")
    kinds = audit_kinds(v["timeline"])
    assert kinds.count("analysis.proposed") == 2, kinds
    assert "Fix done; waiting for 1 related alert" in " ".join(
        t["message"] for t in v["timeline"] if t["kind"] == "resolution.waiting")


def test_verified_fix_waits_for_related_alerts(healer):
    d = healer(runbooks={"restart.yaml": restart_runbook(hold=True, verify=True)},
               policy=policy())
    d.alert(alert("HighErrors", service="api"))
    d.wait_state("INC-1", "running")
    d.alert(alert("HighLatency", service="api", instance="web-1"))
    d.wait_for(lambda: d.view("INC-1")["related"], "HighLatency joined")
    (d.root / "go").write_text("")
    v = waiting(d, "INC-1")
    m = re.fullmatch(r"Fix verified; waiting for 1 related alert to clear — resolves at "
                     r"(\d\d:\d\d) UTC regardless", v["outcome"])
    assert m, v["outcome"]
    assert v["action"]["status"] == "succeeded"
    assert v["wait_until"][11:16] == m.group(1), v["wait_until"]
    assert [t["message"] for t in v["timeline"] if t["kind"] == "resolution.waiting"] == \
        [v["outcome"]]
    d.wait_for(lambda: "Outcome: Fix verified; waiting for 1 related alert to clear" in
               card_text(d), "the console card says what it waits for")
    d.alert(alert("HighLatency", "resolved", service="api", instance="web-1"))
    v = d.wait_state("INC-1", "resolved")
    assert v["outcome"] == "Resolved by autopilot, verified; every related alert cleared", \
        v["outcome"]
    states = [t["message"] for t in v["timeline"] if t["kind"] == "incident.state"]
    assert states[-1] == "verifying → resolved: every related alert cleared", states
    assert v["wait_until"] is None
    # firing again after the resolution: an incident of its own, the normal way
    again = alert("HighLatency", service="api", instance="web-1")
    again["startsAt"] = "2026-11-23T10:30:00Z"
    d.alert(again)
    v2 = d.wait_for(lambda: (lambda x: x if x.get("state") else None)(d.view("INC-2")),
                    "INC-2 opened")
    assert v2["title"].startswith("HighLatency"), v2["title"]


def test_grace_resolves_with_alerts_still_firing(healer):
    d = healer(runbooks={"restart.yaml": restart_runbook(hold=True)}, policy=policy(grace="2s"))
    d.alert(alert("HighErrors", service="api"))
    d.wait_state("INC-1", "running")
    d.alert(alert("HighLatency", service="api", instance="web-1"))
    d.alert(alert("PodRestarts", service="api", instance="web-2"))
    d.wait_for(lambda: len(d.view("INC-1")["related"]) == 2, "two related alerts")
    (d.root / "go").write_text("")
    v = d.wait_state("INC-1", "resolved")
    assert v["outcome"] == "Done (runbook has no verification) by autopilot; the grace " \
        "period ended with 2 alerts still firing", v["outcome"]
    kinds = audit_kinds(v["timeline"])
    assert "resolution.waiting" in kinds
    d.wait_for(lambda: "the grace period ended with 2 alerts still firing" in card_text(d),
               "the console card says what still fired")


def test_wait_survives_a_restart(healer):
    d = healer(runbooks={"restart.yaml": restart_runbook(hold=True)}, policy=policy(grace="6s"))
    d.alert(alert("HighErrors", service="api"))
    d.wait_state("INC-1", "running")
    d.alert(alert("HighLatency", service="api", instance="web-1"))
    d.wait_for(lambda: d.view("INC-1")["related"], "HighLatency joined")
    (d.root / "go").write_text("")
    waiting(d, "INC-1")
    d.restart()
    v = d.wait_state("INC-1", "resolved")
    assert v["outcome"].endswith("; the grace period ended with 1 alert still firing"), \
        v["outcome"]
    assert len((d.root / "runs").read_text().splitlines()) == 1  # nothing ran again
    assert [s["phase"] for s in v["step_runs"]].count("step") == 1


def test_check_config_names_a_bad_grace(healer):
    text = policy(grace="soon")
    line = text.splitlines().index("    grace: soon") + 1
    d = healer(runbooks={"restart.yaml": restart_runbook()}, policy=text, start=False)
    p = d.cli("check-config", check=False)
    out = p.stdout + p.stderr
    assert p.returncode == 1, out
    assert "policy.yaml:%d: correlate[1].grace: expected a duration from 0s to 24h, e.g. 10m, " \
        "got 'soon'" % line in out, out


SCALE = runbook("scale-api", "Scale the API out", "HighLatency", "medium",
                flag_step("scale", "scaled"))


def test_an_earlier_started_alert_that_arrives_late_is_the_cause(healer):
    d = healer(runbooks={"restart.yaml": restart_runbook("medium"), "scale.yaml": SCALE},
               policy=policy())
    late = alert("HighErrors", service="api")
    late["startsAt"] = "2026-11-23T10:05:00Z"
    d.alert(late)
    v = d.wait_state("INC-1", "awaiting_approval")
    assert v["action"]["runbook"] == "restart-api"
    early = alert("HighLatency", service="api", instance="web-1")
    early["startsAt"] = "2026-11-23T10:00:00Z"  # began first, delivered second
    d.alert(early)
    v = d.wait_for(lambda: (lambda x: x if x["state"] == "awaiting_approval" and
                            x["action"]["runbook"] == "scale-api" else None)(d.view("INC-1")),
                   "the proposal follows the earlier alert")
    assert v["cause"]["alertname"] == "HighLatency" and v["cause"]["first"] is False
    changed = [t["message"] for t in v["timeline"] if t["kind"] == "proposal.changed"]
    assert changed == ["cause changed to HighLatency (api): scale-api is proposed for it"], \
        changed
    assert len(d.incidents()) == 1


def test_failed_fix_is_rolled_back_then_the_cause_fix(healer):
    text = restart_runbook(hold=True) + (
        '  - {name: check, exec: ["@PY@", "@BIN@/flag.py", "check", "@TMP@/never"], '
        'timeout: 10s}\nrollback:\n  - %s\n' % flag_step("undo", "undone"))
    d = healer(runbooks={"restart.yaml": text, "rollback.yaml": rollback_runbook()},
               policy=policy())
    d.alert(errors())
    d.wait_state("INC-1", "running")
    d.alert(deploy())
    d.wait_for(lambda: "cause.changed" in audit_kinds(d.view("INC-1")["timeline"]),
               "the cause change recorded")
    (d.root / "go").write_text("")
    v = waiting(d, "INC-1")  # rolled back, then the deploy's rollback ran
    assert (d.root / "undone").exists() and (d.root / "rolled-back").exists()
    states = [t["message"].split(":")[0] for t in v["timeline"]
              if t["kind"] == "incident.state"]
    assert "failed → open" in states and "failed → rolled_back" not in states, states
    changed = [t["message"] for t in v["timeline"] if t["kind"] == "proposal.changed"]
    assert changed == ["the fix was rolled back; the probable cause DeployFinished (checkout) "
                       "is next: rollback-deploy is proposed for it"], changed
    assert v["action"]["runbook"] == "rollback-deploy"
    # an earlier deploy event turns up: the cause again, but its runbook was tried: no loop
    earlier = deploy("DeployStarted")
    earlier["startsAt"] = "2026-11-23T09:50:00Z"
    d.alert(earlier)
    v = d.wait_for(lambda: (lambda x: x if "cause.changed" in [
        t["kind"] for t in x["timeline"][-3:]] else None)(d.view("INC-1")),
        "the second cause change recorded")
    msgs = [t["message"] for t in v["timeline"] if t["kind"] == "cause.changed"]
    assert msgs[-1] == ("cause changed to DeployStarted (checkout), but its runbook "
                        "rollback-deploy was already tried: the proposal stays as it is"), msgs
    assert v["state"] == "verifying" and audit_kinds(v["timeline"]).count(
        "analysis.proposed") == 2
    assert v["outcome"].startswith("Fix done; waiting for the cause DeployStarted (checkout) "
                                   "and 1 related alert to clear"), v["outcome"]


def test_cause_with_a_runbook_takes_over_an_incident_without_one(healer):
    d = healer(runbooks={"rollback.yaml": rollback_runbook()}, policy=policy())
    d.alert(errors())  # no runbook for the errors
    d.wait_state("INC-1", "needs_attention")
    d.alert(deploy())
    v = waiting(d, "INC-1")  # the rollback ran; the errors still fire
    assert v["action"]["runbook"] == "rollback-deploy"
    assert (d.root / "rolled-back").exists()
    states = [t["message"].split(":")[0] for t in v["timeline"]
              if t["kind"] == "incident.state"]
    assert "needs_attention → open" in states, states


def test_splitting_the_last_firing_alert_out_ends_the_wait(healer):
    d = healer(runbooks={"restart.yaml": restart_runbook(hold=True)}, policy=policy())
    d.alert(alert("HighErrors", service="api"))
    d.wait_state("INC-1", "running")
    d.alert(alert("HighLatency", service="api", instance="web-1"))
    fp = d.wait_for(lambda: d.view("INC-1")["related"], "HighLatency joined")[0]["fingerprint"]
    (d.root / "go").write_text("")
    waiting(d, "INC-1")
    d.send("split INC-1 " + fp)
    d.read_until(r"split out of INC-1 into INC-2")
    v = d.wait_state("INC-1", "resolved")
    assert v["outcome"].endswith("; every related alert cleared"), v["outcome"]
    assert d.view("INC-2")["title"].startswith("HighLatency")
