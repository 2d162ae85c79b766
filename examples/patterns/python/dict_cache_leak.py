"""A pure-Python leak: a memoizing price lookup caches every (product, day, currency) it is asked for
in a module-level dict with no bound; queries never repeat, so every one adds an entry. 250 queries a
second, each caching a 2,000-character str (2,049 bytes as a CPython object) plus its tuple key, the
key's ints and the dict's share (~50 bytes): ~525,000 B/s of live heap (measured), all still reachable.
Truth: a leak, linear, ~525,000 B/s.
Usage: dict_cache_leak.py SECONDS
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pacing  # noqa: E402

_quotes = {}


def quote(product, day, currency):
    key = (product, day, currency)
    if key not in _quotes:
        _quotes[key] = f"{product}:{day}:{currency}:".ljust(2000, "0")
    return _quotes[key]


def serve(i, _t):
    for k in range(5):
        n = i * 5 + k
        quote(n, n // 86400, "EUR")


pacing.every(0.02, pacing.run_seconds(14), serve)
print(f"{len(_quotes)} quotes cached")
