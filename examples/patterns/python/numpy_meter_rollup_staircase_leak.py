"""A staircase of small steps beside big freed temporaries, in numpy (written in session 20 as a
held-out check, never tuned on): the analytics service of an electricity distributor. Between
batches it takes in live meter readings (50 ticks a second into a preallocated ring, no growth).
Every 2 s (the "nightly" roll-up, run on a short cycle here) it builds the day of a feeder's 1,500
meters at one-minute resolution: a 1,500 x 1,440 float64 readings matrix (17.3 MB), its minute-to-
minute differences (17.3 MB), a sorted copy for the percentiles (17.3 MB) and a few masks, reduces
them to a 1,500 x 24 float64 table (hourly 95th percentiles, 288,000 bytes) and drops the rest. The
table is appended, with a small record of its date and counts, to the rollups list behind the trend
endpoint; the retention setting that should prune that list to the last 30 days was never wired to
it, so every roll-up stays.
Truth: a leak, a staircase: a step of ~288 kB (the 288,000-byte table, copied in
MeterRollups.run_batch, and its record: a dict, a date string) every 2 s, from the first batch at ~1.3
s on: ~144 kB/s, ~2.3 MB over a 16 s run on a heap of ~8-10 MB in a process of ~90 MB. Each batch also
raises the heap by ~35-55 MB for a fraction of a second (numpy's temporaries, freed at its end), so
the steps are small beside the spikes. RSS alone cannot show the leak: once glibc's mmap threshold has
risen past the temporaries' size (after the first batch frees them) they come from the brk heap,
whose freed space glibc keeps, so RSS climbs to a high-water mark over the first batches and holds.
Measured (session 20): a plain run without leakscope (RSS, glibc's mallinfo2 every 100 ms): heap 7.56,
7.85, 8.13, 8.42, 8.71, 9.00, 9.29, 9.57, 9.86 MB between batches (steps of 287-290 kB every 2 s),
peaks of 42-63 MB during them; RSS 33 MB before the first batch, 70.8, 88.4 and 90.5 MB after the first
three, then 90.5 MB to the end; tests/accuracy/measure.py (tracked): live heap 8.003 -> 10.308 MB
between batches, steps of 288 kB, RSS 106.2 MB flat from 9 s on; 8 roll-ups kept (2,304,000 bytes of
tables).
Usage: /usr/bin/python3 numpy_meter_rollup_staircase_leak.py SECONDS"""
import sys

import numpy as np

import pacing

METERS = 1500
MINUTES = 1440
HOURS = 24


class MeterRollups:
    def __init__(self, rng):
        self.rng = rng
        self.profile = (np.sin(np.linspace(0, 2 * np.pi, MINUTES)) + 1.2).astype(np.float64)
        self.meter_scale = rng.uniform(0.2, 3.0, METERS)
        self.live = np.zeros((METERS, 64), dtype=np.float64)  # the last 64 readings of each meter
        self.live_count = 0
        self.rollups = []  # the trend endpoint's history (retention never applied)

    def ingest(self, readings):
        self.live[:, self.live_count % 64] = readings
        self.live_count += 1

    def run_batch(self, day):
        readings = np.outer(self.meter_scale, self.profile)
        readings += self.rng.standard_normal((METERS, MINUTES)) * 0.05
        deltas = np.diff(readings, axis=1, prepend=readings[:, :1])
        spikes = np.abs(deltas) > 0.4
        hourly = np.sort(readings.reshape(METERS, HOURS, MINUTES // HOURS), axis=2)
        table = hourly[:, :, int(0.95 * (MINUTES // HOURS))].copy()  # 1,500 x 24 hourly p95
        record = {"day": f"2026-{1 + day // 28 % 12:02d}-{1 + day % 28:02d}", "meters": METERS,
                  "spike_minutes": int(spikes.sum()), "peak_kw": float(table.max()), "p95_kw": table}
        self.rollups.append(record)
        return record


def main():
    seconds = pacing.run_seconds(16)
    rng = np.random.default_rng(2026)
    service = MeterRollups(rng)
    live_readings = rng.uniform(0.0, 4.0, (50, METERS))

    def tick(i, t):
        # 50 ticks a second of live readings; a roll-up at 1 s and every 2 s after.
        service.ingest(live_readings[i % 50])
        if i % 100 == 50:
            service.run_batch(len(service.rollups))

    pacing.every(0.02, seconds, tick)
    kept = sum(r["p95_kw"].nbytes for r in service.rollups)
    print(f"{len(service.rollups)} roll-ups kept ({kept} bytes of tables), {service.live_count} live ticks",
          file=sys.stderr)


if __name__ == "__main__":
    main()
