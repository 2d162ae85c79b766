"""numpy working buffers, flat: an image filter allocates its working arrays (two 4 MB float64 planes
and their products) for every frame, 20 frames a second, and drops them when the frame is done. Large
arrays come from mmap and go back at once, so memory jumps by ~12 MB inside each frame and returns.
Truth: stable, not a leak (the live set between frames is constant). The interpreter's start and
numpy's import take RSS from ~8 to ~46 MB in the first 0.7 s (measured); a report that calls that a
one-time warm-up, then flat, is right too: it is the reading issue 11 asks for numba's JIT start.
Usage: numpy_buffers_flat.py SECONDS
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pacing  # noqa: E402

import numpy as np  # noqa: E402

kernel = np.ones(5) / 5.0
checksum = 0.0


def filter_frame(i, _t):
    global checksum
    plane = np.full(500_000, float(i % 7))
    smoothed = np.convolve(plane, kernel, mode="same")
    checksum += float((smoothed * plane).sum())


pacing.every(0.05, pacing.run_seconds(14), filter_frame)
print(f"checksum {checksum:.0f}")
