#!/usr/bin/env python3
"""`leakscope analyze --prometheus` against Debian's real Prometheus on a TSDB backfilled with
`promtool tsdb create-blocks-from openmetrics`: 300 generated series over 7 days with known truth
(leaks, warm-ups, restarts every 72 h, sawtooths, flat), see fleet_data.py. Checks the verdicts, the
ranking and the reports.

Usage: e2e_fleet_backfill.py LEAKSCOPE   (exit 77 = skipped: no prometheus/promtool)
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleet_data  # noqa: E402

LEAKSCOPE = sys.argv[1]
SERIES, DAYS, STEP = 300, 7, 300


def main():
    if not shutil.which("prometheus") or not shutil.which("promtool"):
        print("SKIPPED: prometheus/promtool not installed (Debian package prometheus)")
        return 77
    with tempfile.TemporaryDirectory(prefix="leakscope-fleet-") as tmp:
        end = int(time.time()) // STEP * STEP - 3600
        om = os.path.join(tmp, "fleet.om")
        truth = fleet_data.write_openmetrics(om, SERIES, DAYS, STEP, end, seed=20261203)
        fleet_data.backfill(om, os.path.join(tmp, "tsdb"))
        prom = fleet_data.Prometheus(os.path.join(tmp, "tsdb"))
        try:
            out = os.path.join(tmp, "fleet")
            r = subprocess.run([LEAKSCOPE, "analyze", "--prometheus", prom.url, "--query", "fleet_memory_bytes",
                                "--range", "%dd" % DAYS, "--step", "5m", "--end", str(end),
                                "--start-time-query", "fleet_process_start_time_seconds",
                                "--limit-query", "fleet_memory_limit_bytes", "--batch", "64",
                                "--json", out + ".json", "--html", out + ".html", "--markdown", out + ".md",
                                "--fail-on-leak"], capture_output=True, text=True, timeout=240)
            print(r.stderr[-2500:])
            assert r.returncode == 100, "--fail-on-leak with leaks in the fleet: exit %d" % r.returncode
            with open(out + ".json") as f:
                doc = json.load(f)
            assert doc["schema"] == "leakscope.fleet/1"
            series = doc["series"]
            assert len(series) == SERIES, len(series)
            flagged = {e["labels"]["series"] for e in series if e["verdict"]["leak"]}
            precision, recall, tp, fp, fn = fleet_data.leak_scores(truth, flagged)
            print("leakscope: precision %.3f recall %.3f (tp %d fp %d fn %d)" % (precision, recall, tp, fp, fn))
            assert precision >= 0.95 and recall >= 0.95, (precision, recall)
            # Warm-ups restarted every 72 h are not leaks; leaks restarted every 72 h are.
            by_kind = {}
            for e in series:
                by_kind.setdefault(truth[e["labels"]["series"]], []).append(e)
            assert all(e["restarts"] >= 1 for e in by_kind["leak_restart"] + by_kind["warmup_restart"])
            assert all(e["restarts"] == 0 for e in by_kind["flat"])
            # Ranking: every leak before every non-leak, leaks by time to limit.
            leaks = [e["verdict"]["leak"] for e in series]
            assert leaks == sorted(leaks, reverse=True)
            ttl = [e["growth"]["projection"]["time_to_limit_s"] for e in series if e["verdict"]["leak"]]
            known = [t for t in ttl if t is not None]
            assert known == sorted(known) and ttl[:len(known)] == known, "leaks not ranked by time to limit"
            # The rate of leaks without restarts against the generator's truth is checked in bench/fleet
            # (the generator's rates are not exported); here: each leak's rate interval is positive.
            assert all(e["growth"]["rate_ci_low_bytes_per_s"] > 0 for e in series if e["verdict"]["leak"])
            with open(out + ".html") as f:
                html = f.read()
            assert html.count("<polyline") == SERIES and prom.url + "/graph?g0.expr=" in html
            with open(out + ".md") as f:
                assert f.read().startswith("## leakscope fleet: %d of %d series leaking" % (len(flagged), SERIES))

            # Bad input: one clear line, exit 125 / 2, never a hang.
            bad = subprocess.run([LEAKSCOPE, "analyze", "--prometheus", prom.url, "--query", "rate(("],
                                 capture_output=True, text=True, timeout=60)
            assert bad.returncode == 125 and "bad_data" in bad.stderr and bad.stderr.count("\n") == 1, bad.stderr
            unreachable = subprocess.run([LEAKSCOPE, "analyze", "--prometheus", "http://127.0.0.1:9", "--query", "up"],
                                         capture_output=True, text=True, timeout=60)
            assert unreachable.returncode == 125 and "Prometheus at http://127.0.0.1:9" in unreachable.stderr, unreachable.stderr
        finally:
            prom.stop()
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
