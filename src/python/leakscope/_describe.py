"""The text of a cycle test's result, for logs and test failures (the C++ API's describe(), plus the
Python views)."""
from __future__ import annotations

from . import _native
from ._result import CycleResult

_bytes = _native.byte_text


def describe(r: CycleResult, max_sites: int = 3, max_types: int = 5) -> str:
    lines = [r.summary + f" Measured {r.cycles} {r.unit}s with {r.source or 'nothing'}; total change "
             f"{_bytes(r.total_growth_bytes)}." + ("" if r.decided else " Undecided: run more " + r.unit + "s.")]
    for site in r.sites[:max_sites]:
        lines.append(f"  site: {site.location}: +{_bytes(site.bytes_per_cycle)} per {r.unit}")
    if r.object_growth:
        grown = ", ".join(f"{g.type} +{g.per_cycle:.3g}/{r.unit} ({g.count} live)"
                          for g in r.object_growth[:max_types])
        lines.append(f"  growing types: {grown}")
    rc = r.reference_cycles
    if rc.objects_per_cycle >= 1:
        kinds = ", ".join(f"{name} {100 * share:.0f}%" for name, share in rc.types[:max_types])
        size = f" ({_bytes(rc.bytes_per_cycle)})" if rc.bytes_per_cycle > 0 else ""
        lines.append(f"  reference cycles: {rc.objects_per_cycle:.3g} objects{size} per "
                     f"{r.unit} freed only by the cycle collector" + (f" ({kinds})" if kinds else ""))
    lines.extend(f"  note: {note}" for note in r.notes)
    return "\n".join(lines)
