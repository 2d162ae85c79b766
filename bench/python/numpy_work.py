"""A numpy workload: temporaries of a few KB to a few MB per step (elementwise maths, reductions)."""
import sys
import numpy as np
rng = np.random.default_rng(1)
state = rng.standard_normal(4096)
acc = 0.0
for step in range(int(sys.argv[1]) if len(sys.argv) > 1 else 20000):
    x = np.sin(state) * 0.5 + np.cos(state * 0.25)
    y = np.concatenate([x[:2048], x[2048:] * 2.0])
    acc += float(y.sum()) + float(np.dot(x, state))
    state = 0.999 * state + 0.001 * y
    if step % 100 == 0:
        big = np.zeros(200_000) + step
        acc += float(big[::1000].sum())
print(acc)
