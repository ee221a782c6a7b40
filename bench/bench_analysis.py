#!/usr/bin/env python3
"""Analysis benchmark: similar-incident lookup latency (p50/p99) over 100,000 past incidents
and the store's size on disk per 10,000 incidents, by build/bench_similar (bench/bench_similar.c,
which seeds a temporary store in one transaction). Bounded: about a minute, two at most."""
import sys

from benchlib import run_c_bench


def main():
    n = sys.argv[1] if len(sys.argv) > 1 else "100000"
    run_c_bench("bench_similar", [n], timeout=120)


if __name__ == "__main__":
    main()
