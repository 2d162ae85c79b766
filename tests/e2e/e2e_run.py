#!/usr/bin/env python3
"""End-to-end tests of `leakscope run`, `attach` and `analyze` on real processes.

Usage: e2e_run.py BUILD_DIR [TestCase.test_name ...]   (CTest registers one test per case)
"""
import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
import unittest

BUILD = os.path.abspath(sys.argv.pop(1))
LEAKSCOPE = os.path.join(BUILD, "bin", "leakscope")
EXAMPLES = os.path.join(BUILD, "bin", "examples")
TESTBIN = os.path.join(BUILD, "bin", "tests")


def leakscope(args, timeout=60, **kwargs):
    return subprocess.run([LEAKSCOPE] + args, capture_output=True, text=True, timeout=timeout, **kwargs)


class Workdir(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="leakscope-e2e-")
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def report(self, name="report.json"):
        with open(self.path(name)) as f:
            return json.load(f)

    def assertSchemaFields(self, report):
        for key in ["schema", "target", "verdict", "growth", "series", "sites"]:
            self.assertIn(key, report)
        self.assertEqual(report["schema"], "leakscope.report/1")
        for key in ["leak", "pattern", "severity", "confidence", "summary"]:
            self.assertIn(key, report["verdict"])
        for key in ["metric", "warmup_bytes", "warmup_end_s", "steady_rate_bytes_per_s",
                    "rate_ci_low_bytes_per_s", "rate_ci_high_bytes_per_s"]:
            self.assertIn(key, report["growth"])
        self.assertEqual(len(report["series"]["t_s"]), len(report["series"]["rss_bytes"]))


class RunBasics(Workdir):
    def test_exit_code_passes_through(self):
        r = leakscope(["run", "--no-track", "-q", "-o", self.path("r.lks"), "--", "sh", "-c", "exit 7"])
        self.assertEqual(r.returncode, 7, r.stderr)

    def test_signal_death_gives_128_plus_signal(self):
        r = leakscope(["run", "--no-track", "-q", "-o", self.path("r.lks"), "--", "sh", "-c", "kill -KILL $$"])
        self.assertEqual(r.returncode, 128 + 9, r.stderr)
        self.assertTrue(os.path.getsize(self.path("r.lks")) > 0)

    def test_stdin_stdout_stderr_pass_through(self):
        r = leakscope(["run", "--no-track", "-q", "-o", self.path("r.lks"), "--", "sh", "-c",
                       "cat; echo to-stderr >&2"], input="hello\nworld\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "hello\nworld\n")
        self.assertIn("to-stderr", r.stderr)

    def test_events_regex_counts_lines_and_output_is_unchanged(self):
        script = "for i in $(seq 1 40); do echo \"tick $i\"; echo other; sleep 0.01; done; printf 'tick no-newline'"
        expected = "".join(f"tick {i}\nother\n" for i in range(1, 41)) + "tick no-newline"
        r = leakscope(["run", "--no-track", "-q", "--events-regex", "^tick", "-o", self.path("r.lks"),
                       "--json", self.path("report.json"), "--", "sh", "-c", script])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, expected)
        self.assertEqual(self.report()["target"]["events"], 41)

    def test_default_recording_name_and_mode_0600(self):
        r = leakscope(["run", "--no-track", "-q", "--", "true"], cwd=self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        files = [f for f in os.listdir(self.dir) if f.startswith("leakscope.true.") and f.endswith(".lks")]
        self.assertEqual(len(files), 1, os.listdir(self.dir))
        mode = stat.S_IMODE(os.stat(self.path(files[0])).st_mode)
        self.assertEqual(mode, 0o600)
        # The default name carries a pid nobody knows: leakscope says it, even with -q.
        self.assertIn(files[0], r.stderr)

    def test_duration_stops_the_target(self):
        start = time.monotonic()
        r = leakscope(["run", "--no-track", "-q", "--duration", "1s", "-o", self.path("r.lks"),
                       "--json", self.path("report.json"), "--", "sleep", "30"])
        elapsed = time.monotonic() - start
        # leakscope ended the target on purpose: not a failure (CI steps use --duration)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertLess(elapsed, 10)
        self.assertEqual(self.report()["target"]["end_reason"], "duration")

    def test_duration_with_fail_on_leak_still_fails_on_a_leak(self):
        r = leakscope(["run", "-q", "--fail-on-leak", "--duration", "4s", "-o", self.path("r.lks"),
                       "--json", self.path("report.json"), "--", os.path.join(EXAMPLES, "unbounded_cache"), "30"])
        self.assertEqual(self.report()["target"]["end_reason"], "duration")
        self.assertTrue(self.report()["verdict"]["leak"], r.stderr)
        self.assertEqual(r.returncode, 100, r.stderr)

    def test_sigterm_is_forwarded_to_the_target(self):
        p = subprocess.Popen([LEAKSCOPE, "run", "--no-track", "-q", "-o", self.path("r.lks"), "--", "sleep", "30"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(1.0)
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=10)
        self.assertEqual(p.returncode, 128 + signal.SIGTERM)

    def test_summary_reports_the_facts(self):
        r = leakscope(["run", "--no-track", "-o", self.path("r.lks"), "--", "sleep", "1"])
        self.assertEqual(r.returncode, 0, r.stderr)
        for word in ["samples", "RSS", "r.lks"]:
            self.assertIn(word, r.stderr)


class ProcessTrees(Workdir):
    def watch_shell(self, script):
        """Runs `sh -c script` under leakscope (/proc only, 50 ms) and returns the report's memory."""
        r = leakscope(["run", "--no-track", "-q", "--interval", "50ms", "-o", self.path("r.lks"),
                       "--json", self.path("report.json"), "--", "sh", "-c", script])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.stderr = r.stderr
        return self.report()["memory"]

    def test_shell_pipeline_with_children_is_summed(self):
        # Three processes that each hold ~20 MB for a second: the tree's RSS must show all of them.
        script = ("python3 -c 'import time; b=bytearray(20<<20); time.sleep(1.5)' & "
                  "python3 -c 'import time; b=bytearray(20<<20); time.sleep(1.5)' & "
                  "python3 -c 'import time; b=bytearray(20<<20); time.sleep(1.5)' & wait")
        memory = self.watch_shell(script)
        self.assertGreaterEqual(memory["max_processes"], 4)
        self.assertGreater(memory["peak_rss_bytes"], 60 << 20)
        self.assertNotIn("still running", self.stderr)  # `wait`: nothing outlives the command

    def test_orphaned_descendant_stays_watched(self):
        # A subshell starts python in the background and exits at once: python is orphaned while the
        # root still runs. leakscope is the target's subreaper, so python is re-parented to it (not to
        # init) and its 64 MB stay in the tree until the root ends.
        script = ("( python3 -c 'import time; b=bytearray(64<<20); time.sleep(3)' & ) ; "
                  "sleep 2")
        memory = self.watch_shell(script)
        self.assertGreaterEqual(memory["max_processes"], 2)
        self.assertGreater(memory["peak_rss_bytes"], 60 << 20)
        # python outlives the root by a second: the user is told the watch ended with the command.
        self.assertIn("1 process started by the command was still running when the command exited", self.stderr)

    def test_multithreaded_program(self):
        r = leakscope(["run", "--no-track", "-q", "--interval", "50ms", "-o", self.path("r.lks"),
                       "--json", self.path("report.json"), "--", os.path.join(TESTBIN, "threaded_allocator"), "4", "1.5"])
        self.assertEqual(r.returncode, 0, r.stderr)
        report = self.report()
        self.assertGreaterEqual(report["memory"]["max_threads"], 5)
        self.assertGreater(report["memory"]["peak_rss_bytes"], 4 * (16 << 20))

    def test_eight_threads_flat_out_match_the_programs_own_counts(self):
        # Full tracking under load (issue 16): every allocation of 8 threads allocating flat out is
        # counted, to the allocation and the byte, at the program's one call site.
        r = leakscope(["run", "-q", "--no-status", "-o", self.path("r.lks"), "--json", self.path("report.json"), "--",
                       os.path.join(TESTBIN, "load_allocator"), "8", "8"])
        self.assertEqual(r.returncode, 0, r.stderr)
        allocations, total_bytes, live, live_bytes = (int(x) for x in r.stdout.split())
        self.assertGreater(allocations, 1_000_000)
        sites = [s for s in self.report()["sites"] if "load_site_allocate" in s["function"] or
                 any("load_site_allocate" in f for f in s.get("stack", []))]
        self.assertTrue(sites, [s["function"] for s in self.report()["sites"]])
        self.assertEqual(sum(s["total_allocations"] for s in sites), allocations)
        self.assertEqual(sum(s["total_bytes"] for s in sites), total_bytes)
        self.assertEqual(sum(s["live_bytes"] for s in sites), live_bytes)


class Robustness(Workdir):
    def test_target_sigkilled_mid_run_leaves_a_readable_recording(self):
        p = subprocess.Popen([LEAKSCOPE, "run", "--no-track", "-q", "-o", self.path("r.lks"), "--",
                              "sleep", "30"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(2.0)
        subprocess.run(["pkill", "-KILL", "-P", str(p.pid)])
        p.wait(timeout=10)
        self.assertEqual(p.returncode, 128 + 9)
        r = leakscope(["analyze", self.path("r.lks"), "-q", "--json", self.path("report.json")])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertGreaterEqual(len(self.report()["series"]["t_s"]), 10)

    def test_leakscope_sigkilled_mid_run_keeps_everything_up_to_the_last_flush(self):
        p = subprocess.Popen([LEAKSCOPE, "run", "--no-track", "-q", "-o", self.path("r.lks"), "--",
                              "sleep", "4"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(2.5)
        p.kill()
        p.wait(timeout=10)
        r = leakscope(["analyze", self.path("r.lks"), "-q", "--json", self.path("report.json")])
        self.assertEqual(r.returncode, 0, r.stderr)
        report = self.report()
        # Flushed at least every second: 2.5 s of sampling at 10 Hz keeps at least the first ~1.5 s.
        self.assertGreaterEqual(report["series"]["t_s"][-1], 1.0)
        self.assertIn("no end", report["target"]["end_reason"])

    def test_analyze_reads_a_truncated_recording_with_a_warning(self):
        r = leakscope(["run", "--no-track", "-q", "-o", self.path("r.lks"), "--", "sleep", "1.5"])
        self.assertEqual(r.returncode, 0, r.stderr)
        size = os.path.getsize(self.path("r.lks"))
        with open(self.path("r.lks"), "r+b") as f:
            f.truncate(size - 7)
        r = leakscope(["analyze", self.path("r.lks"), "-q", "--json", self.path("report.json")])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("warning", r.stderr.lower())


class Attach(Workdir):
    def test_attach_watches_a_running_process_until_duration(self):
        target = subprocess.Popen(["python3", "-c", "import time; b=bytearray(30<<20); time.sleep(20)"])
        try:
            time.sleep(0.5)
            r = leakscope(["attach", str(target.pid), "--duration", "1.5s", "-q", "-o", self.path("a.lks"),
                           "--json", self.path("report.json")])
            self.assertEqual(r.returncode, 0, r.stderr)
            report = self.report()
            self.assertSchemaFields(report)
            self.assertEqual(report["target"]["pid"], target.pid)
            self.assertIsNone(report["target"]["exit_code"])
            self.assertGreater(report["memory"]["peak_rss_bytes"], 30 << 20)
            self.assertIsNone(target.poll(), "attach must not stop the process")
        finally:
            target.kill()
            target.wait()

    def test_attach_ends_when_the_process_exits(self):
        target = subprocess.Popen(["sleep", "1"])
        r = leakscope(["attach", str(target.pid), "-q", "-o", self.path("a.lks")], timeout=20)
        target.wait()
        self.assertEqual(r.returncode, 0, r.stderr)


class Verdicts(Workdir):
    def test_demo_service_warmup_then_leak(self):
        r = leakscope(["run", "-q", "--events-regex", "request [0-9]+ done", "-o", self.path("d.lks"),
                       "--json", self.path("report.json"), "--fail-on-leak", "--",
                       os.path.join(EXAMPLES, "leaky_service"), "6"], timeout=120)
        report = self.report()
        self.assertSchemaFields(report)
        self.assertEqual(r.returncode, 100, r.stderr)
        self.assertTrue(report["verdict"]["leak"], report["verdict"])
        self.assertEqual(report["growth"]["metric"], "live_heap")
        # ~6 KB per request at 100 requests/s: about 600 KB/s and 6 KB per event (std::string rounds up).
        rate = report["growth"]["steady_rate_bytes_per_s"]
        self.assertGreater(rate, 480e3)
        self.assertLess(rate, 760e3)
        self.assertGreater(report["growth"]["warmup_bytes"], 15e6)
        top = report["sites"][0]
        self.assertIn("AuditLog::write", top["function"])
        self.assertTrue(top["leak"])

    def test_flat_program_is_not_a_leak(self):
        r = leakscope(["run", "-q", "--no-track", "--fail-on-leak", "-o", self.path("s.lks"),
                       "--json", self.path("report.json"), "--", "sleep", "3"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(self.report()["verdict"]["leak"])


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + sys.argv[1:], verbosity=2)
