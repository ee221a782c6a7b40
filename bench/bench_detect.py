#!/usr/bin/env python3
"""Detector benchmark: cost per point and state per series (build/bench_detect, from
bench/bench_detect.c), then the NAB scores on bench/nab with the time the whole run takes
(`healer detect nab`). Bounded: well under a minute."""
import os
import subprocess
import sys
import time

from benchlib import HEALER, ROOT, run_c_bench


def main():
    subprocess.run(["make", "--no-print-directory", "build/healer"], cwd=ROOT, check=True)
    run_c_bench("bench_detect", [], timeout=120)
    t0 = time.monotonic()
    p = subprocess.run([HEALER, "detect", "nab",
                        os.path.join(ROOT, "bench", "nab")], cwd=ROOT, timeout=120,
                       capture_output=True, text=True)
    sys.stdout.write(p.stdout)
    print(f"NAB run wall time including start-up: {time.monotonic() - t0:.2f} s")
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        sys.exit(p.returncode)


if __name__ == "__main__":
    main()
