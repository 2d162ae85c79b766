"""measure_cycles / measure_steps: the C++ API's cycle tests for Python functions.

The loop, the heap readings and the diagnosis are the C++ library's (leakscope._native.measure); this
module adds what only Python can see. Between cycles the cycle collector runs on what the cycle made
(gc.freeze() keeps the objects that existed before out of it, so a collection costs what the cycle
allocated, not the whole heap): the heap series is then the memory that stays reachable, and what the
collector freed is reported apart (reference_cycles). At a few cycles the live instances per type are
counted (object_growth). When the verdict is a leak and `leakscope run`'s tracker gave no Python sites,
a short follow-up run under tracemalloc names them."""
from __future__ import annotations

import gc
import os
import sys
from typing import Any, Callable, Optional

from . import _native
from ._objects import CycleGarbage, TypeCensus
from ._result import CycleResult, ReferenceCycles, TypeGrowth
from ._sites import attribute_with_tracemalloc, sites_from_tracker

# Cycles at which instance counts are taken, as fractions of the run: whatever the warm-up turns out to
# be, a census follows it soon enough to measure steady growth from (as the C++ site snapshots do).
_CENSUS_FRACTIONS = (0.0, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0)


def _check_count(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"leakscope: {name} must be an integer >= {minimum}, not {value!r}")
    return value


def _pymalloc_in_use() -> bool:
    """pymalloc without debug hooks (the default): only then may new objects be routed to malloc."""
    if sys.flags.dev_mode or hasattr(sys, "gettotalrefcount"):
        return False  # debug hooks: their free() expects their own header
    return os.environ.get("PYTHONMALLOC", "") in ("", "pymalloc")


def _measure(fn: Callable[[], Any], cycles: int, warmup: Optional[int], unit: str, *,
             min_bytes_per_cycle: float, confidence_level: float, collect: bool, objects: bool,
             attribute: bool, max_sites: int, source: str) -> CycleResult:
    if not callable(fn):
        raise TypeError(f"leakscope: the {unit} body must be callable, not {type(fn).__name__}")
    cycles = _check_count(f"{unit}s", cycles, 3)
    for _ in range(_check_count("warmup", warmup, 0) if warmup is not None else 0):
        fn()

    census = TypeCensus(int(f * cycles) for f in _CENSUS_FRACTIONS) if objects else None
    garbage = CycleGarbage(cycles) if collect else None
    done = [0]

    def body() -> None:
        fn()
        done[0] += 1
        census_now = census is not None and census.due(done[0])
        if garbage is not None:
            garbage.collect(done[0], with_types=census_now)
        if census_now:
            census.take()

    gc_was_enabled = gc.isenabled()
    routed = _pymalloc_in_use() and _native.route_objects_to_malloc(True)
    if collect:
        gc.collect()
        gc.disable()  # only the collections between cycles run, so each cycle's garbage is its own
        gc.freeze()
    try:
        if census is not None and census.due(0):
            census.take()
        raw = _native.measure(body, cycles, unit, min_bytes_per_cycle=min_bytes_per_cycle,
                              confidence_level=confidence_level, max_sites=max(max_sites, 0) * 4,
                              source=source)
    finally:
        if routed:
            _native.route_objects_to_malloc(False)
        if collect:
            gc.unfreeze()
            if gc_was_enabled:
                gc.enable()

    result = CycleResult(**{k: v for k, v in raw.items() if k not in ("sites", "snapshots")})
    result.snapshots = [tuple(s) for s in raw["snapshots"]]
    steady_from = result.warmup_cycles
    if census is not None:
        result.object_growth = [TypeGrowth(n, c, g) for n, c, g in census.growth(steady_from, 10)]
    if garbage is not None:
        objects_pc, bytes_pc = garbage.per_cycle(steady_from, cycles)
        result.reference_cycles = ReferenceCycles(objects_pc, bytes_pc, garbage.types(5))
    result.sites = sites_from_tracker(raw["sites"], max_sites)
    if result.leak and attribute and not any(s.file and s.file == s.module for s in result.sites):
        follow_up = min(cycles, 200)
        result.sites = attribute_with_tracemalloc(fn, follow_up, max_sites) or result.sites
        result.notes.append(f"Python sites from {follow_up} more {unit}s under tracemalloc "
                            "(run under `leakscope run` to see native frames too).")
    return result


# Python's default floor is one malloc chunk per cycle (the C++ API's is 1 B): mallinfo2 counts the
# chunks glibc keeps in its thread caches as in use, and over a run the interpreter's own lists and
# dicts settle by a few bytes per cycle (measured 3-11 B per step on a bounded history, where a leaked
# object per cycle is at least 32 B). Under `leakscope run` the tracker's exact count has no such drift.
DEFAULT_MIN_BYTES_PER_CYCLE = 32.0


def measure_cycles(fn: Callable[[], Any], cycles: int = 1000, warmup: Optional[int] = None, *,
                   min_bytes_per_cycle: float = DEFAULT_MIN_BYTES_PER_CYCLE, confidence_level: float = 0.95, collect: bool = True,
                   objects: bool = True, attribute: bool = True, max_sites: int = 5,
                   source: str = "automatic") -> CycleResult:
    """Runs fn() `cycles` times (typically: create, use, destroy) and diagnoses the live heap per cycle.

    min_bytes_per_cycle: steady growth below this is not called a leak (32 B, one malloc chunk).
    warmup: cycles to run first without measuring; None lets the engine find the warm-up itself (a
    numba compilation, a cache filling) and report it as warmup_bytes / warmup_cycles.
    collect: run the cycle collector between cycles and report what it freed in reference_cycles.
    objects: count live instances per type at a few cycles (object_growth).
    attribute: when the verdict is a leak and no tracker names Python sites, run up to 200 more cycles
    under tracemalloc to name them.
    source: "automatic" (the tracker under `leakscope run`, else glibc's mallinfo2), "tracker", "mallinfo".
    """
    return _measure(fn, cycles, warmup, "cycle", min_bytes_per_cycle=min_bytes_per_cycle,
                    confidence_level=confidence_level, collect=collect, objects=objects,
                    attribute=attribute, max_sites=max_sites, source=source)


def measure_steps(obj_or_fn: Any, steps: int = 1000, warmup: Optional[int] = None, **options: Any) -> CycleResult:
    """Steps one long-lived object `steps` times (its .step() method, or a callable) and diagnoses the
    live heap per step. Options as for measure_cycles."""
    step = getattr(obj_or_fn, "step", None)
    if not callable(step):
        step = obj_or_fn
    if not callable(step):
        raise TypeError(f"leakscope: measure_steps needs an object with .step() or a callable, "
                        f"not {type(obj_or_fn).__name__}")
    return _measure(step, steps, warmup, "step", **{**_DEFAULTS, **options})


_DEFAULTS = dict(min_bytes_per_cycle=DEFAULT_MIN_BYTES_PER_CYCLE, confidence_level=0.95, collect=True, objects=True, attribute=True,
                 max_sites=5, source="automatic")
