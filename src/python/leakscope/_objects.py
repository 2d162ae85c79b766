"""The Python view of a cycle test: live instances per type (what objgraph.show_growth shows, from
gc.get_objects()) at a few cycles, and the garbage only the cycle collector frees, per cycle.

Everything kept across cycles is allocated before the first measured cycle (fixed-size arrays), so the
bookkeeping does not show up as growth in the heap series it runs beside."""
from __future__ import annotations

import gc
import sys
from array import array
from typing import Dict, List, Sequence, Tuple


def type_name(t: type) -> str:
    module = getattr(t, "__module__", None)
    name = getattr(t, "__qualname__", t.__name__)
    return name if module in (None, "builtins") else f"{module}.{name}"


class TypeCensus:
    """Live gc-tracked instances per type at chosen cycles. Only container objects are tracked by the
    collector (as in objgraph): ints and strings are not counted, the lists and objects holding them are."""

    def __init__(self, at_cycles: Sequence[int], capacity: int = 8192) -> None:
        self.at_cycles: List[int] = sorted(set(at_cycles))
        self.capacity = capacity
        self.index: Dict[str, int] = {}
        self.rows = [array("q", bytes(8 * capacity)) for _ in self.at_cycles]
        self.taken = 0

    def due(self, cycle: int) -> bool:
        return self.taken < len(self.at_cycles) and self.at_cycles[self.taken] == cycle

    def take(self) -> None:
        counts: Dict[type, int] = {}
        for obj in gc.get_objects():
            t = type(obj)
            counts[t] = counts.get(t, 0) + 1
        row = self.rows[self.taken]
        for t, n in counts.items():
            slot = self.index.setdefault(type_name(t), len(self.index))
            if slot < self.capacity:
                row[slot] = n
        del counts
        self.taken += 1

    def growth(self, steady_from_cycle: float, limit: int) -> List[Tuple[str, int, float]]:
        """(type, count at the end, growth per cycle) from the first census in steady state to the last."""
        if self.taken < 2:
            return []
        base = 0
        while base + 2 < self.taken and self.at_cycles[base] < steady_from_cycle:
            base += 1
        last = self.taken - 1
        cycles = self.at_cycles[last] - self.at_cycles[base]
        if cycles <= 0:
            return []
        names = {slot: name for name, slot in self.index.items() if slot < self.capacity}
        grown = []
        for slot, name in names.items():
            delta = self.rows[last][slot] - self.rows[base][slot]
            # One object more over the whole run is not growth per cycle (the measurement's own state).
            if delta >= 2 and delta >= 0.01 * cycles:
                grown.append((name, self.rows[last][slot], delta / cycles))
        grown.sort(key=lambda g: (-g[2], g[0]))
        return grown[:limit]


class CycleGarbage:
    """Per cycle: how many objects gc.collect() found unreachable (held only by reference cycles); at the
    census cycles also their types and sizes (sys.getsizeof: the objects themselves, as Python sizes
    them; malloc's view cannot tell, its thread caches keep freed small blocks counted as in use)."""

    def __init__(self, cycles: int) -> None:
        self.objects = array("q", bytes(8 * (cycles + 1)))
        self.type_counts: Dict[str, int] = {}
        self.typed_objects = 0
        self.typed_bytes = 0

    def collect(self, cycle: int, with_types: bool) -> None:
        if with_types:
            # DEBUG_SAVEALL keeps what the collector found in gc.garbage instead of freeing it, so the
            # types can be counted; the objects are then released and collected for real.
            gc.set_debug(gc.DEBUG_SAVEALL)
            found = gc.collect()
            gc.set_debug(0)
            for obj in gc.garbage:
                name = type_name(type(obj))
                self.type_counts[name] = self.type_counts.get(name, 0) + 1
                self.typed_bytes += sys.getsizeof(obj, 0)
            self.typed_objects += len(gc.garbage)
            gc.garbage.clear()
            gc.collect()
        else:
            found = gc.collect()
        if cycle < len(self.objects):
            self.objects[cycle] = found
        if cycle == 1:
            # What survives the first cycle is mostly its warm-up (a JIT's compiled functions: 10^5
            # objects); frozen, later collections skip it and cost what each cycle allocates. Garbage
            # made later out of these objects stays uncollected, once, inside the warm-up's step.
            gc.freeze()

    def per_cycle(self, steady_from_cycle: float, cycles: int) -> Tuple[float, float]:
        """(objects, bytes) per cycle in steady state."""
        first = min(max(1, int(steady_from_cycle) + 1), cycles)
        span = cycles - first + 1
        objects = sum(self.objects[first:cycles + 1]) / span
        mean_size = self.typed_bytes / self.typed_objects if self.typed_objects else 0.0
        return objects, objects * mean_size

    def types(self, limit: int) -> List[Tuple[str, float]]:
        """(type, share of the collected objects), most common first."""
        if not self.typed_objects:
            return []
        ranked = sorted(self.type_counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return [(name, n / self.typed_objects) for name, n in ranked[:limit]]
