#!/usr/bin/env python3
"""Slack adapter benchmark against the real daemon and the test suite's fake Slack over
loopback: envelope-to-ack latency (p50/p99) at 500 and 2,000 envelopes/s beside the floor of a
bare libwebsockets client that only acks (build/bench_ws_floor, same fake, same rates, same
run), click-to-chat.update latency (p50), and the daemon's RSS with the link up, then its peak
RSS after 10,000 incidents. Bounded to about two and a half minutes.

The envelopes are Events API events the daemon acks and then ignores, so the numbers are the
ack path itself (receive, parse, queue the ack, write), which Slack holds to 3 s. Latency is
taken in the fake's event loop from just before the send to the ack's arrival, so it also
includes Python's own scheduling: it is an upper bound on what the daemon adds."""
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

from benchlib import HEALER, ROOT, TOKEN, daemon_env, pct, rss_kb, runbooks, start, stop

sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from fake_slack import FakeSlack  # noqa: E402

CHANNEL = "C0BENCH"
RATES = (500, 2000)
SECONDS_PER_RATE = 4.0
CLICKS = 8
DEADLINE_S = 150.0
FLOOR = os.path.join(ROOT, "build", "bench_ws_floor")
INCIDENTS = 10000

POLICY = """\
autopilot: {max_risk: low, max_cost_usd: 20, min_confidence: 0.8, max_usd_per_day: 100}
approvals:
  medium: {roles: [lead], count: 1}
approval_ttl: 30m
limits: {max_runs_per_hour: 1000, max_concurrent: 50, cooldown_per_resource: 0s}
roles:
  lead: ["slack:ULEAD"]
"""

RUNBOOK = """\
id: bench-restart
title: Restart (benchmark)
match:
  - labels: {alertname: BenchDown}
params:
  service: {from: labels.service, pattern: '^[a-z0-9-]{1,64}$', required: true}
risk: medium
cost: {usd: 0}
steps:
  - {name: restart, exec: [/bin/true]}
"""




def floor_rows(fake):
    """The same blasts against a bare lws client that only acks: what lws, loopback and the
    fake's own scheduling cost, with no daemon behind them."""
    import urllib.request
    if not os.path.exists(FLOOR):
        return [("floor (bare lws client)", "not built", "", "")], {}
    req = urllib.request.Request(fake.api_url.rstrip("/") + "/apps.connections.open", data=b"",
                                 headers={"Authorization": "Bearer xapp-1-floor"})
    url = json.loads(urllib.request.urlopen(req, timeout=5).read())["url"]
    before = len(fake.conns)
    p = subprocess.Popen([FLOOR, url])
    rows, p99 = [], {}
    try:
        conn = fake.wait_live(after=before, timeout=10)
        time.sleep(0.3)
        for rate in RATES:
            sent = fake._run(blast(fake, conn, rate, SECONDS_PER_RATE), timeout=60)
            lat, missing = ack_latencies(fake, sent)
            p99[rate] = pct(lat, 99)
            rows.append(("floor: bare lws ack @ %d/s (n=%d)" % (rate, len(sent)),
                         "p50 %.3f ms" % statistics.median(lat), "p99 %.3f ms" % p99[rate],
                         "missing %d" % missing))
    finally:
        p.terminate()
        p.wait(5)
    return rows, p99


def post_many(port, n, per_post=100):
    """n distinct firing alerts, per_post to a POST: n incidents."""
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for base in range(0, n, per_post):
        alerts = [{"status": "firing",
                   "labels": {"alertname": "BenchMany", "instance": "host-%d" % i},
                   "annotations": {}, "startsAt": "2026-01-01T00:00:00Z",
                   "endsAt": "0001-01-01T00:00:00Z", "fingerprint": "many%06d" % i}
                  for i in range(base, min(n, base + per_post))]
        body = json.dumps({"version": "4", "status": "firing", "receiver": "healer",
                           "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
                           "alerts": alerts}).encode()
        c.request("POST", "/alerts/alertmanager", body, {
            "Authorization": "Bearer bench-token-123456", "Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        if r.status != 202:
            raise SystemExit("alerts refused: %d" % r.status)


def start_daemon(tmp, fake):
    rb = runbooks(tmp, {"policy.yaml": POLICY, "bench.yaml": RUNBOOK})
    env = daemon_env(tmp, rb, base=dict(PATH=os.environ.get("PATH", "/usr/bin:/bin"),
                                        LANG="C.UTF-8"),
                     HEALER_INGEST_TOKEN=TOKEN, HEALER_CONSOLE="0",
                     HEALER_LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "info"),
                     SLACK_APP_TOKEN="xapp-1-bench", SLACK_BOT_TOKEN="xoxb-bench",
                     SLACK_CHANNEL=CHANNEL, SLACK_API_URL=fake.api_url)
    return start(tmp, env, cwd=tmp)


def post_alerts(port, n):
    import http.client
    alerts = [{"status": "firing", "labels": {"alertname": "BenchDown", "service": "svc-%d" % i},
               "annotations": {}, "startsAt": "2026-01-01T00:00:00Z",
               "endsAt": "0001-01-01T00:00:00Z", "fingerprint": "bench%04d" % i}
              for i in range(n)]
    body = json.dumps({"version": "4", "status": "firing", "receiver": "healer",
                       "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
                       "alerts": alerts}).encode()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("POST", "/alerts/alertmanager", body, {
        "Authorization": "Bearer bench-token-123456", "Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    if r.status != 202:
        raise SystemExit("alerts refused: %d" % r.status)


async def blast(fake, conn, rate, seconds):
    """Sends `rate` envelopes a second for `seconds` from inside the fake's loop; returns
    {envelope_id: send time}."""
    sent = {}
    n = int(rate * seconds)
    t0 = time.monotonic()
    i = 0
    while i < n:
        due = min(n, int((time.monotonic() - t0) * rate) + 1)
        while i < due:
            eid = str(uuid.uuid4())
            env = {"envelope_id": eid, "type": "events_api", "accepts_response_payload": False,
                   "payload": {"type": "event_callback", "event_id": "Ev" + eid[:12],
                               "event": {"type": "reaction_added", "user": "UBENCH"}}}
            data = json.dumps(env)
            sent[eid] = time.monotonic()
            await conn.ws.send(data)
            i += 1
        await asyncio.sleep(0.0005)
    return sent


def ack_latencies(fake, sent, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with fake.lock:
            got = {a[2]: a[0] for a in fake.acks if a[2] in sent}
        if len(got) == len(sent):
            break
        time.sleep(0.05)
    lat = [(got[e] - t) * 1000.0 for e, t in sent.items() if e in got]
    return lat, len(sent) - len(got)


def button_value(msg):
    for b in msg["blocks"] or []:
        if b["type"] == "actions":
            for e in b["elements"]:
                if e["action_id"] == "healer_approve":
                    return e["value"]
    return None


def click_latencies(fake, n):
    """Approve clicks one after another; time from the click's send to the card's update."""
    lat = []
    for i in range(1, n + 1):
        key = "INC-%d" % i
        ts, m = fake.wait(lambda: (lambda c: c if c and button_value(c[1]) else None)(
            fake.card(key)), "the card of " + key, timeout=20)
        before = len(fake.calls_to("chat.update"))
        payload = {"type": "block_actions", "user": {"id": "ULEAD"}, "trigger_id": "t",
                   "container": {"type": "message", "message_ts": ts, "channel_id": CHANNEL},
                   "channel": {"id": CHANNEL},
                   "actions": [{"type": "button", "action_id": "healer_approve",
                                "value": button_value(m), "action_ts": "%.6f" % time.time()}]}
        t0 = time.monotonic()
        fake.send(fake.envelope("interactive", payload))
        call = fake.wait(lambda: [c for c in fake.calls_to("chat.update")[before:]
                                  if c[3] and c[3].get("ts") == ts], "the update", 10)[0]
        lat.append((call[0] - t0) * 1000.0)
    return lat


def main():
    if not os.path.exists(HEALER):
        raise SystemExit("build/healer is not built (make)")
    started = time.monotonic()
    fake = FakeSlack(CHANNEL)
    rows, floor = floor_rows(fake)
    with tempfile.TemporaryDirectory(prefix="healer-bench-slack-") as tmp:
        before = len(fake.conns)
        p, port = start_daemon(tmp, fake)
        try:
            conn = fake.wait_live(after=before, timeout=10)
            time.sleep(0.3)
            for rate in RATES:
                if time.monotonic() - started > DEADLINE_S - 40:
                    break
                sent = fake._run(blast(fake, conn, rate, SECONDS_PER_RATE), timeout=60)
                lat, missing = ack_latencies(fake, sent)
                p99 = pct(lat, 99)
                vs = (" (%.1f× floor; aim ≤ 2×)" % (p99 / floor[rate])) if floor.get(rate) else ""
                rows.append(("envelope→ack @ %d/s (n=%d)" % (rate, len(sent)),
                             "p50 %.3f ms" % statistics.median(lat),
                             "p99 %.3f ms" % p99,
                             "missing %d%s" % (missing, vs)))
            post_alerts(port, CLICKS)
            lat = click_latencies(fake, CLICKS)
            rows.append(("click→chat.update (n=%d)" % len(lat),
                         "p50 %.1f ms" % statistics.median(lat), "max %.1f ms" % max(lat), ""))
            rows.append(("RSS with the link up", "%.1f MB" % (rss_kb(p.pid) / 1024.0),
                         "private %.1f MB" % (rss_kb(p.pid, "RssAnon:") / 1024.0), ""))
            t0 = time.monotonic()
            post_many(port, INCIDENTS)
            time.sleep(1.0)
            rows.append(("peak RSS, link up, %d incidents" % INCIDENTS,
                         "%.1f MB" % (rss_kb(p.pid, "VmHWM:") / 1024.0),
                         "now %.1f MB" % (rss_kb(p.pid) / 1024.0),
                         "private %.1f MB; aim < 16 MB (%.0f s to ingest)"
                         % (rss_kb(p.pid, "RssAnon:") / 1024.0, time.monotonic() - t0)))
        finally:
            stop(p)
            fake.close()
    print("\nSlack adapter (loopback, fake Slack; %.0f s)" % (time.monotonic() - started))
    w = max(len(r[0]) for r in rows)
    for r in rows:
        print("  %-*s  %-14s %-14s %s" % (w, r[0], r[1], r[2], r[3]))


if __name__ == "__main__":
    main()
