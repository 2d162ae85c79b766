"""A leak through kept exceptions, whose tracebacks pin their frames (written in session 14 as a
held-out check, never tuned on): a report renderer submits 200 jobs a second to a
concurrent.futures.ThreadPoolExecutor of four threads. A job loads the report's source rows into one
bytes payload (8-40 kB), parses it into pages and renders them. One report in forty has a corrupt
page and raises ValueError. The done-callback records failed jobs for the "retry later" status page
as (job id, exception); the exception's __traceback__ holds the frames of render_report and
parse_pages, and with them their locals: the payload and the parsed pages. Nothing trims the list.
Truth: a leak, linear, from the start: 5 failed jobs a second, each keeping its payload (24 kB on
average; the program adds them up and prints the sum), the pages parsed before the corrupt one (a
list of memoryview slices of the payload, ~1 kB) and the exception, its traceback and frames (~2 kB):
~27 kB each, ~130 kB/s (the payloads alone: 1.90 MB for 80 failures in 16 s, 119 kB/s), ~2 MB over a
16 s run on a ~14 MB process (~15%). The payloads are allocated in load_payload on the pool's threads.
Measured (tests/accuracy/measure.py, session 14): live heap +121 kB/s over 3-13 s (the payloads; the
frames and tracebacks land in pymalloc's 1 MiB arenas, counted when an arena is taken), RSS +132-139
kB/s (21.9 -> 23.2 MB over 3-13 s under the tracker; 14.2 MB at most without it).
Usage: /usr/bin/python3 failed_job_traceback_leak.py SECONDS"""
import concurrent.futures
import sys
import threading

import pacing


class CorruptPage(ValueError):
    pass


def load_payload(job_id):
    """The report's source rows, as the storage layer returns them: 8-40 kB."""
    size = 8000 + (job_id * 7919) % 32001
    row = b"%010d,2026-12-05T03:00:00Z,EUR,1234.56,settled,acct-0042;" % job_id
    return (row * (size // len(row) + 1))[:size]


def parse_pages(job_id, payload):
    pages = []
    view = memoryview(payload)
    for start in range(0, len(payload), 4096):
        if job_id % 40 == 13 and start >= 4096:
            raise CorruptPage(f"report {job_id}: page {len(pages)} has a bad checksum")
        pages.append(view[start:start + 4096])
    return pages


def render_report(job_id):
    payload = load_payload(job_id)
    pages = parse_pages(job_id, payload)
    return sum(len(p) for p in pages)


class Renderer:
    def __init__(self):
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="render")
        self.failed = []  # (job id, exception), for the status page's "retry later" list
        self.lock = threading.Lock()
        self.rendered_bytes = 0
        self.failed_payload_bytes = 0

    def submit(self, job_id):
        future = self.pool.submit(render_report, job_id)
        future.add_done_callback(lambda f, job_id=job_id: self.done(job_id, f))

    def done(self, job_id, future):
        error = future.exception()
        with self.lock:
            if error is None:
                self.rendered_bytes += future.result()
            else:
                self.failed.append((job_id, error))
                self.failed_payload_bytes += 8000 + (job_id * 7919) % 32001

    def status_page(self):
        with self.lock:
            return [f"{job_id}: {error}" for job_id, error in self.failed[-20:]]


def main():
    seconds = pacing.run_seconds(16)
    renderer = Renderer()
    counter = [0]

    def tick(i, t):
        # 50 ticks a second, 4 jobs each.
        for _ in range(4):
            renderer.submit(counter[0])
            counter[0] += 1
        if i % 50 == 0:
            renderer.status_page()

    pacing.every(0.02, seconds, tick)
    renderer.pool.shutdown(wait=True)
    print(f"{counter[0]} jobs, {len(renderer.failed)} failed, {renderer.failed_payload_bytes} B of payloads kept "
          f"by their tracebacks, {renderer.rendered_bytes} B rendered", file=sys.stderr)


if __name__ == "__main__":
    main()
