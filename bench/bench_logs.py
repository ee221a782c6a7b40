#!/usr/bin/env python3
"""Log context benchmark: log lines templated per second on one core (level, masking,
grouping), by build/bench_logtemplate (bench/bench_logtemplate.c). Aim: 500,000 lines/s or
more. Bounded: a few seconds."""
import sys

from benchlib import run_c_bench


def main():
    n = sys.argv[1] if len(sys.argv) > 1 else "2000000"
    run_c_bench("bench_logtemplate", [n], timeout=120)


if __name__ == "__main__":
    main()
