#!/usr/bin/env python3
"""Mail benchmark: a real SMTP server (aiosmtpd on loopback, started here), healer with the web
UI on and a mail route for every state, N incidents fired by Alertmanager alerts (each runs a
low-risk runbook on autopilot: its opening mail and its outcome, the states between folded into
the outcome). Prints mails queued per second (email outbox rows written), delivered per second
(received by the server), SMTP connections used, mails per incident, p50 and p99 from the alert
POST to the incident's first mail, and the daemon's VmRSS and RssAnon. Bounded: under a
minute."""
import email
import email.policy
import http.client
import json
import os
import re
import socket
import sqlite3
import sys
import tempfile
import threading
import time

from aiosmtpd.controller import Controller

from benchlib import HEALER, daemon_env, pct, runbooks, start, stop

INGEST = "bench-token-123456"
DEADLINE_S = 50
BATCH = 20  # alerts per POST
PACED = 8  # incidents sent one at a time
PACED_GAP_S = 2.5

RUNBOOK = """\
id: bench-restart
title: Restart a service
match:
  - labels: {alertname: ServiceDown}
params:
  service: {from: labels.service, pattern: '^[a-z0-9@._-]{1,64}$', required: true}
risk: low
cost: {usd: 0}
steps:
  - {name: restart, exec: [/bin/true]}
"""
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


class Smtp:
    """Records (arrival time, incident number) of every message."""

    def __init__(self):
        self.got = []
        self.peers = set()  # client addresses: one per SMTP connection
        self.lock = threading.Lock()
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        smtp = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                msg = email.message_from_bytes(envelope.original_content or envelope.content,
                                               policy=email.policy.default)
                m = re.search(r"INC-(\d+)", "%s %s" % (msg["Subject"], msg["Message-ID"]))
                with smtp.lock:
                    smtp.got.append((time.monotonic(), int(m.group(1)) if m else 0))
                    smtp.peers.add(session.peer)
                return "250 queued"

        self.ctl = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.ctl.start()

    def count(self):
        with self.lock:
            return len(self.got)


def rss(pid):
    out = {}
    for line in open("/proc/%d/status" % pid):
        k, _, v = line.partition(":")
        if k in ("VmRSS", "VmHWM", "RssAnon"):
            out[k] = int(v.split()[0])
    return out


def outbox_rows(db):
    try:
        c = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=5)
        n = c.execute("SELECT count(*) FROM outbox WHERE adapter = 'email'").fetchone()[0]
        c.close()
        return n
    except sqlite3.Error:
        return -1


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    if not os.path.exists(HEALER):
        raise SystemExit("build first: make")
    t_start = time.time()
    smtp = Smtp()
    with tempfile.TemporaryDirectory() as tmp:
        rb = runbooks(tmp, {"restart.yaml": RUNBOOK, "policy.yaml": POLICY})
        db = os.path.join(tmp, "bench.db")
        env = daemon_env(tmp, rb, base=dict(PATH=os.environ.get("PATH", "/usr/bin:/bin"),
                                            HOME=tmp),
                         HEALER_INGEST_TOKEN=INGEST, HEALER_CONSOLE="0",
                         HEALER_SMTP_URL="smtp://127.0.0.1:%d" % smtp.port,
                         HEALER_SMTP_TLS="none", HEALER_MAIL_FROM="healer@example.com",
                         HEALER_LINK_KEY="b" * 40, HEALER_PUBLIC_URL="http://healer.example.com")
        log = os.path.join(tmp, "daemon.log")
        try:
            p, port = start(tmp, env)
        except SystemExit:
            smtp.ctl.stop()
            raise
        try:
            rss_idle = rss(p.pid)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
            posted = {}  # incident number → monotonic time of its alert's POST

            def post(first, count):
                alerts = [{"status": "firing",
                           "labels": {"alertname": "ServiceDown", "service": "svc-%d" % i},
                           "annotations": {}, "startsAt": "2026-11-23T10:00:00Z",
                           "fingerprint": "bench-%d" % i} for i in range(first, first + count)]
                t = time.monotonic()
                conn.request("POST", "/alerts/alertmanager",
                             json.dumps({"version": "4", "status": "firing", "alerts": alerts}),
                             {"Authorization": "Bearer " + INGEST,
                              "Content-Type": "application/json"})
                r = conn.getresponse()
                data = r.read()
                if r.status != 202:
                    raise SystemExit("POST /alerts answered %d: %s" % (r.status, data[:200]))
                for i in range(first, first + count):
                    posted[i + 1] = t  # incidents are numbered in the order alerts arrive

            # paced below the transport's send rate: the latency of a mail nobody queues behind
            for i in range(PACED):
                post(i, 1)
                time.sleep(PACED_GAP_S)
            rows0 = outbox_rows(db)
            # then a burst: how fast mail is queued, and delivered while it drains
            t0 = time.monotonic()
            for k in range(0, n, BATCH):
                post(PACED + k, min(BATCH, n - k))
            last_rows, last_change, rows_done_at = -1, time.monotonic(), t0
            last_mail, mail_change = -1, time.monotonic()
            while time.time() - t_start < DEADLINE_S:
                time.sleep(0.1)
                rows, mails, now = outbox_rows(db), smtp.count(), time.monotonic()
                if rows != last_rows:
                    last_rows, last_change, rows_done_at = rows, now, now
                if mails != last_mail:
                    last_mail, mail_change = mails, now
                if mails > 0 and mails >= rows and now - max(last_change, mail_change) > 2:
                    break
            rss_busy = rss(p.pid)
        finally:
            stop(p, 15)
            smtp.ctl.stop()
    got = list(smtp.got)
    if not got:
        raise SystemExit("no mail arrived; daemon log:\n" + open(log).read()
                         if os.path.exists(log) else "no mail arrived")
    first = {}
    for t, inc in got:
        if inc in posted and inc not in first:
            first[inc] = t - posted[inc]
    paced = [first[i] for i in range(1, PACED + 1) if i in first]
    burst = [v for i, v in first.items() if i > PACED]
    burst_mails = [t for t, inc in got if inc > PACED]
    span_deliver = (max(burst_mails) - t0) if burst_mails else float("nan")
    span_queue = rows_done_at - t0
    queued = last_rows - rows0
    print("Mail (%d cores, load average %.2f); aiosmtpd on loopback, web UI and mail on"
          % (os.cpu_count(), os.getloadavg()[0]))
    print("the email transport paces sends (burst 20, then HEALER_MAIL_PER_S, default 10 "
          "a second) over kept SMTP connections: %d connection(s) for %d mails"
          % (len(smtp.peers), len(got)))
    incs = {inc for _, inc in got if inc > 0}
    print("mails per incident: %.2f (its opening and its outcome; states between are folded)"
          % (len(got) / max(len(incs), 1)))
    print("paced: %d incidents %.1f s apart, alert POST → first mail p50 %.1f ms, p99 %.1f ms"
          % (PACED, PACED_GAP_S, pct(paced, 50) * 1000, pct(paced, 99) * 1000))
    print("burst: %d incidents in POSTs of %d alerts; %d email outbox rows written, "
          "%d mails delivered before the %d s bound" % (n, BATCH, queued, len(burst_mails),
                                                         DEADLINE_S))
    print("  queued    %8.0f rows/s (over %.2f s)" % (queued / max(span_queue, 1e-3),
                                                     span_queue))
    print("  delivered %8.1f mails/s (over %.2f s)" % (len(burst_mails) / max(span_deliver,
                                                                              1e-3),
                                                     span_deliver))
    print("  alert POST → first mail of the %d incidents mailed: p50 %.0f ms, p99 %.0f ms"
          % (len(burst), pct(burst, 50) * 1000, pct(burst, 99) * 1000))
    print("daemon RSS idle: VmRSS %d KiB, RssAnon %d KiB; after the run: VmRSS %d KiB, "
          "RssAnon %d KiB, peak VmHWM %d KiB"
          % (rss_idle["VmRSS"], rss_idle["RssAnon"], rss_busy["VmRSS"], rss_busy["RssAnon"],
             rss_busy["VmHWM"]))
    print("total %.1f s" % (time.time() - t_start))


if __name__ == "__main__":
    main()
