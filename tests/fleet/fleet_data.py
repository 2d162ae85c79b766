#!/usr/bin/env python3
"""Generated memory series of a fleet with known truth, as OpenMetrics text for
`promtool tsdb create-blocks-from openmetrics`, and the Prometheus around it for the tests and the
benchmark (bench/fleet/).

Kinds (truth "leak" or "ok"):
  flat            level with AR(1) noise                                     ok
  warmup          one-time growth of 10-60% over 0.5-12 h, then flat         ok
  sawtooth        a buffer filled to a cap, truncated to half, repeatedly    ok
  warmup_restart  warm-up, restarted every 72 h                              ok
  leak            optional warm-up, then 0.3-5% of the base per hour         leak
  leak_restart    the same, restarted every 72 h (back to the base)          leak
"""
import math
import os
import random
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
import json

KINDS = [("flat", 0.25), ("warmup", 0.20), ("sawtooth", 0.15), ("warmup_restart", 0.10),
         ("leak", 0.20), ("leak_restart", 0.10)]
LEAK_KINDS = {"leak", "leak_restart"}
MB = 1e6


def kind_list(count, rng):
    kinds = []
    for kind, share in KINDS:
        kinds += [kind] * round(count * share)
    while len(kinds) < count:
        kinds.append("flat")
    kinds = kinds[:count]
    rng.shuffle(kinds)
    return kinds


def series_values(kind, n, step_s, rng):
    """n values at step_s of one series of this kind."""
    base = math.exp(rng.uniform(math.log(50 * MB), math.log(2000 * MB)))
    noise_sd = base * rng.uniform(0.002, 0.01)
    warm = base * rng.uniform(0.1, 0.6) if kind in ("warmup", "warmup_restart") or (
        kind in LEAK_KINDS and rng.random() < 0.5) else 0.0
    tau = rng.uniform(0.1, 2.5) * 3600  # warm-up time constant: done within ~5 tau
    rate = base * math.exp(rng.uniform(math.log(0.003), math.log(0.05))) / 3600 if kind in LEAK_KINDS else 0.0
    restart_every = 72 * 3600 if kind.endswith("_restart") else None
    restart_phase = rng.uniform(0, 72 * 3600)
    cap = base * rng.uniform(0.05, 0.2)
    fill_s = rng.uniform(1, 12) * 3600
    values = []
    started = []  # seconds from the first point at which the process of each point started
    ar = 0.0
    phi = 0.9
    for i in range(n):
        t = i * step_s
        age = (t + restart_phase) % restart_every if restart_every else t
        v = base + warm * (1 - math.exp(-age / tau)) + rate * age
        if kind == "sawtooth":
            # Fill to the cap at a constant rate, then truncate to half: cap/2 .. cap.
            v += cap / 2 + (cap / 2) * ((t / (fill_s / 2)) % 1.0)
        ar = phi * ar + rng.gauss(0, noise_sd * math.sqrt(1 - phi * phi))
        values.append(max(v + ar, 1.0))
        started.append(t - age)
    return values, started, base + warm


def generate(count, days, step_s, seed):
    """Yields (name, kind, values, started, limit) of each series in order: `started` holds, per point,
    the seconds from the first point at which its process started. The same seed gives the same fleet
    whether it is written as OpenMetrics or fed to the engine directly (bench/fleet/fleet_tuning.py)."""
    rng = random.Random(seed)
    n = int(days * 86400 / step_s)
    for i, kind in enumerate(kind_list(count, rng)):
        values, started, settled = series_values(kind, n, step_s, rng)
        # The limit: 1.5-3x the settled footprint, and above what the range reached (a process over
        # its limit would have been killed): a leak may or may not come near it within the range.
        limit = max(settled * rng.uniform(1.5, 3.0), max(values) * rng.uniform(1.05, 1.5))
        yield "s%05d" % i, kind, values, started, limit


def write_openmetrics(path, count, days, step_s, end_s, seed, limit_step_s=300):
    """Writes the fleet; returns {series name: truth kind}."""
    n = int(days * 86400 / step_s)
    start = end_s - (n - 1) * step_s
    truth = {}
    limits = {}
    starts = {}
    with open(path, "w") as out:
        out.write("# HELP fleet_memory_bytes Memory of one process (generated, known truth).\n")
        out.write("# TYPE fleet_memory_bytes gauge\n")
        for i, (name, kind, values, started, limit) in enumerate(generate(count, days, step_s, seed)):
            truth[name] = kind
            limits[name] = limit
            starts[name] = [(start + k * step_s, start + started[k]) for k in range(0, n, max(1, limit_step_s // step_s))]
            labels = 'series="%s",host="host-%d"' % (name, i % 50)
            lines = ["fleet_memory_bytes{%s} %.0f %d\n" % (labels, v, start + k * step_s) for k, v in enumerate(values)]
            out.writelines(lines)
        out.write("# HELP fleet_memory_limit_bytes The memory limit of each process.\n")
        out.write("# TYPE fleet_memory_limit_bytes gauge\n")
        for i, name in enumerate(sorted(limits)):
            labels = 'series="%s",host="host-%d"' % (name, i % 50)
            for t in range(int(start), int(end_s) + 1, limit_step_s):
                out.write("fleet_memory_limit_bytes{%s} %.0f %d\n" % (labels, limits[name], t))
        # What every Prometheus client library exports: the process's start time (cuts at restarts).
        out.write("# HELP fleet_process_start_time_seconds Start time of the process, Unix seconds.\n")
        out.write("# TYPE fleet_process_start_time_seconds gauge\n")
        for i, name in enumerate(sorted(starts)):
            labels = 'series="%s",host="host-%d"' % (name, i % 50)
            for t, started_at in starts[name]:
                out.write("fleet_process_start_time_seconds{%s} %.0f %d\n" % (labels, started_at, t))
        out.write("# EOF\n")
    return truth


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Prometheus:
    """Debian's prometheus on a free loopback port, on a given TSDB directory (or an empty one)."""

    def __init__(self, tsdb_dir, config_text="global:\n  scrape_interval: 15s\n"):
        self.dir = tsdb_dir
        self.config = os.path.join(os.path.dirname(tsdb_dir.rstrip("/")), "prometheus.yml")
        with open(self.config, "w") as f:
            f.write(config_text)
        self.proc = None
        for _ in range(5):
            self.port = free_port()
            self.url = "http://127.0.0.1:%d" % self.port
            self.log = open(os.path.join(os.path.dirname(tsdb_dir.rstrip("/")), "prometheus.log"), "w")
            self.proc = subprocess.Popen(
                ["prometheus", "--config.file=" + self.config, "--storage.tsdb.path=" + tsdb_dir,
                 "--storage.tsdb.retention.time=30d", "--web.listen-address=127.0.0.1:%d" % self.port,
                 "--query.max-samples=200000000"],
                stdout=self.log, stderr=subprocess.STDOUT)
            if self.wait_ready(60):
                return
            self.stop()
        raise RuntimeError("prometheus did not start; see %s" % self.log.name)

    def wait_ready(self, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as r:
                    if r.status == 200:
                        return True
            except OSError:
                pass
            time.sleep(0.3)
        return False

    def query(self, promql, at=None):
        params = {"query": promql}
        if at is not None:
            params["time"] = "%.3f" % at
        data = urllib.parse.urlencode(params).encode()
        with urllib.request.urlopen(self.url + "/api/v1/query", data=data, timeout=120) as r:
            body = json.load(r)
        assert body["status"] == "success", body
        return body["data"]["result"]

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def backfill(openmetrics_path, tsdb_dir):
    os.makedirs(tsdb_dir, exist_ok=True)
    subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=192h",
                    openmetrics_path, tsdb_dir],
                   check=True, stdout=subprocess.DEVNULL)


def leak_scores(truth, flagged):
    """precision, recall, tp, fp, fn of `flagged` (set of series names) against the truth."""
    tp = sum(1 for s in flagged if truth.get(s) in LEAK_KINDS)
    fp = len(flagged) - tp
    fn = sum(1 for s, k in truth.items() if k in LEAK_KINDS and s not in flagged)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, tp, fp, fn


def predict_linear_flagged(prom, end_s, days, eval_step="5m"):
    """The usual alert, computed by Prometheus itself on the same data: the series for which
    predict_linear(fleet_memory_bytes[1h], 8*3600) > its limit at any evaluation over the range."""
    expr = ("max_over_time((predict_linear(fleet_memory_bytes[1h], 8*3600) > bool on(series, host) "
            "fleet_memory_limit_bytes)[%dd:%s])" % (days, eval_step))
    return {r["metric"]["series"] for r in prom.query(expr, at=end_s) if float(r["value"][1]) > 0}
