"""The Teams adapter against a fake Bot Framework: installation stores the conversation, an
alert posts an Adaptive Card, Action.Execute approves/rejects as teams:<aadObjectId> with the
refreshed card in the invoke answer, the card is updated in place and the timeline follows in
its thread; @mention commands; every token rule refuses with nothing changed; a throttled
connector is retried; the notify-only webhook; anonymous local development."""
import json
import sqlite3
import threading
import time

import pytest

from conftest import am_alert
from fake_botframework import (CHANNEL, FakeBotFramework, installed, invoke, message,
                               post_activity, submit)

RESTART = """\
id: restart-service
title: Restart a stuck service
match:
  - labels: {alertname: ServiceDown}
params:
  service: {from: labels.service, pattern: '^[a-z0-9@._-]{1,64}$', required: true}
risk: medium
cost: {usd: 0}
diagnostics:
  - {name: recent logs, exec: [/bin/echo, "logs of {{service}}"]}
steps:
  - {name: restart, exec: [/bin/echo, "restarted {{service}}"]}
verify:
  - {name: check, exec: [/bin/true]}
"""

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
  admin:    ["teams:aad-admin"]
  lead:     ["teams:aad-lead"]
  engineer: ["teams:aad-eve"]
"""

CARD_TYPE = "application/vnd.microsoft.card.adaptive"


@pytest.fixture
def bf():
    f = FakeBotFramework()
    yield f
    f.close()


def start(healer, bf, **env):
    e = bf.env()
    e.update(env)
    e.setdefault("HEALER_CONSOLE", "0")
    return healer(runbooks={"restart.yaml": RESTART}, policy=POLICY, **e)


def service_down(service="api"):
    return am_alert("ServiceDown", labels={"service": service, "severity": "warning"})


def card_of(activity):
    """The Adaptive Card content of a recorded connector activity, or None."""
    for a in activity["body"].get("attachments") or []:
        if a.get("contentType") == CARD_TYPE:
            return a["content"]
    return None


def texts(card):
    """Every TextBlock/fact string in a card, flattened."""
    out = []

    def walk(j):
        if isinstance(j, dict):
            for k in ("text", "value", "title"):
                if isinstance(j.get(k), str):
                    out.append(j[k])
            for v in j.values():
                walk(v)
        elif isinstance(j, list):
            for v in j:
                walk(v)
    walk(card)
    return "\n".join(out)


def header(card):
    return card["body"][0]["items"][0]["text"]


def action(card, verb):
    for a in card.get("actions") or []:
        if a.get("verb") == verb:
            return a
        sub = a.get("card", {}).get("actions") or []
        for s in sub:
            if s.get("verb") == verb:
                return s
    return None


def install(d, bf):
    st, body = post_activity(d.port, installed(bf), bf.token())
    assert st == 200, body


def wait_card(d, bf, pred, desc):
    """The latest card for the channel that satisfies pred (POST or PUT)."""
    def find():
        for a in reversed(bf.sent()):
            c = card_of(a)
            if c is not None and a.get("status", 200) < 300 and pred(c):
                return a
        return None
    return d.wait_for(find, desc)


def thread_replies(bf):
    return [a for a in bf.sent("POST") if a["body"].get("replyToId") and card_of(a) is None
            and a.get("status", 200) < 300]


def db_rows(d, sql, *args):
    con = sqlite3.connect("file:%s?mode=ro" % d.db, uri=True, timeout=10)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def metric(d, name, labels):
    text = d.get("/metrics").text
    for ln in text.splitlines():
        if ln.startswith("%s{%s} " % (name, labels)):
            return float(ln.split()[-1])
    return 0.0


# ---------------------------------------------------------------- the main path

def test_install_alert_approve_thread_resolved(healer, bf):
    d = start(healer, bf)
    install(d, bf)
    rows = db_rows(d, "SELECT conversation_id, endpoint, tenant_id, conversation_type, name"
                      " FROM chat_conversations WHERE transport = 'teams'")
    assert rows == [(CHANNEL, bf.service_url, "tenant-0001", "channel", "Operations")]
    assert any(r["kind"] == "teams.installed" for r in d.audit())

    d.alert(service_down())
    d.wait_state("INC-1", "awaiting_approval")
    posted = wait_card(d, bf, lambda c: "awaiting approval" in header(c) and action(c, "approve"),
                       "the awaiting card")
    card = card_of(posted)
    assert posted["conv"] == CHANNEL
    assert posted["auth"] == "Bearer bot-token-1"
    assert header(card) == "🟠 INC-1 · SEV3 · awaiting approval" or "INC-1" in header(card)
    assert card["version"] == "1.5" and card["msteams"] == {"width": "Full"}
    t = texts(card)
    for want in ("Restart a stuck service", "$0.00 (fixed $0.00)", "**Risk:**", "needs 1",
                 "recent logs", "logs of api"):
        assert want in t, (want, t)
    # cost, risk and the decision right under the header
    top = card["body"][1]["items"]
    assert top[0]["text"].startswith("**Risk:** ") and top[0]["color"] in ("good", "warning"), top
    assert [f["title"] for f in top[1]["facts"]] == ["Cost", "Decision"], top
    assert [a["title"] for a in card["actions"]] == ["Approve", "Reject", "Dry run", "Acknowledge"]
    # the token came by client credentials for the Bot Framework scope
    form = bf.token_requests[0]
    assert form["grant_type"] == ["client_credentials"]
    assert form["client_id"] == [bf.app_id]
    assert form["client_secret"] == ["fake-app-password-123"]
    assert form["scope"] == ["https://api.botframework.com/.default"]
    card_id = next(a["id"] for a in bf.sent("POST") if card_of(a) and a["conv"] == CHANNEL)
    # the timeline is a reply in the card's thread
    d.wait_for(lambda: [r for r in thread_replies(bf)
                        if r["conv"] == "%s;messageid=%s" % (CHANNEL, card_id)
                        and r["body"]["replyToId"] == card_id
                        and "opened" in r["body"]["text"]], "the timeline in the thread")

    # someone without a role: refused on the card the clicker gets back, nothing changes
    data = action(card, "approve")["data"]
    st, body = post_activity(d.port, invoke(bf, "approve", data, aad="aad-nobody"), bf.token())
    assert st == 200, body
    assert body["statusCode"] == 200 and body["type"] == CARD_TYPE, body
    notice = body["value"]["body"][1]["items"][0]
    assert "approve needs role" in notice["text"] and notice["color"] == "attention", notice
    assert action(body["value"], "approve") is not None  # still awaiting: they may ask a lead
    v = d.view("INC-1")
    assert v["state"] == "awaiting_approval" and v["approvals"] == []
    refused = [r for r in d.audit() if r["kind"] == "approval.refused"]
    assert refused and refused[-1]["actor"] == "teams:aad-nobody"

    # the engineer approves: the answer is the refreshed card
    st, body = post_activity(d.port, invoke(bf, "approve", data, aad="aad-eve",
                                            name="Eve <Eng>"), bf.token())
    assert st == 200, body
    assert body["statusCode"] == 200 and body["type"] == CARD_TYPE, body
    assert "INC-1" in header(body["value"])
    assert action(body["value"], "approve") is None  # no longer awaiting
    v = d.wait_state("INC-1", "resolved")
    assert [(a["user"], a["decision"]) for a in v["approvals"]] == [("teams:aad-eve", "approve")]

    # the card in the channel is updated in place to the outcome, without buttons
    upd = wait_card(d, bf, lambda c: "resolved" in header(c), "the resolved card")
    assert upd["method"] == "PUT" and upd["activity_id"] == card_id
    assert "actions" not in card_of(upd)
    assert "**Outcome:**" in texts(card_of(upd))
    assert len([a for a in bf.sent("POST") if card_of(a)]) == 1  # one card, updated
    # people by the name Teams gave (escaped), not their AAD object id; the audit keeps the id
    line = d.wait_for(lambda: next((r["body"]["text"] for r in thread_replies(bf)
                                    if "approval 1 of 1 by" in r["body"]["text"]), None),
                      "the approval in the thread")
    assert "Eve &lt;Eng&gt; — INC-1: approval 1 of 1 by Eve &lt;Eng&gt;" in line, line
    assert "teams:aad-eve" not in line, line
    assert any(r["actor"] == "teams:aad-eve" and r["kind"] == "approval.granted"
               for r in d.audit())
    assert v["people"]["teams:aad-eve"] == "Eve <Eng>", v["people"]
    assert "Approvals: 1 of 1: Eve <Eng>" in d.cli("incidents", "show", "INC-1").stdout
    # the token was fetched once and reused
    assert len(bf.token_requests) == 1


def test_installation_audited_once(healer, bf):
    """Teams announces one installation twice (conversationUpdate with the bot among
    membersAdded, then installationUpdate "add") and may redeliver either: one audit row."""
    d = start(healer, bf)
    install(d, bf)
    upd = installed(bf)
    upd["type"] = "installationUpdate"
    upd["action"] = "add"
    del upd["membersAdded"]
    st, body = post_activity(d.port, upd, bf.token())
    assert st == 200, body
    install(d, bf)  # a redelivery
    rows = [r for r in d.audit() if r["kind"] == "teams.installed"]
    assert len(rows) == 1, rows
    assert "Operations" in rows[0]["message"]
    # a changed reference (the channel renamed) is news: audited again
    renamed = installed(bf)
    renamed["channelData"]["team"]["name"] = "Ops on call"
    st, body = post_activity(d.port, renamed, bf.token())
    assert st == 200, body
    rows = [r for r in d.audit() if r["kind"] == "teams.installed"]
    assert len(rows) == 2 and "Ops on call" in rows[1]["message"], rows


def test_reject_with_reason_and_stale_click(healer, bf):
    d = start(healer, bf)
    install(d, bf)
    d.alert(service_down())
    d.wait_state("INC-1", "awaiting_approval")
    card = card_of(wait_card(d, bf, lambda c: action(c, "reject"), "the card"))
    data = dict(action(card, "reject")["data"])

    # Dry run: the plan on the card in the answer, nothing run, nothing changed
    st, body = post_activity(d.port, invoke(bf, "dryrun", action(card, "dryrun")["data"],
                                            aad="aad-eve"), bf.token())
    assert st == 200 and body["type"] == CARD_TYPE, body
    t = texts(body["value"])
    assert "**Dry run** — nothing was executed:" in t and "restarted" in t, t
    assert action(body["value"], "approve") is not None
    v = d.view("INC-1")
    assert v["state"] == "awaiting_approval" and v["approvals"] == []
    assert [r["phase"] for r in v["step_runs"]] == ["diagnostic"]

    # the reason is required (Teams checks it too; the daemon does not rely on that)
    st, body = post_activity(d.port, invoke(bf, "reject", data, aad="aad-lead"), bf.token())
    assert body["statusCode"] == 400 and "a reason is required" in body["value"]["message"]
    assert d.view("INC-1")["state"] == "awaiting_approval"

    data["reason"] = "not during the <b>sale</b>"
    st, body = post_activity(d.port, invoke(bf, "reject", data, aad="aad-lead"), bf.token())
    assert st == 200 and body["type"] == CARD_TYPE, body
    assert "rejected" in header(body["value"])
    v = d.wait_state("INC-1", "rejected")
    assert v["approvals"][0]["user"] == "teams:aad-lead"
    assert v["approvals"][0]["decision"] == "reject"
    assert v["approvals"][0]["reason"] == "not during the <b>sale</b>"

    # a click on the old card: refused, answered with the fresh card and why
    approve = action(card, "approve")["data"]
    st, body = post_activity(d.port, invoke(bf, "approve", approve, aad="aad-admin"), bf.token())
    assert body["type"] == CARD_TYPE, body
    assert "this card is out of date" in texts(body["value"])
    assert "rejected" in header(body["value"])
    assert d.view("INC-1")["state"] == "rejected"
    assert len(d.view("INC-1")["approvals"]) == 1


def test_mention_commands_and_submit(healer, bf):
    d = start(healer, bf)
    install(d, bf)
    d.alert(service_down())
    d.wait_state("INC-1", "awaiting_approval")
    n0 = len(bf.sent())

    def reply_after(n, pred, desc):
        return d.wait_for(lambda: next((a for a in bf.sent()[n:]
                                        if a["body"].get("replyToId") and pred(a)), None), desc)

    msg = message(bf, "list")
    st, _ = post_activity(d.port, msg, bf.token())
    assert st == 200
    r = reply_after(n0, lambda a: "INC-1" in a["body"].get("text", ""), "the list reply")
    assert r["body"]["replyToId"] == msg["id"] and r["conv"] == CHANNEL
    assert r["activity_id"] == msg["id"]

    n1 = len(bf.sent())
    st, _ = post_activity(d.port, message(bf, "show INC-1"), bf.token())
    reply_after(n1, lambda a: card_of(a) and "INC-1" in header(card_of(a)), "the show card")

    # unauthorised typed approve: a refusal reply, nothing changes
    n2 = len(bf.sent())
    st, _ = post_activity(d.port, message(bf, "approve INC-1", aad="aad-nobody"), bf.token())
    reply_after(n2, lambda a: a["body"].get("text", "").startswith("refused: approve needs role"),
                "the refusal")
    assert d.view("INC-1")["approvals"] == []

    # Action.Submit from an older client routes like the button
    card = card_of(wait_card(d, bf, lambda c: action(c, "ack"), "the card"))
    value = dict(action(card, "ack")["fallback"]["data"])
    assert value["verb"] == "ack"
    st, _ = post_activity(d.port, submit(bf, value, aad="aad-eve"), bf.token())
    assert st == 200
    d.wait_for(lambda: d.view("INC-1")["acked_by"] == "teams:aad-eve", "the ack")

    # the @mention approve by the engineer
    n3 = len(bf.sent())
    st, _ = post_activity(d.port, message(bf, "approve INC-1", aad="aad-eve"), bf.token())
    reply_after(n3, lambda a: "approval 1 of 1 by teams:aad-eve" in a["body"].get("text", ""),
                "the approval reply")
    d.wait_state("INC-1", "resolved")
    # personal chat: plain text, no mention
    n4 = len(bf.sent())
    st, _ = post_activity(d.port, message(bf, "help", conv="a:personal-1", mention=False),
                          bf.token())
    reply_after(n4, lambda a: a["conv"] == "a:personal-1" and "approve ID" in a["body"]["text"],
                "help in personal chat")


# ---------------------------------------------------------------- tokens

def test_token_rules_refuse_and_change_nothing(healer, bf):
    bf.issuer.add_key("skype-only", endorsements=["skype"])
    bf.issuer.add_key("never-published", published=False)
    d = start(healer, bf)
    install(d, bf)
    d.alert(service_down())
    d.wait_state("INC-1", "awaiting_approval")
    card = card_of(wait_card(d, bf, lambda c: action(c, "approve"), "the card"))
    data = action(card, "approve")["data"]
    now = int(time.time())
    c = lambda **o: bf.issuer.claims(bf.app_id, bf.service_url, **o)  # noqa: E731
    cases = [
        ("expired", 401, "expired", bf.issuer.mint(c(exp=now - 400, nbf=now - 4000))),
        ("not yet valid", 401, "not_yet_valid", bf.issuer.mint(c(nbf=now + 400))),
        ("wrong audience", 401, "audience", bf.issuer.mint(c(aud="someone-else"))),
        ("wrong issuer", 401, "issuer", bf.issuer.mint(c(iss="https://sts.example.com"))),
        ("unknown kid", 401, "unknown_kid", bf.issuer.mint(c(), kid="never-published")),
        ("bad signature", 401, "signature",
         bf.issuer.mint(c(), kid=bf.issuer.default_kid, sign_with="never-published")),
        ("missing endorsement", 403, "endorsement", bf.issuer.mint(c(), kid="skype-only")),
        ("mismatched serviceUrl", 403, "service_url",
         bf.issuer.mint(c(serviceurl="https://smba.evil.example/"))),
    ]
    before = len(bf.sent())
    for name, status, reason, token in cases:
        for act in (invoke(bf, "approve", data, aad="aad-admin"),
                    message(bf, "approve INC-1", aad="aad-admin"),
                    installed(bf, conv="19:other@thread.tacv2")):
            st, body = post_activity(d.port, act, token)
            assert st == status, (name, st, body)
            assert isinstance(body, dict) and "error" in body, (name, body)
        assert metric(d, "healer_teams_auth_failures_total", 'reason="%s"' % reason) == 3, name
    # a large token (headers up to 16 KB) is fine when it is valid
    st, body = post_activity(d.port, message(bf, "runbooks", aad="aad-admin"),
                             bf.issuer.mint(c(pad="x" * 9000)))
    assert st == 200, body
    st, body = post_activity(d.port, invoke(bf, "approve", data), None)
    assert st == 401
    st, body = post_activity(d.port, invoke(bf, "approve", data), None, raw_auth="Basic Zm9v")
    assert st == 401
    assert metric(d, "healer_teams_auth_failures_total", 'reason="missing"') == 2
    # nothing processed: no approval, no reply, no stored conversation
    v = d.view("INC-1")
    assert v["state"] == "awaiting_approval" and v["approvals"] == []
    assert not any(r["actor"] == "teams:aad-admin" and r["kind"] != "command"
                   for r in d.audit())
    assert db_rows(d, "SELECT count(*) FROM chat_conversations") == [(1,)]
    time.sleep(1.0)
    sent = bf.sent()[before:]
    assert len(sent) == 1 and "restart-service" in sent[0]["body"]["text"], sent  # runbooks

    # a rotated key appears in the JWKS: fetched on first sight of its kid and accepted
    # (unknown kids refetch at most every 5 s, so the fetch at start must be that old)
    time.sleep(5.5)
    fetches = bf.key_fetches
    bf.issuer.add_key("rotated-2")
    st, body = post_activity(d.port, invoke(bf, "approve", data, aad="aad-admin"),
                             bf.issuer.mint(c(), kid="rotated-2"))
    assert st == 200 and body["type"] == CARD_TYPE, body
    assert bf.key_fetches == fetches + 1
    d.wait_state("INC-1", "resolved")


def test_unknown_kids_cannot_park_requests(healer, bf):
    """The kid is the sender's choice before anything is authenticated: only the first unknown
    kid in a 5 s window waits for one key refetch; the others are refused at once."""
    bf.issuer.add_key("never-published", published=False)
    d = start(healer, bf)
    install(d, bf)
    time.sleep(5.5)  # the fetch at start must be older than the refetch window
    fetches, requests = bf.key_fetches, bf.key_requests
    bf.keys_gate = threading.Event()  # the refetch hangs until the test lets it answer
    c = bf.issuer.claims(bf.app_id, bf.service_url)
    bad = bf.issuer.mint(c, kid="never-published")
    first = {}
    t = threading.Thread(target=lambda: first.update(
        r=post_activity(d.port, message(bf, "help"), bad, timeout=40)))
    t.start()
    try:
        d.wait_for(lambda: bf.key_requests == requests + 1, "the refetch for the first kid")
        # answered while that refetch is still under way: a parked request would be answered
        # only once the daemon gives up on the fetch (a failed fetch, the first one answered)
        for kid in ("never-published", "made-up-1", "made-up-2", "made-up-3"):
            token = bf.issuer.mint(c, kid=kid, sign_with="never-published")
            st, body = post_activity(d.port, message(bf, "help"), token, timeout=30)
            assert st == 401 and "not in the JWKS" in body["error"], (kid, st, body)
        # a "crit" header is refused before its kid could ask for keys
        st, body = post_activity(d.port, message(bf, "help"),
                                 bf.issuer.mint(c, kid="never-published",
                                                extra_header={"crit": ["exp"]}), timeout=30)
        assert st == 401 and "crit" in body["error"], body
        assert metric(d, "healer_teams_auth_failures_total", 'reason="crit"') == 1
        assert metric(d, "healer_teams_key_fetches_total", 'result="failed"') == 0
        assert "r" not in first
    finally:
        bf.keys_gate.set()
        t.join(45)
    assert first["r"][0] == 401, first
    assert bf.key_fetches == fetches + 1
    # right after a fetch, an unknown kid is answered with the keys in hand: no new fetch
    bf.keys_gate = None
    st, body = post_activity(d.port, message(bf, "help"), bad, timeout=10)
    assert st == 401, body
    assert bf.key_requests == requests + 1
    assert metric(d, "healer_teams_auth_failures_total", 'reason="unknown_kid"') == 6


def test_card_action_ids_must_be_integers(healer, bf):
    """An incident id that is not a positive integer names no incident (1.5 is not INC-1)."""
    d = start(healer, bf)
    install(d, bf)
    d.alert(service_down())
    d.wait_state("INC-1", "awaiting_approval")
    card = card_of(wait_card(d, bf, lambda c: action(c, "approve"), "the card"))
    data = action(card, "approve")["data"]
    for bad in (1.5, 1e300, -1e300, "INC-99999999999999999999"):
        st, body = post_activity(d.port, invoke(bf, "approve", dict(data, incident=bad),
                                                aad="aad-admin"), bf.token())
        assert st == 200, (bad, body)
        assert body["statusCode"] == 400, (bad, body)
        assert body["value"]["message"] == "the card action names no incident", (bad, body)
    v = d.view("INC-1")
    assert v["state"] == "awaiting_approval" and v["approvals"] == [], v


# ---------------------------------------------------------------- delivery

def test_connector_429_is_retried(healer, bf):
    d = start(healer, bf)
    install(d, bf)
    bf.fail_next(429, count=1, retry_after=1)
    d.alert(service_down())
    wait_card(d, bf, lambda c: "INC-1" in header(c), "the card after the 429")
    first = bf.sent()[0]
    assert first["status"] == 429 and card_of(first) is not None
    ok = [a for a in bf.sent() if card_of(a) and a["status"] < 300]
    assert ok[0]["method"] == "POST"
    assert metric(d, "healer_teams_sends_total", 'result="retry"') >= 1
    d.wait_state("INC-1", "awaiting_approval")
    wait_card(d, bf, lambda c: "awaiting approval" in header(c), "the awaiting card")
    assert len([a for a in bf.sent("POST") if card_of(a) and a["status"] < 300]) == 1


def test_explicit_channel(healer, bf):
    conv = "19:configured@thread.tacv2"
    d = start(healer, bf, TEAMS_CONVERSATION_ID=conv, TEAMS_SERVICE_URL=bf.service_url)
    d.alert(service_down())
    wait_card(d, bf, lambda c: "INC-1" in header(c), "the card")
    posted = next(a for a in bf.sent("POST") if card_of(a))
    assert posted["conv"] == conv and posted["status"] == 201
    d.wait_for(lambda: any(r["conv"] == "%s;messageid=%s" % (conv, posted["id"])
                           for r in thread_replies(bf)), "the thread reply")


def test_webhook_notify_only(healer, bf):
    d = healer(runbooks={"restart.yaml": RESTART}, policy=POLICY, HEALER_CONSOLE="0",
               TEAMS_WEBHOOK_URL=bf.base + "/webhook")
    d.alert(service_down())
    d.wait_state("INC-1", "awaiting_approval")
    d.wait_for(lambda: any("awaiting approval" in header(p["attachments"][0]["content"])
                           for p in bf.webhook_posts), "the webhook card")
    for p in bf.webhook_posts:
        assert p["type"] == "message"
        att = p["attachments"][0]
        assert att["contentType"] == CARD_TYPE and "contentUrl" in att
        assert "actions" not in att["content"]
        assert len(json.dumps(p).encode()) <= 28 * 1024
    # one card per state, not per change
    states = [header(p["attachments"][0]["content"]) for p in bf.webhook_posts]
    assert len(states) == len(set(states)), states
    assert bf.sent() == [] and bf.token_requests == []
    st, _ = post_activity(d.port, message(bf, "list"), bf.token())
    assert st == 404  # no bot registration: no messaging endpoint


def test_anonymous_local_development(healer, bf):
    d = healer(runbooks={"restart.yaml": RESTART}, policy=POLICY, HEALER_CONSOLE="0",
               TEAMS_ALLOW_ANONYMOUS="1")
    assert "WITHOUT any token check" in d.log_tail(200)
    st, _ = post_activity(d.port, installed(bf), None)
    assert st == 200
    msg = message(bf, "help")
    st, _ = post_activity(d.port, msg, None)
    assert st == 200
    r = d.wait_for(lambda: next((a for a in bf.sent() if a["body"].get("replyToId") == msg["id"]),
                                None), "the reply")
    assert r["auth"] is None  # no token either way
    assert bf.token_requests == []


def test_anonymous_refused_with_app_id(healer, bf):
    d = start(healer, bf, TEAMS_ALLOW_ANONYMOUS="1")
    assert "TEAMS_ALLOW_ANONYMOUS is ignored" in d.log_tail(200)
    st, _ = post_activity(d.port, message(bf, "help"), None)
    assert st == 401


def test_malformed_activity_refused_and_nothing_stored(healer, bf):
    """A validly signed request whose body is not an activity gets a 400 that says so; one
    nested past the parser's depth cap too; nothing is stored and the daemon keeps going."""
    import http.client
    d = start(healer, bf)
    for body in (b"{not json", b"[1, 2, 3]", b'{"a":' * 40 + b"1" + b"}" * 40):
        c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=15)
        c.request("POST", "/api/messages", body=body,
                  headers={"Content-Type": "application/json",
                           "Authorization": "Bearer " + bf.token()})
        r = c.getresponse()
        err = json.loads(r.read())
        c.close()
        assert r.status == 400, (body[:20], r.status, err)
        assert err == {"error": "the activity is not a JSON object"}, err
    assert d.incidents() == []
    assert not bf.sent("POST")
    st, _ = post_activity(d.port, installed(bf), bf.token())
    assert st == 200
