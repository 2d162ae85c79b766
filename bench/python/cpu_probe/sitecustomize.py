"""Loaded by every interpreter the benchmark starts (PYTHONPATH): at exit, appends this process's own CPU
time (user + sys, children excluded) to $LEAKSCOPE_BENCH_CPU_FILE, so that leakscope's own CPU can be told
from the target's."""
import atexit
import os
import resource


def _write_cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    with open(os.environ["LEAKSCOPE_BENCH_CPU_FILE"], "a") as out:
        out.write(f"{usage.ru_utime + usage.ru_stime}\n")


if os.environ.get("LEAKSCOPE_BENCH_CPU_FILE"):
    atexit.register(_write_cpu)
