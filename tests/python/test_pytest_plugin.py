"""The pytest plugin, run on generated test files (pytester): a leaking marked test fails with the
verdict and its Python line in the message; a warm-up and a bounded cache pass."""
pytest_plugins = ["pytester"]

LEAKY = '''
import pytest
kept = []

@pytest.mark.leakscope(cycles=200)
def test_leaks():
    kept.append(bytearray(512))  # grows forever
'''

WARMUP = '''
import functools, logging, re
import pytest
_compiled = {}

def compile_once(name):
    if name not in _compiled:
        _compiled[name] = [bytes(1000) for _ in range(2000)]  # a 2 MB one-time "JIT"
    return _compiled[name]

@functools.lru_cache(maxsize=64)
def parse(n):
    return re.compile(r"x{%d}" % (n % 64))

@pytest.mark.leakscope(cycles=200)
def test_warmup_passes():
    compile_once("controller")
    parse(7)
    logging.getLogger("app.controller").debug("step %d", 1)
'''


def test_leaking_test_fails_with_verdict_and_site(pytester):
    pytester.makepyfile(test_leaky=LEAKY)
    result = pytester.runpytest_subprocess("-p", "leakscope.pytest_plugin")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*leakscope: test_leaks leaks * B per cycle (95% interval * to * B), pattern *_growth*",
        "*site: test_leaks (*test_leaky.py:6): +* per cycle*",
    ])


def test_warmup_passes(pytester):
    pytester.makepyfile(test_warmup=WARMUP)
    result = pytester.runpytest_subprocess("-p", "leakscope.pytest_plugin")
    result.assert_outcomes(passed=1)


def test_entry_point_registers_the_plugin(pytester):
    """Without -p: found through the pytest11 entry point of the built dist-info."""
    pytester.makepyfile(test_leaky=LEAKY)
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*leakscope: test_leaks leaks*"])


def test_positional_arguments_are_a_usage_error(pytester):
    pytester.makepyfile(test_bad='''
import pytest
@pytest.mark.leakscope(200)
def test_x():
    pass
''')
    result = pytester.runpytest_subprocess("-p", "leakscope.pytest_plugin")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*leakscope: use keyword arguments: @pytest.mark.leakscope(cycles=200)*"])
