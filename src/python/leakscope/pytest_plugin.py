"""pytest plugin: `@pytest.mark.leakscope(cycles=200)` runs the test body again and again and fails the
test when memory grows per cycle in steady state. A one-time warm-up (the first call compiling a numba
function, `re` and `logging` caches, lazy imports) passes; the failure message carries the verdict, the
top Python sites and the types whose instance counts grow.

Loaded through the `pytest11` entry point once installed, or with `pytest -p leakscope.pytest_plugin`.
Marker arguments: cycles (200), warmup (None: the engine finds it), min_bytes_per_cycle (1.0: any
steady growth), max_bytes_per_cycle (None: fail on any leak; a number: fail only above it), and the
other measure_cycles options (collect, objects, attribute, source).
Fixtures are set up once; the body runs `cycles` times with the same fixture values."""
from __future__ import annotations

from typing import Any

import pytest

from ._measure import measure_cycles

_MARKER = "leakscope"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{_MARKER}(cycles=200, warmup=None, max_bytes_per_cycle=None): run the test body `cycles` times "
        "and fail when memory grows per cycle in steady state (warm-ups pass)")


def _failure_message(item: pytest.Item, result: Any) -> str:
    head = (f"leakscope: {item.name} leaks {result.bytes_per_cycle:.1f} B per cycle "
            f"(95% interval {result.ci_low:.1f} to {result.ci_high:.1f} B), pattern {result.pattern}")
    return head + "\n" + result.describe()


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Any:
    marker = pyfuncitem.get_closest_marker(_MARKER)
    if marker is None:
        return None
    if marker.args:
        pytest.fail("leakscope: use keyword arguments: @pytest.mark.leakscope(cycles=200)", pytrace=False)
    options = dict(marker.kwargs)
    cycles = options.pop("cycles", 200)
    limit = options.pop("max_bytes_per_cycle", None)
    test = pyfuncitem.obj
    arguments = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    try:
        result = measure_cycles(lambda: test(**arguments), cycles, **options)
    except (TypeError, ValueError) as bad:
        if str(bad).startswith("leakscope:"):
            pytest.fail(str(bad), pytrace=False)
        raise
    pyfuncitem.user_properties.append(("leakscope_bytes_per_cycle", result.bytes_per_cycle))
    pyfuncitem.user_properties.append(("leakscope_pattern", result.pattern))
    leaks = result.leak and (limit is None or result.bytes_per_cycle > limit)
    if leaks:
        pytest.fail(_failure_message(pyfuncitem, result), pytrace=False)
    return True
