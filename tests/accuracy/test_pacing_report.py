#!/usr/bin/env python3
"""Unit tests of the "pacing lost:" report: the Python pacing helper (examples/patterns/python/pacing.py)
writes pacing.hpp's line when a tick starts more than 0.25 s late, and only then, for every() and
every_async(), and so does the Tcl one (examples/patterns/tcl/pacing.tcl, when tclsh is installed); the
accuracy runner finds that line in a run's log."""
import asyncio
import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import types
import unittest

import corpus
import run_accuracy

sys.path.insert(0, os.path.join(corpus.EXAMPLES, "python"))
import pacing  # noqa: E402


def stalled_at(stall_tick, stall_s):
    def tick(i, _t):
        if i == stall_tick:
            time.sleep(stall_s)
    return tick


class PythonPacing(unittest.TestCase):
    def run_every(self, tick, seconds):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            pacing.every(0.1, 0.0, tick, at_least_s=seconds)
        return err.getvalue()

    def test_a_kept_pace_says_nothing(self):
        self.assertEqual(self.run_every(lambda i, t: None, 0.5), "")

    def test_a_stall_is_reported_like_pacing_hpp(self):
        # Ticks 3, 4 and 5 (due 0.3, 0.4, 0.5 s) start ~0.8 s: 0.5, 0.4 and 0.3 s late.
        line = self.run_every(stalled_at(2, 0.6), 1.2)
        found = re.fullmatch(r"pacing lost: (\d+) of (\d+) ticks started more than 0\.25 s late "
                             r"\(the latest (\d+\.\d\d) s late\)\n", line)
        self.assertIsNotNone(found, line)
        late, ticks, latest = int(found[1]), int(found[2]), float(found[3])
        self.assertGreaterEqual(late, 3)  # more if the machine stalled it further
        self.assertGreaterEqual(ticks, 11)
        self.assertGreaterEqual(latest, 0.45)

    def test_every_async_reports_too(self):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            asyncio.run(pacing.every_async(0.1, 0.0, stalled_at(2, 0.6), at_least_s=1.2))
        self.assertTrue(err.getvalue().startswith("pacing lost: 3 of "), err.getvalue())


LOST_LINE = re.compile(r"pacing lost: (\d+) of (\d+) ticks started more than 0\.25 s late "
                       r"\(the latest (\d+\.\d\d) s late\)\n")


@unittest.skipUnless(shutil.which("tclsh"), "tclsh not installed")
class TclPacing(unittest.TestCase):
    """pacing.tcl's ticks run from Tcl's event loop; a stalled tick is reported in pacing.hpp's line."""

    def run_tcl(self, tick_body, seconds):
        helper = os.path.join(corpus.EXAMPLES, "tcl", "pacing.tcl")
        script = (f"source {{{helper}}}\n"
                  f"proc tick {{i t}} {{ {tick_body} }}\n"
                  f"if {{[catch {{pacing::every 0.1 0.0 tick {seconds}}} message]}} {{ puts \"raised: $message\" }}\n")
        return subprocess.run(["tclsh"], input=script, capture_output=True, text=True, timeout=30)

    def test_a_kept_pace_says_nothing(self):
        run = self.run_tcl("", 0.5)
        self.assertEqual((run.returncode, run.stderr), (0, ""))

    def test_a_stall_is_reported_like_pacing_hpp(self):
        # Tick 2 blocks the event loop for 0.6 s: ticks 3, 4 and 5 start 0.5, 0.4 and 0.3 s late.
        run = self.run_tcl("if {$i == 2} { after 600 }", 1.2)
        found = LOST_LINE.fullmatch(run.stderr)
        self.assertIsNotNone(found, run.stderr)
        late, ticks, latest = int(found[1]), int(found[2]), float(found[3])
        self.assertGreaterEqual(late, 3)
        self.assertGreaterEqual(ticks, 11)
        self.assertGreaterEqual(latest, 0.45)

    def test_an_error_in_a_tick_ends_the_loop_and_is_raised(self):
        run = self.run_tcl("if {$i == 3} { error boom }", 5.0)
        self.assertEqual(run.stdout, "raised: boom\n")


class RunnerReadsTheLine(unittest.TestCase):
    def test_the_line_is_found_in_the_log_and_only_there(self):
        with tempfile.TemporaryDirectory() as folder:
            os.makedirs(os.path.join(folder, "rss"))
            line = "pacing lost: 2 of 1400 ticks started more than 0.25 s late (the latest 0.40 s late)"
            with open(os.path.join(folder, "rss", "slow.log"), "w") as log:
                log.write("program output\n" + line + "\n")
            with open(os.path.join(folder, "rss", "kept.log"), "w") as log:
                log.write("program output\n")
            args = types.SimpleNamespace(artifacts=folder)
            self.assertEqual(run_accuracy.lost_pacing(args, {"name": "slow"}, "rss"), line)
            self.assertIsNone(run_accuracy.lost_pacing(args, {"name": "kept"}, "rss"))
            self.assertIsNone(run_accuracy.lost_pacing(args, {"name": "slow"}, "tracked"))


class RunnerRunsAgainWhatLostItsPace(unittest.TestCase):
    def test_a_run_that_lost_its_pacing_runs_once_more_alone(self):
        calls = []

        def fake_run_case(args, case, mode, scheduler):
            calls.append((case["name"], mode, scheduler.jobs))
            lost = case["name"] == "stalls_always" or (case["name"] == "stalls_once" and len(
                [c for c in calls if c[0] == "stalls_once"]) == 1)
            with open(os.path.join(args.artifacts, mode, case["name"] + ".log"), "w") as log:
                log.write("pacing lost: 9 of 10 ticks started more than 0.25 s late (the latest 1.00 s late)\n"
                          if lost else "kept\n")
            return {"run": len(calls)}

        with tempfile.TemporaryDirectory() as folder:
            args = types.SimpleNamespace(artifacts=folder, jobs=4, from_recordings=False, rescore=False)
            cases = [{"name": n, "seconds": 1} for n in ("steady", "stalls_once", "stalls_always")]
            original = run_accuracy.run_case
            run_accuracy.run_case = fake_run_case
            try:
                with contextlib.redirect_stderr(io.StringIO()) as err:
                    reports = run_accuracy.run_all(args, cases, ["rss"])
            finally:
                run_accuracy.run_case = original
        first_pass, reruns = calls[:3], calls[3:]
        self.assertEqual(sorted(c[0] for c in first_pass), ["stalls_always", "stalls_once", "steady"])
        self.assertEqual(sorted(reruns), [("stalls_always", "rss", 1), ("stalls_once", "rss", 1)])
        self.assertEqual(reports[("stalls_once", "rss")]["run"], max(i + 1 for i, c in enumerate(calls) if c[0] == "stalls_once"))
        self.assertIn("rerun rss      stalls_once: pacing kept", err.getvalue())
        self.assertIn("rerun rss      stalls_always: pacing lost again", err.getvalue())


if __name__ == "__main__":
    unittest.main()
