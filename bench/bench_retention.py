#!/usr/bin/env python3
"""Alert retention benchmark: how long one HEALER_ALERT_RETENTION tick (store_alerts_prune
over 1,000 alert rows) holds the loop thread, p50/p99, during the first sweep over 100,000
finished incidents (deleting) and during a later one (nothing to delete), by build/bench_prune
(bench/bench_prune.c, which seeds a temporary store). Bounded: a few minutes at most."""
import sys

from benchlib import run_c_bench


def main():
    n = sys.argv[1] if len(sys.argv) > 1 else "100000"
    run_c_bench("bench_prune", [n], timeout=280)


if __name__ == "__main__":
    main()
