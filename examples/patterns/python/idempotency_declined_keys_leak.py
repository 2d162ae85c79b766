"""A Python leak of small objects (written in session 16 as a held-out check, never tuned on): a payments
API's idempotency store. 400 charge requests a second, each carrying an Idempotency-Key; the store keeps
a small record per key (a dict of eight fields, the key and a ~170-character JSON response summary, every
object under 512 B) so that a client retrying within the TTL gets the same answer. Records are meant to
live 3 s: the janitor thread pops due keys off an expiry heap every 500 ms and deletes them.
The bug: only a captured charge schedules its key's expiry; a declined card (1 in 4) returns early from
the handler with its record already stored, so declined keys are never pushed on the heap and stay in
the dict for good. Retries (1 in 20 requests) find their record and add nothing.
Truth: a leak, linear from the start, of ~94 declined records a second, ~740 B each with their share
of the store's dict (every object under 512 B), ~70 kB/s, allocated by IdempotencyStore.remember (the
record and its response; the key string comes from the request); the captured records are a warm-up
of ~3 s (~900 records kept at any time) that then stays flat.
Measured (session 16, tracemalloc's traced bytes sampled every 100 ms by a scratch runner; VmRSS by a
scratch preload shim in a second run, no tracker): traced 2.07 MB at 2 s -> 3.31 MB at 16 s, +70.3 kB/s
over 4-16 s (+70.2, +72.8, +59.4 kB/s over 4-8, 8-12, 12-16 s: the store dict resizes in steps); RSS
12.0 -> 13.3 MB, +72.6 kB/s over 4-16 s; the program's own count: 6,400 requests, 1,506 declined,
2,484 records left (978 scheduled to expire).
Usage: python3 idempotency_declined_keys_leak.py SECONDS"""
import heapq
import json
import random
import threading
import time
import uuid

import pacing

REQUESTS_PER_TICK = 40  # every 100 ms: 400 a second
RECORD_TTL_S = 3.0


class IdempotencyStore:
    def __init__(self):
        self._records = {}
        self._expiry = []  # (expires_at, key) of the records the janitor will delete
        self._lock = threading.Lock()

    def lookup(self, key):
        with self._lock:
            return self._records.get(key)

    def remember(self, key, merchant_id, amount_cents, currency, status, decline_code):
        response = json.dumps({"id": "ch_" + key[:12], "status": status, "amount": amount_cents,
                               "currency": currency, "decline_code": decline_code,
                               "merchant": merchant_id}, separators=(",", ":"))
        record = {"key": key, "merchant_id": merchant_id, "amount_cents": amount_cents,
                  "currency": currency, "status": status, "created_at": time.time(),
                  "response": response, "attempts": 1}
        with self._lock:
            self._records[key] = record
        return record

    def schedule_expiry(self, key, now):
        with self._lock:
            heapq.heappush(self._expiry, (now + RECORD_TTL_S, key))

    def expire_due(self, now):
        with self._lock:
            while self._expiry and self._expiry[0][0] <= now:
                _, key = heapq.heappop(self._expiry)
                self._records.pop(key, None)

    def sizes(self):
        with self._lock:
            return len(self._records), len(self._expiry)


class ChargeHandler:
    def __init__(self, store, rng):
        self.store = store
        self.rng = rng
        self.recent_keys = []
        self.counts = {"captured": 0, "declined": 0, "replayed": 0}

    def handle(self, key, merchant_id, amount_cents, currency):
        existing = self.store.lookup(key)
        if existing is not None:
            existing["attempts"] += 1
            self.counts["replayed"] += 1
            return existing["response"]
        declined = self.rng.random() < 0.25
        status = "declined" if declined else "captured"
        record = self.store.remember(key, merchant_id, amount_cents, currency, status,
                                     "insufficient_funds" if declined else None)
        if declined:
            self.counts["declined"] += 1
            return record["response"]  # the early return: this key's expiry is never scheduled
        self.counts["captured"] += 1
        self.store.schedule_expiry(key, time.monotonic())
        return record["response"]

    def next_request(self):
        if self.recent_keys and self.rng.random() < 0.05:
            key = self.rng.choice(self.recent_keys)  # a client retrying after a timeout
        else:
            key = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
            self.recent_keys.append(key)
            del self.recent_keys[:-200]
        merchant = "acct_%06d" % self.rng.randrange(5000)
        return key, merchant, self.rng.randrange(100, 250000), self.rng.choice(("usd", "eur", "gbp"))


def janitor(store, stop):
    while not stop.wait(0.5):
        store.expire_due(time.monotonic())


def main():
    seconds = pacing.run_seconds(16)
    store = IdempotencyStore()
    handler = ChargeHandler(store, random.Random(20261205))
    stop = threading.Event()
    sweeper = threading.Thread(target=janitor, args=(store, stop), daemon=True)
    sweeper.start()

    def tick(i, t):
        for _ in range(REQUESTS_PER_TICK):
            handler.handle(*handler.next_request())

    pacing.every(0.1, seconds, tick)
    stop.set()
    sweeper.join()
    records, scheduled = store.sizes()
    print(f"records {records} (scheduled to expire {scheduled}), {handler.counts}")


if __name__ == "__main__":
    main()
