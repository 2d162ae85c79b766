#!/usr/bin/env python3
"""Everything up to exit: a program that runs a few milliseconds still gets its sites, and the report
lists what was still allocated when it ended (the LeakSanitizer view), by site, with exact values.

Usage: e2e_exit.py BUILD_DIR [TestCase.test_name ...]
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

BUILD = os.path.abspath(sys.argv.pop(1))
LEAKSCOPE = os.path.join(BUILD, "bin", "leakscope")
TARGET = os.path.join(BUILD, "bin", "tests", "exit_paths")
BLOCKS_KEPT, BLOCK_BYTES, TINY_BYTES = 5000, 100, 48


class ExitView(unittest.TestCase):
    def run_target(self, mode, extra=()):
        self.tmp = tempfile.TemporaryDirectory(prefix="leakscope-exit-")
        report = os.path.join(self.tmp.name, "r.json")
        r = subprocess.run([LEAKSCOPE, "run", *extra, "-o", os.path.join(self.tmp.name, "r.lks"), "--json", report,
                            "--", TARGET, mode], capture_output=True, text=True, timeout=60)
        with open(report) as f:
            return r, json.load(f)

    def tearDown(self):
        self.tmp.cleanup()

    def site(self, report, function):
        found = [s for s in report["sites_at_exit"] if s["function"] == function]
        self.assertLessEqual(len(found), 1, found)
        return found[0] if found else None

    def assert_exact_exit_view(self, report):
        kept = self.site(report, "keep_small_block")
        self.assertIsNotNone(kept, json.dumps(report["sites_at_exit"], indent=1)[:3000])
        self.assertEqual(kept["live_at_exit_bytes"], BLOCKS_KEPT * BLOCK_BYTES)
        self.assertEqual(kept["live_at_exit_allocations"], BLOCKS_KEPT)
        self.assertEqual(kept["total_allocations"], 2 * BLOCKS_KEPT)
        # The 300 KB blocks freed just before the end are not live at exit.
        self.assertIsNone(self.site(report, "make_big_block"))
        # A site far below 1 KB is listed too.
        tiny = self.site(report, "keep_tiny_block")
        self.assertIsNotNone(tiny)
        self.assertEqual(tiny["live_at_exit_bytes"], TINY_BYTES)
        at_exit = report["at_exit"]
        self.assertEqual(at_exit["processes_ended"], 1)
        self.assertEqual(at_exit["processes_without_final_report"], 0)
        self.assertGreaterEqual(at_exit["live_bytes"], BLOCKS_KEPT * BLOCK_BYTES + TINY_BYTES)
        self.assertEqual(at_exit["sites"], at_exit["sites_not_shown"] + len(report["sites_at_exit"]))

    def test_return_from_main(self):
        r, report = self.run_target("return")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("exit_paths return done", r.stdout)
        self.assert_exact_exit_view(report)
        self.assertIn("still allocated at exit", r.stderr)

    def test_underscore_exit(self):
        r, report = self.run_target("_exit")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assert_exact_exit_view(report)

    def test_abort_delivers_the_final_state(self):
        r, report = self.run_target("abort")
        self.assertEqual(r.returncode, 128 + 6, r.stderr)  # still dies of its own signal
        self.assert_exact_exit_view(report)

    def test_segv_delivers_the_final_state(self):
        r, report = self.run_target("segv")
        self.assertEqual(r.returncode, 128 + 11, r.stderr)
        self.assert_exact_exit_view(report)

    def test_counts_complete_when_exiting_right_after_a_burst(self):
        # 8 threads allocating flat out, then exit at once: the growth view's totals are the program's own
        # to the allocation, though the last snapshot is up to an interval older than the exit.
        self.tmp = tempfile.TemporaryDirectory(prefix="leakscope-exit-")
        report_path = os.path.join(self.tmp.name, "r.json")
        r = subprocess.run([LEAKSCOPE, "run", "-q", "--no-status", "-o", os.path.join(self.tmp.name, "r.lks"), "--json",
                            report_path, "--", os.path.join(BUILD, "bin", "tests", "load_allocator"), "8", "1.5", "0"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        allocations, total_bytes, live, live_bytes = (int(x) for x in r.stdout.split())
        with open(report_path) as f:
            report = json.load(f)
        sites = [s for s in report["sites"] if any("load_site_allocate" in f for f in [s["function"], *s.get("stack", [])])]
        self.assertEqual(sum(s["total_allocations"] for s in sites), allocations)
        self.assertEqual(sum(s["total_bytes"] for s in sites), total_bytes)
        at_exit = [s for s in report["sites_at_exit"] if any("load_site_allocate" in f for f in [s["function"], *s.get("stack", [])])]
        self.assertEqual(sum(s["live_at_exit_bytes"] for s in at_exit), live_bytes)
        self.assertEqual(sum(s["live_at_exit_allocations"] for s in at_exit), live)

    def test_exec_is_not_an_exit(self):
        r, report = self.run_target("exec")
        self.assertEqual(r.returncode, 4, r.stderr)
        # The exec'd shell replaced the program: its blocks went with the exec, nothing of it is listed.
        self.assertIsNone(self.site(report, "keep_small_block"))
        self.assertTrue(all(s["function"] != "keep_tiny_block" for s in report["sites_at_exit"]))

    def test_late_first_malloc_is_tracked(self):
        r, report = self.run_target("late")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("never allocated through malloc", r.stderr)
        self.assert_exact_exit_view(report)

    def test_sampled_mode_estimates_at_exit(self):
        r, report = self.run_target("return", ["--sample-bytes", "4096"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(report["at_exit"]["estimated"])
        kept = self.site(report, "keep_small_block")
        self.assertIsNotNone(kept)
        # 500 KB held in 100-byte blocks sampled every 4 KiB on average: ~122 samples, so within 40%.
        self.assertLess(abs(kept["live_at_exit_bytes"] - BLOCKS_KEPT * BLOCK_BYTES), 0.4 * BLOCKS_KEPT * BLOCK_BYTES)
        # Every sampled site carries its interval (coverage is checked in analysis.SampledInterval).
        for site in report["sites_at_exit"]:
            self.assertLessEqual(site["live_bytes_ci_low"], site["live_at_exit_bytes"])
            self.assertGreaterEqual(site["live_bytes_ci_high"], site["live_at_exit_bytes"])
        self.assertFalse(kept["few_samples"])
        self.assertGreater(kept["samples"], 60)
        self.assertLess(kept["live_bytes_ci_low"], BLOCKS_KEPT * BLOCK_BYTES * 1.3)
        self.assertGreater(kept["live_bytes_ci_high"], BLOCKS_KEPT * BLOCK_BYTES * 0.7)


class NamesAfterACrash(unittest.TestCase):
    """leakscope killed with SIGKILL before it could symbolize: `analyze` names every frame from the
    module map recorded as the run went, and two sites of one line read as two rows."""

    def test_killed_leakscope_recording_names_its_frames(self):
        with tempfile.TemporaryDirectory(prefix="leakscope-crash-") as tmp:
            recording = os.path.join(tmp, "r.lks")
            target = os.path.join(BUILD, "bin", "tests", "two_callers")
            run = subprocess.Popen([LEAKSCOPE, "run", "-q", "-o", recording, "--", target],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            time.sleep(2.5)  # more than two recording flushes
            run.kill()
            run.wait()
            report = os.path.join(tmp, "r.json")
            r = subprocess.run([LEAKSCOPE, "analyze", recording, "--json", report], capture_output=True, text=True,
                               timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(report) as f:
                sites = json.load(f)["sites"]
            writes = [s for s in sites if s["function"] == "audit_write"]
            self.assertEqual(len(writes), 2, json.dumps(sites, indent=1)[:3000])
            self.assertTrue(all(s["file"] and s["file"].endswith("two_callers.c") for s in writes))
            vias = sorted(s["via"] for s in writes)
            self.assertTrue(vias[0].startswith("on_login"), vias)
            self.assertTrue(vias[1].startswith("on_logout"), vias)
            self.assertTrue(all(not frame.startswith("??") for s in writes for frame in s["stack"][:3]), writes)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + sys.argv[1:], verbosity=2)
