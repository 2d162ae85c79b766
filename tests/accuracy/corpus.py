"""The accuracy corpus (examples/patterns/manifest.json): each case's truth, and the command that
runs it. Shared by the accuracy runner (run_accuracy.py) and the truth-measuring tool (measure.py)."""
import json
import os
import shutil

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(REPO, "examples", "patterns")
MANIFEST = os.path.join(EXAMPLES, "manifest.json")
# The series a truth's warmup_bytes can be of, as the JSON report names them (growth.warmup_metric).
WARMUP_METRICS = ("live_heap", "rss")


def load(manifest_path=MANIFEST):
    with open(manifest_path) as f:
        return json.load(f)["examples"]


def python3():
    """The Debian interpreter, where python3-numpy and python3-numba are installed (a python3 earlier
    on PATH, e.g. from pyenv, may lack them); else whatever python3 is on PATH."""
    return "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else (shutil.which("python3") or "python3")


def command(case, build_dir, seconds=None):
    """The argv of a case: its "command" template ({bin} = the built examples, {examples} = their
    sources, {python3}) or the native program named after it, then its run length in seconds."""
    seconds = case["seconds"] if seconds is None else seconds
    values = {"bin": os.path.join(build_dir, "bin", "examples"), "examples": EXAMPLES, "python3": python3()}
    template = case.get("command", ["{bin}/" + case["name"]])
    return [part.format(**values) for part in template] + [str(seconds)]


def unbuilt_program(case, build_dir):
    """A program of this build's corpus (bin/examples) that is not there: a build that left it out, not a
    machine without a runtime, so never a skip. `make test` builds only the programs its tests name with
    leakscope_suite_runs (cmake/LeakscopeTargets.cmake); `make build` builds them all."""
    program = command(case, build_dir)[0]
    built_here = os.path.join(build_dir, "bin", "examples") + os.path.sep
    # The Go programs are built only where Debian's golang-go is: without it they are skipped (missing_tool).
    go_program_without_go = case["name"].startswith("go_") and not shutil.which("go")
    if program.startswith(built_here) and not os.access(program, os.X_OK) and not go_program_without_go:
        return (f"{program} was not built (a test of the suite that runs it names it with leakscope_suite_runs; "
                "`make build` builds every corpus program)")
    return None


def missing_tool(case, build_dir):
    """Why a case cannot run on this machine (its interpreter or program is absent), or None."""
    program = command(case, build_dir)[0]
    if os.path.sep in program and not os.access(program, os.X_OK):
        return f"{program} not found"
    if os.path.sep not in program and not shutil.which(program):
        return f"{program} not installed"
    for needed in case.get("needs", []):
        if not shutil.which(needed):
            return f"{needed} not installed"
    preload = case.get("env", {}).get("LD_PRELOAD")
    if preload and not os.path.exists(preload):
        return f"{preload} not installed"
    return None


def environment(case):
    """The environment for leakscope run: ours plus the case's "env" (e.g. LD_PRELOAD of another
    allocator; leakscope puts its tracker in front of it)."""
    env = dict(os.environ)
    env.update(case.get("env", {}))
    return env


def acceptable_patterns(case, mode="tracked"):
    """The shapes that are right for a case; with RSS alone (mode "rss") also its rss_patterns."""
    extra = case.get("acceptable_patterns", []) + (case.get("rss_patterns", []) if mode == "rss" else [])
    return [case["pattern"]] + [p for p in extra if p != case["pattern"]]


def warmup_metric(case):
    """The series the case's warmup_bytes is of: the live heap, which the programs fill by construction,
    unless its "warmup_metric" says RSS (memory outside the heap: a JIT's import, a mapped ring)."""
    metric = case.get("warmup_metric", "live_heap")
    if metric not in WARMUP_METRICS:
        # A misspelt series would otherwise leave the case's warm-up silently unscored in every mode.
        raise ValueError(f"{case['name']}: warmup_metric {metric!r} is not one of {', '.join(WARMUP_METRICS)}")
    return metric
