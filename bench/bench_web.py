#!/usr/bin/env python3
"""Web UI benchmark: render cost of the incident page, the list and the dashboard (24 h, 7 d,
30 d) with 10,000 incidents in the store, p50/p99, by build/bench_web (bench/bench_web.c,
which seeds a temporary store and does what a page's worker does). Bounded: a minute or so."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    n = sys.argv[1] if len(sys.argv) > 1 else "10000"
    subprocess.run(["make", "--no-print-directory", "build/bench_web"], cwd=ROOT, check=True)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}", flush=True)
    p = subprocess.run([os.path.join(ROOT, "build", "bench_web"), n], cwd=ROOT,
                       timeout=280, capture_output=True, text=True)
    sys.stdout.write(p.stdout)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        sys.exit(p.returncode)


if __name__ == "__main__":
    main()
