import time
import numpy as np
from numba import njit
@njit(cache=False)
def smooth(x):
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        out[i] = 0.5 * x[i]
    return out
kept = []
def step(x):
    kept.append(smooth(x))  # LEAK
x = np.ones(2000)
step(x)
for i in range(150):
    for _ in range(10):
        step(x)
    time.sleep(0.04)
