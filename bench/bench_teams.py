#!/usr/bin/env python3
"""Teams adapter benchmark against the fake Bot Framework (tests/integration): the
invoke-to-answer latency of an Approve click (policy check, approval commit, refreshed card),
and what the per-request token check costs, by comparing the same keep-alive burst on
/healthz (no token), on an authenticated activity that does nothing (token check + JSON), and
on an approve. Bounded to about a minute; prints a small table."""
import http.client
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import HEALER, ROOT, daemon_env, pct, runbooks, start, stop

sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from fake_botframework import FakeBotFramework, installed, invoke  # noqa: E402

INGEST = "bench-token-123456"
N_PER_KIND = 150
N_BURST = 1000
DEADLINE_S = 55
SETTLE_S = 0.05

# Two runbooks: the click is the same, what it starts differs. A wait step leaves the loop
# idle after the answer; an exec step's run (fork, result, verify, resolve) shares the loop
# thread with the next clicks, which is part of that command's own runtime.
RUNBOOKS = {
    "wait.yaml": """\
id: restart-wait
title: Restart a service (the step waits)
match:
  - labels: {alertname: ServiceDown}
params:
  service: {from: labels.service, pattern: '^[a-z0-9@._-]{1,64}$', required: true}
risk: medium
cost: {usd: 0}
steps:
  - {name: restart, wait: 2s}
""",
    "exec.yaml": """\
id: restart-exec
title: Restart a service (the step runs a program)
match:
  - labels: {alertname: DiskFull}
params:
  service: {from: labels.service, pattern: '^[a-z0-9@._-]{1,64}$', required: true}
risk: medium
cost: {usd: 0}
steps:
  - {name: restart, exec: [/bin/true]}
""",
}
POLICY = """\
autopilot: {max_risk: low, max_cost_usd: 20, min_confidence: 0.8, max_usd_per_day: 100}
approvals:
  medium: {roles: [engineer], count: 1}
approval_ttl: 2h
limits: {max_runs_per_hour: 100000, max_concurrent: 1000, cooldown_per_resource: 0s}
roles:
  engineer: ["teams:aad-eve"]
"""


def ms(s):
    return "%.2f ms" % (s * 1000)


class Daemon:
    def __init__(self, tmp, bf):
        rb = runbooks(tmp, dict(RUNBOOKS, **{"policy.yaml": POLICY}))
        self.env = daemon_env(tmp, rb, HEALER_INGEST_TOKEN=INGEST, HEALER_CONSOLE="0",
                              **bf.env())
        self.p, self.port = start(tmp, self.env)

    def cli_json(self, *args):
        out = subprocess.run([HEALER] + list(args), env=self.env, capture_output=True,
                             timeout=30).stdout
        return json.loads(out)

    def stop(self):
        stop(self.p, 15)


def request(conn, method, path, body=None, headers=None):
    t = time.perf_counter()
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    data = r.read()
    return time.perf_counter() - t, r.status, data


def burst(port, method, path, bodies, headers):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    lat = []
    for b in bodies:
        dt, st, data = request(conn, method, path, b, headers)
        if st != 200:
            raise SystemExit("%s %s answered %d: %s" % (method, path, st, data[:200]))
        lat.append(dt)
    conn.close()
    return lat


def serve_fake(pipe):
    """The fake Bot Framework in its own process, so that its threads do not share the
    client's interpreter lock and show up in the latencies measured."""
    bf = FakeBotFramework(app_id="0a1b2c3d-0000-4000-8000-00000000beef")
    pipe.send({"app_id": bf.app_id, "service_url": bf.service_url, "env": bf.env(),
               "token": bf.token()})
    pipe.recv()  # until the parent is done
    bf.close()


class Remote:
    """What the activity builders need of the fake, in the parent process."""

    def __init__(self, info):
        self.app_id = info["app_id"]
        self.service_url = info["service_url"]
        self._env = info["env"]
        self._token = info["token"]

    def env(self):
        return dict(self._env)

    def token(self):
        return self._token

    def close(self):
        pass


def main():
    if not os.path.exists(HEALER):
        raise SystemExit("build first: make")
    t0 = time.time()
    parent, child = multiprocessing.Pipe()
    fake = multiprocessing.Process(target=serve_fake, args=(child,), daemon=True)
    fake.start()
    bf = Remote(parent.recv())
    with tempfile.TemporaryDirectory() as tmp:
        d = Daemon(tmp, bf)
        try:
            token = bf.token()
            auth = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
            conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=15)
            _, st, _ = request(conn, "POST", "/api/messages", json.dumps(installed(bf)), auth)
            assert st == 200, st
            for alertname in ("ServiceDown", "DiskFull"):
                alerts = [{"status": "firing", "labels": {"alertname": alertname,
                                                          "service": "svc-%d" % i},
                           "annotations": {}, "startsAt": "2026-11-23T10:00:00Z",
                           "fingerprint": "%s-%d" % (alertname, i)} for i in range(N_PER_KIND)]
                for k in range(0, N_PER_KIND, 50):
                    _, st, data = request(conn, "POST", "/alerts/alertmanager",
                                          json.dumps({"version": "4", "status": "firing",
                                                      "alerts": alerts[k:k + 50]}),
                                          {"Authorization": "Bearer " + INGEST,
                                           "Content-Type": "application/json"})
                    assert st == 202, (st, data)
            while time.time() - t0 < DEADLINE_S / 2:
                lst = d.cli_json("incidents", "list", "--json")
                if sum(1 for i in lst if i["state"] == "awaiting_approval") >= 2 * N_PER_KIND:
                    break
                time.sleep(0.3)
            cards = {"restart-wait": [], "restart-exec": []}
            for i in range(1, 2 * N_PER_KIND + 1):
                v = d.cli_json("incidents", "show", "INC-%d" % i, "--json")
                if v["state"] == "awaiting_approval":
                    cards[v["action"]["runbook"]].append(
                        {"incident": v["id"], "version": v["version"],
                         "action_id": v["action"]["id"], "state": v["state"]})
            if not all(cards.values()):
                raise SystemExit("incidents did not reach awaiting_approval in time")

            health = burst(d.port, "GET", "/healthz", [None] * N_BURST, {})
            noop = dict(installed(bf))
            noop["type"] = "typing"
            noop_lat = burst(d.port, "POST", "/api/messages", [json.dumps(noop)] * N_BURST, auth)
            # a dry run changes nothing: the adapter's own cost around a trivial command
            dry = invoke(bf, "dryrun", cards["restart-wait"][-1], aad="aad-eve")
            dry_lat = burst(d.port, "POST", "/api/messages", [json.dumps(dry)] * 300, auth)
            approve = {}
            conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=15)
            for rb, cs in cards.items():
                approve[rb] = []
                for c in cs[:-1] if rb == "restart-wait" else cs:
                    # the approval starts the runbook; let its run finish so each click
                    # measures the answer, not the previous run's work
                    time.sleep(SETTLE_S)
                    dt, st, data = request(conn, "POST", "/api/messages",
                                           json.dumps(invoke(bf, "approve", c, aad="aad-eve")),
                                           auth)
                    body = json.loads(data)
                    if st != 200 or body.get("type") != "application/vnd.microsoft.card.adaptive":
                        raise SystemExit("approve answered %d: %s" % (st, data[:300]))
                    approve[rb].append(dt)
        finally:
            d.stop()
            parent.send("stop")
            fake.join(10)
    print("Teams adapter (%d cores, load %.2f); keep-alive client on loopback"
          % (os.cpu_count(), os.getloadavg()[0]))
    print("%-50s %6s %10s %10s" % ("request", "n", "p50", "p99"))
    rows = [("GET /healthz (no token)", health),
            ("activity with a valid token, no-op", noop_lat),
            ("invoke Dry run → card with the plan", dry_lat),
            ("invoke Approve → refreshed card (step: wait)", approve["restart-wait"]),
            ("invoke Approve → refreshed card (step: exec)", approve["restart-exec"])]
    for name, lat in rows:
        print("%-50s %6d %10s %10s" % (name, len(lat), ms(pct(lat, 50)), ms(pct(lat, 99))))
    check = statistics.median(noop_lat) - statistics.median(health)
    print("token check + activity parse per request (p50 difference): %s" % ms(max(check, 0)))
    print("approve includes the engine's approval transaction and the start of the run; the "
          "adapter's own share\n(token check, parse, view, card, answer) is the dry-run row")
    print("total %.1f s" % (time.time() - t0))


if __name__ == "__main__":
    main()
