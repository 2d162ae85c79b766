#!/usr/bin/env python3
"""The CI and interop formats end to end: --junit, --sarif, --pprof, GitHub Actions annotations and step
summary, --baseline (exit 101), and the options that must be errors rather than silently ignored.

One tracked run of a leaking example (examples/patterns/unbounded_cache, ResponseCache::put leaks
~400 kB/s) and one of a flat one (noisy_flat) feed every case.

Usage: e2e_ci_formats.py BUILD_DIR SOURCE_DIR [TestCase.test_name ...]
"""
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import xml.dom.minidom
import xml.etree.ElementTree as ET

BUILD = os.path.abspath(sys.argv.pop(1))
SOURCE = os.path.abspath(sys.argv.pop(1))
LEAKSCOPE = os.path.join(BUILD, "bin", "leakscope")
EXAMPLES = os.path.join(BUILD, "bin", "examples")
WORK = tempfile.mkdtemp(prefix="leakscope-ci-")


def leakscope(args, env=None, timeout=90):
    return subprocess.run([LEAKSCOPE] + args, capture_output=True, text=True, timeout=timeout, env=env)


def path(name):
    return os.path.join(WORK, name)


_recorded = {}


def recording(name):
    """A tracked recording of an example, made once: 'leak' (unbounded_cache), 'flat' (noisy_flat) or 'quiet'
    (service_flat: a flat program whose rate is known to a few kB/s, where noisy_flat's wandering heap gives an
    interval of hundreds of kB/s: as a baseline that once read +497 MB/h, p = 0.41 against the leak)."""
    if name not in _recorded:
        # the lengths of examples/patterns/manifest.json, where each gets its pattern (a flat program's
        # noise needs its 10 s to be told from growth)
        program, seconds = {"leak": ("unbounded_cache", "4"), "flat": ("noisy_flat", "10"),
                            "quiet": ("service_flat", "14")}[name]
        r = leakscope(["run", "-q", "-o", path(name + ".lks"), "--json", path(name + ".json"), "--",
                       os.path.join(EXAMPLES, program), seconds])
        assert os.path.exists(path(name + ".lks")), r.stderr
        _recorded[name] = path(name + ".lks")
    return _recorded[name]


class JUnit(unittest.TestCase):
    def test_a_leak_is_one_failed_test_case_with_the_rate_as_properties(self):
        r = leakscope(["analyze", recording("leak"), "-q", "--junit", path("leak.xml"), "--json", path("leak-a.json")])
        self.assertEqual(r.returncode, 0, r.stderr)
        xml.dom.minidom.parse(path("leak.xml"))  # a second, stricter parser: well-formed
        root = ET.parse(path("leak.xml")).getroot()
        self.assertEqual(root.tag, "testsuites")
        suites = root.findall("testsuite")
        self.assertEqual(len(suites), 1)
        suite = suites[0]
        self.assertEqual((suite.get("tests"), suite.get("failures"), suite.get("errors")), ("1", "1", "0"))
        cases = suite.findall("testcase")
        self.assertEqual(len(cases), 1)
        case = cases[0]
        self.assertIn("unbounded_cache", case.get("name"))
        self.assertGreater(float(case.get("time")), 1.0)
        failure = case.find("failure")
        self.assertIsNotNone(failure)
        self.assertTrue(failure.get("message").startswith("Leak"), failure.get("message"))
        self.assertIn("ResponseCache::put", failure.text)
        props = {p.get("name"): p.get("value") for p in case.find("properties").findall("property")}
        growth = json.load(open(path("leak-a.json")))["growth"]
        for key in ["steady_rate_bytes_per_s", "rate_ci_low_bytes_per_s", "rate_ci_high_bytes_per_s"]:
            self.assertAlmostEqual(float(props[key]), growth[key], delta=abs(growth[key]) * 1e-5 + 1e-6, msg=key)
        self.assertEqual(props["leak"], "true")
        self.assertAlmostEqual(float(props["sampling_interval_s"]), 0.1)

    def test_no_leak_passes(self):
        r = leakscope(["analyze", recording("flat"), "-q", "--junit", path("flat.xml")])
        self.assertEqual(r.returncode, 0, r.stderr)
        case = ET.parse(path("flat.xml")).getroot().find("testsuite/testcase")
        self.assertIsNone(case.find("failure"))
        self.assertIsNone(case.find("skipped"))


class Sarif(unittest.TestCase):
    def test_one_result_per_leaking_site_located_at_its_line_with_the_stack(self):
        r = leakscope(["analyze", recording("leak"), "-q", "--sarif", path("leak.sarif")])
        self.assertEqual(r.returncode, 0, r.stderr)
        log = json.load(open(path("leak.sarif")))
        # SARIF 2.1.0's required members: sarifLog{version, runs}, run{tool}, tool{driver}, driver{name},
        # result{message}, message{text|id}, codeFlow{threadFlows}, threadFlow{locations}.
        self.assertEqual(log["version"], "2.1.0")
        self.assertEqual(len(log["runs"]), 1)
        run = log["runs"][0]
        driver = run["tool"]["driver"]
        self.assertEqual(driver["name"], "leakscope")
        rule_ids = [rule["id"] for rule in driver["rules"]]
        self.assertTrue(run["results"])
        for result in run["results"]:
            self.assertIn("text", result["message"])
            self.assertIn(result["ruleId"], rule_ids)
            self.assertEqual(rule_ids[result["ruleIndex"]], result["ruleId"])
            self.assertIn(result["level"], ["none", "note", "warning", "error"])
        top = run["results"][0]
        self.assertIn("ResponseCache::put", top["message"]["text"])
        physical = top["locations"][0]["physicalLocation"]
        self.assertTrue(physical["artifactLocation"]["uri"].endswith("unbounded_cache.cpp"), physical)
        self.assertGreater(physical["region"]["startLine"], 0)
        flow = top["codeFlows"][0]["threadFlows"][0]["locations"]
        self.assertGreaterEqual(len(flow), 2)
        # outermost first: main calls into the leaking function, which allocates
        names = [step["location"]["message"]["text"] for step in flow]
        self.assertLess(names.index("main"), max(i for i, n in enumerate(names) if "ResponseCache::put" in n))
        # a relative URI has a base the log defines
        if physical["artifactLocation"].get("uriBaseId"):
            self.assertIn(physical["artifactLocation"]["uriBaseId"], run["originalUriBaseIds"])

    def test_no_leak_has_no_error(self):
        r = leakscope(["analyze", recording("flat"), "-q", "--sarif", path("flat.sarif"), "--json", path("flat-a.json")])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(json.load(open(path("flat-a.json")))["verdict"]["leak"])
        results = json.load(open(path("flat.sarif")))["runs"][0]["results"]
        # a site whose own series grows is at most a warning when the process does not leak
        self.assertEqual([res for res in results if res["level"] == "error"], [])


class Pprof(unittest.TestCase):
    def test_go_tool_pprof_reads_the_live_heap_and_the_growth_by_stack(self):
        if not shutil.which("go"):
            self.skipTest("go (Debian's golang-go) not installed")
        r = leakscope(["analyze", recording("leak"), "-q", "--pprof", path("leak.pb.gz")])
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(path("leak.pb.gz"), "rb") as f:
            self.assertEqual(f.read(2), b"\x1f\x8b")  # gzip, as pprof tools expect
        self.assertGreater(len(gzip.open(path("leak.pb.gz")).read()), 100)
        env = dict(os.environ, HOME=WORK, GOCACHE=path("gocache"))
        for index in ["inuse_space", "growth_space"]:
            top = subprocess.run(["go", "tool", "pprof", "-top", "-sample_index=" + index, path("leak.pb.gz")],
                                 capture_output=True, text=True, timeout=120, env=env)
            self.assertEqual(top.returncode, 0, top.stderr)
            self.assertIn("ResponseCache::put", top.stdout, index + "\n" + top.stdout)
            # stacks start at the user's frame, so the leaking function itself is the top "flat" row, holding
            # most of the heap and of its growth; the profile is named after the program, not a library
            self.assertIn("File: unbounded_cache", top.stdout)
            rows = [line.split() for line in top.stdout.splitlines() if re.match(r"\s*[0-9.]+[kMG]?B\s", line)]
            self.assertTrue(rows, top.stdout)
            self.assertEqual(rows[0][5], "ResponseCache::put", top.stdout)
            self.assertGreater(float(rows[0][1].rstrip("%")), 50, top.stdout)


class GitHubActions(unittest.TestCase):
    def test_annotations_at_the_leaking_line_and_the_markdown_in_the_step_summary(self):
        summary = path("step-summary.md")
        with open(summary, "w") as f:
            f.write("earlier step\n")
        env = dict(os.environ, GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=summary, GITHUB_WORKSPACE=SOURCE)
        r = leakscope(["analyze", recording("leak"), "-q", "--fail-on-leak"], env=env)
        self.assertEqual(r.returncode, 100, r.stderr)
        self.assertTrue(all(line.startswith("::") for line in r.stdout.splitlines()), r.stdout)
        errors = [line for line in r.stdout.splitlines() if line.startswith("::error ")]
        site = [line for line in errors if "file=" in line]
        self.assertTrue(site, r.stdout)
        m = re.match(r"::error file=([^,]+),line=(\d+),title=([^:]+)::(.+)", site[0])
        self.assertIsNotNone(m, site[0])
        self.assertEqual(m.group(1), "examples/patterns/unbounded_cache.cpp")  # relative to the workspace
        line = int(m.group(2))
        with open(os.path.join(SOURCE, m.group(1))) as f:
            self.assertGreaterEqual(len(f.readlines()), line)
        self.assertIn("ResponseCache::put", m.group(4))
        self.assertTrue(any(l.startswith("::error title=") for l in errors), r.stdout)  # the verdict itself
        self.assertEqual(len(errors), len(site) + 1, r.stdout)
        text = open(summary).read()
        self.assertTrue(text.startswith("earlier step\n"), "the summary is appended to, not replaced")
        self.assertIn("## leakscope: Leak", text)

    def test_nothing_is_printed_outside_github_actions(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
        r = leakscope(["analyze", recording("leak"), "-q"], env=env)
        self.assertNotIn("::", r.stdout)


class Baseline(unittest.TestCase):
    def test_worse_than_the_baseline_exits_101(self):
        recording("quiet")
        r = leakscope(["analyze", recording("leak"), "-q", "--baseline", path("quiet.json")])
        self.assertEqual(r.returncode, 101, r.stderr)
        self.assertIn("significantly worse", r.stderr)

    def test_the_same_run_as_baseline_is_not_worse(self):
        recording("leak")
        r = leakscope(["analyze", recording("leak"), "-q", "--baseline", path("leak.json")])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("not significantly different", r.stderr)

    def test_better_than_the_baseline_exits_0(self):
        recording("leak")
        r = leakscope(["analyze", recording("flat"), "-q", "--baseline", path("leak.json")])
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_a_file_that_is_not_a_report_is_one_line_and_exit_2(self):
        with open(path("not-a-report.json"), "w") as f:
            f.write("{\"hello\": 1}")
        for bad in [path("not-a-report.json"), path("missing.json"), recording("leak")]:
            r = leakscope(["analyze", recording("leak"), "-q", "--baseline", bad])
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
            self.assertIn("--baseline", r.stderr)

    def test_run_checks_the_baseline_before_starting_the_target(self):
        r = leakscope(["run", "-q", "--baseline", path("missing.json"), "-o", path("never.lks"), "--", "true"])
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertFalse(os.path.exists(path("never.lks")))


class DiffOfUntrackedAndTracked(unittest.TestCase):
    def test_sites_are_not_compared_when_one_side_has_none(self):
        r = leakscope(["run", "-q", "--no-track", "-o", path("untracked.lks"), "--",
                       os.path.join(EXAMPLES, "unbounded_cache"), "4"])
        self.assertEqual(r.returncode, 0, r.stderr)
        for before, after, which in [(path("untracked.lks"), recording("leak"), "first"),
                                     (recording("leak"), path("untracked.lks"), "second")]:
            r = leakscope(["diff", before, after, "--json", path("diff.json")])
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn(f"the {which} recording has no allocation site data", r.stdout)
            self.assertNotIn("appeared", r.stdout)
            self.assertNotIn("disappeared", r.stdout)
            diff = json.load(open(path("diff.json")))
            self.assertEqual(diff["metric"], "rss")
            self.assertEqual(diff["sites"], [])
            self.assertIn("no allocation site data", diff["sites_note"])


class OptionsThatDoNothing(unittest.TestCase):
    def test_attach_events_regex_is_an_error(self):
        r = leakscope(["attach", str(os.getpid()), "--events-regex", "x", "--duration", "1s"])
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--events-regex", r.stderr)

    def test_report_with_two_names_for_the_page_is_an_error(self):
        r = leakscope(["report", recording("flat"), "-o", path("a.html"), "--html", path("b.html")])
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertFalse(os.path.exists(path("a.html")) or os.path.exists(path("b.html")))


if __name__ == "__main__":
    try:
        unittest.main(verbosity=2)
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
