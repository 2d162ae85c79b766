"""A settling warm-up in a numpy service (written in session 24, batch 8, as a held-out check, never tuned
on): the edge gateway of a condition-monitoring system, collecting vibration from 4,000 accelerometers
on the pumps and fans of a plant. Every 50 ms a batch of 67 reports arrives (1,340 a second), each from
one sensor (the sensors report in turn, in no order: each report's sensor is any of the 4,000), with 32
three-axis samples. A sensor the gateway has not heard from yet is registered when its first report
comes: its ring of the last 1,024 samples (a 1024 x 3 float32 array, 12 kB, filled with NaN until
samples arrive) and its running baseline (Welford's mean and variance of its RMS, per axis). Each
report's samples go into its sensor's ring, its RMS is compared with the baseline (an alarm past 4
sigma goes to a bounded deque of 500) and folds into it. Nothing is ever unregistered, and nothing need
be: the plant has 4,000 sensors.
Truth: not a leak: a decelerating warm-up. The sensors first heard from by time t are 4,000 (1 -
e^(-t/3 s)) (each report picks a sensor uniformly: 1,340 a second over 4,000), so the rings and states
(~12 kB a sensor, allocated in SensorGateway.register) fill ~48 MB: 63% by 3 s, 95% by 9 s, 99.5% by
16 s; the growth slows all along and stops at the plant's size. The batches' temporaries (67 x 32 x 3
float32 arrays, their RMS) are freed every tick.
Measured (session 24, tests/accuracy/measure.py): tracked, live heap 8.2 MB at 0.3 s (numpy's import),
19.4 at 1 s, 29.0 at 2 s, 37.0 at 3 s, 46.7 at 5 s, 53.6 at 9 s, 55.6 at 13 s, 56.1 at 16 s (+2.61
MB/s over 3-9 s, +324 kB/s over 9-16 s); --plain, RSS 32.9 MB at 0.1 s, 45.9 at 1 s, 64.7 at 3 s,
81.0 at 9 s, 83.5 at 16 s (+2.62 MB/s over 3-9 s, +325 kB/s over 9-16 s); 3,976 sensors registered,
686,080 samples.
Usage: /usr/bin/python3 numpy_sensor_baseline_settling.py SECONDS"""
import collections
import sys

import numpy as np

import pacing

SENSORS = 4000
RING = 1024
REPORTS_PER_BATCH = 67
SAMPLES = 32


class SensorState:
    __slots__ = ("sensor_id", "ring", "head", "reports", "mean", "m2")

    def __init__(self, sensor_id, ring, mean, m2):
        self.sensor_id = sensor_id
        self.ring = ring
        self.head = 0
        self.reports = 0
        self.mean = mean
        self.m2 = m2


class SensorGateway:
    def __init__(self):
        self.sensors = {}
        self.alarms = collections.deque(maxlen=500)
        self.samples = 0

    def register(self, sensor_id):
        state = SensorState(sensor_id, np.full((RING, 3), np.nan, dtype=np.float32),
                            np.zeros(3, dtype=np.float64), np.zeros(3, dtype=np.float64))
        self.sensors[sensor_id] = state
        return state

    def ingest(self, sensor_ids, batch, t):
        """batch: (reports, SAMPLES, 3) float32, one report per sensor id."""
        rms = np.sqrt(np.mean(batch.astype(np.float64) ** 2, axis=1))  # (reports, 3)
        for k, sensor_id in enumerate(sensor_ids.tolist()):
            state = self.sensors.get(sensor_id) or self.register(sensor_id)
            end = state.head + SAMPLES
            if end <= RING:
                state.ring[state.head:end] = batch[k]
            else:
                split = RING - state.head
                state.ring[state.head:] = batch[k, :split]
                state.ring[:end - RING] = batch[k, split:]
            state.head = end % RING
            state.reports += 1
            delta = rms[k] - state.mean
            state.mean += delta / state.reports
            state.m2 += delta * (rms[k] - state.mean)
            if state.reports > 20:
                sigma = np.sqrt(state.m2 / (state.reports - 1))
                if np.any(rms[k] > state.mean + 4 * sigma):
                    self.alarms.append((sensor_id, t, rms[k].tolist()))
        self.samples += batch.shape[0] * batch.shape[1]


def main():
    seconds = pacing.run_seconds(16)
    rng = np.random.default_rng(11)
    gateway = SensorGateway()
    # Each sensor vibrates at its own level (its machine's health): scale per sensor and axis.
    levels = (0.2 + rng.random((SENSORS, 3))).astype(np.float32)

    def tick(i, t):
        sensor_ids = rng.integers(0, SENSORS, REPORTS_PER_BATCH)
        batch = rng.standard_normal((REPORTS_PER_BATCH, SAMPLES, 3), dtype=np.float32)
        batch *= levels[sensor_ids][:, None, :]
        gateway.ingest(sensor_ids, batch, t)

    pacing.every(0.05, seconds, tick)
    print(f"{len(gateway.sensors)} sensors registered, {gateway.samples} samples, {len(gateway.alarms)} alarms kept",
          file=sys.stderr)


if __name__ == "__main__":
    main()
