"""A leak that starts mid-run because a background thread died (written in session 8 as a held-out
check, never tuned on): a web service handles 200 requests a second on a ThreadPoolExecutor of 3
worker threads, and each request puts an audit event (a dict: who, what, when, status, timings, a
digest of the body) on an unbounded queue. An uploader thread takes everything queued every 0.5 s and posts it as
one JSON batch to the audit collector. At 6 s the collector goes into maintenance and answers
{"error": "maintenance"}; the uploader reads reply["accepted"], the KeyError ends its thread (the
traceback goes to stderr, as threading's default hook prints it) and nothing restarts it. The
service keeps serving and keeps queueing events that nobody takes any more.
Truth: flat for the first 6 s (the queue holds at most half a second of events: a small sawtooth
of ~100 events), then a leak, linear, from 6 s: 200 events a second, each a dict of 9 entries and
its strings, ~0.8 kB. Measured under leakscope run: RSS is flat over 2-6 s (26.27 -> 26.31 MB,
10 kB/s), then grows 117 kB/s over 6.5-11 s, 161 kB/s over 11-16 s and 155 kB/s over 7-16 s (27.87
MB at 16 s); the interpreter's pymalloc arenas (the "mapped" series, in 1 MiB steps) grow 168 kB/s
over 7-16 s. ~1.6 MB over the last 10 s on a ~26 MB interpreter (about 6%). The events are created
in handle_request.
Usage: audit_uploader_late_leak.py SECONDS
"""
import concurrent.futures
import hashlib
import json
import os
import queue
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pacing  # noqa: E402

MAINTENANCE_AT = 6.0
audit_events = queue.SimpleQueue()  # unbounded: the uploader was supposed to keep it short
served = [0, 0, 0]
uploaded = [0]


def collector_post(body):
    """The audit collector's HTTP endpoint, as the client library returns its JSON reply."""
    if time.monotonic() - pacing.START >= MAINTENANCE_AT:
        return {"error": "maintenance", "retry_after_s": 900}
    return {"accepted": body.count(b'"event_id"')}


def uploader_main():
    while True:
        time.sleep(0.5)
        batch = []
        while True:
            try:
                batch.append(audit_events.get_nowait())
            except queue.Empty:
                break
        if not batch:
            continue
        reply = collector_post(json.dumps(batch).encode())
        uploaded[0] += reply["accepted"]  # the bug: an error reply ends the thread


def handle_request(worker, n):
    path = f"/api/v3/tenants/{n % 311}/invoices/{n * 7919 % 100000}"
    body = f"{{\"amount\": {n % 10000}, \"currency\": \"EUR\", \"lines\": {n % 17}}}".encode()
    status = 200 if n % 23 else 409
    audit_events.put({
        "event_id": f"evt-{n:012d}",
        "actor": f"user-{n % 4999}@tenant-{n % 311}",
        "action": "invoice.update",
        "path": path,
        "status": status,
        "at": time.time(),
        "duration_ms": (n % 900) / 10.0,
        "body_sha256": hashlib.sha256(body).hexdigest(),
        "worker": f"worker-{worker}",
    })
    served[worker] += len(body)


pool = concurrent.futures.ThreadPoolExecutor(max_workers=3, thread_name_prefix="worker")
threading.Thread(target=uploader_main, daemon=True).start()


def tick(i, _t):
    for k in range(4):  # 50 ticks a second, 4 requests each
        n = i * 4 + k
        pool.submit(handle_request, n % 3, n)


pacing.every(0.02, pacing.run_seconds(16), tick)
pool.shutdown(wait=True)
print(f"{sum(served)} body bytes served, {uploaded[0]} events uploaded, {audit_events.qsize()} still queued")
