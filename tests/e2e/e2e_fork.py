#!/usr/bin/env python3
"""Forked workers under `leakscope run`: a worker's inherited blocks are its parent's, counted once.
The parent holds 40 MB; four workers live together for 2 s with 1 MB each. The tree's live heap is
~44 MB while they run (it was 204 MB: each worker counted the parent's 40 MB again), and the workers
leave nothing allocated at exit (they used to list the parent's blocks as theirs).

Usage: e2e_fork.py BUILD_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

BUILD = os.path.abspath(sys.argv[1])
LEAKSCOPE = os.path.join(BUILD, "bin", "leakscope")
TARGET = os.path.join(BUILD, "bin", "tests", "fork_workers")


def main():
    with tempfile.TemporaryDirectory(prefix="leakscope-fork-") as tmp:
        report = os.path.join(tmp, "r.json")
        r = subprocess.run([LEAKSCOPE, "run", "-q", "-o", os.path.join(tmp, "r.lks"), "--json", report, "--", TARGET],
                           capture_output=True, text=True, timeout=90)
        assert r.returncode == 0, r.stderr
        assert r.stdout == "fork_workers done\n", r.stdout
        with open(report) as f:
            data = json.load(f)
        heap = [h for h in data["series"]["live_heap_bytes"] if h is not None]
        assert heap, data["series"]
        peak = max(heap)
        # 40 MB of state, 4 x 1 MB of workers' buffers, a little of libc's.
        assert 40e6 <= peak < 46e6, "peak live heap %d: the workers' inherited state counted again?" % peak
        parents_state = [s for s in data["sites_at_exit"] if s["function"].startswith("load_state")]
        assert sum(s["live_at_exit_bytes"] for s in parents_state) == 40 * 1000000, parents_state
        workers = [s for s in data["sites_at_exit"] if s["function"].startswith("worker_buffer")]
        assert all(s["live_at_exit_bytes"] == 0 for s in workers), workers
        print("peak live heap %.1f MB" % (peak / 1e6))
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
