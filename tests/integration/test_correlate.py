"""Correlation: alerts that share the keys of a correlate rule with an open incident's alerts,
within the rule's window, join that incident as related alerts instead of opening their own;
each keeps its own fingerprint, occurrences and cleared state, and the view names the
probable cause."""
from conftest import am_alert, audit_kinds, DEFAULT_POLICY

POLICY = DEFAULT_POLICY + """\
correlate:
  - keys: [service]
    window: 5m
  - keys: [cluster, namespace]
    window: 10m
    cause: {alertname: "~^Deploy"}
"""

FIX = """\
id: restart-api
title: Restart the API
match:
  - labels: {alertname: HighErrors}
params:
  service: {from: labels.service, pattern: '^[a-z0-9-]{1,32}$', required: true}
risk: low
steps:
  - {name: restart, exec: ["@PY@", "@BIN@/wait_for_file.py", "@TMP@/go", "@TMP@/runs"], timeout: 60s}
"""


def alert(name, **labels):
    labels.setdefault("severity", "warning")
    return am_alert(name, labels=labels)


def test_one_outage_one_incident_one_fix(healer):
    d = healer(runbooks={"fix.yaml": FIX}, policy=POLICY)
    d.alert(alert("HighErrors", service="api"))
    d.wait_state("INC-1", "running")  # the fix runs while the outage goes on
    for name in ("HighLatency", "Http5xxRate", "PodRestarts", "QueueBacklog"):
        d.alert(alert(name, service="api", instance="web-1"))
    d.alert(alert("DiskFull", service="db"))  # another service: its own incident
    d.wait_for(lambda: len(d.incidents()) == 2, "two incidents")
    v = d.wait_for(lambda: (lambda x: x if len(x["related"]) == 4 else None)(d.view("INC-1")),
                   "four related alerts on INC-1")
    assert [r["alertname"] for r in v["related"]] == \
        ["HighLatency", "Http5xxRate", "PodRestarts", "QueueBacklog"]
    assert all(r["occurrences"] == 1 and r["cleared"] is False for r in v["related"])
    assert v["cause"]["alertname"] == "HighErrors"  # the earliest
    assert v["occurrences"] == 1  # the incident's own alert fired once
    kinds = audit_kinds(d.audit())
    assert kinds.count("alert.related") == 4
    assert kinds.count("analysis.proposed") == 1  # one fix
    rel = [t["message"] for t in v["timeline"] if t["kind"] == "alert.related"]
    assert rel[0].startswith("related alert joined: HighLatency"), rel
    assert rel[0] == ("related alert joined: HighLatency on web-1 (resource api; same service "
                      "within 5 min 0 s)"), rel
    # a related alert keeps its own occurrences and cleared state
    again = alert("HighLatency", service="api", instance="web-1")
    again["startsAt"] = "2026-11-23T10:05:00Z"  # firing anew, not a redelivery
    d.alert(again)
    d.alert(am_alert("PodRestarts", status="resolved",
                     labels={"service": "api", "instance": "web-1", "severity": "warning"}))
    v = d.wait_for(lambda: (lambda x: x if x["related"][0]["occurrences"] == 2 and
                            x["related"][2]["cleared"] else None)(d.view("INC-1")),
                   "HighLatency twice, PodRestarts cleared")
    assert v["related"][1]["cleared"] is False
    assert len(d.incidents()) == 2
    d.read_until(r"Related:   4 alert\(s\)")
    (d.root / "go").write_text("")
    # the fix is done; three related alerts still fire: the incident waits for them
    v = d.wait_for(lambda: (lambda x: x if "waiting" in (x["outcome"] or "") else None)(
        d.view("INC-1")), "INC-1 waiting for its related alerts")
    assert v["state"] == "verifying"
    assert v["outcome"].startswith("Fix done; waiting for 3 related alerts to clear — "
                                   "resolves at "), v["outcome"]
    for name in ("HighLatency", "Http5xxRate", "QueueBacklog"):
        d.alert(am_alert(name, status="resolved",
                         labels={"service": "api", "instance": "web-1", "severity": "warning"}))
    v = d.wait_state("INC-1", "resolved")
    assert v["outcome"] == "Done (runbook has no verification) by autopilot; every related " \
        "alert cleared", v["outcome"]
    assert len((d.root / "runs").read_text().splitlines()) == 1  # one fix ran


def test_deploy_is_the_cause(healer):
    d = healer(runbooks={"fix.yaml": FIX}, policy=POLICY)
    d.alert(alert("HighErrors", service="api", cluster="eu1", namespace="shop"))
    d.wait_state("INC-1", "running")
    d.alert(alert("DeployStarted", cluster="eu1", namespace="shop", service="deployer"))
    v = d.wait_for(lambda: (lambda x: x if x["related"] else None)(d.view("INC-1")),
                   "the deploy joined INC-1")
    assert v["cause"]["alertname"] == "DeployStarted"
    assert v["related"][0]["cause"] is True
    assert len(d.incidents()) == 1
    # the deploy has no runbook: the running fix stays, and the card says why
    v = d.wait_for(lambda: (lambda x: x if "cause.changed" in audit_kinds(x["timeline"])
                            else None)(d.view("INC-1")), "the cause change recorded")
    assert v["analysis"].startswith("Probable cause DeployStarted (deployer): it has no "
                                    "runbook. "), v["analysis"]
    msgs = [t["message"] for t in v["timeline"] if t["kind"] == "cause.changed"]
    assert msgs == ["cause changed to DeployStarted (deployer), but it has no runbook: the "
                    "proposal stays as it is"], msgs
    (d.root / "go").write_text("")
    # a deploy, then errors in the same namespace: one incident, the deploy its cause
    d.alert(alert("DeployFinished", cluster="us2", namespace="cart", service="ci"))
    d.wait_state("INC-2", "needs_attention")  # no runbook for a deploy event
    d.alert(alert("HighLatency", cluster="us2", namespace="cart", service="cart"))
    v = d.wait_for(lambda: (lambda x: x if x["related"] else None)(d.view("INC-2")),
                   "the errors joined INC-2")
    assert v["cause"]["alertname"] == "DeployFinished"
    assert [r["alertname"] for r in v["related"]] == ["HighLatency"]
    assert len(d.incidents()) == 2


def test_no_rules_no_correlation(healer):
    d = healer(runbooks={"fix.yaml": FIX})
    d.alert(alert("HighErrors", service="api"))
    d.alert(alert("HighLatency", service="api"))
    d.wait_for(lambda: len(d.incidents()) == 2, "two incidents")
    v = d.view("INC-1")
    assert v["related"] == [] and v["cause"]["alertname"] == "HighErrors"


# A policy where close (and so split and merge) needs a lead: eve is only an engineer.
LEAD_POLICY = POLICY.replace("low:      {roles: [any], count: 1}",
                             "low:      {roles: [lead, admin], count: 1}")


def settled(d, inc):
    """Waits for the analysis of a new incident to end (a proposal or a human's turn)."""
    return d.wait_for(lambda: (lambda v: v if v["state"] in ("needs_attention",
                                                              "awaiting_approval") else None)(
        d.view(inc)), "%s analysed" % inc)


def test_merge_folds_an_incident_into_another(healer):
    d = healer(runbooks={"fix.yaml": FIX}, policy=LEAD_POLICY, user="lead1")
    d.alert(alert("HighLatency", service="api"))
    before = settled(d, "INC-1")["state"]
    d.alert(alert("DiskFull", service="db"))  # another service: its own incident
    settled(d, "INC-2")
    d.alert(alert("QueueBacklog", service="db"))  # joins INC-2
    d.wait_for(lambda: d.view("INC-2")["related"], "QueueBacklog on INC-2")
    d.send("merge INC-2 into INC-2")
    d.read_until(r"INC-2 cannot be merged into itself")
    d.send("merge INC-2 into INC-1")
    d.read_until(r"INC-2 merged into INC-1")
    v2 = d.wait_state("INC-2", "closed")
    assert v2["outcome"] == "Merged into INC-1 by console:lead1", v2["outcome"]
    v1 = d.view("INC-1")
    assert v1["state"] == before
    assert [r["alertname"] for r in v1["related"]] == ["DiskFull", "QueueBacklog"]
    assert v1["cause"]["alertname"] == "HighLatency"
    rows = [r for r in d.audit() if r.get("kind") == "incident.merged"]
    assert {r["incident"] for r in rows} == {"INC-1", "INC-2"} or \
        {r["incident"] for r in rows} == {1, 2}, rows
    assert all(r["actor"] == "console:lead1" for r in rows), rows
    t1 = [t["message"] for t in v1["timeline"] if t["kind"] == "incident.merged"]
    assert t1 == ["INC-2 merged into this incident by console:lead1"], t1
    # a later delivery of a merged alert lands on INC-1, not a new incident
    again = alert("DiskFull", service="db")
    again["startsAt"] = "2026-11-23T10:05:00Z"
    d.alert(again)
    d.wait_for(lambda: d.view("INC-1")["related"][0]["occurrences"] == 2, "DiskFull again")
    assert len(d.incidents()) == 2
    # a final incident cannot be merged, either way round
    d.send("merge INC-2 into INC-1")
    d.read_until(r"INC-2 is closed: a final incident cannot be merged")
    d.send("merge INC-1 into INC-2")
    d.read_until(r"INC-2 is closed: a final incident cannot be merged")
    d.send("merge INC-1 into INC-9")
    d.read_until(r"INC-9 does not exist")


def test_merge_needs_the_close_role(healer):
    d = healer(runbooks={"fix.yaml": FIX}, policy=LEAD_POLICY, user="eve")
    d.alert(alert("HighLatency", service="api"))
    d.alert(alert("DiskFull", service="db"))
    before = settled(d, "INC-2")["state"]
    d.mark()
    d.send("merge INC-2 into INC-1")
    d.read_until(r"merge needs role lead or admin \(you have: engineer\)")
    assert d.view("INC-2")["state"] == before
    assert d.view("INC-1")["related"] == []
    assert "incident.merged" not in audit_kinds(d.audit())
    assert "command.refused" in audit_kinds(d.audit())


def test_split_gives_a_related_alert_its_own_incident(healer):
    d = healer(runbooks={"fix.yaml": FIX}, policy=LEAD_POLICY, user="lead1")
    d.alert(alert("HighErrors", service="api", cluster="eu1", namespace="shop"))
    d.wait_state("INC-1", "running")  # a split does not wait for the run
    d.alert(alert("DeployStarted", cluster="eu1", namespace="shop", service="deployer"))
    d.alert(alert("HighLatency", service="api", instance="web-1"))
    d.alert(alert("PodRestarts", service="api", instance="web-1"))
    v = d.wait_for(lambda: (lambda x: x if len(x["related"]) == 3 else None)(d.view("INC-1")),
                   "three related alerts on INC-1")
    fp = {r["alertname"]: r["fingerprint"] for r in v["related"]}
    first = v["fingerprint"] if "fingerprint" in v else None
    d.send("split INC-1 " + fp["DeployStarted"])
    d.read_until(r"cannot split \S+ out of INC-1: it is the probable cause")
    d.send("split INC-1 nosuchfingerprint")
    d.read_until(r"cannot split nosuchfingerprint out of INC-1: the incident has no related "
                 r"alert with that fingerprint")
    if first:
        d.send("split INC-1 " + first)
        d.read_until(r"it is the incident's own first alert")
    assert len(d.incidents()) == 1
    d.send("split INC-1 " + fp["HighLatency"])
    d.read_until(r"split out of INC-1 into INC-2")
    v2 = settled(d, "INC-2")
    assert v2["title"].startswith("HighLatency"), v2["title"]
    assert v2["related"] == [] and v2["cause"]["alertname"] == "HighLatency"
    assert v2["occurrences"] == 1
    assert "analysis.proposed" in [t["kind"] for t in v2["timeline"]] or \
        v2["state"] == "needs_attention"
    t2 = [t["message"] for t in v2["timeline"] if t["kind"] == "incident.split"]
    assert t2 == ["split out of INC-1 by console:lead1: " + fp["HighLatency"]], t2
    v1 = d.view("INC-1")
    assert [r["alertname"] for r in v1["related"]] == ["DeployStarted", "PodRestarts"]
    assert v1["state"] == "running"
    t1 = [t["message"] for t in v1["timeline"] if t["kind"] == "incident.split"]
    assert t1 == ["related alert %s split out into INC-2 by console:lead1" % fp["HighLatency"]]
    rows = [r for r in d.audit() if r.get("kind") == "incident.split"]
    assert len(rows) == 2 and all(r["actor"] == "console:lead1" for r in rows), rows
    # its next delivery goes to its own incident now
    again = alert("HighLatency", service="api", instance="web-1")
    again["startsAt"] = "2026-11-23T10:05:00Z"
    d.alert(again)
    d.wait_for(lambda: d.view("INC-2")["occurrences"] == 2, "HighLatency again on INC-2")
    assert len(d.view("INC-1")["related"]) == 2
    assert len(d.incidents()) == 2
    (d.root / "go").write_text("")
    # the fix was not for the deploy (it has no runbook): the deploy and the alert left
    # with it are waited for; the split one is not
    v = d.wait_for(lambda: (lambda x: x if "waiting" in (x["outcome"] or "") else None)(
        d.view("INC-1")), "INC-1 waiting")
    assert v["outcome"].startswith("Fix done; waiting for the cause DeployStarted (deployer) "
                                   "and 1 related alert to clear"), v["outcome"]


def test_split_needs_the_close_role(healer):
    d = healer(runbooks={"fix.yaml": FIX}, policy=LEAD_POLICY, user="eve")
    d.alert(alert("HighErrors", service="api"))
    d.alert(alert("HighLatency", service="api"))
    v = d.wait_for(lambda: (lambda x: x if x["related"] else None)(d.view("INC-1")),
                   "HighLatency on INC-1")
    d.mark()
    d.send("split INC-1 " + v["related"][0]["fingerprint"])
    d.read_until(r"split needs role lead or admin \(you have: engineer\)")
    assert len(d.incidents()) == 1
    assert len(d.view("INC-1")["related"]) == 1
    assert "incident.split" not in audit_kinds(d.audit())
