"""leakscope for Python: is this memory growth a leak, how fast, and where?

    import leakscope
    r = leakscope.measure_cycles(lambda: Controller().run(50), cycles=1000)
    s = leakscope.measure_steps(controller, steps=1000)       # controller.step() 1000 times
    assert not r.leak, r.describe()

Results carry the C++ API's fields (leak, pattern, warmup_bytes, bytes_per_cycle, ci_low, ci_high,
decided, sites) plus the Python types that grow (object_growth) and the memory only the cycle collector
frees (reference_cycles). pytest: `@pytest.mark.leakscope(cycles=200)` (the plugin loads by itself once
installed; else `-p leakscope.pytest_plugin`). Under `leakscope run -- python3 ...` the figures come from
the allocation tracker and the sites name Python lines."""
from ._measure import measure_cycles, measure_steps
from ._result import CycleResult, ReferenceCycles, Site, TypeGrowth
from .monitor import Gauge, Monitor

__all__ = ["measure_cycles", "measure_steps", "CycleResult", "Site", "TypeGrowth", "ReferenceCycles",
           "Monitor", "Gauge", "tracker_state"]


def tracker_state() -> dict:
    """{"present": bool, "sampling": bool, ...}: whether this process runs under `leakscope run`."""
    from . import _native
    return _native.tracker_state()
