"""Periodic spikes of big temporary numpy arrays (written in session 23 as a held-out check, never
tuned on): a weather service's precipitation nowcaster. Radar reflectivity arrives as 20 partial sweeps
a second, written into a preallocated 800 x 800 float32 composite (no growth). Every 3 s a new volume is
complete and the nowcast runs: the composite and the previous one are cross-correlated by FFT to find
the storm motion (800 x 800 complex128 spectra, 10.24 MB each: two, their product and its inverse), then
six forecast frames 10 to 60 minutes ahead are extrapolated along that motion and smoothed (six
800 x 800 float32 frames, 2.56 MB each, and a float64 smoothing temporary), and the frames are kept
while the tile renderer reads them (~0.5 s), then dropped; only the composite is copied as the next
"previous" into its preallocated array.
Truth: not a leak, periodic spikes: a flat floor (the interpreter, numpy, the two composites and the
storm template) and every 3 s a spike (the FFT spectra for a moment, ~30 MB, then ~15 MB of forecast
frames held ~0.5 s), 5 in a 16 s run, at ~1.8, 4.8, 7.8, 10.8 and 13.8 s since the start. The big
buffers are mmapped or at the top of the heap, and given back when freed: RSS falls back to its floor
after every spike.
Measured (session 23, tests/accuracy/measure.py): tracked, live heap 14.26 MB between nowcasts from
0.4 s to the end (0 B/s over 3-13 s between spikes), 24.5-34.8 MB during them (at 1.8-2.2, 4.8-5.2,
7.9-8.2, 10.8-11.2 and 13.8-14.2 s); RSS 54.2-54.4 MB between them, 64.5-77.3 MB during them; --plain,
RSS 40.1-40.2 MB between nowcasts from 3 s on, up to 63.2 MB during them (slope -29 kB/s over 3-13
s); 5 nowcasts, 320 sweeps.
Usage: /usr/bin/python3 numpy_radar_nowcast_spikes.py SECONDS"""
import sys

import numpy as np

import pacing

SIZE = 800
LEADS_MIN = (10, 20, 30, 40, 50, 60)
HOLD_TICKS = 10  # ~0.5 s at 20 ticks a second


class Nowcaster:
    def __init__(self, rng):
        self.rng = rng
        self.composite = np.zeros((SIZE, SIZE), dtype=np.float32)
        self.previous = np.zeros((SIZE, SIZE), dtype=np.float32)
        yy, xx = np.mgrid[0:SIZE, 0:SIZE]
        self.storm = (40.0 * np.exp(-((yy - 300.0) ** 2 + (xx - 350.0) ** 2) / 8000.0)).astype(np.float32)
        del yy, xx
        self.sweeps = 0
        self.frames = None
        self.hold = 0
        self.runs = 0
        self.published = 0.0

    def ingest_sweep(self, volume):
        # One of 60 azimuth sectors of the volume: a band of rows, the storm moved by the volume number.
        rows = slice((self.sweeps % 60) * SIZE // 60, (self.sweeps % 60 + 1) * SIZE // 60)
        band = np.roll(self.storm[rows], 3 * volume, axis=1)
        self.composite[rows] = band + self.rng.random(band.shape, dtype=np.float32)
        self.sweeps += 1

    def run(self):
        a = np.fft.fft2(self.composite)
        b = np.fft.fft2(self.previous)
        cross = a * np.conj(b)
        del a, b
        correlation = np.fft.ifft2(cross).real
        del cross
        dy, dx = np.unravel_index(int(np.argmax(correlation)), correlation.shape)
        del correlation
        dy, dx = (dy if dy < SIZE // 2 else dy - SIZE), (dx if dx < SIZE // 2 else dx - SIZE)
        frames = []
        for lead in LEADS_MIN:
            steps = lead // 10
            frame = np.roll(self.composite, (dy * steps, dx * steps), axis=(0, 1))
            smooth = (frame.astype(np.float64) + np.roll(frame, 1, axis=0) + np.roll(frame, 1, axis=1)) / 3.0
            frames.append(smooth.astype(np.float32))
            del frame, smooth
        self.previous[:] = self.composite
        self.frames = frames
        self.hold = HOLD_TICKS
        self.runs += 1

    def step(self):
        if self.frames is None:
            return
        self.hold -= 1
        if self.hold == 0:
            # The tile renderer is done with this run's frames.
            self.published += float(sum(frame[::64, ::64].sum() for frame in self.frames))
            self.frames = None


def main():
    seconds = pacing.run_seconds(16)
    nowcaster = Nowcaster(np.random.default_rng(7))

    def tick(i, t):
        # 20 ticks a second: one sweep each; a nowcast at 1.5 s and every 3 s after.
        nowcaster.ingest_sweep(i // 60)
        nowcaster.step()
        if i % 60 == 30:
            nowcaster.run()

    pacing.every(0.05, seconds, tick)
    print(f"{nowcaster.sweeps} sweeps, {nowcaster.runs} nowcasts ({nowcaster.published:.0f})", file=sys.stderr)


if __name__ == "__main__":
    main()
