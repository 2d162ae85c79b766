"""Periodic spikes from big temporary numpy arrays, flat underneath (written in session 17 as a
held-out check, never tuned on): a condition-monitoring service for a wind farm's gearboxes. It reads
3 accelerometer channels at 12.8 kHz each into a preallocated ring of the last 20 s (3 x 256,000
float32, 3 MB, allocated once and filled at start with the baseline noise the previous run saved, so
its pages are all resident from the start), a block of 256 samples per channel every 20 ms, and
keeps a short history of band energies (a fixed 600 x 3 x 8 array). Every 2.5 s it runs the
diagnosis pass over the last 8 s (102,400 samples a channel): it frames each channel into 50%-
overlapping 1,024-sample windows (a 199 x 1,024 float64 copy per channel, Hann-windowed), takes their
rfft (199 x 513 complex128), their magnitudes and the mean spectrum, for all three channels at once:
~15 MB of temporaries, held while the pass works through the bands for ~0.4 s (20 ticks), then
dropped.
Truth: not a leak; periodic spikes: a flat floor (the interpreter, numpy, the ring, the band history)
and every 2.5 s (from 1.25 s) a spike of ~15 MB held ~0.4 s, 6 spikes in a 16 s run. The floor is
flat after the first second: the ring and the history are allocated (and the ring written) in full
at start. Most of the temporaries are over glibc's first mmap threshold, but its threshold rises to
the size of the freed ones after the first pass, so later passes may come from the heap and glibc
keeps the pages: RSS may hold near the peak rather than drop after each pass.
Measured (tests/accuracy/measure.py, session 17): live heap 9.87 MB between passes from 0.5 s to the
end, 24.6-27.9 MB during them; RSS without the tracker 35.8 MB at 3 s, 43.6 MB from the second pass
(~4 s) to the end, 57.3 MB at the highest; under the tracker 51.3 MB at 3 s, 59.05 MB flat from 5 s,
up to 72.8 MB during passes. (Before the ring was written at start, its calloc'd pages made RSS
creep +150 kB/s all run long, as they were first touched.)
Usage: /usr/bin/python3 numpy_vibration_spectrogram_spikes.py SECONDS"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pacing  # noqa: E402

RATE_HZ = 12800
CHANNELS = 3
RING_SAMPLES = 20 * RATE_HZ
BLOCK = 256  # samples per channel per 20 ms tick
WINDOW = 1024
HOP = 512
PASS_SAMPLES = 8 * RATE_HZ
BANDS = 8


class GearboxMonitor:
    def __init__(self, rng):
        self.rng = rng
        # Warm start: the last run's baseline noise, so the first passes compare against something.
        self.ring = np.empty((CHANNELS, RING_SAMPLES), dtype=np.float32)
        self.ring[:] = 0.1 * rng.standard_normal((CHANNELS, RING_SAMPLES), dtype=np.float32)
        self.written = 0
        self.hann = np.hanning(WINDOW)
        self.band_edges = np.linspace(0, WINDOW // 2 + 1, BANDS + 1).astype(int)
        self.band_history = np.zeros((600, CHANNELS, BANDS))
        self.passes = 0
        self.alarms = 0
        self.working = None
        self.ticks_left = 0
        self.phase = 0.0

    def read_block(self):
        """256 new samples a channel: the shaft's tones and noise."""
        t = (self.written + np.arange(BLOCK)) / RATE_HZ
        tones = np.sin(2 * np.pi * 297.0 * t) + 0.3 * np.sin(2 * np.pi * 1190.0 * t)
        at = self.written % RING_SAMPLES
        for c in range(CHANNELS):
            self.ring[c, at:at + BLOCK] = tones + 0.1 * self.rng.standard_normal(BLOCK)
        self.written += BLOCK

    def start_pass(self):
        end = self.written % RING_SAMPLES
        order = (np.arange(PASS_SAMPLES) + end - PASS_SAMPLES) % RING_SAMPLES
        frames_per_channel = (PASS_SAMPLES - WINDOW) // HOP + 1
        starts = np.arange(frames_per_channel) * HOP
        recent = self.ring[:, order].astype(np.float64)  # 3 x 102,400 float64
        frames = recent[:, starts[:, None] + np.arange(WINDOW)[None, :]] * self.hann  # 3 x 199 x 1,024
        spectra = np.fft.rfft(frames, axis=2)  # 3 x 199 x 513 complex128
        magnitudes = np.abs(spectra)
        self.working = (recent, frames, spectra, magnitudes, magnitudes.mean(axis=1))
        self.ticks_left = 20  # the band-by-band analysis spreads over ~0.4 s

    def step_pass(self):
        if self.working is None:
            return
        magnitudes, mean_spectrum = self.working[3], self.working[4]
        band = 20 - self.ticks_left
        if band < BANDS:
            lo, hi = self.band_edges[band], self.band_edges[band + 1]
            energy = mean_spectrum[:, lo:hi].sum(axis=1)
            self.band_history[self.passes % 600, :, band] = energy
            self.alarms += int((magnitudes[:, :, lo:hi].max(axis=(1, 2)) > 400.0).sum())
        self.ticks_left -= 1
        if self.ticks_left == 0:
            self.working = None
            self.passes += 1


def main():
    seconds = pacing.run_seconds(16)
    monitor = GearboxMonitor(np.random.default_rng(2026))

    def tick(i, _t):
        monitor.read_block()
        monitor.step_pass()
        if i % 125 == 62:  # every 2.5 s, from 1.25 s
            monitor.start_pass()

    pacing.every(0.02, seconds, tick)
    print(f"{monitor.written} samples a channel, {monitor.passes} passes, {monitor.alarms} band alarms", file=sys.stderr)


if __name__ == "__main__":
    main()
