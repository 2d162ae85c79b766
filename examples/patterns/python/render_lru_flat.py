"""A bounded LRU at capacity, churning, in pure Python (written in session 13 as a held-out check,
never tuned on): a storefront renders product tiles through functools.lru_cache(maxsize=3000), keyed
by (product id, locale). 2,000 requests a second draw from 40,000 products x 3 locales with a skew
(half of them go to 1,000 popular products), so the cache is full within its first ~2 s and from
then on every miss renders a tile (an HTML string of 1.2-2.8 kB, varying per product) and evicts the
least recently used one.
Truth: not a leak. A warm-up while the cache fills (3,000 tiles of ~2 kB plus their keys and the
cache's links: ~6 MB), then flat: the strings come and go at the same sizes; pymalloc's pools and
glibc's free lists reuse what the evictions free. "Stable" is honest too (the fill is 2 s of 14).
Measured (tests/accuracy/measure.py, session 13): live heap 2.0 -> 7.2 MB over 0-3 s, then +5 kB/s over
3-13 s (7.2 -> 7.4 MB); RSS 23.4 -> 24.0 MB over 3-13 s (+52 kB/s, +28 kB/s over 8-14 s). 3,000 tiles
cached at the end, 6,205 hits and 21,795 misses.
Usage: /usr/bin/python3 render_lru_flat.py SECONDS"""
import functools
import random
import sys

import pacing

LOCALES = ("en-GB", "de-DE", "fr-FR")


@functools.lru_cache(maxsize=3000)
def render_tile(product_id, locale):
    name = f"Product {product_id} ({locale})"
    bullets = "".join(f"<li>feature {k} of {product_id}</li>" for k in range(4 + product_id % 5))
    padding = " " * (900 + (product_id * 7919) % 1400)
    return (f'<article class="tile" data-id="{product_id}" lang="{locale}"><h3>{name}</h3>'
            f"<ul>{bullets}</ul><p class=\"price\">{product_id % 500}.99</p>{padding}</article>")


def main():
    seconds = pacing.run_seconds(14)
    rng = random.Random(5)
    served = [0]

    def tick(i, t):
        # 100 ticks a second, 20 requests each.
        for _ in range(20):
            product = rng.randrange(1000) if rng.random() < 0.5 else rng.randrange(40000)
            served[0] += len(render_tile(product, LOCALES[rng.randrange(3)]))

    pacing.every(0.01, seconds, tick)
    info = render_tile.cache_info()
    print(f"{info.currsize} tiles cached, {info.hits} hits, {info.misses} misses, {served[0]} bytes served",
          file=sys.stderr)


if __name__ == "__main__":
    main()
