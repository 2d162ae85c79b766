#!/usr/bin/env python3
"""leakscope's own cost while it watches: CPU time of the leakscope process per second of a run.

Runs `leakscope run` on an idle target (sleep), so the CPU time of leakscope and its children is
leakscope's own, for --no-track and for the tracker, at 10 Hz; prints the percent of one core.

Usage: bench/self_cost/self_cost.py build/bin/leakscope [seconds]
"""
import os
import resource
import subprocess
import sys
import tempfile


def cost(leakscope, seconds, extra):
    with tempfile.TemporaryDirectory() as work:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([leakscope, "run", "-q", "--no-status", "-o", os.path.join(work, "r.lks")] + extra +
                       ["--", "sleep", str(seconds)], check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, after.ru_maxrss


def main():
    leakscope = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 30
    print(f"| mode | run | CPU time | share of one core | peak RSS |")
    print(f"|---|---|---|---|---|")
    for name, extra in [("/proc only (--no-track), 10 Hz", ["--no-track"]), ("tracker on, idle target, 10 Hz", [])]:
        cpu, maxrss_kb = cost(leakscope, seconds, extra)
        print(f"| {name} | {seconds:.0f} s | {cpu:.3f} s | {100 * cpu / seconds:.2f}% | {maxrss_kb / 1024:.1f} MiB |")


if __name__ == "__main__":
    main()
