#!/usr/bin/env python3
"""Correlation benchmark: alerts per second ingested with the policy's correlate rules on
and off, with 0, 100 and 1,000 other incidents already open (an alert storm). Every alert is
new (a fresh fingerprint), so each one takes the correlation path: with the rules on, most
join one of 50 open incidents (same service within the window) instead of opening their
own. The candidate search is an indexed lookup per rule, so the open incidents should not
slow it down. Three runs per mode and level; median alerts/s and POST p50/p99."""
import http.client
import json
import os
import statistics
import tempfile
import time

import benchlib
from benchlib import ADMIN_POLICY, TOKEN, daemon_env, runbooks

RULES = """correlate:
  - keys: [service]
    window: 10m
  - keys: [cluster, namespace]
    window: 10m
    cause: {alertname: "~^Deploy"}
"""
N = int(os.environ.get("BENCH_CORRELATE_N", "500"))  # 18 runs within bench.py's 300 s
OPEN = [int(x) for x in os.environ.get("BENCH_CORRELATE_OPEN", "0,100,1000").split(",")]
SERVICES = 50
SEED_BATCH = 100  # alerts per POST while opening the other incidents


def start(tmp, rules):
    rb = runbooks(tmp, {"policy.yaml": ADMIN_POLICY + (RULES if rules else "")})
    return benchlib.start(tmp, daemon_env(tmp, rb, HEALER_INGEST_TOKEN=TOKEN))


def body(i, run):
    svc = f"svc-{i % SERVICES}"
    return json.dumps({"version": "4", "status": "firing", "receiver": "healer", "alerts": [
        {"status": "firing",
         "labels": {"alertname": f"BenchAlert{i % 7}", "service": svc, "instance": f"i-{i}",
                    "cluster": "c1", "namespace": svc, "severity": "warning"},
         "annotations": {}, "startsAt": "2026-01-01T00:00:00Z",
         "fingerprint": f"r{run}-fp-{i}"}]})


def post(conn, payload):
    conn.request("POST", "/alerts/alertmanager", payload,
                 {"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"})
    r = conn.getresponse()
    r.read()
    if r.status != 202:
        raise SystemExit(f"unexpected status {r.status}")


def seed(conn, n, run):
    """n open incidents that nothing measured joins: each its own service and namespace."""
    for start_at in range(0, n, SEED_BATCH):
        alerts = [{"status": "firing",
                   "labels": {"alertname": "Seed", "service": f"seed-{k}", "cluster": "c1",
                              "namespace": f"seed-{k}", "instance": f"s-{k}",
                              "severity": "warning"},
                   "annotations": {}, "startsAt": "2026-01-01T00:00:00Z",
                   "fingerprint": f"r{run}-seed-{k}"}
                  for k in range(start_at, min(n, start_at + SEED_BATCH))]
        post(conn, json.dumps({"version": "4", "status": "firing", "receiver": "healer",
                               "alerts": alerts}))


def run_once(rules, run, nopen):
    with tempfile.TemporaryDirectory() as tmp:
        p, port = start(tmp, rules)
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port)
            seed(conn, nopen, run)
            lat = []
            t0 = time.perf_counter()
            for i in range(N):
                s = time.perf_counter()
                post(conn, body(i, run))
                lat.append(time.perf_counter() - s)
            return N / (time.perf_counter() - t0), lat
        finally:
            p.terminate()
            p.wait(10)


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def main():
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    print(f"ingest of {N} new alerts, 1 per POST, {SERVICES} services, after opening "
          f"{', '.join(str(n) for n in OPEN)} other incidents:")
    for nopen in OPEN:
        res = {}
        for run in range(3):
            for rules in (False, True):  # interleaved, so that load drifts hit both
                res.setdefault(rules, []).append(run_once(rules, run, nopen))
        med = {}
        for rules in (False, True):
            rates = [r for r, _ in res[rules]]
            lat = [x for _, l in res[rules] for x in l]
            med[rules] = statistics.median(rates)
            print(f"  {nopen:>5} open, correlation {'on ' if rules else 'off'}: alerts/s per run "
                  f"{', '.join(f'{r:.0f}' for r in rates)} (median {med[rules]:.0f});"
                  f" POST p50 {pct(lat, 50) * 1000:.2f} ms, p99 {pct(lat, 99) * 1000:.2f} ms")
        print(f"  {nopen:>5} open, on/off: {med[True] / med[False] * 100:.0f}% of the throughput")


if __name__ == "__main__":
    main()
