#!/usr/bin/env python3
"""HTTP door under idle-connection pressure: /healthz latency (new connection per probe, as a
load balancer does) while another address holds 10,000 idle connections, with the default
caps and with caps raised so that all 10,000 are held. Prints median, p99 and the spread of
three runs. HEALER_BIN picks another binary (to compare builds)."""
import resource
import socket
import statistics
import tempfile
import time

import benchlib
from benchlib import ADMIN_POLICY, daemon_env, machine, pct, runbooks, stop

IDLE = 10000
PROBES = 300


def start(tmp, nofile=None, **env):
    rb = runbooks(tmp, {"policy.yaml": ADMIN_POLICY})
    e = daemon_env(tmp, rb, HEALER_INGEST_TOKEN="bench-token", HEALER_CONSOLE="0", **env)

    def limit():
        if nofile is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
    return benchlib.start(tmp, e, preexec_fn=limit)


def hold_idle(port, n):
    """Opens n connections from 127.0.0.2 that never send a byte; returns the sockets."""
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.setblocking(False)
        s.bind(("127.0.0.2", 0))
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        socks.append(s)
    time.sleep(2.0)  # let the daemon accept (or refuse) the backlog
    return socks


def probe(port):
    t0 = time.perf_counter()
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
    except OSError:
        return None
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while b'{"status":"ok"}' not in data:
            try:
                chunk = s.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    if b"200 OK" not in data:
        return None
    return time.perf_counter() - t0


def scenario(name, nofile=None, **env):
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        p, port = start(tmp, nofile, **env)
        try:
            socks = hold_idle(port, IDLE)
            for _ in range(3):
                lat = [probe(port) for _ in range(PROBES)]
                failed = sum(1 for x in lat if x is None)
                lat = [x for x in lat if x is not None] or [float("nan")]
                runs.append((pct(lat, 50), pct(lat, 99), failed))
            for s in socks:
                s.close()
        finally:
            stop(p)
    p50s = [r[0] for r in runs]
    p99s = [r[1] for r in runs]
    print(f"{name}:")
    print(f"  /healthz p50 {statistics.median(p50s) * 1000:.2f} ms, "
          f"p99 {statistics.median(p99s) * 1000:.2f} ms (median of 3 runs of {PROBES}; "
          f"p99 per run {', '.join(f'{x * 1000:.1f}' for x in p99s)} ms); "
          f"failed probes {sum(r[2] for r in runs)}")


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, IDLE + 2000)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    if want < IDLE + 2000:
        print(f"descriptor limit {hard} is below {IDLE + 2000}: results are not comparable")
    print(f"\n== HTTP under {IDLE} idle connections from another address ==")
    print(machine())
    scenario("default caps (1024 in total, 64 per peer)")
    scenario("default caps, daemon descriptor limit 1024 (a common ulimit -n)", nofile=1024)
    scenario(f"caps raised, all {IDLE} held (HEALER_HTTP_MAX_CONNS=20000, idle 600 s)",
             HEALER_HTTP_MAX_CONNS="20000", HEALER_HTTP_MAX_CONNS_PER_PEER="20000",
             HEALER_HTTP_IDLE_S="600")


if __name__ == "__main__":
    main()
