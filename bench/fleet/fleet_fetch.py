#!/usr/bin/env python3
"""Time to fetch a fleet from a local Prometheus: SERIES series of POINTS points at a 1-minute step
(default 10,000 x 10,000) are written as OpenMetrics, backfilled with promtool into Debian's
prometheus on a free loopback port, then read back by `leakscope analyze --prometheus` (batches of
100 series per request, each answer parsed as it arrives; the diagnosis of one batch overlaps the
fetch of the next). Prints the fetch time leakscope reports, its total wall time and peak RSS.

Usage: fleet_fetch.py BUILD_DIR [SERIES] [POINTS] [DATA_DIR]
DATA_DIR keeps the TSDB for re-runs (generating and backfilling 100 M samples takes a while).
"""
import json
import os
import random
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fleet"))
import fleet_data  # noqa: E402

STEP = 60


def write_fleet(path, series, points, end):
    """Random walks with a drift in some; the values matter little to the fetch, only their count."""
    start = end - (points - 1) * STEP
    stamps = [str(start + k * STEP) for k in range(points)]
    rng = random.Random(7)
    noise = [int(rng.gauss(0, 2e5)) for _ in range(8191)]
    with open(path, "w") as out:
        out.write("# TYPE fleet_memory_bytes gauge\n")
        for i in range(series):
            base = 100_000_000 + (i % 97) * 10_000_000
            drift = (i % 4 == 3) * 1000
            head = 'fleet_memory_bytes{series="s%05d"} ' % i
            out.write("".join("%s%d %s\n" % (head, base + drift * k + noise[(k * 31 + i) % 8191], stamps[k]) for k in range(points)))
        out.write("# EOF\n")


def main():
    build = sys.argv[1]
    series = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    points = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
    data = sys.argv[4] if len(sys.argv) > 4 else None
    with tempfile.TemporaryDirectory(prefix="leakscope-fleet-fetch-") as scratch:
        tmp = data or scratch
        os.makedirs(tmp, exist_ok=True)
        saved = os.path.join(tmp, "fetch.json")
        if os.path.exists(saved):
            with open(saved) as f:
                end, series, points = json.load(f)
            print("reusing %d series x %d points from %s" % (series, points, tmp))
        else:
            end = int(time.time()) // STEP * STEP - 3600
            om = os.path.join(tmp, "fleet.om")
            t0 = time.time()
            write_fleet(om, series, points, end)
            t1 = time.time()
            fleet_data.backfill(om, os.path.join(tmp, "tsdb"))
            os.remove(om)
            with open(saved, "w") as f:
                json.dump([end, series, points], f)
            print("generated %d series x %d points in %.0f s, backfilled in %.0f s" % (series, points, t1 - t0, time.time() - t1))
        prom = fleet_data.Prometheus(os.path.join(tmp, "tsdb"))
        try:
            started = time.time()
            with tempfile.TemporaryFile("w+") as err:
                p = subprocess.Popen([os.path.join(build, "bin", "leakscope"), "analyze", "--prometheus", prom.url,
                                      "--query", "fleet_memory_bytes", "--range", "%ds" % ((points - 1) * STEP), "--step", "1m",
                                      "--end", str(end), "--jobs", "2", "--json", os.devnull, "--top", "0"],
                                     stdout=subprocess.DEVNULL, stderr=err)
                _, status, usage = os.wait4(p.pid, 0)  # leakscope's own peak RSS, not promtool's
                p.returncode = os.waitstatus_to_exitcode(status)
                err.seek(0)
                stderr = err.read()
            wall = time.time() - started
            peak_mib = usage.ru_maxrss / 1024
            if p.returncode != 0:
                print(stderr)
                return 1
            print(stderr.strip().splitlines()[-1])
            print("%d series x %d points: leakscope wall time %.1f s, peak RSS %.0f MiB" % (series, points, wall, peak_mib))
        finally:
            prom.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
