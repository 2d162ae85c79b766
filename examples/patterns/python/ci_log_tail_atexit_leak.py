"""A pure-Python reachable leak through a global registry, objects in reference cycles (written in session
25, batch 9, as a held-out check, never tuned on): the central log collector of a CI service. Build
runners stream each job step's console output to it in chunks; two ingest threads (one per load-balanced
websocket listener) append every chunk to its step's buffer and keep the step's last 40 lines, stripped of
ANSI colour codes, for the failure summary shown on the pull request. 40 steps start a second, each
lasting 0.5-3 s at ~100 lines a second; when a step ends its log is compressed and uploaded to object
storage, its buffer dropped, and the tail handed to the summary writer. To not lose partial logs when the
collector is stopped mid-step, each StepStream registers its flush with atexit when it opens, and nothing
ever unregisters it: atexit's list keeps every closed step (its tail of 40 lines, its parser, the
parser's back reference to the stream: a cycle, but one reachable from the registry, so the cyclic
collector can do nothing with it).
Truth: a leak, reachable, linear from the start: ~36 closed steps a second (40 start, the first close
after 0.5-3 s), each keeping its tail (40 lines of ~60-130 characters made in StepStream.feed, ~5.5 kB),
the deque holding it (a 528 B block in malloc's heap), the stream's and the parser's objects and their
dicts, and atexit's bound method: ~8 kB a step, ~290 kB/s, ~4.5 MB over a 16 s run on a ~12 MB process;
nearly all in pymalloc's arenas (objects under 512 B, arenas of 1 MiB). The buffers of the ~70 steps open
at any time (~1 MB) are the warm-up of the first ~3 s, then flat.
Measured (session 25, tests/accuracy/measure.py): tracked, pymalloc's mapped arenas 3.19 MB at 1 s, 4.24
at 3 s, 7.39 at 16 s (+246 kB/s over 3-13 s, +233 over 3-9 s, +242 over 9-16 s), malloc's live heap
1.71 -> 2.54 MB (+45 kB/s over 3-13 s), RSS +315 kB/s over 3-13 s; --plain, RSS 11.46 MB at 1 s, 12.53
at 3 s, 16.72 at 16 s (+309 kB/s over 3-13 s, +333 over 3-9 s, +301 over 9-16 s); 576 steps closed and
uploaded (1.4 MB compressed), 30 failure summaries kept.
Usage: /usr/bin/python3 ci_log_tail_atexit_leak.py SECONDS"""
import atexit
import collections
import re
import sys
import threading
import zlib

import pacing

ANSI = re.compile(r"\x1b\[[0-9;]*m")
STEP_NAMES = ("checkout", "setup-toolchain", "restore-cache", "configure", "build", "unit-tests",
              "integration-tests", "lint", "package", "upload-artifacts")
TOOL_LINES = (
    "\x1b[32m[ OK ]\x1b[0m {suite}.{case} ({ms} ms)",
    "\x1b[1m[{pct:3d}%]\x1b[0m Building CXX object src/{suite}/CMakeFiles/{suite}.dir/{case}.cpp.o",
    "npm \x1b[33mWARN\x1b[0m deprecated {suite}@{ms}.0.1: this package is no longer maintained ({case})",
    "  {suite}/{case}.py::test_{case}_{ms} \x1b[32mPASSED\x1b[0m                       [{pct:3d}%]",
    "Downloading https://cache.ci.example.net/{suite}/{case}-{ms}.tar.zst ({pct} MB)",
)


class LineParser:
    """Splits a step's chunks into lines; keeps the partial last line until the next chunk."""

    def __init__(self, stream):
        self.stream = stream  # the back reference: stream <-> parser is a cycle
        self.partial = ""
        self.lines = 0

    def split(self, chunk):
        text = self.partial + chunk
        lines = text.split("\n")
        self.partial = lines.pop()
        self.lines += len(lines)
        return lines


class StepStream:
    def __init__(self, job_id, step, runner, seq):
        self.job_id = job_id
        self.seq = seq
        self.step = step
        self.runner = runner
        self.buffer = []
        self.size = 0
        self.tail = collections.deque(maxlen=40)
        self.parser = LineParser(self)
        self.closed = False
        # Flush a partial log if the collector stops mid-step. Never unregistered: the bug.
        atexit.register(self.flush_on_shutdown)

    def feed(self, chunk):
        self.buffer.append(chunk)
        self.size += len(chunk)
        for line in self.parser.split(chunk):
            self.tail.append(ANSI.sub("", line).rstrip())

    def close(self, uploader):
        uploader.upload(f"logs/{self.job_id}/{self.step}.log.gz", "".join(self.buffer))
        self.buffer = None
        self.closed = True
        return list(self.tail)

    def flush_on_shutdown(self):
        if not self.closed:
            self.close(SHUTDOWN_UPLOADER)


class Uploader:
    """Object storage, as the collector sees it: the compressed log is sent and forgotten."""

    def __init__(self):
        self.lock = threading.Lock()
        self.objects = 0
        self.bytes = 0

    def upload(self, key, text):
        body = zlib.compress(text.encode(), 1)
        with self.lock:
            self.objects += 1
            self.bytes += len(body)


SHUTDOWN_UPLOADER = Uploader()


class SummaryWriter:
    """The pull-request summary: the failing steps' tails (1 in 25), the last 50 of them kept."""

    def __init__(self):
        self.lock = threading.Lock()
        self.recent = collections.deque(maxlen=50)

    def add(self, job_id, step, tail):
        if zlib.crc32(f"{job_id}/{step}".encode()) % 25 == 0:
            with self.lock:
                self.recent.append((job_id, step, "\n".join(tail[-15:])))


def chunk_for(step, n, lines):
    """`lines` lines of the step's tool output, as a runner would send them."""
    out = []
    for k in range(lines):
        h = (n * 40 + k) * 2654435761 % (1 << 32)
        out.append(TOOL_LINES[h % len(TOOL_LINES)].format(
            suite=f"{step}_{h % 97}", case=f"case_{h % 1000}", ms=h % 900, pct=h % 101))
    return "\n".join(out) + "\n"


def listener(index, seconds, uploader, summary, counts):
    open_steps = []  # (closes at tick, stream)
    step_counter = [0]

    def tick(i, t):
        # Every 50 ms: one step starts (20 a second per listener), every open step gets a 5-line chunk,
        # and the steps whose time is up are closed.
        n = step_counter[0] = step_counter[0] + 1
        h = (n * 2 + index) * 2654435761 % (1 << 32)
        job_id = f"job-{index}-{n // 7}"
        stream = StepStream(job_id, STEP_NAMES[n % len(STEP_NAMES)], f"runner-{h % 300}", n)
        open_steps.append((i + 10 + h % 51, stream))  # 0.5-3 s
        still_open = []
        for closes_at, s in open_steps:
            s.feed(chunk_for(s.step, i * 131 + s.seq, 5))
            if i >= closes_at:
                summary.add(s.job_id, s.step, s.close(uploader))
                counts[index] += 1
            else:
                still_open.append((closes_at, s))
        open_steps[:] = still_open

    pacing.every(0.05, seconds, tick)


def main():
    seconds = pacing.run_seconds(16)
    uploader, summary, counts = Uploader(), SummaryWriter(), [0, 0]
    threads = [threading.Thread(target=listener, args=(k, seconds, uploader, summary, counts)) for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"{sum(counts)} steps closed, {uploader.objects} logs uploaded ({uploader.bytes / 1e6:.1f} MB compressed), "
          f"{len(summary.recent)} failure summaries kept", file=sys.stderr)


if __name__ == "__main__":
    main()
