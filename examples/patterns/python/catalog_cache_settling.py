"""An unbounded cache over a finite key space: a warm-up that settles, not a leak (written in
session 6 as a held-out check, never tuned on): a storefront memoizes each rendered product page in a
plain dict with no bound, which is safe because the catalog has 8,000 products. Requests pick
products uniformly, 3,200 a second, so the cache holds 8,000 x (1 - e^(-t / 2.5 s)) pages: it fills
fast, then ever more slowly (the share still missing falls by e every 2.5 s), and is complete to
99.6% at 14 s. Each page is a 3,000-character str (3,049 bytes, from malloc) plus its int key and
the dict's share.
Truth: a warm-up of ~25 MB (8,000 x ~3.1 kB) that decelerates and settles (by 10 s less than 2% of
it is left to come), then flat: no leak.
Usage: catalog_cache_settling.py SECONDS
"""
import random

import pacing

CATALOG = 8000
_pages = {}  # product id -> rendered page; bounded by the catalog


def render(product):
    head = f"<article id='p{product:05d}'><h1>Product {product}</h1><p>price {(product * 37) % 1000 / 10:.2f}</p>"
    return head.ljust(3000, ".")


def page(product):
    cached = _pages.get(product)
    if cached is None:
        cached = _pages[product] = render(product)
    return cached


def main():
    rng = random.Random(11)
    sent = [0]

    def tick(_i, _t):
        for _ in range(32):
            sent[0] += len(page(rng.randrange(CATALOG)))

    # 100 ticks a second, 32 requests each.
    pacing.every(0.01, pacing.run_seconds(14), tick)
    print(len(_pages), "pages cached,", sent[0], "bytes sent")


if __name__ == "__main__":
    main()
