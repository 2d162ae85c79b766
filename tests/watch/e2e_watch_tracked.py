#!/usr/bin/env python3
"""`leakscope watch --track`: a program started with the tracker pointed at watch's socket (the
variables watch logs at start) gets leakscope_live_heap_bytes and its verdict, and again after watch
restarts; a program started without it gets RSS only. Both leak 1 MB/s of malloc'd buffers.

Usage: e2e_watch_tracked.py LEAKSCOPE
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

LEAKSCOPE = sys.argv[1]
LEAKING = """
import time
held = []
for _ in range(400):
    held.append(b"x" * 250_000)   # 1 MB/s through malloc (too big for pymalloc), never freed
    time.sleep(0.25)
"""


def metrics(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10) as r:
        text = r.read().decode()
    values = {}
    for line in text.splitlines():
        m = re.match(r'^(\w+)(?:\{(.*)\})? (\S+)$', line)
        if m:
            pid = re.search(r'pid="(\d+)"', m.group(2) or "")
            values[(m.group(1), int(pid.group(1)) if pid else None)] = float(m.group(3))
    return values


def kill_all(processes):
    for p in processes:
        if p.poll() is None:
            p.kill()
        p.wait()


def main():
    with tempfile.TemporaryDirectory(prefix="leakscope-watch-track-") as tmp:
        # Distinct names (comm is the name the program was started by) so --name selects only these.
        tracked_exe, plain_exe = os.path.join(tmp, "lsk_tracked"), os.path.join(tmp, "lsk_plain")
        os.symlink(sys.executable, tracked_exe)
        os.symlink(sys.executable, plain_exe)
        state = os.path.join(tmp, "state")
        # A state directory too deep for a UNIX socket path: one line, exit 125, never a hang.
        deep = os.path.join(tmp, "d" * 100)
        r = subprocess.run([LEAKSCOPE, "watch", "--track", "--name", "^none$", "--no-metrics", "--state-dir", deep],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 125 and r.stderr.count("\n") == 1 and "use a shorter --state-dir" in r.stderr, r.stderr
        watch = subprocess.Popen([LEAKSCOPE, "watch", "--track", "--name", "^lsk_(tracked|plain)$", "--every", "500ms",
                                  "--metrics", "127.0.0.1:0", "--state-dir", state, "--limit", "8G"],
                                 stderr=subprocess.PIPE, text=True)
        programs = []
        try:
            lines = [watch.stderr.readline() for _ in range(2)]
            port = int(re.search(r"http://127\.0\.0\.1:(\d+)/metrics", lines[0]).group(1))
            told = re.search(r"processes started with (.*) are tracked", lines[1])
            assert told, lines
            environment = dict(item.split("=", 1) for item in told.group(1).split())
            assert environment["LEAKSCOPE_TRACKER_SOCKET"] == os.path.join(state, "tracker.sock"), environment
            assert os.path.islink(environment["LEAKSCOPE_TRACKER_SOCKET"])
            tracked = subprocess.Popen([tracked_exe, "-c", LEAKING], env=dict(os.environ, **environment))
            plain = subprocess.Popen([plain_exe, "-c", LEAKING])
            programs = [tracked, plain]

            deadline = time.time() + 90
            values = {}
            while time.time() < deadline:
                values = metrics(port)
                # ~20 s of tracked heap: enough samples for its own verdict, which then leads.
                if (values.get(("leakscope_leak", tracked.pid)) == 1 and values.get(("leakscope_leak", plain.pid)) == 1
                        and values.get(("leakscope_live_heap_bytes", tracked.pid), 0) > 20e6):
                    break
                time.sleep(1)
            print({k: v for k, v in values.items() if k[1] in (tracked.pid, plain.pid) or k[0] == "leakscope_watch_tracked_processes"})
            heap = values.get(("leakscope_live_heap_bytes", tracked.pid))
            assert heap is not None, "no live heap for the tracked program"
            rss = values[("leakscope_rss_bytes", tracked.pid)]
            assert 5e6 < heap < rss, (heap, rss)  # the buffers it holds, less than all its resident memory
            assert ("leakscope_live_heap_bytes", plain.pid) not in values, "a live heap for an untracked program"
            assert values.get(("leakscope_watch_tracked_processes", None)) == 1
            assert values.get(("leakscope_leak", tracked.pid)) == 1, "the tracked leak is not 1"
            rate = values[("leakscope_steady_rate_bytes_per_second", tracked.pid)]
            assert 0.7e6 < rate < 1.5e6, rate  # 1 MB/s of buffers, from the heap
            assert values.get(("leakscope_leak", plain.pid)) == 1, "the untracked leak is not 1 (RSS)"

            watch.send_signal(signal.SIGTERM)
            assert watch.wait(15) == 0
            assert not os.path.lexists(os.path.join(state, "tracker.sock")), "the socket link outlived watch"
            # The history says how it was watched: `analyze` rests the verdict on the live heap.
            # The tracked program's own history (NAME.PID.START.lks): watch keeps one for every process it saw
            # by that name, and a clean clone's run once took a second one, 3 samples over 1 s of another
            # process named lsk_tracked, for it ("Not enough data", metric rss).
            histories = [f for f in os.listdir(state) if f.endswith(".lks") and f.startswith("lsk_tracked.%d." % tracked.pid)]
            assert histories, os.listdir(state)
            r = subprocess.run([LEAKSCOPE, "analyze", os.path.join(state, histories[0]), "--json", "-"],
                               capture_output=True, text=True, timeout=60)
            growth = json.loads(r.stdout)["growth"]
            assert growth["metric"] == "live_heap", (growth, r.stderr)

            # watch restarts (an upgrade, systemd's Restart=): the tracked program connects again through
            # the link and sends its whole live state, so the heap goes on from where it was, not from 0.
            watch = subprocess.Popen([LEAKSCOPE, "watch", "--track", "--name", "^lsk_(tracked|plain)$", "--every", "500ms",
                                      "--metrics", "127.0.0.1:0", "--state-dir", state, "--limit", "8G"],
                                     stderr=subprocess.PIPE, text=True)
            port = int(re.search(r"http://127\.0\.0\.1:(\d+)/metrics", watch.stderr.readline()).group(1))
            deadline = time.time() + 30
            again = None
            while time.time() < deadline and again is None:
                time.sleep(1)
                again = metrics(port).get(("leakscope_live_heap_bytes", tracked.pid))
            assert again is not None, "the tracked program did not connect to the restarted watch"
            assert again > heap, (again, heap)  # everything it holds, the blocks from before the restart too
        finally:
            kill_all([watch] + programs)
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
