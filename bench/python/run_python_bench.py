#!/usr/bin/env python3
"""Overhead on Python targets, side by side in one run: the plain interpreter, `python3 -X tracemalloc=1`
(the anchor Python users know), `leakscope run` with full tracking, and with --sample-bytes 512K.
Each configuration runs `--repeat` times interleaved; a ratio is the median over rounds of (time /
plain time of the same round). Wall time is what the user waits; CPU time (user+sys of the target and,
for leakscope, of leakscope itself) is steadier on a shared machine. "best" is the ratio of the smallest
CPU times over the rounds: other jobs on the machine only ever add time (contention, a colder cache),
so on a loaded machine the best round is the one least disturbed. For leakscope the CPU is also split:
the target's own (the tracker inside it; each interpreter writes its CPU at exit, see cpu_probe/) and
leakscope's (sampling /proc, the collector, and at the end symbolizing and the reports: mostly a fixed
cost per run, which weighs more the shorter the workload).

    bench/python/run_python_bench.py build/bin/leakscope [--python /usr/bin/python3] [--repeat 5] [--scale 1]
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


def timed(command, cpu_file):
    """(wall s, CPU s of everything, CPU s of the target's interpreter alone)."""
    open(cpu_file, "w").close()
    env = dict(os.environ, LEAKSCOPE_BENCH_CPU_FILE=cpu_file,
               PYTHONPATH=os.pathsep.join(filter(None, [os.path.join(HERE, "cpu_probe"), os.environ.get("PYTHONPATH")])))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    target = sum(float(line) for line in open(cpu_file) if line.strip())
    return wall, cpu, target


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("leakscope")
    parser.add_argument("--python", default="/usr/bin/python3")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scale", type=float, default=1.0, help="workload length, times the default")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    lks = os.path.join(tmp, "bench.lks")
    cpu_file = os.path.join(tmp, "cpu")
    configs = {
        "plain": lambda cmd: cmd,
        "tracemalloc": lambda cmd: [cmd[0], "-X", "tracemalloc=1", *cmd[1:]],
        "leakscope full": lambda cmd: [args.leakscope, "run", "--no-status", "-o", lks, "--", *cmd],
        "leakscope sampled 512K": lambda cmd: [args.leakscope, "run", "--no-status", "-o", lks,
                                                "--sample-bytes", "512K", "--", *cmd],
    }
    print(f"{'workload':26} {'configuration':24} {'wall s':>7} {'wall x':>7} {'cpu x':>7} {'target x':>9} "
          f"{'leakscope s':>12} {'best cpu x':>11} {'best target x':>14}")
    for workload, (script, n) in WORKLOADS.items():
        base = [args.python, os.path.join(HERE, script), str(int(int(n) * args.scale))]
        rows = {name: [] for name in configs}
        for _ in range(args.repeat):
            for name, make in configs.items():
                rows[name].append(timed(make(base), cpu_file))
        plain = rows["plain"]
        for name, runs in rows.items():
            wall_x = statistics.median(w / p[0] for (w, _, _), p in zip(runs, plain))
            cpu_x = statistics.median(c / p[1] for (_, c, _), p in zip(runs, plain))
            # The target's interpreter alone, against the plain interpreter's own CPU.
            target_x = statistics.median(t / p[2] for (_, _, t), p in zip(runs, plain))
            own = statistics.median(c - t for (_, c, t) in runs)
            own_text = f"{own:12.3f}" if name.startswith("leakscope") else f"{'':12}"
            best_cpu_x = min(c for _, c, _ in runs) / min(c for _, c, _ in plain)
            best_target_x = min(t for _, _, t in runs) / min(t for _, _, t in plain)
            print(f"{workload:26} {name:24} {statistics.median(w for w, _, _ in runs):7.2f} {wall_x:7.2f} "
                  f"{cpu_x:7.2f} {target_x:9.2f} {own_text} {best_cpu_x:11.2f} {best_target_x:14.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
