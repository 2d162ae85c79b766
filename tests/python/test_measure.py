"""The Python package's cycle tests: a leak is found with its rate and its Python line, a warm-up and
a bounded history are not leaks, reference cycles and growing types are told apart."""
import collections
import os

import pytest

import leakscope

THIS_FILE = os.path.abspath(__file__)


class Registry:
    def __init__(self):
        self.items = []

    def add(self):
        self.items.append(bytearray(256))  # the leaking line


def test_leak_has_rate_and_python_site():
    registry = Registry()
    r = leakscope.measure_cycles(registry.add, cycles=400)
    assert r.leak and r.decided
    assert r.pattern in ("linear_growth", "staircase_growth")
    # bytearray(256): ~313 B of object, plus malloc's header and the list's own growth
    assert 250 < r.bytes_per_cycle < 500, r.describe()
    assert r.ci_low <= r.bytes_per_cycle <= r.ci_high
    top = r.sites[0]
    assert top.function == "Registry.add" and top.file == THIS_FILE, r.describe()
    assert open(THIS_FILE).read().splitlines()[top.line - 1].strip().endswith("# the leaking line")
    assert ("bytearray" in [g.type for g in r.object_growth]) is False  # bytearray is not gc-tracked
    assert "Registry.add" in r.describe()


class Controller:
    """Warm-up: a 3 MB table on the first step; then a history list truncated at a cap."""

    def __init__(self):
        self.table = None
        self.history = []

    def step(self):
        if self.table is None:
            self.table = [bytes(1000) for _ in range(3000)]
        self.history.append([0.0] * 8)
        if len(self.history) > 100:
            del self.history[:50]


def test_warmup_and_bounded_history_are_not_leaks():
    r = leakscope.measure_steps(Controller(), steps=1000)
    assert not r.leak, r.describe()
    assert r.warmup_bytes > 2.5e6, r.describe()
    assert r.unit == "step"


def test_deque_with_maxlen_is_not_a_leak():
    history = collections.deque(maxlen=200)
    r = leakscope.measure_steps(lambda: history.append({"x": [1.0] * 10}), steps=800)
    assert not r.leak, r.describe()


class Node:
    def __init__(self, parent=None):
        self.parent = parent
        self.children = []
        if parent is not None:
            parent.children.append(self)


def test_reference_cycles_are_reported_apart_from_reachable_growth():
    def make_tree():
        root = Node()
        Node(root)
        Node(root)

    r = leakscope.measure_cycles(make_tree, cycles=300)
    assert not r.leak, r.describe()
    assert r.reference_cycles.objects_per_cycle >= 3, r.describe()
    assert r.reference_cycles.types[0][0] in ("test_measure.Node", "list"), r.reference_cycles
    assert "test_measure.Node" in [t for t, _ in r.reference_cycles.types]
    assert "freed only by the cycle collector" in r.describe()


def test_growing_types_are_named():
    kept = []
    r = leakscope.measure_cycles(lambda: kept.append(Node()), cycles=300)
    assert r.leak, r.describe()
    growth = {g.type: g.per_cycle for g in r.object_growth}
    assert growth.get("test_measure.Node", 0) == pytest.approx(1.0, rel=0.05), r.object_growth


def test_exception_in_body_propagates_and_gc_is_restored():
    import gc
    def boom():
        raise RuntimeError("body failed")
    with pytest.raises(RuntimeError, match="body failed"):
        leakscope.measure_cycles(boom, cycles=10)
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize("cycles", [0, 2, -5, 1.5, "10"])
def test_bad_cycle_counts_are_one_clear_error(cycles):
    with pytest.raises(ValueError, match=r"^leakscope: cycles must be an integer >= 3"):
        leakscope.measure_cycles(lambda: None, cycles=cycles)


def test_not_callable():
    with pytest.raises(TypeError, match="needs an object with .step"):
        leakscope.measure_steps(42)


def test_fields_of_the_cpp_api():
    r = leakscope.measure_cycles(lambda: None, cycles=50)
    for name in ("leak", "pattern", "warmup_bytes", "bytes_per_cycle", "ci_low", "ci_high", "decided", "sites"):
        assert hasattr(r, name)
    assert r.source in ("mallinfo2", "tracker")
    assert [c for c, _ in r.snapshots] == [0]  # the default snapshot cycles reached in 50 cycles
    assert len(r.series_bytes) == 51
