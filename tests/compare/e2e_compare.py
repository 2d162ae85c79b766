#!/usr/bin/env python3
"""End-to-end tests of `leakscope compare` and `leakscope diff` on examples/compare/leak_rate, whose leak
rate is set by LEAK_BYTES_PER_S (EventLog::append) and CACHE_LEAK_BYTES_PER_S (ResponseCache::put).

Usage: e2e_compare.py BUILD_DIR [TestCase.test_name ...]   (CTest registers one test per case)
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

BUILD = os.path.abspath(sys.argv.pop(1))
LEAKSCOPE = os.path.join(BUILD, "bin", "leakscope")
LEAK_RATE = os.path.join(BUILD, "bin", "examples", "leak_rate")
EXIT_USAGE, EXIT_WORSE = 2, 101


def leakscope(args, timeout=100, **kwargs):
    return subprocess.run([LEAKSCOPE] + args, capture_output=True, text=True, timeout=timeout, **kwargs)


class Workdir(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="leakscope-compare-")
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def load(self, name):
        with open(self.path(name)) as f:
            return json.load(f)


class CompareCli(Workdir):
    def test_bad_configurations_are_usage_errors(self):
        cases = [
            (["-c", "only"], "at least two configurations"),
            (["-c", "a", "-c", "b:NOT_AN_ASSIGNMENT"], "NAME:VAR=VALUE"),
            (["-c", "a", "-c", "a"], "used twice"),
            (["-c", "a", "-c", "../b"], "names the recordings"),
            (["-c", "a", "-c", "b", "--repeat", "0"], "--repeat"),
            (["-c", "a", "-c", "b", "--alpha", "2"], "--alpha"),
            (["--configs", self.path("missing.json")], "cannot read"),
        ]
        for args, message in cases:
            r = leakscope(["compare"] + args + ["--", "true"])
            self.assertEqual(r.returncode, EXIT_USAGE, (args, r.stderr))
            self.assertIn(message, r.stderr, args)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)  # one clear line
        r = leakscope(["compare", "-c", "a", "-c", "b"])
        self.assertEqual(r.returncode, EXIT_USAGE)
        self.assertIn("no command given", r.stderr)
        r = leakscope(["compare", "-c", "a", "-c", "b", "--", "/nonexistent/program"])
        self.assertEqual(r.returncode, 127, r.stderr)

    def test_ranking_significance_and_fail_if_worse(self):
        # base and same are the same program; fixed leaks a quarter as fast, worse four times as fast.
        with open(self.path("configs.json"), "w") as f:
            json.dump({"configurations": [{"name": "base", "env": {"LEAK_BYTES_PER_S": 200000}},
                                          {"name": "same", "env": {"LEAK_BYTES_PER_S": "200000"}}]}, f)
        r = leakscope(["compare", "--configs", self.path("configs.json"),
                       "-c", "fixed:LEAK_BYTES_PER_S=50000", "-c", "worse:LEAK_BYTES_PER_S=800000",
                       "--repeat", "2", "--events-regex", "request done", "--fail-if-worse",
                       "--json", self.path("compare.json"), "--html", self.path("compare.html"),
                       "--markdown", self.path("compare.md"), "--recordings", self.path("recordings"),
                       "--", LEAK_RATE, "2.5"])
        self.assertEqual(r.returncode, EXIT_WORSE, r.stderr)

        # The target's output is discarded; one progress line per run, interleaved.
        self.assertNotIn("request done", r.stdout + r.stderr)
        progress = re.findall(r"run (\d)/8: (\w+) #(\d)", r.stderr)
        self.assertEqual([(name, repeat) for _, name, repeat in progress],
                         [("base", "1"), ("same", "1"), ("fixed", "1"), ("worse", "1"),
                          ("base", "2"), ("same", "2"), ("fixed", "2"), ("worse", "2")], r.stderr)

        report = self.load("compare.json")
        configurations = report["configurations"]
        self.assertEqual([c["name"] for c in configurations], ["base", "same", "fixed", "worse"])  # baseline first
        by_name = {c["name"]: c for c in configurations}
        for c in configurations:
            for key in ["name", "runs", "rate_bytes_per_s", "rate_ci_low_bytes_per_s", "rate_ci_high_bytes_per_s",
                        "rate_bytes_per_event", "leak", "change_vs_baseline", "significant_vs_baseline"]:
                self.assertIn(key, c)
            self.assertEqual(c["runs"], 2)
            self.assertTrue(c["leak"], c)
            self.assertLessEqual(c["rate_ci_low_bytes_per_s"], c["rate_bytes_per_s"])
            self.assertGreaterEqual(c["rate_ci_high_bytes_per_s"], c["rate_bytes_per_s"])
            self.assertIn("EventLog::append", c["top_site"])
            self.assertGreater(c["rate_bytes_per_event"], 0)
        # The true rates are known: the measured ones must be close (tracked live heap).
        for name, truth in [("base", 200000), ("same", 200000), ("fixed", 50000), ("worse", 800000)]:
            self.assertAlmostEqual(by_name[name]["rate_bytes_per_s"] / truth, 1.0, delta=0.1, msg=name)
        self.assertEqual(report["ranking"][0], "fixed")
        self.assertEqual(report["ranking"][-1], "worse")
        self.assertEqual(report["test"], "Welch's t-test on per-run steady rates")
        self.assertFalse(by_name["same"]["significant_vs_baseline"])
        self.assertTrue(by_name["worse"]["significant_vs_baseline"])
        self.assertEqual(by_name["worse"]["direction_vs_baseline"], "worse")
        self.assertAlmostEqual(by_name["worse"]["change_vs_baseline"], 3.0, delta=0.3)
        self.assertTrue(by_name["fixed"]["significant_vs_baseline"])
        self.assertEqual(by_name["fixed"]["direction_vs_baseline"], "better")
        self.assertTrue(report["any_significantly_worse"])

        # The table names the test and the verdicts.
        self.assertIn("Welch's t-test", r.stdout)
        same_row = next(line for line in r.stdout.splitlines() if re.match(r"\d\s+same\s", line))
        self.assertIn("not significantly different", same_row)
        worse_row = next(line for line in r.stdout.splitlines() if re.match(r"\d\s+worse\s", line))
        self.assertIn("significantly worse", worse_row)
        self.assertTrue(worse_row.startswith("4"), worse_row)

        with open(self.path("compare.html")) as f:
            html = f.read()
        self.assertIn("<svg id=\"compare-rates\"", html)
        self.assertEqual(html.count("class=\"run\""), 8)
        with open(self.path("compare.md")) as f:
            self.assertIn("| 1 | fixed |", f.read())
        self.assertEqual(sorted(os.listdir(self.path("recordings"))),
                         sorted(f"{n}.{i}.lks" for n in ["base", "same", "fixed", "worse"] for i in (1, 2)))

        # Without --fail-if-worse the same finding exits 0; and a comparison with no worse configuration
        # passes the gate (reusing nothing: runs are cheap enough to repeat with one run each).
        r = leakscope(["compare", "-c", "base:LEAK_BYTES_PER_S=200000", "-c", "fixed:LEAK_BYTES_PER_S=50000",
                       "--repeat", "1", "--fail-if-worse", "--json", self.path("gate.json"), "--", LEAK_RATE, "2.5"])
        self.assertEqual(r.returncode, 0, r.stderr)
        gate = self.load("gate.json")
        self.assertIn("z-test", gate["test"])  # one run each: the interval test, and it says so
        self.assertIn("z-test", r.stdout)
        self.assertEqual(gate["configurations"][1]["direction_vs_baseline"], "better")

    def test_show_output_and_rss_only(self):
        r = leakscope(["compare", "-c", "small:LEAK_BYTES_PER_S=100000", "-c", "large:LEAK_BYTES_PER_S=2000000",
                       "--repeat", "1", "--no-track", "--show-output", "--json", self.path("rss.json"),
                       "--", LEAK_RATE, "2.5"])
        self.assertEqual(r.returncode, 0, r.stderr)  # no --fail-if-worse: report only
        self.assertIn("request done", r.stdout)
        report = self.load("rss.json")
        self.assertEqual(report["metric"], "rss")
        self.assertFalse(report["tracked"])
        large = report["configurations"][1]
        self.assertEqual(large["direction_vs_baseline"], "worse")
        self.assertTrue(large["significant_vs_baseline"])
        self.assertAlmostEqual(large["rate_bytes_per_s"] / 2000000, 1.0, delta=0.25)


class DiffCli(Workdir):
    def record(self, name, environment):
        r = leakscope(["run", "-q", "-o", self.path(name), "--", LEAK_RATE, "2.5"],
                      env=dict(os.environ, **environment))
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_sites_appear_and_disappear_and_gate(self):
        self.record("before.lks", {"LEAK_BYTES_PER_S": "300000"})
        self.record("after.lks", {"CACHE_LEAK_BYTES_PER_S": "100000"})

        r = leakscope(["diff", self.path("before.lks"), self.path("after.lks"), "--fail-if-worse",
                       "--json", self.path("diff.json")])
        self.assertEqual(r.returncode, 0, r.stderr)  # slower growth: not worse
        diff = self.load("diff.json")
        status = {site["function"].split("::", 1)[-1]: site["status"] for site in diff["sites"]}
        self.assertEqual(status.get("EventLog::append"), "disappeared", diff["sites"])
        self.assertEqual(status.get("ResponseCache::put"), "appeared", diff["sites"])
        self.assertEqual(diff["direction"], "better")
        self.assertIn("EventLog::append: ", diff["summary"])
        self.assertIn("-> 0", diff["summary"])
        self.assertIn("ResponseCache::put grows", diff["summary"])
        self.assertIn("summary: ", r.stdout)

        r = leakscope(["diff", self.path("after.lks"), self.path("before.lks"), "--fail-if-worse"])
        self.assertEqual(r.returncode, EXIT_WORSE, r.stdout + r.stderr)
        self.assertIn("significantly worse", r.stdout)

        # The same recording against itself: nothing changed, nothing new grows.
        r = leakscope(["diff", self.path("before.lks"), self.path("before.lks"), "--fail-if-worse"])
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("not significantly different", r.stdout)
        self.assertIn("nothing new grows", r.stdout)

        r = leakscope(["diff", self.path("before.lks"), self.path("missing.lks")])
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + sys.argv[1:], verbosity=2)
