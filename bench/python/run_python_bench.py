#!/usr/bin/env python3
"""Overhead on Python targets, side by side in one run: the plain interpreter, `python3 -X tracemalloc=1`
(the anchor Python users know), `leakscope run` with full tracking, and with --sample-bytes 512K.
Each configuration runs `--repeat` times interleaved; a ratio is the median over rounds of (time /
plain time of the same round). Wall time is what the user waits; CPU time (user+sys of the target and,
for leakscope, of leakscope itself) is steadier on a shared machine.

    bench/python/run_python_bench.py build/bin/leakscope [--python /usr/bin/python3] [--repeat 5]
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = {"alloc-heavy pure Python": ("alloc_heavy.py", "400000"), "numpy": ("numpy_work.py", "20000")}


def timed(command):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("leakscope")
    parser.add_argument("--python", default="/usr/bin/python3")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    lks = os.path.join(tmp, "bench.lks")
    configs = {
        "plain": lambda cmd: cmd,
        "tracemalloc": lambda cmd: [cmd[0], "-X", "tracemalloc=1", *cmd[1:]],
        "leakscope full": lambda cmd: [args.leakscope, "run", "--no-status", "-o", lks, "--", *cmd],
        "leakscope sampled 512K": lambda cmd: [args.leakscope, "run", "--no-status", "-o", lks,
                                                "--sample-bytes", "512K", "--", *cmd],
    }
    print(f"{'workload':26} {'configuration':24} {'wall s':>8} {'wall x':>8} {'cpu x':>8}")
    for workload, (script, n) in WORKLOADS.items():
        base = [args.python, os.path.join(HERE, script), n]
        rows = {name: [] for name in configs}
        for _ in range(args.repeat):
            for name, make in configs.items():
                rows[name].append(timed(make(base)))
        plain = rows["plain"]
        for name, runs in rows.items():
            wall_x = statistics.median(w / p[0] for (w, _), p in zip(runs, plain))
            cpu_x = statistics.median(c / p[1] for (_, c), p in zip(runs, plain))
            print(f"{workload:26} {name:24} {statistics.median(w for w, _ in runs):8.2f} {wall_x:8.2f} {cpu_x:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
