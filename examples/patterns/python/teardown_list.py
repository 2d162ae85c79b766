"""Teardown at exit (failure class 8): a telemetry service appends every sample it receives to a
list and never trims it: 20 samples of 5,000 bytes every 50 ms = 2,000,000 B/s. On shutdown it clears
the list (the interpreter would free it at exit anyway) and takes 0.3 s to close, so the last
samples of a run see most of the memory given back.
Truth: a leak, linear, 2,000,000 B/s; the drop at exit is teardown, not a pattern (not a sawtooth).
With --limit 1G the projection must give a time to the limit.
Usage: teardown_list.py SECONDS
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pacing  # noqa: E402

samples = []


def receive(i, _t):
    for k in range(20):
        # bytes([...]) * n copies: the 5,000 bytes are written, so they are resident.
        samples.append(bytes([(i + k) % 251]) * 5000)


pacing.every(0.05, pacing.run_seconds(20), receive)
print(f"{len(samples)} samples kept")
samples.clear()  # shutdown: state released...
time.sleep(0.3)  # ...then connections closed
