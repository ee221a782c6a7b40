#!/usr/bin/env python3
"""Analysis benchmark: similar-incident lookup latency (p50/p99) over 100,000 past incidents
and the store's size on disk per 10,000 incidents, by build/bench_similar (bench/bench_similar.c,
which seeds a temporary store in one transaction). Bounded: about a minute, two at most."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    n = sys.argv[1] if len(sys.argv) > 1 else "100000"
    subprocess.run(["make", "--no-print-directory", "build/bench_similar"], cwd=ROOT,
                   check=True)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}", flush=True)
    p = subprocess.run([os.path.join(ROOT, "build", "bench_similar"), n], cwd=ROOT,
                       timeout=120, capture_output=True, text=True)
    sys.stdout.write(p.stdout)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        sys.exit(p.returncode)


if __name__ == "__main__":
    main()
