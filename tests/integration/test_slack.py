"""The Slack adapter against a fake Slack (tests/integration/fake_slack.py): cards posted and
updated in place, the timeline in the card's thread, button clicks and the reject modal as
Slack users, /incident commands answered in the ack, mentions, App Home, and the link's
resilience: refresh in the middle of a burst, a silent peer, 429s, and a crash with cards
still in the outbox. Every message the daemon sends is checked against the Block Kit limits
by the fake, and the fixture fails the test on any violation."""
import json
import sqlite3
import time
import uuid

import pytest

from conftest import am_alert, audit_kinds
from fake_slack import FakeSlack

CHANNEL = "C0INCIDENT"

POLICY = """\
autopilot: {max_risk: low, max_cost_usd: 20, min_confidence: 0.8, max_usd_per_day: 100}
approvals:
  low:      {roles: [any], count: 1}
  medium:   {roles: [engineer, lead, admin], count: 1}
  high:     {roles: [lead, admin], count: 1, requester_may_approve: false}
  critical: {roles: [lead, admin], count: 2, requester_may_approve: false}
approval_ttl: 30m
limits: {max_runs_per_hour: 100, max_concurrent: 10, cooldown_per_resource: 0s}
freeze: []
roles:
  admin:    ["slack:UADMIN", "console:root"]
  lead:     ["slack:ULEAD1", "slack:ULEAD2"]
  engineer: ["slack:UENG"]
"""

RESTART = """\
id: restart-api
title: Restart the API service
description: Restarts the API when its health check fails.
match:
  - labels: {alertname: ApiDown}
params:
  service: {from: labels.service, pattern: '^[a-z0-9@._-]{1,64}$', required: true}
risk: medium
cost: {usd: 0}
diagnostics:
  - {name: recent logs, exec: [/bin/echo, "last log line of {{service}} <ok> & done"]}
steps:
  - {name: restart, exec: [/bin/echo, "restarted {{service}}"], timeout: 10s}
verify:
  - {name: check, exec: [/bin/true]}
"""


@pytest.fixture
def slack():
    f = FakeSlack(CHANNEL)
    yield f
    problems = list(f.problems)
    f.close()
    assert problems == [], "the daemon sent what Slack would refuse:\n" + "\n".join(problems)


@pytest.fixture
def sd(healer, slack):
    """A daemon with the Slack adapter pointed at the fake; waits for the link."""
    def make(**env):
        e = dict(SLACK_APP_TOKEN="xapp-1-A0HEALER-test", SLACK_BOT_TOKEN="xoxb-test-token",
                 SLACK_CHANNEL=CHANNEL, SLACK_API_URL=slack.api_url, HEALER_SLACK_PING_S="1")
        e.update(env)
        d = healer(runbooks={"restart.yaml": RESTART}, policy=POLICY, user="root", **e)
        slack.wait_live()
        return d
    return make


def db_rows(d, sql, *args):
    con = sqlite3.connect("file:%s?mode=ro" % d.db, uri=True, timeout=10)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def api_down(service="api"):
    return am_alert("ApiDown", labels={"service": service, "severity": "warning"})


def blocks_text(m):
    return json.dumps(m["blocks"], ensure_ascii=False)


def button(m, action_id):
    for b in m["blocks"] or []:
        if b["type"] == "actions":
            for e in b["elements"]:
                if e["action_id"] == action_id:
                    return e
    return None


def awaiting_card(slack, key="INC-1"):
    """Waits until the card of `key` offers Approve; returns (ts, message)."""
    return slack.wait(lambda: (lambda c: c if c and button(c[1], "healer_approve") else None)(
        slack.card(key)), "the card of %s with an Approve button" % key)


def click(slack, user, action_id, value, ts, action_ts=None, eid=None):
    payload = {
        "type": "block_actions", "user": {"id": user, "username": user.lower()},
        "api_app_id": "A0HEALER", "trigger_id": "trig-" + uuid.uuid4().hex[:8],
        "response_url": slack.api_url + "response/1",
        "channel": {"id": CHANNEL, "name": "incidents"},
        "container": {"type": "message", "message_ts": ts, "channel_id": CHANNEL},
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b",
                     "value": value, "action_ts": action_ts or "%.6f" % time.time()}]}
    return slack.send(slack.envelope("interactive", payload, eid=eid))


def slash(slack, user, text):
    payload = {"command": "/incident", "text": text, "user_id": user, "user_name": user.lower(),
               "channel_id": CHANNEL, "channel_name": "incidents", "team_id": "T0",
               "response_url": slack.api_url + "response/%s" % uuid.uuid4().hex[:6],
               "trigger_id": "trig-x", "api_app_id": "A0HEALER"}
    eid = slack.send(slack.envelope("slash_commands", payload))
    return slack.wait_ack(eid)[3]


def slash_later(slack, user, text):
    """A slash command whose answer takes longer than the ack may wait (stats): the ack is
    empty and the answer is posted to the command's response_url."""
    hook = "response/%s" % uuid.uuid4().hex[:6]
    payload = {"command": "/incident", "text": text, "user_id": user, "user_name": user.lower(),
               "channel_id": CHANNEL, "channel_name": "incidents", "team_id": "T0",
               "response_url": slack.api_url + hook, "trigger_id": "trig-x",
               "api_app_id": "A0HEALER"}
    eid = slack.send(slack.envelope("slash_commands", payload))
    assert slack.wait_ack(eid)[3] is None
    return slack.wait(lambda: next((c[3] for c in slack.calls if c[1] == hook), None),
                      "the answer on " + hook)


def mention(slack, user, text, ts, event_id=None, eid=None):
    payload = {"type": "event_callback", "event_id": event_id or "Ev" + uuid.uuid4().hex[:10],
               "event": {"type": "app_mention", "user": user, "text": "<@U0HEALER> " + text,
                         "channel": CHANNEL, "ts": ts}}
    return slack.send(slack.envelope("events_api", payload, eid=eid))


def ephemerals(slack, user):
    return [b for b in slack.bodies("chat.postEphemeral") if b["user"] == user]


# ---------------------------------------------------------------- cards and clicks

def test_alert_card_then_approve_runs_and_resolves(sd, slack):
    d = sd()
    d.alert(api_down())
    ts, m = awaiting_card(slack)
    assert m["channel"] == CHANNEL
    assert m["text"].startswith("INC-1 [sev3] awaiting approval: ")
    t = blocks_text(m)
    assert m["blocks"][0]["type"] == "header" and "INC-1" in m["blocks"][0]["text"]["text"]
    for want in ("*State*\\nawaiting approval", "*Resource*\\napi", "*Source*\\nalertmanager",
                 "`restart-api` — Restart the API service", "service=`api`",
                 "1. `restart: /bin/echo 'restarted api'`", "*Approvals:* 0 of 1", "medium"):
        assert want in t, "%s NOT IN %s" % (want, t)
    approve = button(m, "healer_approve")
    assert approve["style"] == "primary"
    assert approve["confirm"]["title"]["text"] == "Approve INC-1?"  # risk medium
    assert button(m, "healer_reject")["style"] == "danger"
    v = d.view("INC-1")
    assert approve["value"] == "1:%d:%d:awaiting_approval" % (v["version"], v["action"]["id"])

    eid = click(slack, "ULEAD1", "healer_approve", approve["value"], ts)
    ack = slack.wait_ack(eid)
    assert ack[3] is None  # block_actions: an empty ack
    v = d.wait_state("INC-1", "resolved")
    assert [(a["user"], a["decision"]) for a in v["approvals"]] == [("slack:ULEAD1", "approve")]

    # the card is updated in place: no buttons, the outcome line
    def final():
        c = slack.card("INC-1")
        return c if c and c[0] == ts and "resolved" in c[1]["text"] else None
    _, m = slack.wait(final, "the card updated to resolved")
    assert button(m, "healer_approve") is None
    assert m["updates"] >= 1
    assert len([c for c in slack.cards() if c[1]["text"].startswith("INC-1 ")]) == 1

    # the thread holds the timeline: detection, diagnostics output, approval, step, outcome
    def thread_done():
        th = "\n".join(r["text"] for r in slack.thread(ts))
        return th if "resolved" in th and "restart" in th else None
    th = slack.wait(thread_done, "the timeline in the thread")
    assert "opened from alertmanager" in th
    assert "```last log line of api &lt;ok&gt; &amp; done```" in th
    # the approver as a mention (Slack shows the name), never the raw id beside it
    assert "*<@ULEAD1>* INC-1: approval 1 of 1 by <@ULEAD1>" in th
    assert "slack:ULEAD1" not in th
    assert "step 'restart' ok" in th
    # every timeline row once, in order
    rows = [r["message"] for r in d.view("INC-1")["timeline"]]
    pos = [th.find(r.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                   .replace("slack:ULEAD1", "<@ULEAD1>"))
           for r in rows]
    assert -1 not in pos and pos == sorted(pos), list(zip(rows, pos))

    # the next time, the card and the thread point at what happened before
    d.alert(am_alert("ApiDown", labels={"service": "api", "severity": "warning"},
                     starts_at="2026-11-23T11:00:00Z"))
    ts2, m2 = awaiting_card(slack, "INC-2")
    assert "*Similar:* INC-1 (resolved)" in blocks_text(m2)
    th2 = slack.wait(lambda: "\n".join(r["text"] for r in slack.thread(ts2))
                     if "Similar incidents" in "".join(r["text"] for r in slack.thread(ts2))
                     else None, "similar incidents in the thread")
    assert "*Similar incidents:*\n• *INC-1* ApiDown on api — " in th2, th2


def test_people_named_from_users_info(sd, slack):
    slack.users["ULEAD1"] = {"name": "lee", "real_name": "Lee Lead",
                             "profile": {"display_name": "lee.lead", "real_name": "Lee Lead"}}
    d = sd()
    d.alert(api_down())
    ts, m = awaiting_card(slack)
    eid = click(slack, "ULEAD1", "healer_approve", button(m, "healer_approve")["value"], ts)
    slack.wait_ack(eid)
    d.wait_state("INC-1", "resolved")
    # asked once, as a read method (form arguments), and kept with the incident's people
    q = slack.wait(lambda: slack.calls_to("users.info"), "users.info")
    assert q[0][3] == {"user": "ULEAD1"}, q
    v = d.wait_for(lambda: (lambda x: x if x["people"] else None)(d.view("INC-1")), "a name")
    assert v["people"] == {"slack:ULEAD1": "lee.lead"}, v["people"]
    assert [a["user"] for a in v["approvals"]] == ["slack:ULEAD1"]  # the record keeps the id
    assert "Approvals: 1 of 1: lee.lead" in d.cli("incidents", "show", "INC-1").stdout
    # a fresh name is not asked again
    d.alert(am_alert("ApiDown", labels={"service": "api", "severity": "warning"},
                     starts_at="2026-11-23T11:00:00Z"))
    ts2, m2 = awaiting_card(slack, "INC-2")
    eid = click(slack, "ULEAD1", "healer_ack", button(m2, "healer_ack")["value"], ts2)
    slack.wait_ack(eid)
    d.wait_for(lambda: d.view("INC-2")["acked_by"], "the ack")
    assert len(slack.calls_to("users.info")) == 1


def test_unauthorised_stale_and_double_clicks(sd, slack):
    d = sd()
    d.alert(api_down())
    ts, m = awaiting_card(slack)
    value = button(m, "healer_approve")["value"]

    # a user with no role: ephemeral refusal naming the roles, audited, nothing changes
    eid = click(slack, "UNOBODY", "healer_approve", value, ts)
    slack.wait_ack(eid)
    eph = slack.wait(lambda: ephemerals(slack, "UNOBODY"), "the ephemeral refusal")
    assert eph[0]["channel"] == CHANNEL
    assert eph[0]["text"].startswith(":no_entry_sign: refused: ")
    assert "engineer" in eph[0]["text"] and "lead" in eph[0]["text"], eph[0]["text"]
    v = d.view("INC-1")
    assert v["state"] == "awaiting_approval" and v["approvals"] == []
    rows = [r for r in d.audit() if r.get("kind") == "approval.refused"]
    assert [r["actor"] for r in rows] == ["slack:UNOBODY"]
    th = slack.wait(lambda: [r for r in slack.thread(ts) if "UNOBODY" in r["text"]],
                    "the refusal in the thread")
    assert th

    # double click (two action_ts) plus Slack redelivering both envelopes: one approval
    e1 = click(slack, "UENG", "healer_approve", value, ts, action_ts="1700000001.000001")
    e2 = click(slack, "UENG", "healer_approve", value, ts, action_ts="1700000001.000002")
    click(slack, "UENG", "healer_approve", value, ts, action_ts="1700000001.000001", eid=e1)
    click(slack, "UENG", "healer_approve", value, ts, action_ts="1700000001.000001")
    for e in (e1, e2):
        slack.wait_ack(e)
    # every delivery is acked, even a duplicate
    slack.wait(lambda: len(slack.acked(e1)) == 2, "the ack of the redelivered envelope")
    v = d.wait_state("INC-1", "resolved")
    assert [(a["user"], a["decision"]) for a in v["approvals"]] == [("slack:UENG", "approve")]
    # the second click was refused privately; the redeliveries did nothing at all
    eph = slack.wait(lambda: ephemerals(slack, "UENG"), "the second click's refusal")
    time.sleep(0.5)
    assert len(ephemerals(slack, "UENG")) == 1, ephemerals(slack, "UENG")
    assert len([r for r in d.audit() if r.get("kind") == "approval.granted"]) == 1

    # the stale card: an Approve from the card as it was before the run
    eid = click(slack, "UADMIN", "healer_approve", value, ts)
    eph = slack.wait(lambda: ephemerals(slack, "UADMIN"), "the stale-card note")
    assert "out of date" in eph[0]["text"], eph[0]["text"]
    assert d.view("INC-1")["state"] == "resolved"


def test_reject_opens_modal_and_needs_a_reason(sd, slack):
    d = sd()
    d.alert(api_down())
    ts, m = awaiting_card(slack)
    value = button(m, "healer_reject")["value"]
    eid = click(slack, "ULEAD2", "healer_reject", value, ts)
    slack.wait_ack(eid)
    opened = slack.wait(lambda: slack.bodies("views.open"), "views.open")[0]
    view = opened["view"]
    assert opened["trigger_id"].startswith("trig-")
    assert view["callback_id"] == "healer_reject"
    assert view["title"]["text"] == "Reject INC-1"
    assert view["private_metadata"] == value + "|" + CHANNEL

    def submission(reason):
        payload = {"type": "view_submission", "user": {"id": "ULEAD2", "name": "lead2"},
                   "trigger_id": "trig-v", "view": {
                       "id": "V1", "callback_id": view["callback_id"],
                       "private_metadata": view["private_metadata"], "hash": "h",
                       "state": {"values": {"reason": {"reason_input": {
                           "type": "plain_text_input", "value": reason}}}}}}
        return slack.wait_ack(slack.send(slack.envelope("interactive", payload)))

    ack = submission("   ")
    assert ack[3]["response_action"] == "errors"
    assert "reason" in ack[3]["errors"] and ack[3]["errors"]["reason"]
    assert d.view("INC-1")["state"] == "awaiting_approval"

    ack = submission("not during the deploy <freeze>")
    assert ack[3] is None  # closes the modal
    v = d.wait_state("INC-1", "rejected")
    assert v["approvals"][0]["user"] == "slack:ULEAD2"
    assert v["approvals"][0]["reason"] == "not during the deploy <freeze>"
    _, m = slack.wait(lambda: (lambda c: c if c and "rejected" in c[1]["text"] else None)(
        slack.card("INC-1")), "the card showing the rejection")
    assert button(m, "healer_approve") is None
    assert "not during the deploy &lt;freeze&gt;" in blocks_text(m)


# ---------------------------------------------------------------- commands

def test_incident_commands_mentions_and_home(sd, slack):
    d = sd()
    d.alert(api_down())
    awaiting_card(slack)

    t = slash(slack, "UENG", "help")["text"]
    assert t.startswith("```") and "approve" in t and "declare" in t
    assert slash(slack, "UENG", "help")["response_type"] == "ephemeral"

    t = slash(slack, "UENG", 'declare “checkout is slow” sev2 service=checkout')["text"]
    assert t == "INC-2 declared: checkout is slow", t
    slack.wait(lambda: slack.card("INC-2"), "the card of the declared incident")

    t = slash(slack, "UENG", "list")["text"]
    assert "INC-1" in t and "INC-2" in t
    t = slash(slack, "UENG", "show INC-1")["text"]
    assert "INC-1" in t and "restart-api" in t
    t = slash(slack, "UENG", "dryrun INC-1")["text"]
    assert "restart: /bin/echo 'restarted api'" in t, t
    assert "&lt;ok&gt; &amp; done" in t  # escaped for mrkdwn
    t = slash(slack, "UENG", "ack INC-1")["text"]
    assert t == "INC-1 acknowledged by slack:UENG"
    t = slash(slack, "UNOBODY", "approve INC-1")["text"]
    assert t.startswith(":no_entry_sign: refused: "), t
    t = slash(slack, "ULEAD1", "reject INC-1 flaky alert")["text"]
    assert t == "INC-1 rejected: flaky alert"
    d.wait_state("INC-1", "rejected")
    t = slash(slack, "UENG", "run restart-api service=web")["text"]
    assert t == ("INC-3: restart-api awaits approval by engineer, lead or admin "
                 "(risk medium, $0.00)"), t
    t = slash(slack, "UENG", "runbooks")["text"]
    assert "restart-api" in t
    answer = slash_later(slack, "UENG", "stats 24h")
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith("```\nStats for the last 24h"), answer
    t = slash(slack, "UENG", "autopilot off")["text"]  # anyone on call may stop it
    assert t == "autopilot switched off by slack:UENG"
    t = slash(slack, "UENG", "autopilot on")["text"]  # only a lead or admin restarts it
    assert t.startswith(":no_entry_sign: refused: "), t
    t = slash(slack, "UADMIN", "autopilot on")["text"]
    assert t == "autopilot switched on by slack:UADMIN"
    t = slash(slack, "UADMIN", "close INC-2")["text"]
    assert t == "INC-2 closed"
    t = slash(slack, "UENG", "frobnicate")["text"]
    assert t.startswith(":no_entry_sign: refused: ")
    t = slash(slack, "UENG", "")["text"]  # bare /incident: help
    assert "approve" in t
    assert [r["actor"] for r in d.audit() if r.get("kind") == "command"].count("slack:UENG") >= 10

    # a long answer goes through response_url, the ack carries nothing
    many = [am_alert("NoRunbook%d" % i, labels={"service": "svc-%02d-%s" % (i, "x" * 30)})
            for i in range(45)]
    d.alert(*many)
    before = len(slack.calls_to("response/"))
    payload = {"command": "/incident", "text": "list", "user_id": "UENG", "channel_id": CHANNEL,
               "response_url": slack.api_url + "response/long"}
    eid = slack.send(slack.envelope("slash_commands", payload))
    assert slack.wait_ack(eid)[3] is None
    r = slack.wait(lambda: [c for c in slack.calls if c[1] == "response/long"],
                   "the long answer on response_url")[0]
    assert r[3]["text"].startswith("```") and "INC-48" in r[3]["text"], r[3]["text"][:200]
    assert len(r[3]["text"]) > 2900
    assert before == 0

    # @healer mentions run the same grammar; answers go in the mention's thread
    mention(slack, "UENG", "show INC-2", ts="1700000500.000100")
    rep = slack.wait(lambda: [b for b in slack.bodies("chat.postMessage")
                              if b.get("thread_ts") == "1700000500.000100"], "the mention reply")
    assert "INC-2" in rep[0]["text"]
    mention(slack, "UNOBODY", "approve INC-3", ts="1700000500.000200")
    slack.wait(lambda: ephemerals(slack, "UNOBODY")[-1:] and
               "refused" in ephemerals(slack, "UNOBODY")[-1]["text"], "mention refusal")

    # App Home lists what is open, with a link to each card (once its reference is stored,
    # just after Slack answered the post: open the tab again until then)
    ts3 = slack.wait(lambda: slack.card("INC-3"), "the card of INC-3")[0]
    link = "https://slack.com/archives/%s/p%s" % (CHANNEL, ts3.replace(".", ""))
    for i in range(20):
        slack.send(slack.envelope("events_api", {
            "type": "event_callback", "event_id": "EvHOME%d" % i,
            "event": {"type": "app_home_opened", "user": "UENG", "tab": "home"}}))
        pub = slack.wait(lambda: slack.bodies("views.publish")[i:], "views.publish")[0]
        home = json.dumps(pub["view"], ensure_ascii=False)
        if link in home:
            break
        time.sleep(0.2)
    assert pub["user_id"] == "UENG" and pub["view"]["type"] == "home"
    assert "*INC-3* · awaiting approval" in home
    assert "*INC-1*" not in home and "*INC-2*" not in home  # rejected and closed
    assert link in home


# ---------------------------------------------------------------- the link

def test_refresh_during_burst_every_envelope_once(sd, slack):
    d = sd()
    first = slack.live()
    eids, n = [], 200
    for i in range(n):
        eids.append(mention(slack, "UBURST", "help", ts="1700001000.%06d" % i,
                            event_id="EvBURST%03d" % i))
        if i == 100:
            slack.disconnect("refresh_requested", first)
    # Slack's own retries: the same envelope again, and the same event in a new envelope
    for i in range(0, 20, 2):
        slack.send(dict(slack.envelope("events_api", {
            "type": "event_callback", "event_id": "EvBURST%03d" % i,
            "event": {"type": "app_mention", "user": "UBURST", "text": "<@U0HEALER> help",
                      "channel": CHANNEL, "ts": "1700001000.%06d" % i}}, eid=eids[i + 1])))
        slack.send(slack.envelope("events_api", {
            "type": "event_callback", "event_id": "EvBURST%03d" % i,
            "event": {"type": "app_mention", "user": "UBURST", "text": "<@U0HEALER> help",
                      "channel": CHANNEL, "ts": "1700001000.%06d" % i}}))
    for e in eids:
        slack.wait_ack(e)
    new = slack.wait_live(after=first.id)
    slack.wait(lambda: first.closed, "the old connection closed after the switch")
    assert new.id > first.id

    def replies():
        r = [b["thread_ts"] for b in slack.bodies("chat.postMessage")
             if b.get("thread_ts", "").startswith("1700001000.")]
        return r if len(r) >= n else None
    r = slack.wait(replies, "a reply to each of the %d mentions" % n, timeout=40)
    time.sleep(0.5)
    r = [b["thread_ts"] for b in slack.bodies("chat.postMessage")
         if b.get("thread_ts", "").startswith("1700001000.")]
    assert sorted(r) == sorted("1700001000.%06d" % i for i in range(n))  # each exactly once
    cmds = [x for x in d.audit() if x.get("kind") == "command" and x.get("actor") == "slack:UBURST"]
    assert len(cmds) == n
    assert "switched to the new connection" in d.log_tail(400)


def test_silent_peer_and_dropped_socket_reconnect(sd, slack):
    d = sd()
    c1 = slack.live()
    slack.silence(c1)  # pings unanswered: hang up after 3 s, reconnect
    t0 = time.monotonic()
    c2 = slack.wait_live(after=c1.id, timeout=15)
    assert time.monotonic() - t0 < 10
    eid = slack.send(slack.envelope("events_api", {"type": "event_callback", "event_id": "EvS1",
                                                   "event": {"type": "reaction_added"}}), c2)
    assert slack.wait_ack(eid)[1] == c2.id
    opens = len(slack.calls_to("apps.connections.open"))
    assert opens >= 2  # a fresh URL for every connection

    slack.drop(c2)  # TCP cut, no close frame
    c3 = slack.wait_live(after=c2.id, timeout=15)
    eid = slack.send(slack.envelope("events_api", {"type": "event_callback", "event_id": "EvS2",
                                                   "event": {"type": "reaction_added"}}), c3)
    assert slack.wait_ack(eid)[1] == c3.id
    assert d.proc.poll() is None


def test_link_disabled_stops_only_slack(sd, slack):
    d = sd()
    slack.disconnect("link_disabled")
    d.wait_for(lambda: "link_disabled" in d.log_tail(200) and "adapter stopped" in d.log_tail(200),
               "the log line saying Slack stopped")
    opens = len(slack.calls_to("apps.connections.open"))
    time.sleep(2)
    assert len(slack.calls_to("apps.connections.open")) == opens  # no retry
    assert d.get("/healthz").status == 200  # the daemon goes on
    d.send("help")
    d.read_until("approve")


def test_invalid_app_token_is_fatal(sd, slack, healer):
    slack.open_error = "invalid_auth"
    e = dict(SLACK_APP_TOKEN="xapp-bad", SLACK_BOT_TOKEN="xoxb-test", SLACK_CHANNEL=CHANNEL,
             SLACK_API_URL=slack.api_url)
    d = healer(runbooks={"restart.yaml": RESTART}, policy=POLICY, **e)
    d.wait_for(lambda: "invalid_auth" in d.log_tail(100) and "not retrying" in d.log_tail(100),
               "the fatal auth log line")
    time.sleep(1.5)
    assert len(slack.calls_to("apps.connections.open")) == 1
    assert "xapp-bad" not in d.log_tail(400)  # tokens are redacted


def test_revoked_bot_token_stops_the_sender(sd, slack):
    d = sd()
    slack.bot_error = "token_revoked"
    d.alert(api_down())
    d.wait_for(lambda: "adapter stopped" in d.log_tail(100) and "token_revoked" in d.log_tail(100),
               "the log line saying the bot token was refused")
    n = len(slack.calls_to("chat.postMessage"))
    time.sleep(1.5)
    assert len(slack.calls_to("chat.postMessage")) == n == 1  # no retries
    assert "SLACK_BOT_TOKEN" in d.log_tail(100)


# ---------------------------------------------------------------- the sender

def test_429_waits_for_retry_after(sd, slack):
    d = sd()
    slack.fail_next("chat.postMessage", 429, {"Retry-After": "2"})
    d.alert(api_down())
    ts, _ = slack.wait(lambda: slack.card("INC-1"), "the card after the 429")
    calls = slack.calls_to("chat.postMessage")
    first_429 = next(c for c in calls if c[4] == 429)
    first_ok = next(c for c in calls if c[4] == 200)
    assert first_ok[0] - first_429[0] >= 1.9, first_ok[0] - first_429[0]
    assert "rate limited" in d.log_tail(200)


def test_not_in_channel_says_what_to_do(sd, slack):
    d = sd()
    slack.fail_next("chat.postMessage", 200, body={"ok": False, "error": "not_in_channel"})
    d.alert(api_down())
    d.wait_for(lambda: "chat.postMessage for INC-1 in C0INCIDENT failed: not_in_channel — "
               "invite @healer to the channel" in d.log_tail(100), "the hint in the log")
    # not dropped: the next change of the incident (or the retry, 30 s on) posts it
    slack.wait(lambda: slack.card("INC-1"), "the card after the refusal")


def test_posts_are_paced_and_updates_coalesce(sd, slack):
    """Burst 3, then 1/s: checked from when the alerts went in, which no post can precede;
    load only delays posts, so the bound holds however slow the machine is."""
    d = sd()
    sent = time.monotonic()  # the fake records calls on this same clock
    d.alert(*[am_alert("Paced%d" % i, labels={"service": "p%d" % i}) for i in range(6)])
    slack.wait(lambda: len(slack.cards()) >= 6, "six cards", timeout=30)
    posts = [c for c in slack.calls_to("chat.postMessage") if c[4] == 200 and
             not (c[3] or {}).get("thread_ts")]
    # one card per incident, each once: the updates queued behind a post passed over for
    # pacing never turn into a second card
    assert sorted(m["text"].split(" ")[0] for _, m in slack.cards()) == \
        ["INC-%d" % i for i in range(1, 7)]
    assert len(posts) == 6
    # in the order the incidents opened: a card passed over for pacing keeps its place
    assert [c[3]["text"].split(" ")[0] for c in posts] == ["INC-%d" % i for i in range(1, 7)]
    # three tokens in the bucket at most, then one a second: the sixth card cannot go out
    # before three seconds after the alerts arrived (a little less for clock rounding)
    assert posts[5][0] - sent >= 2.95, [round(c[0] - sent, 2) for c in posts]
    # each incident had several committed changes; far fewer updates went out
    assert len(slack.calls_to("chat.update")) < 6 * 3


def test_thread_follows_past_200_rows(sd, slack):
    """241 firings of one alert: every row reaches the thread, also those after the 200 a
    view holds (the thread's position is the last audit id delivered, not a row count)."""
    d = sd()
    firings = [am_alert("Flapping", labels={"service": "flap"},
                        starts_at="2026-11-23T10:%02d:%02dZ" % (i // 60, i % 60))
               for i in range(241)]
    for i in range(0, 241, 40):
        d.alert(*firings[i:i + 40])
    ts, _ = slack.wait(lambda: slack.card("INC-1"), "the card")
    assert len(d.view("INC-1")["timeline"]) == 200  # the view holds the newest 200 rows

    def thread_text():
        th = "\n".join(r["text"] for r in slack.thread(ts))
        return th if "(241 occurrences)" in th else None
    th = slack.wait(thread_text, "the 241st firing in the thread", timeout=60)
    for n in range(2, 242):
        assert th.count("alert fired again (%d occurrences)" % n) == 1, n
    rows = db_rows(d, "SELECT count(*) FROM audit WHERE incident_id = 1")[0][0]
    assert rows > 241
    d.wait_for(lambda: db_rows(d, "SELECT last_audit_id FROM chat_refs WHERE adapter = 'slack'")
               == db_rows(d, "SELECT max(id) FROM audit WHERE incident_id = 1"),
               "the thread cursor at the last audit row")


def test_outbox_survives_outage_and_crash(sd, slack):
    d = sd()
    slack.down = True
    d.alert(api_down("api"), api_down("web"))
    slack.wait(lambda: len([c for c in slack.calls_to("chat.postMessage") if c[4] == 503]) >= 1,
               "a failed post during the outage")
    assert slack.cards() == []
    d.kill9()
    slack.down = False
    d.start()
    slack.wait(lambda: slack.card("INC-1") and slack.card("INC-2"), "both cards after restart",
               timeout=30)
    awaiting_card(slack, "INC-1")
    awaiting_card(slack, "INC-2")
    keys = [m["text"].split(" ")[0] for _, m in slack.cards()]
    assert sorted(keys) == ["INC-1", "INC-2"]  # each once
