"""A still-reachable leak in a Python service (written in session 15 as a held-out check, never tuned
on): a report export API. Clients submit exports, 160 a second (8 per 50 ms tick); a
ThreadPoolExecutor of 4 workers runs each one (rows fetched, rendered to CSV bytes of 2-6 kB by
render_csv) and stores the result by job id for the client to fetch. Four clients in five poll: they
fetch their result 0.5-1 s later, and a janitor thread drops fetched results 5 s after the fetch (kept
for a re-download). One client in five asked for a webhook instead: the service posts a small
notification when the job is done, but the result is stored all the same, never fetched, and the
janitor only looks at fetched ones.
Truth: a leak, linear, from the start: 32 results a second never fetched, each its CSV bytes (2.2-7.1
kB, ~4.7 kB on average with the bytes object's header) plus the ExportResult (__slots__, 72 B), its int
key and its dict slot: ~4.9 kB, ~155-160 kB/s, ~2.5 MB over a 16 s run on a ~25 MB process (~10%).
Beside it, the polled results held for their 0.5-1 s wait and the 5 s grace fill ~3 MB over the first
~6-7 s, then stay level. The CSV bytes are made in render_csv.
Measured (tests/accuracy/measure.py, session 15): live heap +161 kB/s over 7-16 s (7.12 -> 8.48 MB),
+356 kB/s over 3-13 s (the bounded part still filling to ~7 s); RSS +207 kB/s over 7-16 s (26.6 -> 28.4
MB); 633 results never fetched at the end (512 of webhook clients).
Usage: /usr/bin/python3 export_result_unpolled_leak.py SECONDS"""
import collections
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pacing

GRACE_AFTER_FETCH_S = 5.0
COLUMNS = ("order_id", "sku", "quantity", "unit_price", "currency", "warehouse", "shipped_at", "customer_email",
           "ship_to")


class ExportResult:
    __slots__ = ("job_id", "csv", "rows", "created_s", "fetched_s")

    def __init__(self, job_id, csv, rows, created_s):
        self.job_id, self.csv, self.rows, self.created_s, self.fetched_s = job_id, csv, rows, created_s, None


def fetch_rows(job_id):
    """The report's rows (the database query): 20-60 orders of the tenant."""
    n = 20 + (job_id * 7919) % 41
    return [(job_id * 100 + k, f"SKU-{(job_id + k) % 9973:05d}", 1 + k % 9, f"{(k * 37) % 500 + 0.99:.2f}", "EUR",
             f"WH-{k % 12:02d}", f"2026-12-{1 + k % 28:02d}T{k % 24:02d}:00:00Z",
             f"buyer{(job_id * 13 + k) % 100000}@mail.example.com", f"{k % 300 + 1} Harbour Road, Unit {k % 40}, Leith")
            for k in range(n)]


def render_csv(rows):
    lines = [",".join(COLUMNS)]
    lines.extend(",".join(str(v) for v in row) for row in rows)
    return ("\n".join(lines) + "\n").encode()


class ExportService:
    def __init__(self):
        self.pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="export")
        self.results = {}
        self.lock = threading.Lock()
        self.webhooks_sent = 0
        self.now_s = 0.0

    def submit(self, job_id, webhook):
        self.pool.submit(self.run_job, job_id, webhook)

    def run_job(self, job_id, webhook):
        rows = fetch_rows(job_id)
        csv = render_csv(rows)
        with self.lock:
            self.results[job_id] = ExportResult(job_id, csv, len(rows), self.now_s)
        if webhook:
            notification = f'{{"job": {job_id}, "status": "done", "url": "/exports/{job_id}"}}'
            with self.lock:
                self.webhooks_sent += len(notification) > 0

    def fetch(self, job_id, now_s):
        with self.lock:
            result = self.results.get(job_id)
            if result is None:
                return None
            result.fetched_s = now_s
            return result.csv

    def expire_fetched(self, now_s):
        with self.lock:
            gone = [job_id for job_id, r in self.results.items()
                    if r.fetched_s is not None and now_s - r.fetched_s > GRACE_AFTER_FETCH_S]
            for job_id in gone:
                del self.results[job_id]

    def held(self):
        with self.lock:
            return len(self.results), sum(r.fetched_s is None for r in self.results.values())


def main():
    seconds = pacing.run_seconds(16)
    service = ExportService()
    polls = collections.deque()  # (when the client polls, job id)
    stop = threading.Event()

    def janitor():
        while not stop.wait(1.0):
            service.expire_fetched(service.now_s)

    threading.Thread(target=janitor, daemon=True).start()
    state = {"next_job": 0, "fetched": 0}

    def tick(i, t):
        service.now_s = t
        for _ in range(8):
            job_id = state["next_job"]
            state["next_job"] += 1
            webhook = job_id % 5 == 4
            service.submit(job_id, webhook)
            if not webhook:
                polls.append((t + 0.5 + (job_id * 31 % 50) / 100, job_id))
        # Clients poll in the order they submitted; one not done yet polls again next tick.
        while polls and polls[0][0] <= t:
            if service.fetch(polls[0][1], t) is None:
                break
            polls.popleft()
            state["fetched"] += 1

    pacing.every(0.05, seconds, tick)
    stop.set()
    service.pool.shutdown(wait=True)
    held, unfetched = service.held()
    print(f"{state['next_job']} exports, {state['fetched']} fetched, {service.webhooks_sent} webhooks, "
          f"{held} results held ({unfetched} never fetched)", file=sys.stderr)


if __name__ == "__main__":
    main()
