#!/usr/bin/env python3
"""Correlation benchmark: alerts per second ingested with the policy's correlate rules on
and off. Every alert is new (a fresh fingerprint), so each one takes the correlation path:
with the rules on, most join one of 50 open incidents (same service within the window)
instead of opening their own. Three runs per mode; median alerts/s and POST p50/p99."""
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
N = int(os.environ.get("BENCH_CORRELATE_N", "1000"))
SERVICES = 50


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


def run_once(rules, run):
    with tempfile.TemporaryDirectory() as tmp:
        p, port = start(tmp, rules)
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port)
            lat = []
            t0 = time.perf_counter()
            for i in range(N):
                s = time.perf_counter()
                conn.request("POST", "/alerts/alertmanager", body(i, run),
                             {"Authorization": "Bearer " + TOKEN,
                              "Content-Type": "application/json"})
                r = conn.getresponse()
                r.read()
                lat.append(time.perf_counter() - s)
                if r.status != 202:
                    raise SystemExit(f"unexpected status {r.status}")
            return N / (time.perf_counter() - t0), lat
        finally:
            p.terminate()
            p.wait(10)


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def main():
    res = {}
    for run in range(3):
        for rules in (False, True):  # interleaved, so that load drifts hit both
            res.setdefault(rules, []).append(run_once(rules, run))
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    print(f"ingest of {N} new alerts, 1 per POST, {SERVICES} services:")
    med = {}
    for rules in (False, True):
        rates = [r for r, _ in res[rules]]
        lat = [x for _, l in res[rules] for x in l]
        med[rules] = statistics.median(rates)
        print(f"  correlation {'on ' if rules else 'off'}: alerts/s per run "
              f"{', '.join(f'{r:.0f}' for r in rates)} (median {med[rules]:.0f});"
              f" POST p50 {pct(lat, 50) * 1000:.2f} ms, p99 {pct(lat, 99) * 1000:.2f} ms")
    print(f"  on/off: {med[True] / med[False] * 100:.0f}% of the throughput")


if __name__ == "__main__":
    main()
