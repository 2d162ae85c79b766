#!/usr/bin/env python3
"""End-to-end: a Go program under `leakscope run`. leakscope asks the Go runtime for a report of each
collection (GODEBUG=gctrace=1), reads what each found live from the program's stderr into the runtime
heap series, and takes those lines out of what it passes on: the program's own output is what it would
be without leakscope. A user's own gctrace setting, and --no-gc-trace, leave the program alone.

Usage: e2e_go.py BUILD_DIR [TestCase.test_name ...]   (exit 77 when the Go examples were not built:
no golang-go)
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

BUILD = os.path.abspath(sys.argv.pop(1))
LEAKSCOPE = os.path.join(BUILD, "bin", "leakscope")
LRU = os.path.join(BUILD, "bin", "examples", "go_session_lru_flat")
MiB = 2**20


def gc_lines(text):
    return [line for line in text.splitlines() if line.startswith("gc ") and " MB goal, " in line]


class GoRun(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="leakscope-e2e-go-")
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def run_lru(self, seconds, *options, env=None):
        report = os.path.join(self.dir, "report.json")
        proc = subprocess.run([LEAKSCOPE, "run", "--no-status", "-o", os.path.join(self.dir, "r.lks"), "--json", report,
                               *options, "--", LRU, str(seconds)],
                              capture_output=True, text=True, timeout=120, env=env)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(report) as f:
            return proc, json.load(f)

    def test_collections_are_read_and_taken_out_of_stderr(self):
        proc, report = self.run_lru(14)
        self.assertEqual(gc_lines(proc.stderr), [], "leakscope's gctrace lines reached the user")
        # The program's own output is its own (stdout is not piped; its stderr lines pass: tests/launch).
        self.assertRegex(proc.stdout, r"^served \d+ requests, 1500 sessions, held \d+ B at 8 s")
        series = report["series"]
        live = [v for v in series["runtime_heap_used_bytes"] if v is not None]
        counts = [v for v in series["runtime_full_gcs"] if v is not None]
        self.assertGreaterEqual(len(set(counts)), 3, "collections seen: %s" % sorted(set(counts)))
        self.assertEqual(counts, sorted(counts), "a collection count that went back")
        self.assertTrue(all(v % MiB == 0 for v in live), "gctrace prints whole mebibytes")
        # A bounded store of 1500 sessions: what its collections found live stays within a few MiB.
        self.assertTrue(2 * MiB <= max(live) <= 16 * MiB, sorted(set(live)))
        self.assertIn("Go runtime's collections", report["verdict"]["summary"] + proc.stderr)
        # Why nothing was tracked is in the recording, for every report of it.
        self.assertTrue(any("statically linked" in w for w in report["warnings"]), report["warnings"])

    def test_gc_trace_reaches_a_go_program_behind_a_wrapper(self):
        # A shell script that execs the Go program: not a Go command, so nothing is asked for unless --gc-trace.
        wrapper = os.path.join(self.dir, "start.sh")
        with open(wrapper, "w") as f:
            f.write('#!/bin/sh\nexec "%s" "$@"\n' % LRU)
        os.chmod(wrapper, 0o755)
        for options, asked in (([], False), (["--gc-trace"], True)):
            report_path = os.path.join(self.dir, "wrapped.json")
            proc = subprocess.run([LEAKSCOPE, "run", "--no-status", "-o", os.path.join(self.dir, "w.lks"), "--json", report_path,
                                   *options, "--", wrapper, "5"], capture_output=True, text=True, timeout=120)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertEqual(gc_lines(proc.stderr), [])
            with open(report_path) as f:
                report = json.load(f)
            live = [v for v in report["series"]["runtime_heap_used_bytes"] if v is not None]
            if asked:
                self.assertEqual(report["run"]["runtime"], "go", "recorded as a Go program's once it reported")
                self.assertTrue(live, "no collection read")
            else:
                self.assertIsNone(report["run"]["runtime"])
                self.assertEqual(live, [])

    def test_a_users_own_gctrace_is_left_to_them(self):
        env = dict(os.environ, GODEBUG="gctrace=1")
        proc, report = self.run_lru(5, env=env)
        self.assertGreaterEqual(len(gc_lines(proc.stderr)), 1, "the user's own gctrace lines were taken")
        self.assertTrue(all(v is None for v in report["series"]["runtime_heap_used_bytes"]))

    def test_no_gc_trace_leaves_the_program_alone(self):
        proc, report = self.run_lru(5, "--no-gc-trace")
        self.assertEqual(gc_lines(proc.stderr), [])
        self.assertTrue(all(v is None for v in report["series"]["runtime_heap_used_bytes"]))
        self.assertNotIn("GODEBUG=gctrace=1", proc.stderr)


if __name__ == "__main__":
    if not os.path.exists(LRU):
        print("skipped: the Go examples were not built (no golang-go)")
        sys.exit(77)
    unittest.main()
