#!/usr/bin/env python3
"""Log context benchmark: log lines templated per second on one core (level, masking,
grouping), by build/bench_logtemplate (bench/bench_logtemplate.c). Aim: 500,000 lines/s or
more. Bounded: a few seconds."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    n = sys.argv[1] if len(sys.argv) > 1 else "2000000"
    subprocess.run(["make", "--no-print-directory", "build/bench_logtemplate"], cwd=ROOT,
                   check=True)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}", flush=True)
    p = subprocess.run([os.path.join(ROOT, "build", "bench_logtemplate"), n], cwd=ROOT,
                       timeout=120, capture_output=True, text=True)
    sys.stdout.write(p.stdout)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        sys.exit(p.returncode)


if __name__ == "__main__":
    main()
