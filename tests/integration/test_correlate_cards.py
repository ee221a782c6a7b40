"""Related alerts on the cards: each shows the short fingerprint that tells it from the
incident's other alerts, and `split` takes that short form (or any unambiguous prefix) on the
console, Slack and Teams; past ten, "and N more" with the incident's web page. The
correlation index behind the candidate search survives a restart and follows a policy
change."""
import json

from conftest import am_alert, audit_kinds
from fake_botframework import message, post_activity
from test_correlate import LEAD_POLICY, POLICY
from test_slack import CHANNEL as SLACK_CHANNEL, POLICY as SLACK_POLICY  # noqa: F401
from test_slack import blocks_text, slack, slash  # noqa: F401
from test_teams import POLICY as TEAMS_POLICY, bf, card_of, install, texts  # noqa: F401

CORRELATE = POLICY[POLICY.index("correlate:"):]


def alert(name, fp, **labels):
    """A firing alert with a fingerprint of our choosing, so short forms are known."""
    labels.setdefault("severity", "warning")
    a = am_alert(name, labels=labels)
    a["fingerprint"] = fp
    return a


def three(d):
    """INC-1 with two related alerts whose fingerprints share their first nine characters."""
    d.alert(alert("HighErrors", "aaaa1111bbbb2222", service="api"))
    d.alert(alert("HighLatency", "c0ffee0001aaaaaa", service="api", instance="web-1"))
    d.alert(alert("PodRestarts", "c0ffee0002bbbbbb", service="api", instance="web-2"))
    return d.wait_for(lambda: (lambda x: x if len(x["related"]) == 2 else None)(
        d.view("INC-1")), "two related alerts on INC-1")


def test_console_card_shows_short_fingerprints_and_split_takes_them(healer):
    d = healer(policy=LEAD_POLICY, user="lead1")
    three(d)
    d.read_until(r"Related:   2 alert\(s\); split one out with: split INC-1 ID")
    d.read_until(r"c0ffee0001  HighLatency on \S+: firing ×1, joined \d\d:\d\d:\d\d UTC")
    d.read_until(r"c0ffee0002  PodRestarts on \S+: firing ×1")
    d.send("split INC-1 c0f")
    d.read_until(r"cannot split c0f out of INC-1: 'c0f' is too short: type at least 6 "
                 r"characters")
    d.send("split INC-1 c0ffee")
    d.read_until(r"cannot split c0ffee out of INC-1: 'c0ffee' is ambiguous: 2 fingerprints "
                 r"start with it: c0ffee0001 \(HighLatency\), c0ffee0002 \(PodRestarts\)")
    d.send("split INC-1 deadbeef")
    d.read_until(r"the incident has no related alert with that fingerprint \(or starting with "
                 r"it\); related alerts: c0ffee0001 \(HighLatency\), c0ffee0002 \(PodRestarts\)")
    d.send("split INC-1 aaaa1111")
    d.read_until(r"cannot split aaaa1111 out of INC-1: it is the probable cause")
    assert len(d.incidents()) == 1
    d.send("split INC-1 c0ffee0002")
    d.read_until(r"c0ffee0002bbbbbb split out of INC-1 into INC-2")
    assert d.view("INC-2")["fingerprint"] == "c0ffee0002bbbbbb"
    assert [r["fingerprint"] for r in d.view("INC-1")["related"]] == ["c0ffee0001aaaaaa"]
    # one related alert left: eight characters tell it apart again
    d.read_until(r"c0ffee00  HighLatency on")


def test_past_ten_and_more_with_the_web_page(healer):
    d = healer(policy=POLICY, HEALER_PUBLIC_URL="https://healer.example")
    d.alert(alert("HighErrors", "aaaa1111bbbb2222", service="api"))
    for i in range(12):
        d.alert(alert("Noise%d" % i, "b%02d0000000000000" % i, service="api"))
    v = d.wait_for(lambda: (lambda x: x if len(x["related"]) == 12 else None)(
        d.view("INC-1")), "twelve related alerts")
    assert v["url"] == "https://healer.example/ui/incidents/1"
    d.read_until(r"Related:   12 alert\(s\)")
    d.read_until(r"and 2 more: https://healer.example/ui/incidents/1")


def test_slack_card_shows_short_fingerprints_and_split_takes_them(healer, slack):  # noqa: F811
    d = healer(policy=SLACK_POLICY + CORRELATE, user="root",
               SLACK_APP_TOKEN="xapp-1-A0HEALER-test", SLACK_BOT_TOKEN="xoxb-test-token",
               SLACK_CHANNEL=SLACK_CHANNEL, SLACK_API_URL=slack.api_url,
               HEALER_SLACK_PING_S="1")
    slack.wait_live()
    three(d)
    ts, card = slack.wait(lambda: (lambda c: c if c and "c0ffee0002" in blocks_text(c[1])
                                   else None)(slack.card("INC-1")),
                          "the Slack card listing the related alerts")
    text = blocks_text(card)
    assert "*Related alerts (2):* split one out with `split INC-1 ID`" in text, text
    assert "• `c0ffee0001` *HighLatency* on `" in text, text
    assert "`: firing ×1, joined <!date^" in text, text
    answer = slash(slack, "ULEAD1", "split INC-1 c0ffee0001")
    assert "c0ffee0001aaaaaa split out of INC-1 into INC-2" in json.dumps(answer), answer
    d.wait_for(lambda: len(d.incidents()) == 2, "INC-2 split out")
    assert d.view("INC-2")["fingerprint"] == "c0ffee0001aaaaaa"
    assert audit_kinds(d.audit()).count("incident.split") == 2


def test_teams_card_shows_short_fingerprints_and_split_takes_them(healer, bf):  # noqa: F811
    e = bf.env()
    e.setdefault("HEALER_CONSOLE", "0")
    d = healer(policy=TEAMS_POLICY + CORRELATE, **e)
    install(d, bf)
    three(d)

    def listed():
        for a in reversed(bf.sent()):
            c = card_of(a)
            if c is not None and a.get("status", 200) < 300 and "c0ffee0002" in texts(c):
                return c
        return None
    t = texts(d.wait_for(listed, "the Teams card listing the related alerts"))
    assert "**Related alerts (2):** split one out with split INC-1 ID" in t, t
    assert "- c0ffee0001 **HighLatency** on " in t, t
    assert ": firing ×1, joined " in t, t
    n = len(bf.sent())
    st, _ = post_activity(d.port, message(bf, "split INC-1 c0ffee0002", aad="aad-lead"),
                          bf.token())
    assert st == 200
    d.wait_for(lambda: next((a for a in bf.sent()[n:] if "c0ffee0002bbbbbb split out of INC-1 "
                             "into INC-2" in a["body"].get("text", "")), None), "the reply")
    assert d.view("INC-2")["fingerprint"] == "c0ffee0002bbbbbb"


def test_index_survives_restart_and_follows_the_policy(healer):
    d = healer(policy=POLICY)
    d.alert(alert("HighErrors", "aaaa1111bbbb2222", service="api", pod="api-7"))
    d.wait_for(lambda: d.incidents(), "INC-1")
    d.stop()
    d.start()
    d.alert(alert("HighLatency", "c0ffee0001aaaaaa", service="api"))
    d.wait_for(lambda: d.view("INC-1")["related"], "HighLatency joined INC-1 after a restart")
    # a policy whose only rule is on the pod label: the index is rebuilt for it at start,
    # so the incident opened before the change is found by its pod
    pol = (d.runbooks / "policy.yaml").read_text()
    (d.runbooks / "policy.yaml").write_text(
        pol[:pol.index("correlate:")] + "correlate:\n  - keys: [pod]\n    window: 10m\n")
    d.stop()
    d.start()
    assert "correlation index rebuilt for 1 rule(s)" in d.log_tail(200)
    d.alert(alert("DiskFull", "d00d0001d00d0001", service="db", pod="api-7"))
    v = d.wait_for(lambda: (lambda x: x if len(x["related"]) == 2 else None)(d.view("INC-1")),
                   "DiskFull joined INC-1 by its pod")
    assert [r["alertname"] for r in v["related"]] == ["HighLatency", "DiskFull"]
    # the service rule is gone: same service, no pod, its own incident
    d.alert(alert("QueueBacklog", "d00d0002d00d0002", service="api"))
    d.wait_for(lambda: len(d.incidents()) == 2, "QueueBacklog opened INC-2")


def test_web_page_shows_whole_fingerprints(healer):
    from webui import LINK_KEY, get, sign_in
    d = healer(policy=POLICY, user="root", HEALER_LINK_KEY=LINK_KEY)
    three(d)
    r = get(d, "/ui/incidents/1", sign_in(d))
    assert r.status == 200
    assert '<code class="fp"><b>c0ffee0001</b>aaaaaa</code>' in r.text, r.text
    assert '<code class="fp"><b>c0ffee0002</b>bbbbbb</code>' in r.text
    assert "<code>split INC-1 ID</code>" in r.text


def test_mail_text_and_html_show_short_fingerprints(healer):
    from test_email import POLICY as MAIL_POLICY, SCALE, Smtp, mail_env, parts
    smtp = Smtp()
    try:
        d = healer(runbooks={"scale.yaml": SCALE}, policy=MAIL_POLICY + CORRELATE,
                   user="root", **mail_env(smtp))
        d.alert(alert("WebSlow", "aaaa1111bbbb2222", service="web"))
        d.wait_state("INC-1", "awaiting_approval")
        d.alert(alert("HighLatency", "c0ffee0001aaaaaa", service="web", instance="web-1"))
        d.alert(alert("PodRestarts", "c0ffee0002bbbbbb", service="web", instance="web-2"))
        d.wait_for(lambda: len(d.view("INC-1")["related"]) == 2, "two related alerts")
        d.send("approve INC-1")
        # the fix verified, the incident waits for its related alerts to clear
        d.wait_for(lambda: d.view("INC-1")["wait_until"], "the wait for related alerts")
        for name, fp, inst in (("HighLatency", "c0ffee0001aaaaaa", "web-1"),
                               ("PodRestarts", "c0ffee0002bbbbbb", "web-2")):
            cleared = alert(name, fp, service="web", instance=inst)
            cleared.update(status="resolved", endsAt=cleared["startsAt"].replace("10:", "11:"))
            d.alert(cleared)
        d.wait_state("INC-1", "resolved")
        text, htm = parts(smtp.wait("team@example.com")[0])
        assert "c0ffee0001  HighLatency on " in text, text
        assert "c0ffee0002  PodRestarts on " in text, text
        assert '<code class="fp">c0ffee0001</code></td><td>HighLatency</td>' in htm, htm
        assert "c0ffee0001aaaaaa" not in htm
    finally:
        smtp.close()
