#!/usr/bin/env python3
"""End-to-end: the JVM's own heap figures (hsperfdata), from `leakscope run` and `leakscope attach`
to the JSON and CSV series, the recording read back, and the reports' RSS decomposition.

jvm/GrowThenRelease.java keeps 40 MiB in 64 KiB arrays between two full collections and releases them
before a third: the old generation's used bytes after each full collection must be base,
base + 40 MiB, base (within 10%).

Usage: e2e_jvm.py BUILD_DIR [TestCase.test_name ...]   (CTest registers one test per case; exit 77
when there is no `java`)
"""
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

BUILD = os.path.abspath(sys.argv.pop(1))
LEAKSCOPE = os.path.join(BUILD, "bin", "leakscope")
PROGRAM = os.path.join(os.path.dirname(os.path.abspath(__file__)), "jvm", "GrowThenRelease.java")
KEPT = 640 * 64 * 1024  # what the program keeps between its second and third full collection
RUNTIME_SERIES = ["runtime_heap_used_bytes", "runtime_heap_committed_bytes", "runtime_heap_max_bytes",
                  "runtime_old_gen_used_bytes", "runtime_metaspace_used_bytes", "runtime_young_gcs",
                  "runtime_full_gcs", "runtime_concurrent_gcs", "runtime_eden_used_bytes"]
JAVA_OPTIONS = ["-Xmx512m", "-XX:+UseG1GC"]


class Jvm(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="leakscope-e2e-jvm-")
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def outputs(self):
        return ["-o", self.path("r.lks"), "--json", self.path("report.json"), "--csv", self.path("series.csv"),
                "--html", self.path("report.html"), "--markdown", self.path("report.md")]

    def old_gen_after_each_full_gc(self, series):
        """The old generation's used bytes after each full collection: at the last sample before the next
        collection of any kind (HotSpot counts a collection when it begins, updates the sizes when it ends)."""
        points = [(f, y + f + c, o) for y, f, c, o in zip(series["runtime_young_gcs"], series["runtime_full_gcs"],
                                                       series["runtime_concurrent_gcs"], series["runtime_old_gen_used_bytes"])
                  if None not in (y, f, c, o)]
        after = []
        for i in range(1, len(points)):
            if points[i][0] <= points[i - 1][0]:
                continue
            settled = i
            while settled + 1 < len(points) and points[settled + 1][1] == points[i][1]:
                settled += 1
            after.append(points[settled][2])
        return after

    def check_series(self, report, full_gcs_seen):
        series = report["series"]
        for name in RUNTIME_SERIES:
            self.assertIn(name, series)
            self.assertEqual(len(series[name]), len(series["t_s"]), name)
        used = [v for v in series["runtime_heap_used_bytes"] if v is not None]
        self.assertGreater(len(used), 20, "the JVM's heap was read in too few samples")
        # Eden is part of what is in use, and it is emptied by the collections (G1 counts it in regions).
        eden = [(e, u) for e, u in zip(series["runtime_eden_used_bytes"], series["runtime_heap_used_bytes"]) if e is not None]
        self.assertEqual(len(eden), len(used))
        self.assertTrue(all(e <= u for e, u in eden), eden[:5])
        self.assertTrue(any(e > 0 for e, _ in eden) and any(e < u for e, u in eden), eden[:5])
        committed = [v for v in series["runtime_heap_committed_bytes"] if v is not None]
        maximum = [v for v in series["runtime_heap_max_bytes"] if v is not None]
        self.assertTrue(all(c <= m for c, m in zip(committed, maximum)))
        # -Xmx512m; G1 pads each of its figures by 8 bytes (so that jstat never divides by zero).
        self.assertLessEqual(abs(max(maximum) - 512 * 2**20), 64, "-Xmx512m is the heap's maximum")
        metaspace = [v for v in series["runtime_metaspace_used_bytes"] if v is not None]
        self.assertTrue(metaspace and all(1e6 < v < 512 * 2**20 for v in metaspace), metaspace[:5])
        after = self.old_gen_after_each_full_gc(series)
        self.assertGreaterEqual(len(after), full_gcs_seen, f"full collections seen: {after}")
        base, grown, released = after[-3], after[-2], after[-1]
        self.assertAlmostEqual(grown - base, KEPT, delta=0.1 * KEPT, msg=f"old generation after full GCs: {after}")
        self.assertAlmostEqual(grown - released, KEPT, delta=0.1 * KEPT, msg=f"old generation after full GCs: {after}")
        # Heap used follows: it held at least the kept bytes at its peak and fell back at the end.
        self.assertGreater(max(used) - used[-1], 0.9 * KEPT)

    def check_recording_and_reports(self, report):
        with open(self.path("series.csv")) as f:
            rows = list(csv.DictReader(f))
        self.assertTrue(any(row["runtime_heap_used"] for row in rows))
        self.assertTrue(any(row["runtime_full_gcs"] for row in rows))
        r = subprocess.run([LEAKSCOPE, "analyze", self.path("r.lks"), "--json", self.path("again.json")],
                           capture_output=True, text=True, timeout=60)
        self.assertIn(r.returncode, (0, 100), r.stderr)
        with open(self.path("again.json")) as f:
            again = json.load(f)
        for name in RUNTIME_SERIES:
            self.assertEqual(again["series"][name], report["series"][name], name)
        with open(self.path("report.html")) as f:
            html = f.read()
        self.assertIn('id="runtime-heap"', html)
        self.assertIn("The JVM&#39;s heap", html)
        with open(self.path("report.md")) as f:
            markdown = f.read()
        self.assertIn("The JVM's heap: used", markdown)

    def test_run_series_track_what_the_program_kept(self):
        # 3 s before the first full collection: the sampler looks again at a process that is not yet a
        # JVM after 1 s and 2 s, and under a loaded clean-clone suite the 0.5 s default let the first
        # collection pass before the JVM's counters were read (two of three seen).
        r = subprocess.run([LEAKSCOPE, "run", "--no-status", "--no-track", *self.outputs(), "--",
                            "java", *JAVA_OPTIONS, PROGRAM, "3000"],
                           capture_output=True, text=True, timeout=150)
        self.assertIn(r.returncode, (0,), r.stderr)
        self.assertIn("The JVM's heap: used", r.stderr + r.stdout)
        with open(self.path("report.json")) as f:
            report = json.load(f)
        self.check_series(report, 3)
        self.check_recording_and_reports(report)

    def test_attach_sees_the_same_without_the_tracker(self):
        # The program waits 2 s before its first full collection, so attach is watching by then.
        java = subprocess.Popen(["java", *JAVA_OPTIONS, PROGRAM, "2000"], stdout=subprocess.DEVNULL)
        try:
            time.sleep(0.3)
            r = subprocess.run([LEAKSCOPE, "attach", str(java.pid), "-q", "--duration", "60s", *self.outputs()],
                               capture_output=True, text=True, timeout=150)
            self.assertEqual(r.returncode, 0, r.stderr)
        finally:
            java.kill()
            java.wait()
        with open(self.path("report.json")) as f:
            report = json.load(f)
        self.check_series(report, 3)
        self.check_recording_and_reports(report)


if __name__ == "__main__":
    if shutil.which("java") is None:
        print("skipped: no `java` on PATH (Debian: default-jre-headless)")
        sys.exit(77)
    unittest.main()
