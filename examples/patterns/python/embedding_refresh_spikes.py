"""Spikes of big temporary batches, in numpy (written in session 15 as a held-out check, never tuned on):
a recommendation service. It keeps item embeddings (30,000 x 64 float32, 7.7 MB) and a fixed table of
5,000 user vectors, and answers 100 queries a second (a user's 2,000 candidate items scored, the top
20 by argpartition; the temporaries are freed per query). Now and then (2.4-3.3 s apart, on a fixed
schedule) a refresh job arrives with a batch of fresh interactions: 40,000-80,000 rows of 128 float32
(20-41 MB). The refresh receives the batch in four parts (one per 100 ms tick), centres it (a second
array of the same size), takes per-feature statistics over two more ticks, nudges the item embeddings
in place, and drops both arrays: each batch is held ~0.7 s, its centred copy the last ~0.2 s.
Truth: not a leak: a flat service (numpy and the tables: 15.7 MB of heap) with six spikes of 20-41 MB
lasting ~0.7 s each, twice that height for their last ~0.2 s (the batch and its centred copy). glibc
gives the first batch's pages back (an mmapped chunk) but raises its mmap threshold to that size, so
later batches up to that size come from the heap and stay resident when freed: RSS keeps a rise at the
second batch and another at the fourth, and shows the others' spikes above that, or not at all.
Measured (tests/accuracy/measure.py, session 15): live heap 15.65 MB between refreshes all along, up to
46-77 (2.0-2.7 s), 36 (5 s), 57-98 (7.5-8.1 s), 41-67 (10.8-11.4 s), 51-87 (13.2-13.8 s) and 39 MB
(16.2-16.5 s); RSS under the tracker 57 MB to 5 s, 98.8 from 5.7 s, 109 MB from 11.4 s to the end
(119 at the first spike); without the tracker 41 MB at 5 s (the first spike 103 MB), 82 -> 93 MB over
6-18 s with spikes to 129 MB, 93 MB over 12-18 s between them.
Usage: /usr/bin/python3 embedding_refresh_spikes.py SECONDS"""
import sys

import pacing

import numpy as np

ITEMS = 30_000
DIM = 64
USERS = 5_000
CANDIDATES = 2_000
FEATURES = 128
# (start in s, rows): the refresh schedule; the biggest batch is the third.
REFRESHES = [(2.0, 60_000), (4.8, 40_000), (7.3, 80_000), (10.6, 50_000), (13.0, 70_000), (15.9, 45_000)]
PARTS = 4


class Refresh:
    """One refresh job's state between ticks: the batch arrives in parts, then it is reduced."""

    def __init__(self, rows, row_template):
        self.batch = np.empty((rows, FEATURES), dtype=np.float32)
        self.row_template = row_template
        self.received = 0
        self.centred = None
        self.spread = None
        self.reduced = 0

    def step(self, recommender):
        """Does one tick's share; True once the job is done."""
        rows = self.batch.shape[0]
        if self.received < PARTS:
            lo, hi = self.received * rows // PARTS, (self.received + 1) * rows // PARTS
            self.batch[lo:hi] = self.row_template  # decoded from the message, part by part
            self.batch[lo:hi, self.received] += 1.0
            self.received += 1
            return False
        if self.centred is None:
            self.centred = self.batch - self.batch.mean(axis=0)
            self.spread = np.zeros(FEATURES)
            return False
        # The per-feature spread, half the rows a tick.
        half = self.centred[:rows // 2] if self.reduced == 0 else self.centred[rows // 2:]
        self.spread += np.einsum("ij,ij->j", half, half)
        self.reduced += 1
        if self.reduced < 2:
            return False
        recommender.items *= np.float32(1.0 - 1e-6 * float(self.spread[:DIM].mean() / rows))
        return True


class Recommender:
    def __init__(self):
        rng = np.random.default_rng(15)
        self.items = rng.standard_normal((ITEMS, DIM), dtype=np.float32)
        self.users = rng.standard_normal((USERS, DIM), dtype=np.float32)
        self.row_template = rng.standard_normal(FEATURES, dtype=np.float32)
        self.spread = np.arange(CANDIDATES) * 13
        self.served = 0
        self.refreshes = 0
        self.refresh = None

    def recommend(self, user):
        candidates = (user * 7919 + self.spread) % ITEMS
        scores = self.items[candidates] @ self.users[user]
        top = np.argpartition(scores, -20)[-20:]
        self.served += 1
        return candidates[top[np.argsort(scores[top])[::-1]]]

    def start_refresh(self, rows):
        self.refresh = Refresh(rows, self.row_template)

    def continue_refresh(self):
        if self.refresh.step(self):
            self.refresh = None
            self.refreshes += 1


def main():
    seconds = pacing.run_seconds(18)
    service = Recommender()
    schedule = list(REFRESHES)
    user = [0]

    def tick(i, t):
        # 10 queries per 100 ms tick: 100 a second.
        for _ in range(10):
            service.recommend(user[0] % USERS)
            user[0] += 7
        if service.refresh is not None:
            service.continue_refresh()
        elif schedule and t >= schedule[0][0]:
            service.start_refresh(schedule.pop(0)[1])

    pacing.every(0.1, seconds, tick)
    print(f"{service.served} queries, {service.refreshes} refreshes", file=sys.stderr)


if __name__ == "__main__":
    main()
