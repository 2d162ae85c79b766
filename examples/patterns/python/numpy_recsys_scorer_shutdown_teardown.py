"""Teardown at exit of a flat numpy service, three threads (written in session 26, batch 10, as a held-out
check, never tuned on): the candidate scorer of a video platform's "up next" recommendations. At start
it loads its model: the item tower's embeddings (150,000 videos x 64 float32), the user tower's
(50,000 users x 64), the items' popularity biases and categories, and a candidate pool per category.
Two scoring threads then answer 240 requests a second between them: each gathers the user's 2,000
candidates' embeddings (a 512 kB float32 array), scores them against the user's vector with the
biases, keeps the top 50 with argpartition, and blends in a little freshness; every temporary is
dropped with the request. 1.5 s before the end the service is told to stop (as by SIGTERM in a rolling
deploy): the scoring threads finish their request and exit, the model is unloaded (its arrays
released), and the process then drains for the rest of the run (its last metrics flushes, 10 times a
second).
Truth: not a leak: the model's load in the first ~1 s (~58.6 MB of live heap with the end of numpy's import,
the warm-up; the model's arrays are ~53.6 MB), then flat (the requests' temporaries, ~1 MB per request in
flight, come and go within a millisecond or so), then the teardown at exit: the live heap falls to ~6.6 MB in
the last 1.5 s, and RSS with it (the model's arrays are above glibc's mmap threshold, so they are unmapped
when released). The teardown is no pattern of the run.
Measured (session 26, tests/accuracy/measure.py): tracked, live heap 1.61 MB at 0.2 s, 44.99 at 0.4 s, 57.79
at 0.8 s, 60.20 MB from 1 s to 14.9 s (+20 B/s over 3-13 s), 6.59 MB from 15 s to the end, pymalloc's arenas
9.49 MB flat, RSS 102.17 MB from 1 s to 14.8 s, 51.09 from 14.9 s; --plain, RSS 51.0 MB at 0.5 s, 88.00 MB
from 1 s to 14.5 s (0 B/s over 3-13 s), 36.31 MB from 15 s to the end; 3,342 requests scored, 15 metrics
flushes while draining.
Usage: /usr/bin/python3 numpy_recsys_scorer_shutdown_teardown.py SECONDS"""
import gc
import sys
import threading

import numpy as np

import pacing

ITEMS = 150_000
USERS = 50_000
DIM = 64
CATEGORIES = 40
CANDIDATES = 2_000
TOP_K = 50
REQUESTS_PER_TICK = 6  # per scoring thread, every 50 ms: 240 a second in all


class Model:
    def __init__(self, seed):
        rng = np.random.default_rng(seed)
        self.items = rng.standard_normal((ITEMS, DIM), dtype=np.float32) / 8
        self.users = rng.standard_normal((USERS, DIM), dtype=np.float32) / 8
        self.bias = rng.gamma(2.0, 0.1, ITEMS).astype(np.float32)
        self.category = rng.integers(0, CATEGORIES, ITEMS, dtype=np.int32)
        self.upload_day = rng.integers(0, 3650, ITEMS, dtype=np.int32)
        self.pools = [np.flatnonzero(self.category == c).astype(np.int32) for c in range(CATEGORIES)]

    def score(self, user, categories, rng):
        pool = np.concatenate([self.pools[c] for c in categories])
        candidates = pool[rng.integers(0, len(pool), CANDIDATES)]
        embeddings = self.items[candidates]  # the gather: CANDIDATES x DIM
        scores = embeddings @ self.users[user] + self.bias[candidates]
        freshness = np.exp(-(3650 - self.upload_day[candidates]) / 365.0).astype(np.float32)
        scores += 0.05 * freshness
        top = np.argpartition(-scores, TOP_K)[:TOP_K]
        order = top[np.argsort(-scores[top])]
        return candidates[order], scores[order]


def main():
    seconds = pacing.run_seconds(16)
    stop_at = seconds - 1.5
    model = Model(20261207)
    stats = {"requests": 0, "served": 0, "flushes": 0}
    lock = threading.Lock()

    def scorer(index):
        rng = np.random.default_rng(1000 + index)

        def tick(i, t):
            for _ in range(REQUESTS_PER_TICK):
                user = int(rng.integers(USERS))
                categories = rng.choice(CATEGORIES, 3, replace=False)
                ids, scores = model.score(user, categories, rng)
                with lock:
                    stats["requests"] += 1
                    stats["served"] += len(ids)

        pacing.every(0.05, stop_at, tick)  # until the stop

    threads = [threading.Thread(target=scorer, args=(k,)) for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # The shutdown: the model unloaded, then the drain (metrics flushed until the end of the run).
    del model
    gc.collect()

    def drain(i, t):
        stats["flushes"] += 1

    pacing.every(0.1, seconds, drain)
    print(f"{stats['requests']} requests scored ({stats['served']} recommendations); {stats['flushes']} "
          f"flushes while draining", file=sys.stderr)


if __name__ == "__main__":
    main()
