#!/usr/bin/env python3
"""End-to-end: the allocator's own figures and the smaps categories, from `leakscope run` to the reports.

Usage: e2e_allocator.py BUILD_DIR [TestCase.test_name ...]   (CTest registers one test per case)
"""
import csv
import json
import os
import subprocess
import sys
import tempfile
import unittest

BUILD = os.path.abspath(sys.argv.pop(1))
LEAKSCOPE = os.path.join(BUILD, "bin", "leakscope")
TESTBIN = os.path.join(BUILD, "bin", "tests")
JEMALLOC = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
FREED = 2000 * 4000  # free_pattern.c frees 2000 blocks of 4000 bytes that cannot merge


class Workdir(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="leakscope-e2e-alloc-")
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def run_leakscope(self, command, env=None, extra=()):
        r = subprocess.run([LEAKSCOPE, "run", "-q", "--interval", "50ms", "-o", self.path("r.lks"),
                            "--json", self.path("report.json"), "--csv", self.path("series.csv"),
                            "--html", self.path("report.html"), *extra, "--", *command],
                           capture_output=True, text=True, timeout=120, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.path("report.json")) as f:
            return json.load(f)

    @staticmethod
    def known(values):
        return [v for v in values if v is not None]


class Allocator(Workdir):
    def test_glibc_figures_reach_json_csv_and_html(self):
        report = self.run_leakscope([os.path.join(TESTBIN, "e2e_free_pattern")])
        self.assertEqual(report["run"]["allocator"], "glibc")
        series = report["series"]
        free = self.known(series["allocator_free_bytes"])
        in_use = self.known(series["allocator_in_use_bytes"])
        footprint = self.known(series["allocator_footprint_bytes"])
        self.assertGreater(len(free), 10)
        # Half the blocks freed: free-but-kept grows by what was freed, in use drops by as much.
        self.assertAlmostEqual(max(free) - min(free), FREED, delta=0.1 * FREED)
        self.assertAlmostEqual(max(in_use) - in_use[-1], FREED, delta=0.1 * FREED)
        self.assertLess(abs(footprint[-1] - (in_use[-1] + free[-1])), 1e-6 * footprint[-1] + 1)
        with open(self.path("series.csv")) as f:
            rows = list(csv.DictReader(f))
        self.assertTrue(any(row["allocator_free"] for row in rows))
        # The count of the allocator's reads (format 2.9) rises with each read and never falls: the
        # samples where it moved are the ones that carry a new reading.
        reads = [int(row["allocator_reads"]) for row in rows if row["allocator_reads"]]
        self.assertGreater(len(reads), 10)
        self.assertEqual(reads, sorted(reads))
        self.assertGreater(reads[-1], reads[0])
        with open(self.path("report.html")) as f:
            html = f.read()
        self.assertIn('class="layer kept"', html)
        self.assertIn("the rest (code, stacks, other mappings)", html)
        # analyze reads the recording back with the same figures
        r = subprocess.run([LEAKSCOPE, "analyze", self.path("r.lks"), "--json", self.path("again.json")],
                           capture_output=True, text=True, timeout=60)
        self.assertIn(r.returncode, (0, 100), r.stderr)
        with open(self.path("again.json")) as f:
            again = json.load(f)
        self.assertEqual(again["run"]["allocator"], "glibc")
        self.assertEqual(again["series"]["allocator_free_bytes"], series["allocator_free_bytes"])
        # The tracker's own tables in the target: recorded beside RSS (which counts them), never above it.
        tables = self.known(series["tracker_bytes"])
        self.assertGreater(len(tables), 10)
        self.assertTrue(all(0 < t < r for t, r in zip(series["tracker_bytes"], series["rss_bytes"]) if t is not None))
        self.assertTrue(any(row["tracker_bytes"] for row in rows))
        self.assertEqual(again["series"]["tracker_bytes"], series["tracker_bytes"])

    def test_jemalloc_preloaded_is_named_and_read(self):
        if not os.access(JEMALLOC, os.R_OK):
            self.skipTest(JEMALLOC + " is not installed (Debian package libjemalloc2)")
        env = dict(os.environ, LD_PRELOAD=JEMALLOC)
        report = self.run_leakscope([os.path.join(TESTBIN, "e2e_free_pattern")], env=env)
        self.assertEqual(report["run"]["allocator"], "jemalloc")
        in_use = self.known(report["series"]["allocator_in_use_bytes"])
        self.assertGreater(len(in_use), 10)
        # jemalloc counts size classes: 4000-byte blocks take 4096.
        self.assertAlmostEqual(max(in_use) - in_use[-1], 2000 * 4096, delta=0.1 * FREED)

    def test_env_replacing_the_preload_keeps_the_tracker(self):
        # env sets LD_PRELOAD to jemalloc alone and execs the program: the tracker puts itself back in front.
        if not os.access(JEMALLOC, os.R_OK):
            self.skipTest(JEMALLOC + " is not installed (Debian package libjemalloc2)")
        report = self.run_leakscope(["env", "LD_PRELOAD=" + JEMALLOC, os.path.join(TESTBIN, "e2e_free_pattern")])
        self.assertFalse(report.get("tracking_lost"), report.get("warnings"))
        # env itself ran on glibc's malloc before its exec: both are named.
        self.assertEqual(report["run"]["allocator"], "glibc+jemalloc")
        in_use = self.known(report["series"]["allocator_in_use_bytes"])
        self.assertGreater(len(in_use), 10)
        self.assertAlmostEqual(max(in_use) - in_use[-1], 2000 * 4096, delta=0.1 * FREED)

    def test_untracked_runs_have_no_allocator_figures(self):
        report = self.run_leakscope([os.path.join(TESTBIN, "e2e_free_pattern")], extra=["--no-track"])
        self.assertIsNone(report["run"]["allocator"])
        self.assertEqual(self.known(report["series"]["allocator_free_bytes"]), [])
        self.assertEqual(self.known(report["series"]["tracker_bytes"]), [])



class Smaps(Workdir):
    """Readings at the first sample and every 5 s: an 11 s run has three."""

    def categories(self, mode):
        report = self.run_leakscope([os.path.join(TESTBIN, "outside_heap_leak"), mode, "11"])
        series = report["series"]
        names = ["smaps_brk_heap_bytes", "smaps_stacks_bytes", "smaps_anon_other_bytes", "smaps_file_bytes",
                 "smaps_other_bytes"]
        readings = [i for i, v in enumerate(series["smaps_stacks_bytes"]) if v is not None]
        self.assertGreaterEqual(len(readings), 3, series["smaps_stacks_bytes"])
        first, last = readings[0], readings[-1]
        growth = {name: series[name][last] - series[name][first] for name in names}
        # The categories account for the RSS of the reading (they are read a moment apart).
        total = sum(series[name][last] for name in names)
        self.assertAlmostEqual(total, series["rss_bytes"][last], delta=0.1 * series["rss_bytes"][last])
        with open(self.path("report.html")) as f:
            self.html = f.read()
        return growth, series["t_s"][last] - series["t_s"][first]

    def test_threads_never_joined_grow_the_stacks(self):
        growth, span = self.categories("threads")
        # 5 threads a second, 256 KiB of stack each
        self.assertGreater(growth["smaps_stacks_bytes"], 0.7 * span * 5 * 256 * 1024, growth)
        self.assertLess(growth["smaps_anon_other_bytes"], 0.3 * growth["smaps_stacks_bytes"], growth)
        self.assertIn('class="layer stacks"', self.html)

    def test_anonymous_mmaps_grow_other_anonymous_memory(self):
        growth, span = self.categories("mmap")
        self.assertGreater(growth["smaps_anon_other_bytes"], 0.7 * span * 5 * (1 << 20), growth)
        self.assertLess(growth["smaps_stacks_bytes"], 1 << 20, growth)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + sys.argv[1:], verbosity=2)
