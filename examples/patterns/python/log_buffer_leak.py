"""A logging handler that buffers without bound (written in session 7 as a held-out check, never tuned
on): a web service attaches a logging.handlers.MemoryHandler (capacity 500) meant to hold recent
records and hand them to a file handler in batches; the configuration path that was to call
setTarget() was dropped in a refactor, and a MemoryHandler with no target never clears its buffer
(flush() only clears after sending to a target), so every record it accepts stays referenced. The
service handles 150 requests a second on a pool of 3 threads and logs two records per request (the
access line and a timing line at DEBUG), each LogRecord keeping its ~20 attributes and its arguments
(the request id, the path, a header summary).
Truth: a leak, linear, from the first request: 300 LogRecords a second with their arguments, ~850 B
each. Measured under leakscope run: the interpreter's pymalloc arenas (the "mapped" series) grow
246-260 kB/s over 3-8 s, 8-14 s and 3-14 s, RSS 257 kB/s (22.3 MB at 3 s, 25.1 MB at 14 s): ~255,000
B/s, ~3.5 MB over the run on a ~22 MB interpreter (about 15%). The records are created in
Logger.makeRecord (logging/__init__.py), called from the service's handle_request.
Usage: log_buffer_leak.py SECONDS
"""
import logging
import logging.handlers
import os
import queue
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pacing  # noqa: E402

log = logging.getLogger("gateway")
log.setLevel(logging.DEBUG)
recent = logging.handlers.MemoryHandler(capacity=500, flushLevel=logging.ERROR)  # target: never set
log.addHandler(recent)
log.propagate = False

requests = queue.Queue(maxsize=1000)
served = [0, 0, 0]


def handle_request(worker, n):
    request_id = f"req-{n:010d}-{worker}"
    path = f"/api/v2/accounts/{n % 9973}/orders?page={n % 17}&sort=created"
    headers = ";".join(f"h{k}={(n * 31 + k) % 1000:03d}" for k in range(12))
    log.info("GET %s %s [%s]", path, request_id, headers)
    log.debug("request %s took %.2f ms in %s", request_id, (n % 400) / 10.0, f"worker-{worker}")
    served[worker] += len(path)


def worker_main(worker):
    while True:
        n = requests.get()
        if n is None:
            return
        handle_request(worker, n)


workers = [threading.Thread(target=worker_main, args=(w,)) for w in range(3)]
for t in workers:
    t.start()


def tick(i, _t):
    for k in range(3):  # 50 ticks a second, 3 requests each
        requests.put(i * 3 + k)


pacing.every(0.02, pacing.run_seconds(14), tick)
for _ in workers:
    requests.put(None)
for t in workers:
    t.join()
print(f"{sum(served)} path bytes served, {len(recent.buffer)} records buffered")
