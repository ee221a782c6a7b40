#!/usr/bin/env python3
"""The metric watcher under load: one rule over 10,000 series every 60 s against a fake
Prometheus (an hour of history learned at start). Reports healer's CPU share while it
watches, the CPU of the start (history) and of one cycle, RSS with the series' states, and
the loop's stalls measured as /healthz latency probed every 20 ms (median, p99, worst)."""
import http.client
import multiprocessing
import os
import random
import re
import sys
import tempfile
import time

from benchlib import ADMIN_POLICY, HEALER, ROOT, daemon_env, machine, pct, rss_kb, runbooks
from benchlib import start, stop

sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from watch_parts import FakePrometheus  # noqa: E402

SERIES = int(os.environ.get("BENCH_WATCH_SERIES", "10000"))
WINDOW_S = float(os.environ.get("BENCH_WATCH_S", "125"))  # two 60 s cycles and a bit
TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / TICK


def get(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.read().decode()
    finally:
        conn.close()


def probe(port, window_s, q):
    """/healthz every 20 ms on one keep-alive connection: (latencies, start times)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    stalls, at = [], []
    end = time.monotonic() + window_s
    while time.monotonic() < end:
        a = time.monotonic()
        conn.request("GET", "/healthz")
        conn.getresponse().read()
        stalls.append(time.monotonic() - a)
        at.append(a)
        time.sleep(0.02)
    q.put((stalls, at))


def main():
    if not os.path.exists(HEALER):
        raise SystemExit("build first: make")
    rng = random.Random(1)
    labels = [{"__name__": "svc_latency", "instance": "host-%05d" % i, "job": "bench"}
              for i in range(SERIES)]
    fake = FakePrometheus(labels, lambda s, t: 50.0 + rng.uniform(-1, 1))
    with tempfile.TemporaryDirectory() as tmp:
        rb = runbooks(tmp, {"policy.yaml": ADMIN_POLICY})
        watch = os.path.join(tmp, "watch.yaml")
        with open(watch, "w") as f:
            f.write("rules:\n  - name: wide\n    prometheus: {url: \"%s\", query: svc_latency}\n"
                    "    every: 60s\n    history: 1h\n    timeout: 30s\n" % fake.url)
        p, port = start(tmp, daemon_env(tmp, rb, HEALER_CONSOLE="0", HEALER_WATCH=watch))
        # the probes run in their own process: the fake Prometheus here holds the GIL
        # while it builds its answers, which would show up as stalls that are not healer's
        q = multiprocessing.Queue()
        prober = multiprocessing.Process(target=probe, args=(port, WINDOW_S, q))
        t0, c0 = time.monotonic(), cpu_s(p.pid)
        learned_at, learned_cpu = None, None
        prober.start()
        try:
            while time.monotonic() - t0 < WINDOW_S:
                time.sleep(0.5)
                if learned_at is None:
                    _, m = get(port, "/metrics")
                    mm = re.search(r'healer_watch_series\{rule="wide"\} (\d+)', m)
                    if mm and int(mm.group(1)) == SERIES:
                        learned_at, learned_cpu = time.monotonic() - t0, cpu_s(p.pid) - c0
            total_cpu = cpu_s(p.pid) - c0
            wall = time.monotonic() - t0
            rss = rss_kb(p.pid) / 1024
            stalls, at = q.get(timeout=60)
            prober.join(10)
            _, m = get(port, "/metrics")
        finally:
            stop(p, 15)
            fake.close()
    errors = re.search(r'healer_watch_errors_total\{rule="wide"\} (\S+)', m)
    cycles = len([r for r in fake.seen()
                  if r[0].startswith("/api/v1/query?") and "count%28" not in r[0]])
    print("\n== metric watcher: %d series every 60 s against a fake Prometheus ==" % SERIES)
    print(machine())
    if learned_at is None:
        print("the history was not learned within %.0f s" % WINDOW_S)
    else:
        print("start (1 h of history, %d points): all series learned after %.1f s, %.2f s CPU"
              % (SERIES * 61, learned_at, learned_cpu))
    print("over %.0f s (%d instant queries): healer CPU %.2f s = %.1f%% of one core; "
          "after the start %.2f s" % (wall, cycles, total_cpu, total_cpu / wall * 100,
                                      total_cpu - (learned_cpu or 0)))
    print("RSS with %d series' states: %.1f MB" % (SERIES, rss))
    print("loop stall (/healthz every 20 ms, %d probes): median %.2f ms, p99 %.2f ms, worst %.2f ms"
          % (len(stalls), pct(stalls, 50) * 1000, pct(stalls, 99) * 1000, max(stalls) * 1000))
    # the same probes away from any query (3 s margin): what the machine does without us
    busy = [(a - 3, b + 3) for a, b in fake.times]
    quiet = [s for s, a in zip(stalls, at) if not any(lo <= a <= hi for lo, hi in busy)]
    if quiet:
        print("  between queries (%d probes): median %.2f ms, p99 %.2f ms, worst %.2f ms"
              % (len(quiet), pct(quiet, 50) * 1000, pct(quiet, 99) * 1000, max(quiet) * 1000))
    print("watch errors: %s" % (errors.group(1) if errors else "0"))


if __name__ == "__main__":
    main()
