#!/usr/bin/env python3
"""healer benchmarks: ingest throughput with grouping, alert-to-card latency on the console
adapter, and RSS idle and with 10,000 incidents. Then the adapters' own benchmarks when
present. Bounded in time; prints medians, p99 and the machine's noise (repeated runs)."""
import http.client
import json
import multiprocessing
import os
import select
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import ADMIN_POLICY, HEALER, ROOT, TOKEN, daemon_env, machine, pct, rss_kb
from benchlib import runbooks, start, stop


class Daemon:
    def __init__(self, tmp):
        rb = runbooks(tmp, {"policy.yaml": ADMIN_POLICY})
        env = daemon_env(tmp, rb, HEALER_INGEST_TOKEN=TOKEN, HEALER_CONSOLE="1",
                         HEALER_CONSOLE_USER="bench")
        self.p, self.port = start(tmp, env, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        os.set_blocking(self.p.stdout.fileno(), False)
        self.out = b""

    def read_until(self, needle, timeout=5.0):
        deadline = time.time() + timeout
        while needle not in self.out:
            left = deadline - time.time()
            if left <= 0:
                return None
            select.select([self.p.stdout], [], [], left)
            chunk = self.p.stdout.read()
            if chunk:
                self.out += chunk
        t = time.perf_counter()
        self.out = self.out[self.out.index(needle) + len(needle):]
        return t

    def drain(self):
        try:
            while self.p.stdout.read():
                pass
        except (BlockingIOError, TypeError):
            pass
        self.out = b""

    def stop(self):
        stop(self.p)


def alert_body(fps, status="firing", starts="2026-01-01T00:00:00Z"):
    return json.dumps({"version": "4", "status": status, "receiver": "healer", "alerts": [
        {"status": status, "labels": {"alertname": "BenchAlert", "instance": fp,
                                      "severity": "warning"},
         "annotations": {"summary": "bench " + fp}, "startsAt": starts,
         "fingerprint": fp} for fp in fps]})


def post(conn, body):
    conn.request("POST", "/alerts/alertmanager", body,
                 {"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"})
    r = conn.getresponse()
    r.read()
    return r.status


def ingest_worker(args):
    port, worker, n, per_post = args
    conn = http.client.HTTPConnection("127.0.0.1", port)
    lat = []
    t0 = time.perf_counter()
    for i in range(n):
        # 200 fingerprints, each re-firing with a new startsAt: grouping, not new incidents
        fps = [f"fp-{(i * per_post + k) % 200}" for k in range(per_post)]
        body = alert_body(fps, starts=f"2026-01-01T00:{(i // 200) % 60:02d}:{worker:02d}.{i:06d}Z"[:29])
        s = time.perf_counter()
        st = post(conn, body)
        lat.append(time.perf_counter() - s)
        if st != 202:
            raise SystemExit(f"unexpected status {st}")
    return time.perf_counter() - t0, lat


def bench_ingest(d, per_post, total_posts, clients=2):
    # warm the 200 incidents first
    conn = http.client.HTTPConnection("127.0.0.1", d.port)
    post(conn, alert_body([f"fp-{k}" for k in range(200)]))
    with multiprocessing.Pool(clients) as pool:
        t0 = time.perf_counter()
        res = pool.map(ingest_worker, [(d.port, w, total_posts // clients, per_post)
                                       for w in range(clients)])
        wall = time.perf_counter() - t0
    lat = [x for _, l in res for x in l]
    return total_posts * per_post / wall, lat


def bench_card_latency(d, n=300):
    conn = http.client.HTTPConnection("127.0.0.1", d.port)
    d.drain()
    lat = []
    for i in range(n):
        fp = f"lat-{i}"
        t0 = time.perf_counter()
        r = None
        conn.request("POST", "/alerts/alertmanager", alert_body([fp]),
                     {"Authorization": "Bearer " + TOKEN})
        resp = conn.getresponse()
        body = json.loads(resp.read())
        key = body["incidents"][0].encode()
        r = d.read_until(b" " + key + b" \xc2\xb7 ")  # the card's top rule: "╭─ 🚨 INC-n · "
        if r is None:
            raise SystemExit(f"no card for {key!r}")
        lat.append(r - t0)
    return lat


def fmt_ms(v):
    return f"{v * 1000:.2f} ms"


def main():
    if not os.path.exists(HEALER):
        raise SystemExit("build first: make")
    results = []
    noise = []
    with tempfile.TemporaryDirectory() as tmp:
        d = Daemon(tmp)
        try:
            time.sleep(0.5)
            idle = rss_kb(d.p.pid)
            idle_anon = rss_kb(d.p.pid, "RssAnon:")
            for rep in range(3):
                rate1, lat1 = bench_ingest(d, 1, 4000)
                noise.append(rate1)
            rate100, lat100 = bench_ingest(d, 100, 200)
            card = bench_card_latency(d)
            # 10,000 incidents in the store
            conn = http.client.HTTPConnection("127.0.0.1", d.port)
            for b in range(100):
                post(conn, alert_body([f"bulk-{b}-{k}" for k in range(100)]))
            time.sleep(1.0)
            full = rss_kb(d.p.pid)
            full_anon = rss_kb(d.p.pid, "RssAnon:")
        finally:
            d.stop()
    print("\n== healer core benchmark ==")
    print(machine())
    print(f"ingest, 1 alert/POST, 2 keep-alive clients, grouping into 200 open incidents:")
    print(f"  alerts/s per run: {', '.join(f'{r:.0f}' for r in noise)}"
          f"  (median {statistics.median(noise):.0f}, spread "
          f"{(max(noise) - min(noise)) / statistics.median(noise) * 100:.0f}%)")
    print(f"  POST latency p50 {fmt_ms(pct(lat1, 50))}, p99 {fmt_ms(pct(lat1, 99))}")
    print(f"ingest, 100 alerts/POST: {rate100:.0f} alerts/s; POST p50 {fmt_ms(pct(lat100, 50))},"
          f" p99 {fmt_ms(pct(lat100, 99))}")
    print(f"alert POST → card printed on the console ({len(card)} new incidents):"
          f" p50 {fmt_ms(pct(card, 50))}, p99 {fmt_ms(pct(card, 99))}")
    print(f"RSS idle {idle / 1024:.1f} MB ({idle_anon / 1024:.1f} MB private); with 10,000+"
          f" incidents {full / 1024:.1f} MB ({full_anon / 1024:.1f} MB private)")
    for extra in ("bench_http.py", "bench_slack.py", "bench_teams.py", "bench_analysis.py",
                  "bench_stall.py", "bench_retention.py", "bench_watch.py", "bench_detect.py",
                  "bench_logs.py", "bench_web.py",
                  "bench_correlate.py", "bench_mail.py"):
        path = os.path.join(ROOT, "bench", extra)
        if os.path.exists(path):
            print(f"\n== {extra} ==", flush=True)
            subprocess.run([sys.executable, path], cwd=ROOT, timeout=300)


if __name__ == "__main__":
    main()
