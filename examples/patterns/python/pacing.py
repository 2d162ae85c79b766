"""Wall-clock pacing for the Python pattern programs (the twin of ../pacing.hpp): work is tied to
time, not to CPU speed, so each program's true growth rate in bytes per second holds on any machine."""
import sys
import time

START = time.monotonic()  # the program's start (pacing is imported first)


def run_seconds(fallback):
    """Seconds the program runs: argv[1], or `fallback`."""
    return float(sys.argv[1]) if len(sys.argv) > 1 else fallback


def every(period_s, seconds, tick, at_least_s=0.0):
    """Calls tick(i, t) every period_s seconds (t = seconds since the program started) until `seconds`
    have passed since the program started (so start-up work counts in the run length), and for at
    least `at_least_s` seconds: a start-up whose length depends on the CPU (a JIT) is always followed
    by that much steady state."""
    first = time.monotonic()
    end = max(START + seconds, first + at_least_s)
    i = 0
    while True:
        now = time.monotonic()
        if now >= end:
            break
        t = now - START
        tick(i, t)
        i += 1
        delay = first + i * period_s - time.monotonic()
        if delay > 0:
            time.sleep(delay)
