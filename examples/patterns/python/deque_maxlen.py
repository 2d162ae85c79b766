"""A bounded history in a collections.deque(maxlen=2000): a controller records a 5,000-byte state
snapshot 500 times a second; once 2000 are held (4 s, ~10 MB), each append drops the oldest.
Truth: bounded: a warm-up of ~10 MB, then stable (the deque never exceeds its maxlen); not a leak.
Usage: deque_maxlen.py SECONDS
"""
import collections
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pacing  # noqa: E402

history = collections.deque(maxlen=2000)


def step(i, _t):
    for k in range(5):
        history.append(bytes([(i + k) % 251]) * 5000)


pacing.every(0.01, pacing.run_seconds(14), step)
print(f"{len(history)} snapshots held")
