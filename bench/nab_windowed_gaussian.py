#!/usr/bin/env python3
"""A check of healer's NAB scorer with a detector published on NAB's scoreboard: the Windowed
Gaussian (score = 1 - Gaussian tail probability of the value against the mean and standard
deviation of up to 6,400 past values, refreshed every 100 once the window is full), written
from its description. Writes score files in NAB's layout and scores them:

    bench/nab_windowed_gaussian.py [NABDIR [OUTDIR]]

takes about a minute (pure Python)."""
import json
import math
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WINDOW, STEP = 6400, 100


def tail(x, mean, std):
    z = abs(x - mean) / std
    return 0.5 * math.erfc(z / math.sqrt(2))


def stats(window):
    mean = sum(window) / len(window)
    std = math.sqrt(sum((x - mean) ** 2 for x in window) / len(window))
    return mean, std if std > 0 else 1e-6


def score_file(src, dst):
    with open(src) as f:
        rows = [line.rstrip("\n").split(",")[:2] for line in f][1:]
    window, pending, mean, std = [], [], 0.0, 1.0
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    with open(dst, "w") as out:
        out.write("timestamp,value,anomaly_score\n")
        for ts, v in rows:
            x = float(v)
            score = 1 - tail(x, mean, std) if window else 0.0
            if len(window) < WINDOW:
                window.append(x)
                mean, std = stats(window)
            else:
                pending.append(x)
                if len(pending) == STEP:
                    window = window[STEP:] + pending
                    pending = []
                    mean, std = stats(window)
            out.write("%s,%r,%r\n" % (ts, x, score))


def main():
    nab = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "bench", "nab")
    out = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="nab-wg-")
    with open(os.path.join(nab, "combined_windows_dev.json")) as f:
        names = list(json.load(f))
    for name in names:
        score_file(os.path.join(nab, "data", name), os.path.join(out, name))
    subprocess.run([os.path.join(ROOT, "build", "healer"), "detect", "nab", nab, out],
                   check=True)


if __name__ == "__main__":
    main()
