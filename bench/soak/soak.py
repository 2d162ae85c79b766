#!/usr/bin/env python3
"""A soak test of leakscope itself: the slow leak on a big base that teams find in hours-long idle
tests (../../README.md, "Measured"). Runs bench_audit_log_soak (120 MB table, ~536 B/s leaked by an
audit logger) for MINUTES under `leakscope run` twice at once, with the tracker and with --no-track, and
reports what each run said against the truth: verdict, steady rate, top site, warm-up, and what the
run cost (recording size; leakscope's own CPU time and peak RSS, read from /proc while it runs: its
rusage at exit would include the target's; the last reading is taken up to a second before it exits, so
the analysis and reports it writes at exit are not in it).

Usage: bench/soak/soak.py BUILD_DIR [MINUTES]   (default 25)
"""
import json
import os
import subprocess
import sys
import tempfile
import time

TRUE_RATE = 536.0  # bytes/s: 1,024 B every 2 s plus the vector's slots (audit_log_soak.cpp)
TRUE_SITE = "audit_keep"


def start(leakscope, target, seconds, work, mode, extra):
    record = os.path.join(work, mode + ".lks")
    report = os.path.join(work, mode + ".json")
    argv = [leakscope, "run", "-q", "--no-status", "-o", record, "--json", report] + extra + ["--", target, str(seconds)]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), record, report


def own_cost(pid):
    """(CPU seconds, peak RSS bytes) of the process itself, not its children; None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{pid}/status") as f:
            peak_kb = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration, IndexError):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks, peak_kb * 1024


def short_name(function):
    name = function.replace("(anonymous namespace)::", "")
    return name.split("(")[0] or function


def main():
    build = sys.argv[1]
    minutes = float(sys.argv[2]) if len(sys.argv) > 2 else 25
    leakscope = os.path.join(build, "bin", "leakscope")
    target = os.path.join(build, "bin", "bench_audit_log_soak")
    seconds = minutes * 60
    with tempfile.TemporaryDirectory() as work:
        runs = {mode: start(leakscope, target, seconds, work, mode, extra)
                for mode, extra in (("tracked", []), ("rss", ["--no-track"]))}
        began = time.time()
        cost = {mode: (0.0, 0) for mode in runs}
        while any(process.poll() is None for process, _, _ in runs.values()):
            for mode, (process, _, _) in runs.items():
                cost[mode] = own_cost(process.pid) or cost[mode]
            time.sleep(1)
        print(f"{minutes:g} minutes of bench_audit_log_soak, both runs at once ({time.time() - began:.0f} s wall); "
              f"truth: a leak of ~{TRUE_RATE:.0f} B/s after a ~125 MB warm-up, top site {TRUE_SITE}\n")
        print("| mode | verdict | steady rate (95% interval) | rate error | top site | warm-up | recording | "
              "leakscope CPU | leakscope peak RSS |")
        print("|---|---|---|---|---|---|---|---|---|")
        for mode, (process, record, report) in runs.items():
            with open(report) as f:
                r = json.load(f)
            v, g = r["verdict"], r["growth"]
            sites = r.get("sites") or []
            cpu_s, peak_bytes = cost[mode]
            rate = g["steady_rate_bytes_per_s"]
            print(f"| {mode} | {'leak' if v['leak'] else ('undecided' if v.get('decided') is False else 'no leak')} "
                  f"{v['pattern']} | {rate:.0f} B/s ({g['rate_ci_low_bytes_per_s']:.0f}-{g['rate_ci_high_bytes_per_s']:.0f}) | "
                  f"{rate / TRUE_RATE - 1:+.1%} | {short_name(sites[0]['function']) if sites else '-'} | "
                  f"{g['warmup_bytes'] / 1e6:.1f} MB | {os.path.getsize(record) / 1e6:.2f} MB | "
                  f"{cpu_s:.1f} s ({cpu_s / seconds:.2%} of a core) | {peak_bytes / 1e6:.1f} MB |")
        ok = all(json.load(open(report))["verdict"]["leak"] for _, _, report in runs.values())
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
