"""Incident mail through a real SMTP server (aiosmtpd on loopback): routes, MIME, threading,
signed approval links that only open a confirmation page, and delivery that survives an
SMTP outage and a restart."""
import email
import email.policy
import html
import re
import socket
import threading
import time
import urllib.parse

import pytest
from aiosmtpd.controller import Controller

from conftest import am_alert, WAIT_S

LINK_KEY = "k" * 40

SCALE = """\
id: scale-web
title: Add web capacity
match:
  - labels: {alertname: WebSlow}
params:
  service: {from: labels.service, pattern: '^[a-z0-9@._-]{1,64}$', required: true}
risk: medium
cost: {usd: 0}
diagnostics:
  - {name: load, exec: [/bin/echo, "load of {{service}}: 9.5"]}
steps:
  - {name: scale, exec: ["@PY@", "@BIN@/flag.py", set, "@TMP@/scaled"]}
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
approval_ttl: @TTL@
limits: {max_runs_per_hour: 100, max_concurrent: 10, cooldown_per_resource: 0s}
freeze: []
roles:
  admin:    ["console:root"]
  lead:     ["console:lead1"]
  engineer: ["email:oncall@example.com", "email:eng2@example.com"]
mail:
  routes:
    - to: [oncall@example.com, eng2@example.com, watcher@example.com]
      states: [awaiting_approval, failed]
    - to: [team@example.com]
      states: [resolved]
"""


class Smtp:
    """Records every message; rejects listed recipients with 550; can go down and up."""

    def __init__(self):
        self.messages = []  # (rcpt, email.message.Message)
        self.reject = set()
        self.lock = threading.Lock()
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.ctl = None
        self.up()

    def up(self):
        smtp = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if address in smtp.reject:
                    return "550 5.1.1 no such user"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                msg = email.message_from_bytes(envelope.original_content or envelope.content,
                                               policy=email.policy.default)
                with smtp.lock:
                    for r in envelope.rcpt_tos:
                        smtp.messages.append((r, msg))
                return "250 queued"

        self.ctl = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.ctl.start()

    def down(self):
        self.ctl.stop()
        self.ctl = None

    def close(self):
        if self.ctl:
            self.down()

    def to(self, rcpt):
        with self.lock:
            return [m for r, m in self.messages if r == rcpt]

    def wait(self, rcpt, n=1, match=None):
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            ms = [m for m in self.to(rcpt) if match is None or match in str(m["Subject"])]
            if len(ms) >= n:
                return ms
            time.sleep(0.1)
        pytest.fail("no mail #%d to %s (%s) within %d s; got %r" % (
            n, rcpt, match, WAIT_S, [(r, str(m["Subject"])) for r, m in self.messages]))


@pytest.fixture
def smtp():
    s = Smtp()
    yield s
    s.close()


def mail_env(smtp, d_extra=None):
    e = {"HEALER_SMTP_URL": "smtp://127.0.0.1:%d" % smtp.port, "HEALER_SMTP_TLS": "none",
         "HEALER_MAIL_FROM": "healer@example.com", "HEALER_LINK_KEY": LINK_KEY,
         "HEALER_PUBLIC_URL": "http://healer.example.com"}
    e.update(d_extra or {})
    return e


def parts(msg):
    text = msg.get_body(preferencelist=("plain",)).get_content()
    htm = msg.get_body(preferencelist=("html",)).get_content()
    return text, htm


def links(msg):
    """{label: path-with-query} from the text part."""
    text, _ = parts(msg)
    out = {}
    for label, url in re.findall(r"(?m)^(Approve|Reject|Dry run|Open): (\S+)$", text):
        u = urllib.parse.urlsplit(url)
        assert u.netloc == "healer.example.com", url
        out[label] = u.path + "?" + u.query
    return out


def form_fields(page):
    return {k: html.unescape(v) for k, v in
            re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page)}


def post_form(d, fields):
    body = urllib.parse.urlencode(fields)
    return d.request("POST", "/ui/act", body, token=None,
                     headers={"Content-Type": "application/x-www-form-urlencoded"})


def web_slow(title_service="web"):
    return am_alert("WebSlow", labels={"service": title_service, "severity": "warning"})


def start(healer, smtp, **kw):
    d = healer(runbooks={"scale.yaml": SCALE}, policy=POLICY, **mail_env(smtp), **kw)
    d.alert(web_slow())
    d.wait_state("INC-1", "awaiting_approval")
    return d


def test_mail_and_link_approve(healer, smtp):
    d = start(healer, smtp)
    m = smtp.wait("oncall@example.com")[0]
    assert str(m["Subject"]).startswith("[INC-1] [")
    assert "awaiting approval" in str(m["Subject"])
    assert m["From"] == "healer@example.com"
    assert m.get_content_type() == "multipart/alternative"
    text, htm = parts(m)
    assert "INC-1" in text and "scale-web" in text
    assert "INC-1" in htm and "load of web: 9.5" in htm
    root = m["Message-ID"]
    assert root and m["In-Reply-To"] is None
    ls = links(m)
    assert set(ls) == {"Approve", "Reject", "Dry run", "Open"}, ls
    # the watcher holds no role: only the open link
    w = smtp.wait("watcher@example.com")[0]
    assert set(links(w)) == {"Open"}
    assert smtp.to("team@example.com") == []

    # GET shows the card and a form; nothing changes
    r = d.get(ls["Approve"])
    assert r.status == 200, r
    assert r.headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["referrer-policy"] == "no-referrer"
    assert "INC-1" in r.text and "<form" in r.text
    assert d.view("INC-1")["state"] == "awaiting_approval"
    assert d.view("INC-1")["approvals"] == []

    # POST with the form's token approves as the recipient; the incident runs
    r = post_form(d, form_fields(r.text))
    assert r.status == 200, r
    v = d.wait_state("INC-1", "resolved")
    assert [(a["user"], a["decision"]) for a in v["approvals"]] == \
        [("email:oncall@example.com", "approve")]
    rows = [x for x in d.audit() if x.get("kind") == "email.link"]
    assert any("approve link" in x["message"] for x in rows), rows

    # the resolved mail goes to its route, threaded under the first
    t = smtp.wait("team@example.com")[0]
    assert "resolved" in str(t["Subject"])
    assert t["In-Reply-To"] == root and root in t["References"]

    # the same link again: used, nothing changes
    r = d.get(ls["Approve"])
    assert r.status == 410 and "already used" in r.text, r


def test_forged_expired_and_missing_csrf(healer, smtp):
    d = start(healer, smtp, ttl="3s")
    m = smtp.wait("oncall@example.com")[0]
    ls = links(m)
    # forged: a changed payload byte
    path = ls["Approve"]
    i = path.index("t=v1.") + 8
    forged = path[:i] + ("A" if path[i] != "A" else "B") + path[i + 1:]
    r = d.get(forged)
    assert r.status == 403 and "not valid" in r.text, r
    r = d.get("/ui/act?t=")
    assert r.status == 400, r
    # a POST without the CSRF token, and with someone else's
    page = d.get(ls["Approve"]).text
    f = form_fields(page)
    r = post_form(d, {"t": f["t"]})
    assert r.status == 403 and "Confirmation missing" in r.text, r
    other = form_fields(d.get(ls["Reject"]).text)
    r = post_form(d, {"t": f["t"], "csrf": other["csrf"]})
    assert r.status == 403, r
    assert d.view("INC-1")["approvals"] == []
    # expired with the approval
    d.wait_state("INC-1", "expired", timeout=30)
    r = d.get(ls["Approve"])
    assert r.status == 410 and "expired" in r.text, r
    r = post_form(d, f)
    assert r.status == 410, r
    kinds = [x["message"] for x in d.audit() if x.get("kind") == "email.link"]
    assert any("invalid link" in k for k in kinds), kinds
    assert any("without its form token" in k for k in kinds), kinds
    assert any("expired" in k for k in kinds), kinds


def test_get_never_acts_and_role_is_checked(healer, smtp):
    d = start(healer, smtp)
    # the watcher's open link: shows, cannot act
    w = smtp.wait("watcher@example.com")[0]
    op = links(w)["Open"]
    r = d.get(op)
    assert r.status == 200 and "<form" not in r.text
    # a GET carrying the form fields in the query does not act
    m = smtp.wait("oncall@example.com")[0]
    f = form_fields(d.get(links(m)["Approve"]).text)
    r = d.get("/ui/act?" + urllib.parse.urlencode(f))
    assert r.status == 200
    assert d.view("INC-1")["approvals"] == []
    # the watcher's open link posted as if it could act: refused
    fo = {"t": urllib.parse.parse_qs(urllib.parse.urlsplit(op).query)["t"][0]}
    r = post_form(d, fo)
    assert r.status in (400, 403), r
    assert d.view("INC-1")["state"] == "awaiting_approval"


def test_stale_link_after_reject(healer, smtp):
    d = start(healer, smtp)
    a = links(smtp.wait("oncall@example.com")[0])
    b = links(smtp.wait("eng2@example.com")[0])
    f = form_fields(d.get(a["Reject"]).text)
    f["reason"] = "not now"
    r = post_form(d, f)
    assert r.status == 200, r
    v = d.wait_state("INC-1", "rejected")
    # eng2's approve link is for a state that is gone
    r = d.get(b["Approve"])
    assert r.status == 409 and "out of date" in r.text, r
    r = post_form(d, form_fields(d.get(b["Open"]).text) or {"t": "x"})
    assert r.status in (400, 403, 409), r
    assert d.view("INC-1")["approvals"] == v["approvals"]


def test_title_injection_and_xss(healer, smtp):
    d = healer(runbooks={"scale.yaml": SCALE}, policy=POLICY, **mail_env(smtp))
    hostile = "Slow\r\nBcc: evil@example.com\r\nX-Evil: 1 <script>alert(1)</script> \u00fcber"
    d.alert(am_alert("WebSlow", labels={"service": "web", "severity": "warning"},
                     annotations={"summary": hostile}))
    d.wait_state("INC-1", "awaiting_approval")
    m = smtp.wait("oncall@example.com")[0]
    assert m["Bcc"] is None and m["X-Evil"] is None, m.keys()
    assert [r for r, _ in smtp.messages if "evil" in r] == []
    subj = str(m["Subject"])
    assert "Bcc: evil@example.com" in subj and "\u00fcber" in subj, subj
    assert "\n" not in subj
    text, htm = parts(m)
    assert "<script>" not in htm
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in htm
    page = d.get(links(m)["Approve"]).text
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_smtp_down_then_up_and_restart(healer, smtp):
    smtp.down()
    d = start(healer, smtp)
    d.wait_for(lambda: "not sent" in d.log_tail(200), "a failed send in the log")
    # a restart while the server is still down: the mail waits in the outbox
    d.restart()
    time.sleep(1.0)
    assert smtp.messages == []
    smtp.up()
    m = smtp.wait("oncall@example.com")[0]
    assert "awaiting approval" in str(m["Subject"])
    smtp.wait("eng2@example.com")
    smtp.wait("watcher@example.com")
    time.sleep(1.0)
    assert len(smtp.to("oncall@example.com")) == 1


def test_one_recipient_refused_others_delivered(healer, smtp):
    smtp.reject.add("eng2@example.com")
    start(healer, smtp)
    smtp.wait("oncall@example.com")
    smtp.wait("watcher@example.com")
    time.sleep(1.0)
    assert smtp.to("eng2@example.com") == []
    assert len(smtp.to("oncall@example.com")) == 1


def test_plain_smtp_only_to_loopback(healer, smtp):
    d = healer(runbooks={"scale.yaml": SCALE}, policy=POLICY,
               **mail_env(smtp, {"HEALER_SMTP_URL": "smtp://mail.example.com:25"}))
    d.wait_for(lambda: "allowed only for a loopback SMTP server" in d.log_tail(200),
               "the refusal of plain SMTP to a remote host")
    assert "adapter email started" not in d.log_tail(400)
    r = d.get("/ui/act?t=x")
    assert r.status == 404, r


FAILOVER = """\
id: failover-db
title: Fail the database over to the replica
match:
  - labels: {alertname: DbPrimaryDown}
params:
  service: {from: labels.service, pattern: '^[a-z0-9@._-]{1,64}$', required: true}
risk: critical
cost: {usd: 0}
steps:
  - {name: promote, exec: [/bin/echo, "promoted {{service}}"], timeout: 10s}
verify:
  - {name: check, exec: [/bin/true]}
"""


def test_two_distinct_approvers_by_mail(healer, smtp):
    policy = POLICY.replace('lead:     ["console:lead1"]',
                            'lead:     ["email:lead1@example.com", "email:lead2@example.com"]')
    policy = policy.replace("to: [oncall@example.com, eng2@example.com, watcher@example.com]",
                            "to: [oncall@example.com, lead1@example.com, lead2@example.com]")
    d = healer(runbooks={"failover.yaml": FAILOVER}, policy=policy, **mail_env(smtp))
    d.alert(am_alert("DbPrimaryDown", labels={"service": "db", "severity": "critical"}))
    d.wait_state("INC-1", "awaiting_approval")
    l1 = links(smtp.wait("lead1@example.com")[0])
    l2 = links(smtp.wait("lead2@example.com")[0])
    # an engineer's link: the policy refuses (critical needs lead or admin), nothing changes
    eng = links(smtp.wait("oncall@example.com")[0])
    r = post_form(d, form_fields(d.get(eng["Approve"]).text))
    assert r.status == 403 and "needs role lead or admin" in r.text, r
    assert d.view("INC-1")["approvals"] == []
    # first lead: 1 of 2; the second lead's link still works after that change
    r = post_form(d, form_fields(d.get(l1["Approve"]).text))
    assert r.status == 200 and "1 of 2" in r.text, r
    assert d.view("INC-1")["state"] == "awaiting_approval"
    r = post_form(d, form_fields(d.get(l2["Approve"]).text))
    assert r.status == 200, r
    v = d.wait_state("INC-1", "resolved")
    assert sorted(a["user"] for a in v["approvals"]) == \
        ["email:lead1@example.com", "email:lead2@example.com"]


def test_check_config_reports_mail_routes(healer):
    bad = POLICY.replace("states: [resolved]", "states: [resolvd]")
    d = healer(runbooks={"scale.yaml": SCALE}, policy=bad, start=False)
    p = d.cli("check-config", check=False)
    assert p.returncode == 1
    line = bad.splitlines().index("      states: [resolvd]") + 1
    assert "policy.yaml:%d: mail.routes[1].states: 'resolvd' is not an incident state" % line \
        in p.stderr + p.stdout, p.stderr


def test_link_confirmation_posted_from_another_site_changes_nothing(healer, smtp):
    d = start(healer, smtp)
    f = form_fields(d.get(links(smtp.wait("oncall@example.com")[0])["Approve"]).text)
    for h in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
              {"Origin": "null", "Sec-Fetch-Site": "same-site"}):
        r = d.request("POST", "/ui/act", urllib.parse.urlencode(f), token=None,
                      headers=dict(h, **{"Content-Type": "application/x-www-form-urlencoded"}))
        assert r.status == 403 and "another site" in r.text, (h, r)
    assert d.view("INC-1")["state"] == "awaiting_approval"
    assert d.view("INC-1")["approvals"] == []
    assert any("posted from another site" in x["message"] for x in d.audit()
               if x.get("kind") == "email.link")
    # from the page itself (the public address is its origin): the link is unspent and acts
    r = d.request("POST", "/ui/act", urllib.parse.urlencode(f), token=None,
                  headers={"Content-Type": "application/x-www-form-urlencoded",
                           "Origin": "http://healer.example.com",
                           "Sec-Fetch-Site": "same-origin"})
    assert r.status == 200, r
    d.wait_state("INC-1", "resolved")
