#!/usr/bin/env python3
"""Leak precision and recall of the fleet diagnosis on generated series, without Prometheus: the
series of tests/fleet/fleet_data.py are fed to bench_fleet_offline (the same fleet::diagnose_series
as `analyze --prometheus`), so changes to src/fleet/ can be tried in minutes on a *tuning* seed and
then checked once on held-out seeds (and through the real Prometheus with fleet_accuracy.py).

Usage: fleet_tuning.py BUILD_DIR SERIES SEED [--misses] [--lives NAME]
The published split: tuning seed 1001; held-out seeds 424242 (the README's evaluation set) and 2002.
"""
import os
import struct
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fleet"))
import fleet_data  # noqa: E402

DAYS, STEP = 7, 60


def main():
    build, count, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    show_misses = "--misses" in sys.argv
    explain = sys.argv[sys.argv.index("--lives") + 1:][:1] if "--lives" in sys.argv else []
    driver = subprocess.Popen([os.path.join(build, "bin", "bench_fleet_offline")] + (["--lives"] + explain if explain else []), stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=False)
    truth = {}

    def feed():
        for name, kind, values, started, limit in fleet_data.generate(count, DAYS, STEP, seed):
            truth[name] = kind
            n = len(values)
            # Rounded as the OpenMetrics text rounds them (%.0f); the start time exactly, as
            # fleet::StartTimes gives it on every point.
            driver.stdin.write(b"%s %d %d %.0f\n" % (name.encode(), n, STEP, limit))
            driver.stdin.write(struct.pack("%dd" % n, *[round(v) for v in values]))
            driver.stdin.write(struct.pack("%dd" % n, *started))
        driver.stdin.close()

    feeder = threading.Thread(target=feed)
    feeder.start()
    verdicts = {}
    for line in driver.stdout:
        name, leak, decided, pattern, rate, lo, hi, restarts = line.decode().split()
        verdicts[name] = (leak == "1", decided == "1", pattern, float(rate), float(lo), float(hi), int(restarts))
    feeder.join()
    if driver.wait() != 0 or len(verdicts) != count:
        print("bench_fleet_offline failed")
        return 1
    flagged = {s for s, v in verdicts.items() if v[0]}
    p, r, tp, fp, fn = fleet_data.leak_scores(truth, flagged)
    print("seed %d, %d series: leak precision %.3f recall %.3f (TP %d FP %d FN %d)" % (seed, count, p, r, tp, fp, fn))
    kinds = {}
    for s, kind in truth.items():
        kinds.setdefault(kind, [0, 0, 0])
        kinds[kind][0] += 1
        kinds[kind][1] += verdicts[s][0]
        kinds[kind][2] += not verdicts[s][1]
    for kind, (n, leaks, undecided) in sorted(kinds.items()):
        print("  %-15s %4d series, %4d called leaks, %3d undecided" % (kind, n, leaks, undecided))
    if show_misses:
        for s, kind in sorted(truth.items()):
            v = verdicts[s]
            if v[0] != (kind in fleet_data.LEAK_KINDS):
                print("  miss %s %-15s leak=%d decided=%d %-18s rate %.3g MB/h [%.3g, %.3g] restarts %d" %
                      (s, kind, v[0], v[1], v[2], v[3] * 3600e-6, v[4] * 3600e-6, v[5] * 3600e-6, v[6]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
