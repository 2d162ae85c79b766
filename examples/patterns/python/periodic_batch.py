"""A periodic batch in Python: every 3 s a reporting job loads a 40 MB numpy matrix (5,000,000
float64), aggregates it for 0.6 s, and drops it. Between batches the process holds only its baseline.
Truth: periodic spikes of ~40 MB every 3 s, not a leak.
Usage: periodic_batch.py SECONDS
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pacing  # noqa: E402

import numpy as np  # noqa: E402

batch = None
totals = []


def tick(i, _t):
    global batch
    phase = i % 30  # 30 ticks of 0.1 s = 3 s
    if phase == 5:
        batch = np.arange(5_000_000, dtype=np.float64)
    elif phase == 11:
        totals.append(float(batch.sum()))
        batch = None


pacing.every(0.1, pacing.run_seconds(16), tick)
print(f"{len(totals)} batches")
