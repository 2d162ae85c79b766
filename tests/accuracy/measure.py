#!/usr/bin/env python3
"""Measures what a corpus program really does, to state its truth in the manifest: runs it under
`leakscope run --csv` (allocations tracked, so the live heap is recorded next to RSS) and prints the
levels and least-squares slopes of RSS and of the live heap over time windows.

Usage: measure.py BUILD_DIR NAME [--seconds N] [--window FROM:TO ...] [--no-track] [--csv FILE]
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile

import corpus


def slope(ts, ys):
    n = len(ts)
    if n < 2:
        return float("nan")
    mt, my = sum(ts) / n, sum(ys) / n
    den = sum((t - mt) ** 2 for t in ts)
    return sum((t - mt) * (y - my) for t, y in zip(ts, ys)) / den if den else float("nan")


def read_series(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    series = {}
    for column in ("rss", "live_heap", "mapped"):
        points = [(float(r["t_s"]), float(r[column])) for r in rows if r.get(column)]
        if points:
            series[column] = points
    return series


def describe(series, start, end):
    for column, points in series.items():
        window = [(t, y) for t, y in points if start <= t <= end]
        if len(window) < 2:
            continue
        ts, ys = zip(*window)
        print(f"  {column:9s} {start:5.1f}-{end:5.1f} s: first {ys[0] / 1e6:8.2f} MB  last {ys[-1] / 1e6:8.2f} MB  "
              f"min {min(ys) / 1e6:8.2f}  max {max(ys) / 1e6:8.2f}  slope {slope(ts, ys):12.0f} B/s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build")
    parser.add_argument("name")
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--window", action="append", default=[], help="FROM:TO in seconds (repeatable)")
    parser.add_argument("--no-track", action="store_true")
    parser.add_argument("--csv", help="keep the series here")
    args = parser.parse_args()
    case = next((c for c in corpus.load() if c["name"] == args.name), None)
    if case is None:
        sys.exit(f"measure.py: no case named {args.name} in {corpus.MANIFEST}")
    seconds = args.seconds or case["seconds"]
    with tempfile.TemporaryDirectory(prefix="leakscope-measure-") as work:
        csv_path = args.csv or os.path.join(work, "series.csv")
        cmd = [os.path.join(args.build, "bin", "leakscope"), "run", "-q", "-o", os.path.join(work, "r.lks"),
               "--csv", csv_path] + (["--no-track"] if args.no_track else []) + ["--"] + \
            corpus.command(case, args.build, seconds)
        subprocess.run(cmd, env=corpus.environment(case), check=True, stdout=subprocess.DEVNULL)
        series = read_series(csv_path)
    print(f"{args.name} ({seconds:g} s):")
    windows = [tuple(float(x) for x in w.split(":")) for w in args.window] or [(0, seconds + 5)]
    for start, end in windows:
        describe(series, start, end)


if __name__ == "__main__":
    main()
