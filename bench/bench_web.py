#!/usr/bin/env python3
"""Web UI benchmark: render cost of the incident page, the list and the dashboard (24 h, 7 d,
30 d) with 10,000 incidents in the store, p50/p99, by build/bench_web (bench/bench_web.c,
which seeds a temporary store and does what a page's worker does). Bounded: a minute or so."""
import sys

from benchlib import run_c_bench


def main():
    n = sys.argv[1] if len(sys.argv) > 1 else "10000"
    run_c_bench("bench_web", [n], timeout=280)


if __name__ == "__main__":
    main()
