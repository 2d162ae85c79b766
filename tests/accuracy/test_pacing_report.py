#!/usr/bin/env python3
"""Unit tests of the "pacing lost:" report: the Python pacing helper (examples/patterns/python/pacing.py)
writes pacing.hpp's line when a tick starts more than 0.25 s late, and only then, for every() and
every_async(); the accuracy runner finds that line in a run's log."""
import asyncio
import contextlib
import io
import os
import re
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


if __name__ == "__main__":
    unittest.main()
