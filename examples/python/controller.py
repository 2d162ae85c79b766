"""The controller team's story (docs: README "Python"): a numba-compiled controller stepped 1000 times.

The first step compiles the control law (numba's JIT: about 20 MB, once); every step then appends the
state to a history list that is truncated at a cap (200 entries, cut back to 100) — a sawtooth, not a
leak. With --unbounded the history is never truncated: a real leak, at the line that appends.

    python3 controller.py [--unbounded] [--steps N]            # the process, for `leakscope run`
    python3 controller.py --measure [--unbounded]              # leakscope.measure_steps in-process
"""
import argparse
import sys

import numpy as np
from numba import njit


@njit(cache=False)
def control_law(state, gains):
    # A PID-like update over a small state vector; compiled on the first call.
    out = np.empty_like(state)
    for i in range(state.shape[0]):
        out[i] = state[i] - gains[0] * state[i] + gains[1] * np.sin(state[i]) - gains[2] * state[i] ** 3
    return out


@njit(cache=False)
def observer(state, measurement):
    return 0.9 * state + 0.1 * measurement


HISTORY_CAP = 200


class Controller:
    def __init__(self, bounded=True, size=64):
        self.bounded = bounded
        self.state = np.linspace(-1.0, 1.0, size)
        self.gains = np.array([0.1, 0.05, 0.01])
        self.history = []

    def step(self):
        measurement = self.state + 0.001
        self.state = observer(control_law(self.state, self.gains), measurement)
        self.history.append(self.state.copy())  # the history: one 64-float snapshot per step
        if self.bounded and len(self.history) > HISTORY_CAP:
            del self.history[:HISTORY_CAP // 2]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unbounded", action="store_true", help="never truncate the history (a leak)")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--measure", action="store_true", help="run leakscope.measure_steps and print it")
    args = parser.parse_args(argv)
    controller = Controller(bounded=not args.unbounded)
    if args.measure:
        import leakscope
        result = leakscope.measure_steps(controller, steps=args.steps)
        print(result.describe())
        return 1 if result.leak else 0
    import time
    for _ in range(args.steps):
        controller.step()
        time.sleep(0.002)  # a control period, so `leakscope run` samples the run as it unfolds
    return 0


if __name__ == "__main__":
    sys.exit(main())
