"""What a cycle test returns: the C++ API's fields (docs/api.md), plus the Python views (types whose
instance counts grow, memory that only the cycle collector frees)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Tuple


@dataclass
class Site:
    """An allocation site whose live bytes grow per cycle in steady state."""
    function: str            # innermost Python function when the allocation comes from Python code
    file: str                # its .py file ("" for a native frame without debug information)
    line: int                # 0 when unknown
    module: str              # the .py file for Python sites, the shared object for native ones
    bytes_per_cycle: float
    live_bytes: float        # at the end (tracker) or the growth over the attribution run (tracemalloc)
    stack: List[str] = field(default_factory=list)  # "function (file:line)", innermost first
    source: str = "tracker"  # "tracker" (`leakscope run`) or "tracemalloc" (the follow-up run)

    @property
    def location(self) -> str:
        return f"{self.function} ({self.file}:{self.line})" if self.file else self.function


@dataclass
class TypeGrowth:
    """A Python type whose live instance count grows in steady state (gc.get_objects, like objgraph)."""
    type: str
    count: int               # live instances at the end
    per_cycle: float         # growth per cycle in steady state


@dataclass
class ReferenceCycles:
    """Memory that only the cycle collector frees: objects in reference cycles that became garbage.
    It is not a leak while the collector runs, but it delays freeing and costs collection time; the
    types say where a weakref (or breaking the parent<->child link) would let it go at once."""
    objects_per_cycle: float = 0.0   # garbage objects gc.collect() found per cycle (steady state)
    bytes_per_cycle: float = 0.0     # their size per cycle (sys.getsizeof, measured at the census cycles)
    types: List[Tuple[str, float]] = field(default_factory=list)  # (type, share of those objects), most first


@dataclass
class CycleResult:
    leak: bool = False
    pattern: str = "insufficient_data"
    severity: str = "none"
    confidence: float = 0.0
    decided: bool = False
    summary: str = ""
    warmup_bytes: float = 0.0
    warmup_cycles: float = 0.0
    bytes_per_cycle: float = 0.0
    ci_low: float = 0.0
    ci_high: float = 0.0
    sites: List[Site] = field(default_factory=list)
    object_growth: List[TypeGrowth] = field(default_factory=list)
    reference_cycles: ReferenceCycles = field(default_factory=ReferenceCycles)
    unit: str = "cycle"
    source: str = ""         # "tracker" (under `leakscope run`) or "mallinfo2"
    cycles: int = 0
    total_growth_bytes: float = 0.0
    elapsed_s: float = 0.0
    snapshots: List[Tuple[int, float]] = field(default_factory=list)
    series_cycle: List[float] = field(default_factory=list)
    series_bytes: List[float] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)  # how the figures were obtained, when it matters

    def describe(self) -> str:
        from ._describe import describe
        return describe(self)

    def __str__(self) -> str:
        return self.describe()
