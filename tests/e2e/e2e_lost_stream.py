#!/usr/bin/env python3
"""A tracking stream lost while the target runs on (it closes the tracker's socket by a raw system call or
corrupts it, exec's a static binary, or keeps the socket open but silent) is recorded as unknown from
then, never as a heap of 0 or as its last totals repeated: the reports say so, and the verdict rests on
RSS, which saw the leak go on. A stopped target (SIGSTOP) is not lost, nor is a daemon that closes every
descriptor through libc (the tracker's socket moves out of its way).

Usage: e2e_lost_stream.py BUILD_DIR [TestCase.test_name ...]
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

BUILD = os.path.abspath(sys.argv.pop(1))
LEAKSCOPE = os.path.join(BUILD, "bin", "leakscope")
TARGET = os.path.join(BUILD, "bin", "tests", "lost_stream")
STATIC = os.path.join(BUILD, "bin", "tests", "lost_stream_static")


class LostStream(unittest.TestCase):
    def run_target(self, *args, while_running=None):
        self.tmp = tempfile.TemporaryDirectory(prefix="leakscope-lost-")
        report = os.path.join(self.tmp.name, "r.json")
        lks = os.path.join(self.tmp.name, "r.lks")
        with subprocess.Popen([LEAKSCOPE, "run", "-o", lks, "--json", report, "--", TARGET, *args],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as run:
            if while_running:
                while_running(run.stdout)
            out, err = run.communicate(timeout=90)
        r = subprocess.CompletedProcess(run.args, run.returncode, out, err)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(report) as f:
            report_json = json.load(f)
        # The recording says it too: `analyze` of it tells the same story.
        again = subprocess.run([LEAKSCOPE, "analyze", lks, "--json", report + ".again"], capture_output=True,
                               text=True, timeout=60)
        self.assertEqual(again.returncode, 0, again.stderr)
        with open(report + ".again") as f:
            self.assertEqual(json.load(f)["tracking_lost"], report_json["tracking_lost"])
        return r, report_json

    def tearDown(self):
        self.tmp.cleanup()

    def assert_lost_not_freed(self, r, report, reason, rss_saw_one_leak=True):
        lost = report["tracking_lost"]
        self.assertEqual(len(lost), 1, json.dumps(report["warnings"]))
        self.assertIn(reason, lost[0]["reason"])
        # The loss comes after the 3 s the tracker watched (allow for a loaded machine's start-up).
        loss_t = lost[0]["t_s"]
        self.assertGreater(loss_t, 2.0)
        self.assertTrue(any("allocation tracking lost" in w for w in report["warnings"]), report["warnings"])
        # The heap was known before the loss and is unknown (null) after it: never 0.
        series = report["series"]
        before = [h for t, h in zip(series["t_s"], series["live_heap_bytes"]) if t < loss_t - 0.5]
        after = [h for t, h in zip(series["t_s"], series["live_heap_bytes"]) if t > loss_t + 0.5]
        self.assertTrue(before and all(h is not None and h > 1e6 for h in before[len(before) // 2:]), before)
        self.assertTrue(after and all(h is None for h in after), after)
        # The verdict rests on RSS, which saw the leak go on (an exec starts RSS anew: no single growth
        # there); the summary says why in one line.
        self.assertEqual(report["growth"]["metric"], "rss")
        if rss_saw_one_leak:
            self.assertTrue(report["verdict"]["leak"], report["verdict"])
        self.assertIn("lost at", r.stderr)
        self.assertIn("the verdict rests on RSS", r.stderr)

    def test_target_closes_every_descriptor(self):
        # By the raw system call: the tracker learns of it only when its socket is gone.
        r, report = self.run_target("close-raw")
        self.assertIn("lost_stream close-raw done", r.stdout)
        self.assert_lost_not_freed(r, report, "ended while it still ran")

    def test_target_closing_every_descriptor_one_by_one_stays_tracked(self):
        # A daemon's loop over close(): the tracker's socket moves out of its way and the stream goes on.
        r, report = self.run_target("close-all")
        self.assertIn("lost_stream close-all done", r.stdout)
        self.assertEqual(report["tracking_lost"], [], report["warnings"])
        heap = report["series"]["live_heap_bytes"]
        first = next(i for i, h in enumerate(heap) if h is not None)
        self.assertTrue(all(h is not None for h in heap[first:]), heap)
        self.assertGreater(max(h for h in heap if h is not None), 10e6)  # 7 s of 2 MB/s, past the loop
        self.assertEqual(report["growth"]["metric"], "live_heap")
        self.assertTrue(report["verdict"]["leak"], report["verdict"])

    def test_target_writes_into_the_trackers_socket(self):
        r, report = self.run_target("corrupt")
        self.assertIn("lost_stream corrupt done", r.stdout)
        self.assert_lost_not_freed(r, report, "ended while it still ran")

    def test_target_keeps_the_trackers_socket_open_but_silent(self):
        # The stream never ends: only its silence (5 s here) tells that the totals went stale. The
        # samples between its last report and then are unknown too, not the last totals repeated.
        r, report = self.run_target("silence")
        self.assertIn("lost_stream silence done", r.stdout)
        self.assert_lost_not_freed(r, report, "stopped reporting while it ran")
        # Dated from its last report (the switch, 8 s of leaking before the end), not from when the silence
        # was found (5 s after the switch: 3 s before the end). Measured back from the end of the run, since
        # a loaded machine stretches the 3 s before the switch (a fixed bound of 4.0 s once read 4.20 s).
        end_t = max(report["series"]["t_s"])
        loss_t = report["tracking_lost"][0]["t_s"]
        self.assertGreater(end_t - loss_t, 5.5, f"lost from its last report, not when found: at {loss_t} s of {end_t} s")

    def test_a_stopped_target_is_not_lost(self):
        # SIGSTOP'd for 7 s (longer than the silence that counts as lost): it allocates nothing then,
        # so its last totals hold, and the heap carries on when it continues.
        def stop_for_7s(stdout):
            pid = int(stdout.readline().split()[1])
            for _ in range(300):
                with open(f"/proc/{pid}/stat") as f:
                    if f.read().rsplit(")", 1)[1].split()[0] == "T":
                        break
                time.sleep(0.05)
            else:
                self.fail("the target never stopped")
            time.sleep(7)
            os.kill(pid, signal.SIGCONT)

        r, report = self.run_target("stop", while_running=stop_for_7s)
        self.assertIn("lost_stream stop done", r.stdout)
        self.assertEqual(report["tracking_lost"], [], report["warnings"])
        self.assertFalse(any("allocation tracking lost" in w for w in report["warnings"]), report["warnings"])
        heap = report["series"]["live_heap_bytes"]
        first = next(i for i, h in enumerate(heap) if h is not None)
        self.assertTrue(all(h is not None for h in heap[first:]), heap)
        self.assertGreater(max(h for h in heap if h is not None), 8e6)  # 6 s of 2 MB/s, counted through the stop

    def test_target_execs_a_static_binary(self):
        r, report = self.run_target("exec-static", STATIC)
        self.assert_lost_not_freed(r, report, "exec'd a program that never reported", rss_saw_one_leak=False)

    def test_target_execs_a_program_that_never_allocates(self):
        # A pipeline's gzip: the tracker is in it but waits for a first malloc that never comes, so it
        # never reports. That is no loss: its heap is nothing, and the run's heap stays known.
        r, report = self.run_target("exec-quiet")
        self.assertIn("lost_stream exec-quiet done", r.stdout)
        self.assertEqual(report["tracking_lost"], [], report["warnings"])
        self.assertFalse(any("allocation tracking lost" in w for w in report["warnings"]), report["warnings"])
        series = report["series"]
        after_exec = [h for t, h in zip(series["t_s"], series["live_heap_bytes"]) if t > 4.5]
        self.assertTrue(after_exec and all(h is not None for h in after_exec), after_exec)
        self.assertEqual(report["growth"]["metric"], "live_heap")


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + sys.argv[1:], verbosity=2)
