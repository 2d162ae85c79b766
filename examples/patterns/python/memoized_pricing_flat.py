"""A bounded cache in pure Python (no leak that looks like one at first): a pricing service memoizes
quotes with functools.lru_cache(maxsize=20000). Requests draw product ids from a skewed set of 60,000,
so the cache fills in its first ~8 s (each entry a tuple key and a dict of ~12 fields, ~1.2 KB with
its strings, most in pymalloc's arenas) and then evicts; a logger keeps the last 500 lines in a
deque(maxlen=500). Measured (tests/accuracy/measure.py): RSS and the arenas rise ~24 MB until ~8 s,
then stay flat.
Truth: a warm-up of ~24 MB (the cache filling), then flat: no leak.
Usage: python3 memoized_pricing_flat.py SECONDS"""
import collections
import functools
import random

import pacing

LOG = collections.deque(maxlen=500)


@functools.lru_cache(maxsize=20000)
def quote(product, region):
    base = (product * 7919) % 1000 / 10.0
    return {"product": product, "region": region, "currency": "EUR", "base": base,
            "tax": round(base * 0.19, 2), "discount": round(base * 0.05, 2), "total": round(base * 1.14, 2),
            "label": f"product-{product:06d}-{region}", "sku": f"SKU{product:08d}{region.upper()}",
            "tiers": [base, base * 0.95, base * 0.9], "valid_for_s": 300, "source": "pricing-v3"}


def main():
    rng = random.Random(7)
    seconds = pacing.run_seconds(14)
    served = [0]

    def tick(i, t):
        for _ in range(80):
            # Skewed: most requests go to the first 20,000 ids, a tail to the rest.
            product = rng.randrange(20000) if rng.random() < 0.9 else rng.randrange(60000)
            q = quote(product, "eu" if product % 3 else "us")
            served[0] += 1
            if served[0] % 20 == 0:
                LOG.append(f"{t:.3f} quote {q['sku']} {q['total']}")

    # 100 ticks a second, 80 requests each.
    pacing.every(0.01, seconds, tick)
    print(served[0], "quotes,", quote.cache_info().currsize, "cached")


if __name__ == "__main__":
    main()
