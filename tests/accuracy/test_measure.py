#!/usr/bin/env python3
"""Tests of measure.py: its arguments (a manifest case, or a program not in the manifest yet after
"--", which needs --seconds), and -- given a build directory as the first argument -- two short runs
of a shell under it that write their own /proc/PID/environ: --plain preloads nothing of leakscope's,
the default run preloads the tracker (so the check can tell the two apart)."""
import contextlib
import io
import os
import subprocess
import sys
import tempfile
import unittest

import corpus
import measure

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = sys.argv.pop(1) if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else None


class Arguments(unittest.TestCase):
    def refused(self, argv):
        with contextlib.redirect_stderr(io.StringIO()), self.assertRaises(SystemExit):
            measure.parse_arguments(argv)

    def test_a_manifest_case_runs_its_own_command_for_its_own_length(self):
        length = next(c["seconds"] for c in corpus.load() if c["name"] == "lru_cache")
        args = measure.parse_arguments(["build", "lru_cache", "--window", "3:13"])
        label, program, _, seconds = measure.target(args)
        self.assertEqual((label, seconds), ("lru_cache", length))
        self.assertEqual(program, [os.path.join("build", "bin", "examples", "lru_cache"), str(length)])
        self.assertFalse(args.plain)
        # A length given as --seconds reaches the program as the manifest's would ("9", not "9.0").
        _, program, _, _ = measure.target(measure.parse_arguments(["build", "lru_cache", "--seconds", "9"]))
        self.assertEqual(program[-1], "9")

    def test_a_program_not_in_the_manifest_gets_its_run_length_last(self):
        args = measure.parse_arguments(["build", "--seconds", "12", "--plain", "--", "python3", "-u", "new.py", "--fast"])
        label, program, env, seconds = measure.target(args)
        self.assertEqual(program, ["python3", "-u", "new.py", "--fast", "12"])
        self.assertEqual((label, seconds), ("python3 -u new.py --fast", 12))
        self.assertEqual(env, dict(os.environ))
        self.assertTrue(args.plain)

    def test_a_program_needs_seconds_and_cannot_come_with_a_name(self):
        self.refused(["build", "--", "./new_program"])
        self.refused(["build", "lru_cache", "--seconds", "5", "--", "./new_program"])
        self.refused(["build"])

    def test_plain_runs_leakscope_without_the_tracker(self):
        plain = measure.leakscope_command("build", "/tmp/w", "/tmp/w/s.csv", True, ["prog", "5"])
        tracked = measure.leakscope_command("build", "/tmp/w", "/tmp/w/s.csv", False, ["prog", "5"])
        self.assertEqual(plain[plain.index("--"):], ["--", "prog", "5"])
        self.assertIn("--no-track", plain[:plain.index("--")])
        self.assertNotIn("--no-track", tracked)
        # The old spelling still works.
        self.assertTrue(measure.parse_arguments(["build", "lru_cache", "--no-track"]).plain)


@unittest.skipUnless(BUILD, "give the build directory as the first argument to run leakscope")
class ChildEnvironment(unittest.TestCase):
    """What the measured program is started with, read from its own /proc/PID/environ."""

    def measured_environment(self, *options):
        with tempfile.TemporaryDirectory(prefix="leakscope-test-measure-") as work:
            dump = os.path.join(work, "environ")
            # $1: where to write; $2: the run length measure.py appends, as corpus programs take it.
            shell = ["/bin/sh", "-c", 'tr "\\0" "\\n" < /proc/$$/environ > "$1"; sleep "$2"', "sh", dump]
            env = {k: v for k, v in os.environ.items() if not k.startswith("LEAKSCOPE_")}
            env.pop("LD_PRELOAD", None)
            out = subprocess.run([sys.executable, os.path.join(HERE, "measure.py"), BUILD, "--seconds", "1.5",
                                  *options, "--", *shell], env=env, capture_output=True, text=True, timeout=120)
            self.assertEqual(out.returncode, 0, out.stderr)
            with open(dump) as f:
                variables = dict(line.split("=", 1) for line in f.read().splitlines() if "=" in line)
        return variables, out.stdout

    def test_plain_preloads_nothing(self):
        variables, printed = self.measured_environment("--plain")
        self.assertIsNone(variables.get("LD_PRELOAD"), "the plain run's program was started with LD_PRELOAD")
        self.assertEqual([v for v in variables if v.startswith("LEAKSCOPE_TRACKER_")], [])
        self.assertIn("plain: nothing preloaded", printed)
        self.assertIn("  rss ", printed)
        self.assertNotIn("live_heap", printed)

    def test_tracked_preloads_the_tracker(self):
        variables, printed = self.measured_environment()
        self.assertIn("libleakscope_tracker", variables.get("LD_PRELOAD", ""))
        self.assertIn("LEAKSCOPE_TRACKER_SOCKET", variables)
        self.assertIn("  live_heap ", printed)


if __name__ == "__main__":
    unittest.main()
