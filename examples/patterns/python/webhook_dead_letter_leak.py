"""A leak inside worker threads of a pure-Python service, with per-request jitter (written in session
13 as a held-out check, never tuned on): a webhook dispatcher hands 600 deliveries a second to four
worker threads through a queue.Queue. A delivery whose endpoint answers with an error is retried up
to three times; one that still fails is "buried": the worker renders a dead-letter record (the JSON
body as bytes, 1-8 kB depending on the event, plus the request headers as a dict) and appends it to
the dispatcher's dead_letters list for the admin page, which shows the last 50 and never trims it.
One endpoint in twenty is down for the whole run, so 5% of the deliveries are buried.
Truth: a leak, linear, from the start: 30 dead letters a second, each a bytes body of ~4.0 kB on
average (0.8-7.5 kB, by the event's number of lines), a headers dict of 6 entries with its strings
and a small record object: ~4.9 kB each, ~145 kB/s, ~2 MB over 14 s on a ~19 MB process. The records
are built on the worker threads, in Dispatcher.bury.
Measured (tests/accuracy/measure.py, session 13): live heap +121 kB/s over 3-13 s (the bodies: 420
buried, 1.68 MB of bodies by the program's count; the dicts and small objects land in pymalloc's
1 MiB arenas, counted when an arena is taken), RSS +161 kB/s (19.8 -> 21.4 MB).
Usage: /usr/bin/python3 webhook_dead_letter_leak.py SECONDS"""
import json
import queue
import sys
import threading

import pacing


class DeadLetter:
    __slots__ = ("endpoint", "event_id", "body", "headers", "attempts")

    def __init__(self, endpoint, event_id, body, headers, attempts):
        self.endpoint = endpoint
        self.event_id = event_id
        self.body = body
        self.headers = headers
        self.attempts = attempts


class Dispatcher:
    def __init__(self):
        self.jobs = queue.Queue()
        self.dead_letters = []
        self.lock = threading.Lock()
        self.delivered = 0

    def post(self, endpoint, event):
        """What the HTTP client would answer: endpoints 0, 20, 40, ... are down."""
        return 503 if endpoint % 20 == 0 else 200

    def bury(self, endpoint, event, attempts):
        body = json.dumps(event, separators=(",", ":")).encode()
        headers = {"content-type": "application/json", "x-event-id": str(event["id"]),
                   "x-endpoint": f"https://hooks.example.net/{endpoint}/receive",
                   "x-attempts": str(attempts), "x-signature": "%064x" % (event["id"] * 2654435761),
                   "user-agent": "webhooks/3.2"}
        with self.lock:
            self.dead_letters.append(DeadLetter(endpoint, event["id"], body, headers, attempts))

    def admin_page(self):
        with self.lock:
            return [d.event_id for d in self.dead_letters[-50:]]

    def work(self):
        while (job := self.jobs.get()) is not None:
            endpoint, event = job
            for attempt in range(1, 4):
                if self.post(endpoint, event) == 200:
                    with self.lock:
                        self.delivered += 1
                    break
            else:
                self.bury(endpoint, event, attempt)


def make_event(n):
    # A payload of ~1-8 kB: the order's lines, as many as the event has.
    lines = [{"sku": f"SKU-{(n * 31 + k) % 100000:06d}", "qty": 1 + k % 3, "note": "x" * 40}
             for k in range(10 + (n * 7919) % 90)]
    return {"id": n, "type": "order.updated", "lines": lines}


def main():
    seconds = pacing.run_seconds(14)
    dispatcher = Dispatcher()
    workers = [threading.Thread(target=dispatcher.work) for _ in range(4)]
    for w in workers:
        w.start()
    counter = [0]

    def tick(i, t):
        # 50 ticks a second, 12 deliveries each: 600 a second over 200 endpoints.
        for _ in range(12):
            n = counter[0]
            counter[0] += 1
            dispatcher.jobs.put(((n * 13) % 200, make_event(n)))
        if i % 50 == 0:
            dispatcher.admin_page()

    pacing.every(0.02, seconds, tick)
    for _ in workers:
        dispatcher.jobs.put(None)
    for w in workers:
        w.join()
    kept = sum(len(d.body) for d in dispatcher.dead_letters)
    print(f"{counter[0]} events, {dispatcher.delivered} delivered, {len(dispatcher.dead_letters)} buried "
          f"({kept} B of bodies)", file=sys.stderr)


if __name__ == "__main__":
    main()
