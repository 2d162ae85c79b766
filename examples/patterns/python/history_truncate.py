"""A Python history list truncated from 1000 to 500 entries (the control-systems team's case): a
controller appends a 20,000-byte record 200 times a second; at 1000 records it deletes the oldest 500.
Memory climbs from ~10 MB to ~20 MB in 2.5 s, drops back, and repeats: a sawtooth with a 2.5 s period
around a fixed level. A short run sees growth; this one sees several cycles.
Truth: bounded sawtooth, not a leak.
Usage: history_truncate.py SECONDS
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pacing  # noqa: E402

history = []


def step(i, _t):
    for k in range(2):
        history.append(bytes([(i + k) % 251]) * 20_000)
    if len(history) >= 1000:
        del history[:500]


pacing.every(0.01, pacing.run_seconds(16), step)
print(f"{len(history)} records held")
