"""Names for the allocation sites of a cycle test: the tracker's (native) sites under `leakscope run`,
and Python lines from a short follow-up run under tracemalloc."""
from __future__ import annotations

import ast
import functools
import gc
import os
import tracemalloc
from typing import Any, Callable, Dict, List, Optional, Tuple

from ._result import Site

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _is_ours(filename: str) -> bool:
    """Frames of this package and of tracemalloc are never the site a person is shown."""
    return (os.path.dirname(os.path.abspath(filename)) == _PACKAGE_DIR
            or os.path.basename(filename) == "tracemalloc.py")


@functools.lru_cache(maxsize=256)
def _function_spans(filename: str) -> Tuple[Tuple[int, int, str], ...]:
    try:
        with open(filename, "rb") as source:
            tree = ast.parse(source.read(), filename)
    except (OSError, SyntaxError, ValueError):
        return ()
    spans = []
    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = prefix + child.name
                if not isinstance(child, ast.ClassDef):
                    spans.append((child.lineno, child.end_lineno or child.lineno, name))
                visit(child, name + ".")
            else:
                visit(child, prefix)
    visit(tree, "")
    return tuple(spans)


def enclosing_function(filename: str, line: int) -> str:
    """The qualified name of the innermost function around `line` ("<module>" at top level)."""
    best: Optional[Tuple[int, int, str]] = None
    for span in _function_spans(filename):
        if span[0] <= line <= span[1] and (best is None or span[0] >= best[0]):
            best = span
    return best[2] if best else "<module>"


def sites_from_tracker(raw_sites: List[Dict[str, Any]], limit: int) -> List[Site]:
    """The C++ API's sites under `leakscope run`: the innermost Python frame (the tracker's own names for
    them, CPython 3.11) or, for memory no Python code asked for, the first native frame outside the
    allocator."""
    return [Site(raw["function"], raw["file"], raw["line"], raw["module"], raw["bytes_per_cycle"],
                 raw["live_bytes"], list(raw["stack"]) or [raw["location"]]) for raw in raw_sites[:limit]]


def attribute_with_tracemalloc(fn: Callable[[], Any], cycles: int, limit: int) -> List[Site]:
    """Runs fn() `cycles` more times under tracemalloc and returns the Python lines whose traced memory
    grew over the last 90% of them, largest first (the first 10% are left to any remaining warm-up)."""
    started_here = not tracemalloc.is_tracing()
    if started_here:
        tracemalloc.start(32)
    try:
        skipped = max(1, cycles // 10)
        for _ in range(skipped):
            fn()
        gc.collect()
        before = tracemalloc.take_snapshot()
        for _ in range(cycles - skipped):
            fn()
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        if started_here:
            tracemalloc.stop()
    measured = max(1, cycles - skipped)
    grown: Dict[Tuple[str, int], List[Any]] = {}
    for stat in after.compare_to(before, "traceback"):
        if stat.size_diff <= 0:
            continue
        innermost_first = list(reversed(stat.traceback))
        if not innermost_first or _is_ours(innermost_first[0].filename):
            continue  # made by the measurement itself, not by the body
        frames = [f for f in innermost_first if not _is_ours(f.filename)]
        key = (frames[0].filename, frames[0].lineno)
        entry = grown.setdefault(key, [0, 0, frames])
        entry[0] += stat.size_diff
        entry[1] += stat.size
    sites = []
    for (filename, line), (diff, size, frames) in grown.items():
        stack = [f"{enclosing_function(f.filename, f.lineno)} ({f.filename}:{f.lineno})" for f in frames]
        sites.append(Site(enclosing_function(filename, line), filename, line, filename, diff / measured, size,
                          stack, source="tracemalloc"))
    sites.sort(key=lambda s: -s.bytes_per_cycle)
    return sites[:limit]
