#!/usr/bin/env python3
"""The event loop's worst stall while reports run: a store of 100,000 incidents (seeded by
build/bench_similar), the daemon on it, a probe asking GET /healthz back to back on a
keep-alive connection, and `stats 30d` typed on the console and /metrics scraped meanwhile.
The stall is the probe's worst latency during the reports, beside its worst latency with
nothing running (the machine's own noise). Bounded: about a minute."""
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from bench import Daemon, pct  # noqa: E402

N = int(os.environ.get("BENCH_STALL_INCIDENTS", "100000"))
REPORTS = 5


class Probe(threading.Thread):
    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.samples = []  # (monotonic start, seconds)
        self.stop = False

    def run(self):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while not self.stop:
            t = time.monotonic()
            c.request("GET", "/healthz")
            c.getresponse().read()
            self.samples.append((t, time.monotonic() - t))
            time.sleep(0.001)

    def worst(self, t0, t1):
        # every request that was in flight at some point of [t0, t1]
        v = [s for t, s in self.samples if t <= t1 and t + s >= t0]
        return (max(v) if v else float("nan")), v


def main():
    subprocess.run(["make", "--no-print-directory", "build/bench_similar"], cwd=ROOT,
                   check=True)
    with tempfile.TemporaryDirectory(prefix="healer-bench-stall-") as tmp:
        db = os.path.join(tmp, "bench.db")
        t = time.monotonic()
        subprocess.run([os.path.join(ROOT, "build", "bench_similar"), str(N), db], check=True,
                       stdout=subprocess.DEVNULL, timeout=300)
        seeded = time.monotonic() - t
        d = Daemon(tmp)
        probe = Probe(d.port)
        try:
            probe.start()
            time.sleep(2.0)
            q0 = time.monotonic()
            time.sleep(3.0)
            quiet, quiet_v = probe.worst(q0, time.monotonic())
            stats_ms, worst_stats = [], []
            for _ in range(REPORTS):
                d.drain()
                a = time.monotonic()
                d.p.stdin.write(b"stats 30d\n")
                d.p.stdin.flush()
                if d.read_until(b"Stats for the last 30d", timeout=60) is None:
                    raise SystemExit("no stats reply")
                b = time.monotonic()
                stats_ms.append((b - a) * 1000)
                worst_stats.append(probe.worst(a, b)[0])
            scrape_ms, worst_scrape = [], []
            c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=60)
            for _ in range(REPORTS):
                a = time.monotonic()
                c.request("GET", "/metrics")
                c.getresponse().read()
                b = time.monotonic()
                scrape_ms.append((b - a) * 1000)
                worst_scrape.append(probe.worst(a, b)[0])
        finally:
            probe.stop = True
            d.stop()
    print(f"\nloop stall while reports run over {N:,} incidents (seeded in {seeded:.0f} s; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f})")
    print(f"  /healthz with nothing running: p50 {statistics.median(quiet_v) * 1000:.2f} ms, "
          f"p99 {pct(quiet_v, 99) * 1000:.2f} ms, worst {quiet * 1000:.2f} ms "
          f"(n={len(quiet_v)}: the noise)")
    print(f"  `stats 30d` on the console: reply in median {statistics.median(stats_ms):.0f} ms;"
          f" worst /healthz meanwhile median {statistics.median(worst_stats) * 1000:.2f} ms, "
          f"max {max(worst_stats) * 1000:.2f} ms (aim < 5 ms)")
    print(f"  GET /metrics: answered in median {statistics.median(scrape_ms):.0f} ms; worst "
          f"/healthz meanwhile median {statistics.median(worst_scrape) * 1000:.2f} ms, max "
          f"{max(worst_scrape) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
