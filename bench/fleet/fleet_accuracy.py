#!/usr/bin/env python3
"""The fleet benchmark against Debian's real Prometheus: SERIES generated series (default 1,200) over
7 days at a 1-minute step (10,080 points each) with known truth (tests/fleet/fleet_data.py), backfilled
with promtool, then

  - leakscope analyze --prometheus ... on every series: leak precision and recall, fetch and diagnosis time;
  - the usual alert, computed by Prometheus itself on the same series:
      max_over_time((predict_linear(fleet_memory_bytes[1h], 8*3600) > bool fleet_memory_limit_bytes)[7d:5m])
    i.e. the rule `predict_linear(...[1h], 8*3600) > limit` fires at any 5-minute evaluation of the week.

Usage: fleet_accuracy.py BUILD_DIR [SERIES] [SEED] [DATA_DIR]
DATA_DIR keeps the generated TSDB and its truth, and reuses them when they are there (generating and
backfilling 1,200 series takes minutes).
"""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fleet"))
import fleet_data  # noqa: E402

BUILD = sys.argv[1]
SERIES = int(sys.argv[2]) if len(sys.argv) > 2 else 1200
SEED = int(sys.argv[3]) if len(sys.argv) > 3 else 424242
DATA = sys.argv[4] if len(sys.argv) > 4 else None
DAYS, STEP = 7, 60


def main():
    leakscope = os.path.join(BUILD, "bin", "leakscope")
    with tempfile.TemporaryDirectory(prefix="leakscope-fleet-bench-") as scratch:
        tmp = DATA or scratch
        os.makedirs(tmp, exist_ok=True)
        saved = os.path.join(tmp, "truth.json")
        if os.path.exists(saved):
            with open(saved) as f:
                end, truth = json.load(f)
            print("reusing %d series from %s" % (len(truth), tmp))
        else:
            end = int(time.time()) // STEP * STEP - 3600
            om = os.path.join(tmp, "fleet.om")
            t0 = time.time()
            truth = fleet_data.write_openmetrics(om, SERIES, DAYS, STEP, end, seed=SEED)
            t1 = time.time()
            fleet_data.backfill(om, os.path.join(tmp, "tsdb"))
            os.remove(om)
            with open(saved, "w") as f:
                json.dump([end, truth], f)
            print("generated %d series x %d points in %.0f s, backfilled in %.0f s" %
                  (SERIES, DAYS * 86400 // STEP, t1 - t0, time.time() - t1))
        prom = fleet_data.Prometheus(os.path.join(tmp, "tsdb"))
        try:
            out = os.path.join(tmp, "fleet.json")
            started = time.time()
            r = subprocess.run([leakscope, "analyze", "--prometheus", prom.url, "--query", "fleet_memory_bytes",
                                "--range", "7d", "--step", "1m", "--end", str(end), "--jobs", "2",
                                "--start-time-query", "fleet_process_start_time_seconds",
                                "--limit-query", "fleet_memory_limit_bytes", "--json", out, "--top", "0"],
                               capture_output=True, text=True)
            wall = time.time() - started
            if r.returncode != 0:
                print(r.stderr)
                return 1
            print(r.stderr.strip().splitlines()[-1])
            with open(out) as f:
                series = json.load(f)["series"]
            flagged = {e["labels"]["series"] for e in series if e["verdict"]["leak"]}
            p, rc, tp, fp, fn = fleet_data.leak_scores(truth, flagged)
            started = time.time()
            rule = fleet_data.predict_linear_flagged(prom, end, DAYS)
            rule_s = time.time() - started
            p2, rc2, tp2, fp2, fn2 = fleet_data.leak_scores(truth, rule)
            print("| detector | leak precision | leak recall | TP | FP | FN |")
            print("|---|---|---|---|---|---|")
            print("| leakscope analyze --prometheus | %.3f | %.3f | %d | %d | %d |" % (p, rc, tp, fp, fn))
            print("| predict_linear(...[1h], 8*3600) > limit, any time in the week | %.3f | %.3f | %d | %d | %d |"
                  % (p2, rc2, tp2, fp2, fn2))
            print("leakscope wall time %.1f s for %d series (the rule's query: %.1f s in Prometheus)" % (wall, len(series), rule_s))
            kinds = {}
            for e in series:
                k = truth[e["labels"]["series"]]
                kinds.setdefault(k, [0, 0])
                kinds[k][0] += 1
                kinds[k][1] += e["verdict"]["leak"]
            for k, (n, called) in sorted(kinds.items()):
                print("  %-15s %4d series, %4d called leaks, predict_linear fired on %d" %
                      (k, n, called, sum(1 for s in rule if truth[s] == k)))
        finally:
            prom.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
