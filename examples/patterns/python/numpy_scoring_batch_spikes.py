"""Periodic spikes in numpy code (written in session 13 as a held-out check, never tuned on): a fraud
scoring service scores single transactions online (a 128-float feature vector against a 128 x 64
weight matrix, 400 a second), and every 3 s re-scores the last window in one batch: it builds a
20,000 x 128 float32 feature matrix (10.24 MB), its 20,000 x 64 hidden layer (5.12 MB) and a few
20,000-long vectors, keeps them for ~0.5 s while the scores are reduced and compared with the online
ones, then drops them all.
Truth: not a leak; periodic spikes: a flat floor (the interpreter, numpy, the weights and a 50,000-
entry ring of recent amounts as a preallocated array) and every 3 s a spike of ~15 MB held ~0.5 s.
RSS drops back with the heap after every batch (numpy's big buffers are given back when freed).
Measured (tests/accuracy/measure.py, session 13): live heap 7.2 MB between batches, 22.6 MB during
them (at 1.5, 4.5, 7.5, 10.5, 13.5 s), slope over 3-13 s +14 kB/s; RSS 48.3-48.4 MB between batches,
63.6-68.8 MB during them.
Usage: /usr/bin/python3 numpy_scoring_batch_spikes.py SECONDS"""
import sys

import numpy as np

import pacing

BATCH_ROWS = 20000
FEATURES = 128
HIDDEN = 64


class Scorer:
    def __init__(self, rng):
        self.weights = rng.standard_normal((FEATURES, HIDDEN)).astype(np.float32)
        self.output = rng.standard_normal(HIDDEN).astype(np.float32)
        self.recent = np.zeros(50000, dtype=np.float64)
        self.count = 0
        self.batch = None
        self.batch_ticks_left = 0
        self.batches = 0
        self.flagged = 0

    def score_one(self, features, amount):
        hidden = np.maximum(features @ self.weights, 0.0)
        self.recent[self.count % self.recent.size] = amount
        self.count += 1
        return float(hidden @ self.output)

    def start_batch(self, rng):
        features = rng.standard_normal((BATCH_ROWS, FEATURES), dtype=np.float32)
        hidden = np.maximum(features @ self.weights, 0.0)
        scores = hidden @ self.output
        flagged = scores > np.percentile(scores, 99.5)
        self.batch = (features, hidden, scores, flagged)
        self.batch_ticks_left = 25  # ~0.5 s of reducing and comparing, at 50 ticks a second

    def step_batch(self):
        if self.batch is None:
            return
        self.batch_ticks_left -= 1
        if self.batch_ticks_left == 0:
            flagged = self.batch[3]
            self.flagged += int(flagged.sum())
            self.batches += 1
            self.batch = None


def main():
    seconds = pacing.run_seconds(16)
    rng = np.random.default_rng(11)
    scorer = Scorer(rng)
    online = rng.standard_normal((256, FEATURES)).astype(np.float32)
    total = [0.0]

    def tick(i, t):
        # 50 ticks a second: 8 online scores each; a batch starts at 1.5 s and every 3 s after.
        for k in range(8):
            total[0] += scorer.score_one(online[(i * 8 + k) % 256], 10.0 + k)
        scorer.step_batch()
        if i % 150 == 75:
            scorer.start_batch(rng)

    pacing.every(0.02, seconds, tick)
    print(f"{scorer.count} scored online, {scorer.batches} batches, {scorer.flagged} flagged ({total[0]:.1f})", file=sys.stderr)


if __name__ == "__main__":
    main()
