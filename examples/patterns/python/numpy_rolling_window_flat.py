"""A rolling window of numpy arrays, flat after its fill (written in session 7 as a held-out check,
never tuned on): a vibration monitor reads 20 frames a second of 65,536 float32 samples (256 KiB each),
keeps the last 48 in a collections.deque(maxlen=48) and maintains their running sum (adding the new
frame, subtracting the one that falls out); once a second it recomputes the sum from the window to
stop float drift, and every frame it derives a band-limited copy and its RMS (temporaries dropped at
once). The window is full after 2.4 s, then each new frame evicts the oldest.
Truth: warm-up, then flat: not a leak. The window holds 48 x 262,144 B = 12.6 MB of arrays after the
fill (plus the running sum and a scratch buffer, 0.5 MB). Measured under leakscope run: the live heap
rises 7.3 -> 19.65 MB from 0.2 s to 2.6 s (12.3 MB: the window) and stays at 19.65 MB to the end
(slope 0 over 3-14 s); RSS 60.8 MB from 2.6 s to the end, flat (numpy's import is most of it).
Usage: numpy_rolling_window_flat.py SECONDS
"""
import collections
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pacing  # noqa: E402

import numpy as np  # noqa: E402

SAMPLES = 65_536
window = collections.deque(maxlen=48)
running = np.zeros(SAMPLES, dtype=np.float32)
scratch = np.empty(SAMPLES, dtype=np.float32)
rng = np.random.default_rng(11)
alarms = 0


def on_frame(i, _t):
    global alarms, running
    frame = rng.standard_normal(SAMPLES, dtype=np.float32)
    if len(window) == window.maxlen:
        running -= window[0]
    window.append(frame)  # evicts window[0] when full
    running += frame
    if i % 20 == 19:  # once a second: recompute the sum, in place
        running[:] = 0
        for f in window:
            running += f
    band = frame[1:] - frame[:-1]  # a temporary, freed at once
    np.multiply(frame, 0.5, out=scratch)
    if float(np.sqrt(np.mean(band * band))) > 1.5:
        alarms += 1


pacing.every(0.05, pacing.run_seconds(14), on_frame)
print(f"{len(window)} frames in the window, {alarms} alarms, mean {float(running.mean()) / len(window):.4f}")
