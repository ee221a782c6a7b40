"""Mail volume and pace against a real SMTP server (aiosmtpd): a burst of incidents is
delivered over kept SMTP connections at the relay's pace, and an incident that opens, runs and
resolves within seconds sends its opening mail and its outcome, the states between folded
into the outcome."""
import email
import email.policy
import socket
import sqlite3
import threading
import time

import pytest
from aiosmtpd.controller import Controller

from conftest import am_alert
from test_email import mail_env

RUNBOOK = """\
id: quick-restart
title: Restart a service
match:
  - labels: {alertname: ServiceDown}
params:
  service: {from: labels.service, pattern: '^[a-z0-9-]{1,64}$', required: true}
risk: low
cost: {usd: 0}
steps:
  - {name: restart, exec: [/bin/true]}
"""

# the same with a step and a check that take most of a second between them: each state
# lasts long enough for a mail of its own
SLOW_STEP = RUNBOOK.replace("exec: [/bin/true]", "exec: [/bin/sleep, \"0.4\"]") + \
    "verify:\n  - {name: check, exec: [/bin/sleep, \"0.4\"]}\n"

# every state routed: the mail count is the transport's doing, not the routes'
POLICY = """\
autopilot: {max_risk: low, max_cost_usd: 20, min_confidence: 0.5, max_usd_per_day: 100000}
approvals:
  low: {roles: [any], count: 1}
approval_ttl: 2h
limits: {max_runs_per_hour: 100000, max_concurrent: 1000, cooldown_per_resource: 0s}
roles:
  engineer: ["email:oncall@example.com"]
mail:
  routes:
    - to: [oncall@example.com]
"""


class CountingSmtp:
    """Records every message and the client address it came from (one per connection)."""

    def __init__(self):
        self.messages = []  # (peer, rcpt, email.message.Message)
        self.lock = threading.Lock()
        smtp = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                msg = email.message_from_bytes(envelope.original_content or envelope.content,
                                               policy=email.policy.default)
                with smtp.lock:
                    for r in envelope.rcpt_tos:
                        smtp.messages.append((session.peer, r, msg))
                return "250 queued"

        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.ctl = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.ctl.start()

    def close(self):
        self.ctl.stop()

    def subjects(self, key):
        with self.lock:
            return [str(m["Subject"]) for _, _, m in self.messages
                    if str(m["Subject"]).startswith("[%s] " % key)]


@pytest.fixture
def smtp():
    s = CountingSmtp()
    yield s
    s.close()


def service_down(i):
    return am_alert("ServiceDown", labels={"service": "svc-%d" % i})


def pending_mail(d):
    c = sqlite3.connect("file:%s?mode=ro" % d.db, uri=True, timeout=5)
    try:
        return c.execute("SELECT count(*) FROM outbox WHERE adapter = 'email'"
                         " AND sent_at IS NULL").fetchone()[0]
    finally:
        c.close()


def test_opened_running_resolved_in_a_second_is_two_mails(healer, smtp):
    d = healer(runbooks={"restart.yaml": SLOW_STEP}, policy=POLICY, **mail_env(smtp))
    d.alert(service_down(1))
    t0 = time.monotonic()
    d.wait_state("INC-1", "resolved")
    assert time.monotonic() - t0 < 8  # well within the settle time of the states between
    d.wait_for(lambda: any("resolved" in s for s in smtp.subjects("INC-1")), "the outcome")
    d.wait_for(lambda: pending_mail(d) == 0, "nothing left to mail")
    got = smtp.subjects("INC-1")
    # the opening (whatever state it was in when it went out) and the outcome; approved,
    # running and verifying passed within the settle time and are told in the outcome
    assert len(got) == 2, got
    assert "resolved" in got[1] and "resolved" not in got[0], got


def test_burst_of_fifty_incidents_over_kept_connections(healer, smtp):
    d = healer(runbooks={"restart.yaml": RUNBOOK}, policy=POLICY, **mail_env(smtp))
    t0 = time.monotonic()
    d.alert(*[service_down(i) for i in range(50)])

    def outcomes():
        with smtp.lock:
            keys = {str(m["Subject"]).split("]")[0] for _, _, m in smtp.messages
                    if "resolved" in str(m["Subject"])}
        return len(keys) == 50
    d.wait_for(outcomes, "the outcome mail of all 50 incidents", timeout=60)
    took = time.monotonic() - t0
    d.wait_for(lambda: pending_mail(d) == 0, "nothing left to mail")
    with smtp.lock:
        subjects = [str(m["Subject"]) for _, _, m in smtp.messages]
        peers = len({p for p, _, _ in smtp.messages})
    # one outcome an incident, and at most its opening besides: an incident whose first
    # mail waited for the pace until it had resolved sends the outcome alone
    for i in range(1, 51):
        mine = [s for s in subjects if s.startswith("[INC-%d] " % i)]
        assert 1 <= len(mine) <= 2 and "resolved" in mine[-1], (i, mine)
        assert len([s for s in mine if "resolved" in s]) == 1, (i, mine)
    # the old pace (10, then 2 a second) needed over 20 s for these; 10 a second about 5
    assert took < 15, took
    # one connection carries many mails: new ones only after an idle close or a failure
    assert peers <= 5, (peers, len(subjects))
