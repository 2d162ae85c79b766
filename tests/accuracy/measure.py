#!/usr/bin/env python3
"""Measures what a program really does, to state its truth in the manifest: runs it under `leakscope
run --csv` and prints the levels and least-squares slopes of RSS and of the live heap over time windows.

The program is a corpus case (NAME, from examples/patterns/manifest.json), or one not in the manifest
yet (`-- CMD ARGS...`, with --seconds: it is run as `CMD ARGS... SECONDS`, its run length last, as
every corpus program takes it). Either runs in one of two ways:
- tracked (the default): leakscope's tracker is preloaded, so the live heap is recorded next to RSS
  (RSS then holds the tracker's own memory too);
- --plain: `leakscope run --no-track`, what the program does in a plain run: leakscope only samples
  /proc (RSS, no live heap) and preloads nothing: the program's environment is this script's own plus
  the case's "env" (e.g. its own LD_PRELOAD of jemalloc), with no LD_PRELOAD of the tracker and no
  LEAKSCOPE_TRACKER_* variables (tests/accuracy/test_measure.py reads the child's /proc/PID/environ).

Usage: measure.py BUILD_DIR NAME [--seconds N] [--window FROM:TO ...] [--plain] [--csv FILE]
       measure.py BUILD_DIR --seconds N [--window FROM:TO ...] [--plain] [--csv FILE] -- CMD [ARGS...]
"""
import argparse
import csv
import os
import shlex
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


def parse_arguments(argv):
    """The options, and the command after "--" (empty when a manifest case is named). Split by hand:
    argparse would take the command's own options (`python3 -u`) for this script's."""
    command = []
    if "--" in argv:
        split = argv.index("--")
        argv, command = argv[:split], argv[split + 1:]
    parser = argparse.ArgumentParser(description=__doc__.split("\nUsage:")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     usage="%(prog)s BUILD_DIR NAME [options] | %(prog)s BUILD_DIR --seconds N [options] -- CMD [ARGS...]")
    parser.add_argument("build")
    parser.add_argument("name", nargs="?", help="a case of the manifest (or give -- CMD ARGS... instead)")
    parser.add_argument("--seconds", type=float, help="run length (default: the case's; required with -- CMD)")
    parser.add_argument("--window", action="append", default=[], help="FROM:TO in seconds (repeatable)")
    parser.add_argument("--plain", "--no-track", dest="plain", action="store_true",
                        help="run without the tracker (leakscope run --no-track): nothing preloaded, no "
                             "LEAKSCOPE_TRACKER_* variables in the program's environment; RSS from /proc only")
    parser.add_argument("--csv", help="keep the series here")
    args = parser.parse_args(argv)
    args.command = command
    if bool(args.name) == bool(command):
        parser.error("name a case of the manifest, or give the program after -- (not both)")
    if command and args.seconds is None:
        parser.error("--seconds is required with -- CMD (the program is not in the manifest)")
    return args


def target(args):
    """What to run: (label, argv with the run length last, environment, seconds)."""
    if args.command:
        seconds = args.seconds
        return shlex.join(args.command), args.command + [f"{seconds:g}"], dict(os.environ), seconds
    case = next((c for c in corpus.load() if c["name"] == args.name), None)
    if case is None:
        sys.exit(f"measure.py: no case named {args.name} in {corpus.MANIFEST}")
    seconds = args.seconds or case["seconds"]
    return args.name, corpus.command(case, args.build, f"{seconds:g}"), corpus.environment(case), seconds


def leakscope_command(build, work, csv_path, plain, program):
    return [os.path.join(build, "bin", "leakscope"), "run", "-q", "-o", os.path.join(work, "r.lks"),
            "--csv", csv_path] + (["--no-track"] if plain else []) + ["--"] + program


def main(argv):
    args = parse_arguments(argv)
    label, program, env, seconds = target(args)
    with tempfile.TemporaryDirectory(prefix="leakscope-measure-") as work:
        csv_path = args.csv or os.path.join(work, "series.csv")
        subprocess.run(leakscope_command(args.build, work, csv_path, args.plain, program), env=env, check=True,
                       stdout=subprocess.DEVNULL)
        series = read_series(csv_path)
    how = "plain: nothing preloaded, RSS only" if args.plain else "tracked"
    print(f"{label} ({seconds:g} s, {how}):")
    windows = [tuple(float(x) for x in w.split(":")) for w in args.window] or [(0, seconds + 5)]
    for start, end in windows:
        describe(series, start, end)


if __name__ == "__main__":
    main(sys.argv[1:])
