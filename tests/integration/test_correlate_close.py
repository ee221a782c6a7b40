"""A person may close an incident whose verified fix waits for its related alerts (the rest
is noise to them): with the role close needs, audited, the card saying who closed it and how
many alerts still fired; the wait's end then changes nothing, across a restart too. And a
related alert that clears and fires again during the wait is waited for again."""
import calendar
import time

import json

from conftest import DEFAULT_POLICY
from test_correlate_cause import alert, card_text, policy, restart_runbook, waiting
from test_slack import slack, slash, CHANNEL  # noqa: F401 (fixture)

# close needs the low-risk approvers' roles: here not everyone's
CLOSERS = DEFAULT_POLICY.replace("low:      {roles: [any], count: 1}",
                                 "low:      {roles: [engineer, lead, admin], count: 1}")


def three_alerts(d):
    d.alert(alert("HighErrors", service="api"))
    d.wait_state("INC-1", "running")
    d.alert(alert("HighLatency", service="api", instance="web-1"))
    d.alert(alert("PodRestarts", service="api", instance="web-2"))
    d.wait_for(lambda: len(d.view("INC-1")["related"]) == 2, "two related alerts")
    (d.root / "go").write_text("")
    return waiting(d, "INC-1")


def test_a_person_closes_a_waiting_incident(healer):
    d = healer(runbooks={"restart.yaml": restart_runbook(hold=True)},
               policy=policy(CLOSERS, grace="15s"), user="nobody")
    until = calendar.timegm(time.strptime(three_alerts(d)["wait_until"][:19],
                                          "%Y-%m-%dT%H:%M:%S"))
    d.wait_for(lambda: "close INC-1" in card_text(d), "the card offers close while waiting")
    d.send("close INC-1")
    d.read_until(r"close.*(role|allowed)[^\n]*")
    assert d.view("INC-1")["state"] == "verifying"
    refused = [r for r in d.audit() if r.get("kind") == "command.refused"]
    assert refused and refused[-1]["actor"] == "console:nobody", refused
    d.restart(user="eve")
    d.send("close INC-1")
    d.read_until(r"INC-1 closed")
    v = d.view("INC-1")
    assert v["state"] == "closed", v["state"]
    assert v["outcome"] == "Closed by console:eve; 2 alerts were still firing", v["outcome"]
    assert v["wait_until"] is None
    states = [(t["actor"], t["message"]) for t in v["timeline"] if t["kind"] == "incident.state"]
    assert states[-1] == ("console:eve", "verifying → closed: Closed by console:eve; 2 alerts "
                          "were still firing"), states
    # the card names the person
    d.wait_for(lambda: "Outcome: Closed by eve; 2 alerts were still firing" in card_text(d),
               "the console card says who closed it")
    # the grace period's end passes: nothing resolves a closed incident
    time.sleep(max(0, until - time.time()) + 2)
    assert d.view("INC-1")["state"] == "closed"
    d.restart(user="eve")
    time.sleep(1)
    v = d.view("INC-1")
    assert v["state"] == "closed" and v["outcome"].startswith("Closed by console:eve"), v
    assert "resolved" not in [t["message"] for t in v["timeline"]
                              if t["kind"] == "incident.state"][-1]


def test_a_waiting_incident_is_closed_from_slack(healer, slack):
    text = policy(CLOSERS.replace('engineer: ["console:eve"]',
                                  'engineer: ["console:eve", "slack:UENG"]'))
    d = healer(runbooks={"restart.yaml": restart_runbook(hold=True)}, policy=text,
               SLACK_APP_TOKEN="xapp-1-A0HEALER-test", SLACK_BOT_TOKEN="xoxb-test-token",
               SLACK_CHANNEL=CHANNEL, SLACK_API_URL=slack.api_url, HEALER_SLACK_PING_S="1")
    slack.wait_live()
    three_alerts(d)
    t = slash(slack, "UNOBODY", "close INC-1")["text"]
    assert t.startswith(":no_entry_sign: refused: "), t
    assert d.view("INC-1")["state"] == "verifying"
    t = slash(slack, "UENG", "close INC-1")["text"]
    assert t == "INC-1 closed", t
    v = d.view("INC-1")
    assert v["state"] == "closed" and v["outcome"] == \
        "Closed by slack:UENG; 2 alerts were still firing", v["outcome"]
    slack.wait(lambda: "2 alerts were still firing" in json.dumps(slack.card("INC-1")),
               "the Slack card says what still fired")


def test_close_still_refused_while_the_checks_run(healer):
    text = restart_runbook(hold=True) + (
        'verify:\n  - {name: check, exec: ["@PY@", "@BIN@/wait_for_file.py", "@TMP@/checked", '
        '"@TMP@/checks"], timeout: 60s}\n')
    d = healer(runbooks={"restart.yaml": text}, policy=policy())
    d.alert(alert("HighErrors", service="api"))
    d.wait_state("INC-1", "running")
    (d.root / "go").write_text("")
    d.wait_state("INC-1", "verifying")
    d.send("close INC-1")
    d.read_until(r"INC-1 is verifying: wait for the run to finish")
    (d.root / "checked").write_text("")
    d.wait_state("INC-1", "resolved")


def test_a_related_alert_that_fires_again_is_waited_for_again(healer):
    d = healer(runbooks={"restart.yaml": restart_runbook(hold=True)}, policy=policy())
    v = three_alerts(d)
    assert v["outcome"].startswith("Fix done; waiting for 2 related alerts"), v["outcome"]
    d.alert(alert("HighLatency", "resolved", service="api", instance="web-1"))
    d.wait_for(lambda: d.view("INC-1")["outcome"].startswith(
        "Fix done; waiting for 1 related alert to clear"), "one related alert cleared")
    again = alert("HighLatency", service="api", instance="web-1")
    again["startsAt"] = "2026-11-23T10:30:00Z"  # back again: a new start at the source
    d.alert(again)
    v = d.wait_for(lambda: (lambda x: x if x["outcome"].startswith(
        "Fix done; waiting for 2 related alerts") else None)(d.view("INC-1")),
        "the alert that fired again is waited for again")
    # the other one clearing does not resolve it: HighLatency fires
    d.alert(alert("PodRestarts", "resolved", service="api", instance="web-2"))
    d.wait_for(lambda: d.view("INC-1")["outcome"].startswith(
        "Fix done; waiting for 1 related alert to clear"), "PodRestarts cleared")
    assert d.view("INC-1")["state"] == "verifying"
    cleared = alert("HighLatency", "resolved", service="api", instance="web-1")
    cleared["startsAt"] = again["startsAt"]
    d.alert(cleared)
    v = d.wait_state("INC-1", "resolved")
    assert v["outcome"].endswith("; every related alert cleared"), v["outcome"]
