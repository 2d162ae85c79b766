"""Wall-clock pacing for the Python pattern programs (the twin of ../pacing.hpp): work is tied to
time, not to CPU speed, so each program's true growth rate in bytes per second holds on any machine."""
import sys
import time

START = time.monotonic()  # the program's start (pacing is imported first)

# A tick that starts this much after its time means the machine did not give the program the CPU its
# pacing needs: its growth over time is not the one the manifest states (../pacing.hpp).
LATE_TICK_S = 0.25


def run_seconds(fallback):
    """Seconds the program runs: argv[1], or `fallback`."""
    return float(sys.argv[1]) if len(sys.argv) > 1 else fallback


class _Schedule:
    """Tick i is due period_s * i after the first; keeps count of the ticks that start late."""

    def __init__(self, period_s, seconds, at_least_s):
        self.period_s = period_s
        self.first = time.monotonic()
        self.end = max(START + seconds, self.first + at_least_s)
        self.i = self.late_ticks = 0
        self.worst_late_s = 0.0

    def start_tick(self):
        """(i, t) of the tick to run now, t in seconds since the program started; None when the run is over."""
        now = time.monotonic()
        if now >= self.end:
            return None
        late_s = now - (self.first + self.i * self.period_s)
        if late_s > LATE_TICK_S:
            self.late_ticks += 1
        self.worst_late_s = max(self.worst_late_s, late_s)
        self.i += 1
        return self.i - 1, now - START

    def delay(self):
        """Seconds until the next tick is due (<= 0: it is late, run it at once)."""
        return self.first + self.i * self.period_s - time.monotonic()

    def report(self):
        """Says on stderr, in the line the test harnesses look for, that the pacing was not kept."""
        if self.late_ticks:
            print(f"pacing lost: {self.late_ticks} of {self.i} ticks started more than {LATE_TICK_S:.2f} s late "
                  f"(the latest {self.worst_late_s:.2f} s late)", file=sys.stderr, flush=True)


def every(period_s, seconds, tick, at_least_s=0.0):
    """Calls tick(i, t) every period_s seconds (t = seconds since the program started) until `seconds`
    have passed since the program started (so start-up work counts in the run length), and for at
    least `at_least_s` seconds: a start-up whose length depends on the CPU (a JIT) is always followed
    by that much steady state. A late tick runs at once (the work is caught up, not skipped);
    lateness is reported at the end, as pacing.hpp does."""
    schedule = _Schedule(period_s, seconds, at_least_s)
    while (due := schedule.start_tick()) is not None:
        tick(*due)
        delay = schedule.delay()
        if delay > 0:
            time.sleep(delay)
    schedule.report()


async def every_async(period_s, seconds, tick, at_least_s=0.0):
    """every() for an asyncio program: sleeps with asyncio.sleep, so the loop's other work (its
    timers, its tasks) runs between ticks."""
    import asyncio

    schedule = _Schedule(period_s, seconds, at_least_s)
    while (due := schedule.start_tick()) is not None:
        tick(*due)
        await asyncio.sleep(max(0.0, schedule.delay()))
    schedule.report()
