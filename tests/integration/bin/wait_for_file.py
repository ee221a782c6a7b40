#!/usr/bin/python3
"""Test step: records that it started, then sleeps until a file exists.

usage: wait_for_file.py GO_FILE RUNS_LOG [TIMEOUT_S]
Appends one line to RUNS_LOG when it starts (so a test can count runs and see that the
step is in progress), then polls for GO_FILE; exits 0 when it appears, 1 on timeout.
The daemon gives steps a clean environment, so every path comes in argv."""
import os
import sys
import time


def main():
    go, runs = sys.argv[1], sys.argv[2]
    timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 60.0
    with open(runs, "a") as f:
        f.write("started pid=%d\n" % os.getpid())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(go):
            print("go file found")
            return 0
        time.sleep(0.05)
    print("timed out waiting for %s" % go, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
