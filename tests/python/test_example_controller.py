"""examples/python/controller.py, the controller team's story: a numba JIT warm-up of about 20 MB and
a history truncated at a cap is not a leak; the untruncated history is, at the line that appends."""
import os
import subprocess
import sys

import pytest

pytest.importorskip("numba")
EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python", "controller.py")
APPEND_LINE = next(i for i, text in enumerate(open(EXAMPLE), 1) if "self.history.append" in text)


def run(*args):
    return subprocess.run([sys.executable, EXAMPLE, "--measure", *args], capture_output=True, text=True, timeout=240)


def test_bounded_history_after_jit_warmup_is_not_a_leak():
    done = run()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No growth per step" in done.stdout
    warmup_mib = float(done.stdout.split("one-time warm-up of ")[1].split(" MB")[0])
    assert 10 < warmup_mib < 60, done.stdout


def test_unbounded_history_is_a_leak_at_the_append():
    done = run("--unbounded")
    assert done.returncode == 1, done.stdout + done.stderr
    first_site = [line for line in done.stdout.splitlines() if "site:" in line][0]
    assert "Controller.step (" in first_site and f"controller.py:{APPEND_LINE})" in first_site, done.stdout
