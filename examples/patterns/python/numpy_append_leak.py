"""numpy arrays appended to a list: a sensor loop keeps every frame it processes in a history list
that nothing reads or trims. 10 frames a second of 12,500 float64 (100,000 bytes each):
1,000,000 B/s held by numpy, allocated through malloc.
Truth: a leak, linear, 1,000,000 B/s.
Usage: numpy_append_leak.py SECONDS
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pacing  # noqa: E402

import numpy as np  # noqa: E402

history = []
rng = np.random.default_rng(3)


def process(i, _t):
    frame = rng.standard_normal(12_500)
    frame *= 0.5
    history.append(frame)


pacing.every(0.1, pacing.run_seconds(14), process)
print(f"{len(history)} frames kept")
