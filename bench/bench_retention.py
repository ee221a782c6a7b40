#!/usr/bin/env python3
"""Alert retention benchmark: how long one HEALER_ALERT_RETENTION tick (store_alerts_prune
over 1,000 alert rows) holds the loop thread, p50/p99, during the first sweep over 100,000
finished incidents (deleting) and during a later one (nothing to delete), by build/bench_prune
(bench/bench_prune.c, which seeds a temporary store). Bounded: a few minutes at most."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    n = sys.argv[1] if len(sys.argv) > 1 else "100000"
    subprocess.run(["make", "--no-print-directory", "build/bench_prune"], cwd=ROOT, check=True)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}", flush=True)
    p = subprocess.run([os.path.join(ROOT, "build", "bench_prune"), n], cwd=ROOT,
                       timeout=280, capture_output=True, text=True)
    sys.stdout.write(p.stdout)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        sys.exit(p.returncode)


if __name__ == "__main__":
    main()
