"""A leak through numpy views that keep their base arrays alive (written in session 14 as a held-out
check, never tuned on): a vibration-monitoring gateway decodes 5 blocks a second, each 8,192 float64
samples (64 KiB) from one of 40 sensors, filters them against a per-sensor baseline and keeps a
per-sensor spectrum (both replaced in place, bounded). For the audit trail it also keeps, per block,
"just the first 4 samples": block[:4], a view, which holds the whole 64 KiB block it was sliced from.
The audit trail was meant to be tiny (32 bytes a block) and is never trimmed.
Truth: a leak, linear, from the start: 5 blocks a second of 65,536 B (plus the view object and its
list slot, ~130 B): ~328 kB/s, ~5.2 MB over a 16 s run on a ~35 MB process (numpy and its working
arrays), ~13%. The blocks are allocated in decode_block.
Measured (tests/accuracy/measure.py, session 14): live heap +327-328 kB/s over 3-13 s and 5-15 s
(12.2 -> 15.4 MB over 3-13 s; the program counts 80 blocks, 5,242,880 B, pinned at the end), RSS
+445-586 kB/s (51.1 -> 56.8 MB over 3-13 s under the tracker; 40.5 MB at most without it).
Usage: /usr/bin/python3 numpy_view_pins_base_leak.py SECONDS"""
import sys

import pacing

import numpy as np

SAMPLES = 8192
SENSORS = 40


def decode_block(raw, scale):
    """The sensor's int16 samples, as float64 in g."""
    return raw.astype(np.float64) * scale


class Gateway:
    def __init__(self):
        rng = np.random.default_rng(14)
        self.raw = [rng.integers(-2000, 2000, SAMPLES, dtype=np.int16) for _ in range(SENSORS)]
        self.baseline = np.zeros((SENSORS, SAMPLES))
        self.spectrum = np.zeros((SENSORS, SAMPLES // 2 + 1))
        self.audit_trail = []  # (sensor, sequence, first samples), for the compliance export
        self.alarms = 0

    def ingest(self, sensor, sequence):
        block = decode_block(self.raw[sensor], 0.00061 * (1 + sequence % 3))
        filtered = block - self.baseline[sensor]
        self.baseline[sensor] *= 0.9
        self.baseline[sensor] += 0.1 * block
        self.spectrum[sensor] = np.abs(np.fft.rfft(filtered))
        if self.spectrum[sensor].max() > 2000:
            self.alarms += 1
        self.audit_trail.append((sensor, sequence, block[:4]))


def main():
    seconds = pacing.run_seconds(16)
    gateway = Gateway()
    sequence = [0]

    def tick(i, t):
        # 5 blocks a second, one per 200 ms tick.
        gateway.ingest(sequence[0] % SENSORS, sequence[0])
        sequence[0] += 1

    pacing.every(0.2, seconds, tick)
    pinned = sum(entry[2].base.nbytes for entry in gateway.audit_trail if entry[2].base is not None)
    print(f"{sequence[0]} blocks, {len(gateway.audit_trail)} audit entries pinning {pinned} B of blocks, "
          f"{gateway.alarms} alarms", file=sys.stderr)


if __name__ == "__main__":
    main()
