"""A bounded queue whose depth wanders (written in session 15 as a held-out check, never tuned on): a
document OCR service in Python threads. The upload front end (the main thread, every 50 ms) accepts a
number of scanned pages that follows the load: ~20 pages a tick on average, times e^L where L is a
slowly wandering load level (each tick L = 0.97 L + 0.12 N(0,1), from a fixed seed). Each page (a
4-16 kB image slice and a dict of metadata) goes into a queue.Queue(maxsize=4000); when it is full the
page is refused (a 503). Workers take pages at 100 a second each (OCR modelled as a checksum and a
short text result, kept in a deque(maxlen=500) of recent results). An autoscaler looks every 500 ms:
above 1,500 pages waiting it starts a worker (up to 8), below 300 it retires one (down to 2). So the
depth swings up while the load outruns the workers and down once enough have started, again and again,
never past the queue's bound.
Truth: not a leak: the queue holds 0-4,000 pages (~10.6 kB each with their metadata, so at most
~42 MB) and its depth wanders up and down between those bounds, with no trend: a flat program with a
random-walk-like heap swinging by ~10 MB. A short run cannot show the walk is bounded (its lows may rise
for a while), so an honest "undecided" is right too. The pages are allocated by the front end and freed
by whichever worker took them; glibc keeps freed memory in the front end's arena, so RSS holds the
highest depth reached so far and rises only when a new high is reached.
Measured (tests/accuracy/measure.py, session 15): depth 0 -> ~700 by 3.5 s, ~1,980 at 7 s, ~940 at
10.5 s, ~2,000 at 13 s, ~1,100 at 18 s (highest 2,074; none refused); live heap 8.7 MB at 4 s, 21.2
(7 s), 11.2 (10.5 s), 22.3 (13.5 s), 12.9 MB (18 s), -30 kB/s over 6-18 s; RSS under the tracker 26 MB
at 4 s, 40 MB from 7 s, 41 MB from 13.5 s; without the tracker 32 MB at 7 s, 32.4 -> 33.5 MB over 7-18 s.
Usage: /usr/bin/python3 ocr_queue_autoscale_walk_flat.py SECONDS"""
import collections
import math
import queue
import random
import sys
import threading
import time
import zlib

import pacing

QUEUE_BOUND = 4000
MIN_WORKERS, MAX_WORKERS = 2, 8
PAGES_PER_WORKER_TICK = 5  # 100 a second per worker, in 50 ms windows
PAGES_WAITING_PER_WORKER = 250  # the autoscaler's target, like a queue-length scaling rule
IMAGE_SOURCE = bytes(range(256)) * 80  # 20 kB that page slices are copied from


class WorkerPool:
    def __init__(self, pages):
        self.pages = pages
        self.active = []  # (thread, its retire event), the newest last
        self.recent = collections.deque(maxlen=500)
        self.done = 0
        self.lock = threading.Lock()
        self.stopping = False

    @property
    def size(self):
        return len(self.active)

    def scale_to(self, n):
        while len(self.active) < n:
            retire = threading.Event()
            thread = threading.Thread(target=self.work, args=(retire,), daemon=True)
            self.active.append((thread, retire))
            thread.start()
        while len(self.active) > n:
            self.active.pop()[1].set()  # it finishes its page and leaves

    def work(self, retire):
        window_end = time.monotonic() + 0.05
        in_window = 0
        while not self.stopping and not retire.is_set():
            try:
                page = self.pages.get(timeout=0.05)
            except queue.Empty:
                continue
            text = f"page {page['id']} of {page['document']}: {zlib.crc32(page['image']):08x} " + "lorem " * 20
            with self.lock:
                self.recent.append({"id": page["id"], "text": text})
                self.done += 1
            in_window += 1
            if in_window == PAGES_PER_WORKER_TICK:
                delay = window_end - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                window_end = max(window_end + 0.05, time.monotonic())
                in_window = 0


def main():
    seconds = pacing.run_seconds(18)
    pages = queue.Queue(maxsize=QUEUE_BOUND)
    pool = WorkerPool(pages)
    pool.scale_to(MIN_WORKERS)
    rng = random.Random(15)
    state = {"load": 0.0, "next_id": 0, "refused": 0, "max_depth": 0}

    def tick(i, t):
        state["load"] = 0.95 * state["load"] + 0.2 * rng.gauss(0.0, 1.0)
        arrivals = int(round(20 * math.exp(state["load"])))
        for _ in range(arrivals):
            n = 4096 + rng.randrange(12288)
            offset = rng.randrange(len(IMAGE_SOURCE) - n)
            page = {"id": state["next_id"], "document": f"doc-{state['next_id'] // 12:07d}", "dpi": 300,
                    "tenant": f"tenant-{state['next_id'] % 40}", "image": IMAGE_SOURCE[offset:offset + n]}
            state["next_id"] += 1
            try:
                pages.put_nowait(page)
            except queue.Full:
                state["refused"] += 1
        depth = pages.qsize()
        state["max_depth"] = max(state["max_depth"], depth)
        if i % 10 == 9:
            pool.scale_to(min(MAX_WORKERS, max(MIN_WORKERS, math.ceil(depth / PAGES_WAITING_PER_WORKER))))

    pacing.every(0.05, seconds, tick)
    pool.stopping = True
    print(f"{state['next_id']} pages, {pool.done} read, {state['refused']} refused, highest depth "
          f"{state['max_depth']}, {pages.qsize()} waiting, {pool.size} workers at the end", file=sys.stderr)


if __name__ == "__main__":
    main()
