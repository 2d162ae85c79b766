#!/usr/bin/env python3
"""`leakscope watch` scraped by Debian's real Prometheus on a free loopback port: a leaking and a
warming-up program are watched; through Prometheus' own HTTP API, leakscope_leak must be 1 for the
first and 0 for the second (both decided), the alerting rule's expression must select the leak only,
--on-leak must run with the facts, and a restarted watch must resume from --state-dir.

Usage: e2e_watch_prometheus.py LEAKSCOPE   (exit 77 = skipped: prometheus not installed)
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fleet"))
import fleet_data  # noqa: E402  (the Prometheus helper)

LEAKSCOPE = sys.argv[1]
LEAKING = """
import time
held = []
for _ in range(600):
    held.append(b"x" * 250_000)   # 1 MB/s, touched (not calloc'd), never freed
    time.sleep(0.25)
"""
WARMING = """
import time
cache = [b"w" * 1_000_000 for _ in range(40)]   # a 40 MB cache filled once
time.sleep(150)
"""


def start_watch(pids, state, hook_log):
    watch = subprocess.Popen([LEAKSCOPE, "watch", "--pid", str(pids[0]), "--pid", str(pids[1]), "--every", "500ms",
                              "--metrics", "127.0.0.1:0", "--state-dir", state, "--limit", "8G",
                              "--on-leak", 'echo "$LEAKSCOPE_EVENT $LEAKSCOPE_PID $LEAKSCOPE_PATTERN" >> ' + hook_log],
                             stderr=subprocess.PIPE, text=True)
    first = watch.stderr.readline()
    port = re.search(r"http://127\.0\.0\.1:(\d+)/metrics", first)
    assert port, "no metrics address in: " + first
    return watch, int(port.group(1))


def main():
    if not shutil.which("prometheus"):
        print("SKIPPED: prometheus not installed (Debian package prometheus)")
        return 77
    with tempfile.TemporaryDirectory(prefix="leakscope-watch-") as tmp:
        leak = subprocess.Popen([sys.executable, "-c", LEAKING])
        warm = subprocess.Popen([sys.executable, "-c", WARMING])
        state, hook_log = os.path.join(tmp, "state"), os.path.join(tmp, "hooks.log")
        watch, port = start_watch([leak.pid, warm.pid], state, hook_log)
        config = ("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n"
                  "  - job_name: leakscope\n    static_configs:\n      - targets: ['127.0.0.1:%d']\n" % port)
        prom = fleet_data.Prometheus(os.path.join(tmp, "tsdb"), config)
        try:
            deadline = time.time() + 90
            verdict = {}
            while time.time() < deadline:
                verdict = {}
                for name in ("leakscope_leak", "leakscope_decided"):
                    for r in prom.query(name):
                        verdict[(name, int(r["metric"]["pid"]))] = float(r["value"][1])
                if (verdict.get(("leakscope_leak", leak.pid)) == 1 and verdict.get(("leakscope_decided", warm.pid)) == 1
                        and verdict.get(("leakscope_leak", warm.pid)) == 0):
                    break
                time.sleep(2)
            print("through Prometheus:", verdict)
            assert verdict.get(("leakscope_leak", leak.pid)) == 1, "the leak is not 1"
            assert verdict.get(("leakscope_decided", leak.pid)) == 1
            assert verdict.get(("leakscope_leak", warm.pid)) == 0, "the warm-up is not 0"
            assert verdict.get(("leakscope_decided", warm.pid)) == 1
            # The alerting rule of examples/production/leakscope-alerts.yml selects the leak only.
            alerting = prom.query("leakscope_leak == 1 and leakscope_decided == 1")
            assert [int(r["metric"]["pid"]) for r in alerting] == [leak.pid], alerting
            rate = prom.query('leakscope_steady_rate_bytes_per_second{pid="%d"}' % leak.pid)
            assert 0.7e6 < float(rate[0]["value"][1]) < 1.5e6, rate  # 1 MB/s of Python bytes objects
            own = float(prom.query("leakscope_watch_resident_bytes")[0]["value"][1])
            assert own < 64 * 2**20, "watch's own RSS %d" % own
            assert prom.query("up")[0]["value"][1] == "1"
            with open(hook_log) as f:
                hooks = f.read()
            assert "leak %d linear_growth" % leak.pid in hooks, hooks
            assert str(warm.pid) not in hooks, hooks

            # A restart of watch resumes each process's history from --state-dir.
            watch.send_signal(signal.SIGTERM)
            assert watch.wait(15) == 0
            watch, _ = start_watch([leak.pid, warm.pid], state, hook_log)
            lines = [watch.stderr.readline() for _ in range(2)]
            assert any(re.search(r"resuming \d+ points of history", line) for line in lines), lines
            watch.send_signal(signal.SIGTERM)
            assert watch.wait(15) == 0
        finally:
            prom.stop()
            for p in (watch, leak, warm):
                if p.poll() is None:
                    p.kill()
                    p.wait()
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
