"""A CPython + numba program (failure class 7): a signal-processing loop whose kernels are compiled
by numba at start-up. Importing numba and compiling the 12 kernels (LLVM, type inference, caches)
raises RSS by ~135 MB in the first ~3 s (longer on a busy machine or under full tracking: the loop
then runs at least 8 s after the last compilation); after that the loop only calls the compiled
kernels on preallocated buffers, and memory stays flat.
Truth: warm-up of ~130 MB (the import and the JIT), then stable: not a leak. This is the case a team
once filed as a critical leak.
Usage: numba_warmup.py SECONDS
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pacing  # noqa: E402

seconds = pacing.run_seconds(16)

import numba  # noqa: E402
import numpy as np  # noqa: E402

KERNEL = """
def kernel(a):
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i] * {k} + i % {m}
    return s
"""


def compile_kernels(count):
    kernels = []
    for k in range(count):
        namespace = {}
        exec(KERNEL.format(k=k + 1, m=k + 2), namespace)
        kernels.append(numba.njit("float64(float64[:])")(namespace["kernel"]))
    return kernels


kernels = compile_kernels(12)
print(f"12 kernels compiled {time.monotonic() - pacing.START:.1f} s after start", file=sys.stderr)
signal = np.linspace(0.0, 1.0, 100_000)
total = 0.0


def step(i, _t):
    global total
    total += kernels[i % len(kernels)](signal)


pacing.every(0.01, seconds, step, at_least_s=8)
print(f"done: {total:.3f}")
