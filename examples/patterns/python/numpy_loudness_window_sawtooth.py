"""A bounded sawtooth of numpy blocks on two threads (written in session 25, batch 9, as a held-out check,
never tuned on): the loudness monitor of a broadcaster's playout centre, checking eight stereo programme
feeds against EBU R128. The capture thread receives each feed's PCM every 100 ms (a float32 block of
4,800 x 2 samples, 38.4 kB, and its true-peak reading) and hands it through a queue to the analysis
thread, which keeps the blocks of the current 3 s window per feed. At each window's end the analysis
thread joins each feed's 30 blocks (a 1.15 MB array), K-weights them (the BS.1770 shelving and high-pass
filters, as first-order recurrences on numpy arrays), computes the gated loudness over 400 ms blocks,
records one line per feed in a 200-line history and drops the window's blocks.
Truth: not a leak: a bounded sawtooth with a 3 s period. The window's blocks grow to 8 x 30 x 38.4 kB
(~9.2 MB) and are all dropped at its end, with a few MB of temporaries for the last instant (the joined
arrays and their filtered copies, each above glibc's mmap threshold, so mapped and unmapped); the
history is full after 75 s, far beyond the run, and its lines are ~120 B each (~5 kB by the end). The
blocks are malloc'd on the capture thread and freed on the analysis thread, into the capture thread's
glibc arena, which keeps some of the freed memory: RSS shows the teeth only in part.
Measured (session 25, tests/accuracy/measure.py): tracked, live heap 7.6 MB at 0.4 s, then teeth from
~8.5 MB to ~16.5-18.4 MB every 3 s to the end (8.49 at 6.3 s, 16.48 at 5.9 s, 18.44 at 9.1 s, 8.80 at
15.4 s; +50 kB/s over 3-13 s), pymalloc's arenas 9.47 MB flat, RSS in teeth from ~54 to ~62.9 MB
(+70 kB/s over 3-13 s); --plain, RSS teeth from ~36 to ~44 MB until 9 s, then 44.9 MB flat to 15 s
(glibc kept the freed blocks), 48.3 at 15 s and 37.2 at 15.6 s (+835 kB/s over 3-13 s, -814 kB/s over
9-16 s: the slopes of a sawtooth are noise); 40 feed windows measured.
Usage: /usr/bin/python3 numpy_loudness_window_sawtooth.py SECONDS"""
import collections
import math
import queue
import sys
import threading

import numpy as np

import pacing

RATE = 48000
FEEDS = ("BBC-ONE-HD", "ARD-HD", "ZDF-HD", "RAI-1", "TF1", "NPO-1", "SVT1", "ORF-1")
BLOCK_S = 0.1
WINDOW_BLOCKS = 30  # 3 s
TARGET_LUFS = -23.0


def k_weight(x):
    """BS.1770's K-weighting, approximated by a first-order high shelf and a first-order high pass (one
    recurrence each, vectorised over the channels)."""
    shelf = x.copy()
    shelf[1:] += 0.58 * (x[1:] - x[:-1])
    out = np.empty_like(shelf)
    out[0] = shelf[0]
    alpha = 0.9974  # ~38 Hz at 48 kHz
    diff = np.diff(shelf, axis=0)
    # y[n] = alpha * (y[n-1] + x[n] - x[n-1]), unrolled by blocks of 480 with numpy's cumulative ops
    for start in range(1, len(shelf), 480):
        end = min(start + 480, len(shelf))
        powers = alpha ** np.arange(1, end - start + 1, dtype=np.float32)[:, None]
        out[start:end] = powers * (out[start - 1] + np.cumsum(diff[start - 1:end - 1] / powers, axis=0))
    return out


def gated_loudness(window):
    """Integrated loudness (LUFS) of a window: 400 ms blocks, 75% overlap, absolute gate at -70 LUFS,
    relative gate 10 LU below the ungated mean."""
    weighted = k_weight(window)
    step, size = int(0.1 * RATE), int(0.4 * RATE)
    powers = np.array([np.mean(weighted[s:s + size] ** 2, axis=0).sum()
                       for s in range(0, len(weighted) - size + 1, step)])
    loudness = -0.691 + 10 * np.log10(np.maximum(powers, 1e-12))
    kept = powers[loudness > -70]
    if kept.size == 0:
        return -70.0
    relative = -0.691 + 10 * math.log10(kept.mean()) - 10
    kept = powers[(loudness > -70) & (loudness > relative)]
    return float(-0.691 + 10 * np.log10(kept.mean())) if kept.size else -70.0


def capture(seconds, inbox):
    """Each feed's 100 ms of audio: programme material at its own level, as the SDI de-embedder gives it."""
    rng = np.random.default_rng(20261206)
    t_samples = np.arange(int(BLOCK_S * RATE), dtype=np.float32) / RATE

    def tick(i, t):
        for f, feed in enumerate(FEEDS):
            level = 10 ** ((TARGET_LUFS + (f - 4) * 1.5 + 3 * math.sin(i / 40 + f)) / 20)
            tone = np.sin(2 * np.pi * (220 + 40 * f) * (t_samples + i * BLOCK_S))[:, None]
            block = (level * (0.6 * tone + rng.standard_normal((len(t_samples), 2), dtype=np.float32))).astype(np.float32)
            true_peak = float(np.abs(block).max())
            inbox.put((feed, i, block, true_peak))

    pacing.every(BLOCK_S, seconds, tick)
    inbox.put(None)


def analyse(inbox, history, stats):
    window = collections.defaultdict(list)
    peaks = collections.defaultdict(float)
    while (item := inbox.get()) is not None:
        feed, i, block, true_peak = item
        window[feed].append(block)
        peaks[feed] = max(peaks[feed], true_peak)
        if feed == FEEDS[-1] and i % WINDOW_BLOCKS == WINDOW_BLOCKS - 1:
            for name in FEEDS:
                joined = np.concatenate(window[name])
                lufs = gated_loudness(joined)
                history.append(f"{name} window {i // WINDOW_BLOCKS:4d}: {lufs:6.1f} LUFS, true peak "
                               f"{20 * math.log10(max(peaks[name], 1e-9)):5.1f} dBTP, "
                               f"{'OK' if abs(lufs - TARGET_LUFS) <= 1 else 'OUT OF RANGE'}")
                stats["windows"] += 1
            window.clear()
            peaks.clear()


def main():
    seconds = pacing.run_seconds(16)
    inbox = queue.Queue()
    history = collections.deque(maxlen=200)
    stats = {"windows": 0}
    analyser = threading.Thread(target=analyse, args=(inbox, history, stats))
    analyser.start()
    capture(seconds, inbox)
    analyser.join()
    print(f"{stats['windows']} feed windows measured; last: {history[-1] if history else '-'}", file=sys.stderr)


if __name__ == "__main__":
    main()
