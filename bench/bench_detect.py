#!/usr/bin/env python3
"""Detector benchmark: cost per point and state per series (build/bench_detect, from
bench/bench_detect.c), then the NAB scores on bench/nab with the time the whole run takes
(`healer detect nab`). Bounded: well under a minute."""
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    subprocess.run(["make", "--no-print-directory", "build/bench_detect", "build/healer"],
                   cwd=ROOT, check=True)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}", flush=True)
    p = subprocess.run([os.path.join(ROOT, "build", "bench_detect")], cwd=ROOT, timeout=120,
                       capture_output=True, text=True)
    sys.stdout.write(p.stdout)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        sys.exit(p.returncode)
    t0 = time.monotonic()
    p = subprocess.run([os.path.join(ROOT, "build", "healer"), "detect", "nab",
                        os.path.join(ROOT, "bench", "nab")], cwd=ROOT, timeout=120,
                       capture_output=True, text=True)
    sys.stdout.write(p.stdout)
    print(f"NAB run wall time including start-up: {time.monotonic() - t0:.2f} s")
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        sys.exit(p.returncode)


if __name__ == "__main__":
    main()
