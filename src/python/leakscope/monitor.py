"""leakscope.Monitor: the C++ in-process monitor for application gauges (cache sizes, queue lengths).

    monitor = leakscope.Monitor(sample_interval_s=30)
    users = monitor.gauge("cache.users")                 # pushed: users.observe(nbytes, len(cache))
    monitor.gauge("queue", sampler=lambda: (q.nbytes, len(q)))   # sampled on the monitor's thread
    monitor.on_finding(lambda f: log.warning("%s %s: %s %s", f["gauge"], f["kind"], f["summary"], f["advice"]))
    monitor.start()

Findings are dicts with the C++ Finding's fields (gauge, kind, pattern, severity, rate_bytes_per_s, ...).
Monitors still running when the interpreter exits are stopped first, so no sampler runs during shutdown."""
from __future__ import annotations

import atexit
import weakref

from . import _native

Gauge = _native.Gauge
_running: "weakref.WeakSet[Monitor]" = weakref.WeakSet()


class Monitor(_native.Monitor):
    def start(self) -> None:
        _running.add(self)
        super().start()

    def __enter__(self) -> "Monitor":
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@atexit.register
def _stop_all() -> None:
    for monitor in list(_running):
        monitor.stop()
