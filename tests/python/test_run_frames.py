"""`leakscope run -- python3 app.py`: the tracker's Python frames name the sites (the quick check; the
attribution corpus covers numpy, numba, C extensions and threads). Needs the leakscope binary: the
LEAKSCOPE environment variable (set by CTest), or build/bin/leakscope."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
LEAKSCOPE = os.environ.get("LEAKSCOPE") or os.path.join(ROOT, "build", "bin", "leakscope")

# Leaks 4 KiB objects (above pymalloc's 512-byte limit: each is its own malloc) from one line.
LEAKING_PROGRAM = textwrap.dedent("""\
    import time
    held = []
    def grow():
        held.append(bytearray(4096))
    for i in range(60):
        for j in range(50):
            grow()
        time.sleep(0.03)
    """)
LEAKING_LINE = 4


def run_leakscope(tmp_path, source, *options, env=None):
    program = tmp_path / "app.py"
    program.write_text(source)
    report = tmp_path / "report.json"
    command = [LEAKSCOPE, "run", "--no-status", "-o", str(tmp_path / "run.lks"), "--json", str(report), *options,
               "--", sys.executable, str(program)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return str(program), json.loads(report.read_text()), done


@pytest.mark.parametrize("options", [[], ["--sample-bytes", "64K"]], ids=["full", "sampled"])
def test_top_site_is_the_python_line(tmp_path, options):
    program, report, done = run_leakscope(tmp_path, LEAKING_PROGRAM, *options)
    top = report["sites"][0]
    assert (top["function"], top.get("line"), top.get("module")) == ("grow", LEAKING_LINE, program), \
        json.dumps(top, indent=1) + done.stdout
    assert any("sites name Python frames" in note for note in report.get("notes", [])) or \
        "sites name Python frames" in done.stdout + done.stderr


# measure_cycles inside a program under `leakscope run`: the sites come from the tracker (source
# "tracker"), named by the tracker's Python frames, with no tracemalloc follow-up.
MEASURING_PROGRAM = textwrap.dedent("""\
    import json, leakscope
    held = []
    def body():
        held.append(bytearray(3000))
    r = leakscope.measure_cycles(body, cycles=300)
    print("RESULT " + json.dumps({"leak": r.leak, "sites": [s.__dict__ for s in r.sites]}))
    """)


def measured_top_site(tmp_path, source):
    """Runs a program that prints measure_cycles' result; its top site, after checking that it is the
    leak at body() (line 4), named from the tracker."""
    program, _, done = run_leakscope(tmp_path, source)
    result = json.loads(next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))[7:])
    assert result["leak"], result
    top = result["sites"][0]
    assert (top["function"], top["line"], top["file"], top["source"]) == ("body", 4, program, "tracker"), result
    return top


def test_measure_cycles_under_run_names_python_lines_from_the_tracker(tmp_path):
    top = measured_top_site(tmp_path, MEASURING_PROGRAM)
    assert "body (app.py:4)" in top["stack"], top["stack"]


# A block allocated inside libc (opendir's buffer) under a Python line: the site is the Python line; the
# libc frames are named from libc's symbol table only, as the CLI names them (libc's DWARF, ~40-90 ms
# to inflate from libc6-dbg on every measure_cycles call, is not loaded for frames that cannot name a site).
LIBC_ALLOCATING_PROGRAM = textwrap.dedent("""\
    import json, os, leakscope
    held = []
    def body():
        held.append(os.scandir("/"))
    r = leakscope.measure_cycles(body, cycles=200)
    print("RESULT " + json.dumps({"leak": r.leak, "sites": [s.__dict__ for s in r.sites]}))
    """)


def test_measure_cycles_names_libc_frames_from_the_symbol_table(tmp_path):
    stack = measured_top_site(tmp_path, LIBC_ALLOCATING_PROGRAM)["stack"]
    python_line = stack.index("body (app.py:4)")
    libc_frames = [frame for frame in stack[:python_line] if "libc.so" in frame]
    assert libc_frames and not any(frame.startswith("??") for frame in libc_frames), stack


def test_fork_while_another_thread_interns_a_frame(tmp_path):
    """fork() while the tracker's Python frame-table lock is held by another thread (allocating without
    the GIL): the child must not inherit the lock held (it hung at its first new frame before the fork
    handlers took that lock too). fork_during_intern.py widens the window so that every round hits it."""
    source = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "fork_during_intern.py")).read()
    _, _, done = run_leakscope(tmp_path, source)
    assert "forks 3 hung 0" in done.stdout, done.stdout + done.stderr


def installed_cpython(versions):
    """An installed CPython 3.<minor> for a minor in `versions` (/usr/bin, pyenv), or None."""
    import glob
    for minor in versions:
        for pattern in (f"/usr/bin/python3.{minor}", os.path.expanduser(f"~/.pyenv/versions/3.{minor}.*/bin/python3.{minor}")):
            found = sorted(glob.glob(pattern))
            if found:
                return found[0]
    return None


CPYTHON_312 = installed_cpython([12])
UNREAD_CPYTHON = installed_cpython(range(13, 20))  # a version whose frames the tracker does not read


@pytest.mark.skipif(CPYTHON_312 is None, reason="no CPython 3.12 installed (/usr/bin, pyenv)")
@pytest.mark.parametrize("options", [[], ["--sample-bytes", "64K"]], ids=["full", "sampled"])
def test_cpython_312_frames(tmp_path, options):
    program = tmp_path / "app.py"
    program.write_text(LEAKING_PROGRAM)
    report = tmp_path / "report.json"
    done = subprocess.run([LEAKSCOPE, "run", "--no-status", "-o", str(tmp_path / "run.lks"), "--json", str(report),
                           *options, "--", CPYTHON_312, str(program)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    top = json.loads(report.read_text())["sites"][0]
    assert (top["function"], top.get("line"), top.get("module")) == ("grow", LEAKING_LINE, str(program)), top


@pytest.mark.skipif(UNREAD_CPYTHON is None, reason="no CPython 3.13 or later installed (/usr/bin, pyenv)")
def test_a_version_without_frame_support_gets_one_clear_note(tmp_path):
    version = ".".join(subprocess.run([UNREAD_CPYTHON, "-c", "import sys; print(*sys.version_info[:2])"],
                                      capture_output=True, text=True).stdout.split())
    program = tmp_path / "app.py"
    program.write_text(LEAKING_PROGRAM)
    done = subprocess.run([LEAKSCOPE, "run", "--no-status", "-o", str(tmp_path / "run.lks"), "--", UNREAD_CPYTHON,
                           str(program)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    notes = [line for line in done.stderr.splitlines() if line.startswith(f"leakscope: Python {version} target")]
    assert len(notes) == 1 and "reads the frames of CPython 3.11 and 3.12 only" in notes[0], done.stderr
    assert "sites name Python frames" not in done.stderr
