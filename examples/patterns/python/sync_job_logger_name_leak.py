"""A pure-Python leak through the standard library's own registry, four threads (written in session 32,
batch 11, as a held-out check, never tuned on): the sync worker of a SaaS integration platform, running
connector sync jobs for its tenants (pull a page of changed records from Salesforce, HubSpot, Zendesk...,
map them, upsert them into the tenant's warehouse), 160 jobs a second on a pool of four threads. To get
the job id into every log line without touching the formatter, a developer gave each job its own logger:
logging.getLogger(f"sync.{connector}.{job_id}"). The logging module keeps every logger it ever created,
in logging.Logger.manager.loggerDict (and in its parent placeholder's map), so each finished job leaves
its Logger behind: the object, its __dict__, its handler and filter lists, its level cache (filled at the
job's first log call), its name, and its slots in both dicts. The job's records, its mapped rows and its
log lines are freed as it ends; the last 200 jobs' summaries are kept in a deque for /status, and the
3,000 tenant connectors' cursors, loaded at start, are updated in place.
Truth: a leak, reachable, linear from the start: 160 loggers a second, ~600 B each with their slots in
the two dicts (tracemalloc: 640 B a logger over 10,000; most of it in pymalloc's arenas, mmapped 1 MiB at
a time; the two dicts' tables, which double now and then, in malloc's heap), ~97 kB/s, ~1.5 MB over a 16 s
run on a ~13 MB interpreter. The loggers are created by the job's constructor, SyncJob.__init__ (inside
logging's Manager.getLogger).
Measured (session 32, tests/accuracy/measure.py): tracked, RSS 20.96 MB at 1 s, 21.32 at 3 s, 22.32 at 13 s,
22.61 at 16 s (+95 kB/s over 3-13 s, +91 over 3-9 s, +108 over 9-16 s), pymalloc's mapped arenas 4.28 -> 6.37
MB in 1 MiB steps, malloc's live heap 2.24 -> 2.39 MB (+9 kB/s: the dicts' tables); --plain, RSS 13.26 MB at
1 s, 13.52 at 3 s, 14.46 at 13 s, 14.75 at 16 s (+96 kB/s over 3-13 s, +99 over 3-9 s, +95 over 9-16 s);
2,560 jobs synced, 2,569 loggers in logging's registry at exit.
Usage: /usr/bin/python3 sync_job_logger_name_leak.py SECONDS"""
import collections
import concurrent.futures
import itertools
import json
import logging
import os
import sys
import threading

import pacing

CONNECTORS = ("salesforce", "hubspot", "zendesk", "stripe", "netsuite", "jira")
JOBS_PER_TICK = 4  # every 25 ms: 160 a second


class SyncJob:
    """One incremental sync of one tenant's connector."""

    def __init__(self, job_id, tenant, connector, cursor):
        self.job_id = job_id
        self.tenant = tenant
        self.connector = connector
        self.cursor = cursor
        # The job's own logger, so that %(name)s carries the job id to the log aggregator.
        self.log = logging.getLogger(f"sync.{connector}.{job_id}")

    def fetch_page(self):
        """The connector's API page of records changed since the cursor (made up from the job id)."""
        n = 40 + self.job_id % 60
        return [{"Id": f"{self.connector[:3].upper()}{(self.cursor + k) * 2654435761 % 10**12:012d}",
                 "Name": f"Account {self.tenant}-{k}", "Industry": ("Retail", "Banking", "Energy")[k % 3],
                 "AnnualRevenue": (self.cursor + k) % 9_000_000, "LastModifiedDate": f"2026-11-14T19:{k % 60:02d}:00Z",
                 "Owner": {"Id": f"005{k:09d}", "Email": f"owner{k % 40}@{self.tenant}.example.com"}}
                for k in range(n)]

    def run(self):
        self.log.info("sync started tenant=%s cursor=%d", self.tenant, self.cursor)
        records = self.fetch_page()
        self.log.debug("fetched %d records", len(records))
        rows = [(r["Id"], r["Name"], r["Industry"], r["AnnualRevenue"], r["Owner"]["Email"], r["LastModifiedDate"])
                for r in records]
        payload = json.dumps({"table": f"{self.tenant}.{self.connector}_accounts", "rows": rows})
        if self.job_id % 50 == 0:
            self.log.warning("rate limited by %s, %d rows deferred", self.connector, len(rows) // 3)
        self.log.info("sync finished rows=%d bytes=%d", len(rows), len(payload))
        return {"job": self.job_id, "tenant": self.tenant, "connector": self.connector, "rows": len(rows),
                "bytes": len(payload), "cursor": self.cursor + len(records)}


class Worker:
    def __init__(self):
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="sync")
        self.job_ids = itertools.count(1)
        # Each tenant connector's cursor, loaded from the state store at start (500 tenants x 6).
        self.cursors = {(f"t{t:04d}", c): 1_000_000 + t for t in range(500) for c in CONNECTORS}
        self.recent = collections.deque(maxlen=200)
        self.lock = threading.Lock()
        self.done = 0
        self.rows = 0

    def _run(self, job):
        summary = job.run()
        with self.lock:
            self.recent.append(summary)
            self.done += 1
            self.rows += summary["rows"]

    def tick(self, i, _t):
        for _ in range(JOBS_PER_TICK):
            job_id = next(self.job_ids)
            tenant = f"t{job_id * 7919 % 500:04d}"
            connector = CONNECTORS[job_id % len(CONNECTORS)]
            cursor = self.cursors[(tenant, connector)]
            self.cursors[(tenant, connector)] = cursor + 100
            self.pool.submit(self._run, SyncJob(job_id, tenant, connector, cursor))


def main():
    seconds = pacing.run_seconds(16)
    # The service's logging: one handler on "sync" (the log shipper's file; here /dev/null), INFO and up.
    handler = logging.StreamHandler(open(os.devnull, "w"))
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"))
    root = logging.getLogger("sync")
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    root.propagate = False
    worker = Worker()
    pacing.every(0.025, seconds, worker.tick)
    worker.pool.shutdown(wait=True)
    print(f"{worker.done} jobs synced ({worker.rows} rows), {len(worker.cursors)} tenant connectors; "
          f"{len(logging.Logger.manager.loggerDict)} loggers in logging's registry", file=sys.stderr)


if __name__ == "__main__":
    main()
