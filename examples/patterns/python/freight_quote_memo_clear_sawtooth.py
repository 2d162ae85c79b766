"""A sawtooth of periodic cache clears in Python (written in session 20 as a held-out check, never
tuned on): the quoting service of a freight marketplace. Shippers ask for quotes (1,500 a second,
handled by two worker threads) on a lane (300 origin-destination pairs), a weight class (12), a
service level (3) and their customer tier (4): 43,200 possible quotes. A quote is priced from the
carriers' current rate card (base rate per lane and weight, fuel surcharge, accessorials, tier
discount) and rendered to the JSON the API returns; both are memoized by the quote's key, since the
same lanes are asked for again and again. The carriers publish a new rate card every 3 s (a
publisher thread, as the rate desk pushes updates): every memoized quote was priced on the old card,
so the publisher swaps the card and clears the memo in one go.
Truth: not a leak, a bounded sawtooth: between two publications the memo fills with ~4,270 distinct
quotes (1,500 a second drawn from 43,200 keys: under 5% are hits, so the fill bends only a little),
each a Quote object, its breakdown dict, its key tuple and its memo slot (in pymalloc's arenas) and its
rendered JSON (650-1,000 characters, over pymalloc's 512-byte limit, so from malloc: the part that
breathes, ~3.3 MB a tooth); the clear drops them all at once, every 3 s from 3 s on, over a flat
floor (the interpreter, the lane table, the card). pymalloc keeps the arenas the first fill took (~3
MB) for the next fills, and RSS stays near its first peak.
Measured (session 20): a plain run without leakscope (RSS and glibc's mallinfo2 every 100 ms): malloc
heap 2.2 -> 5.1 MB and back at each clear (3, 6, 9, 12, 15 s), RSS 11.7 -> 17.2 MB over the first 3 s
then 17.1-17.5 MB to the end; tests/accuracy/measure.py (tracked): live heap teeth 1.66 -> 4.94 MB
(their floor +0.5 kB/s over four teeth), pymalloc arenas 3.2 -> 6.4 MB in the first 3 s then flat, RSS
25.4-25.7 MB from 3 s on; 24,000 quotes, 1,080 from the memo.
Usage: /usr/bin/python3 freight_quote_memo_clear_sawtooth.py SECONDS"""
import json
import sys
import threading

import pacing

LANES = [(f"{o}-{d}", 120 + (i * 97) % 2400) for i, (o, d) in
         enumerate((o, d) for o in ["DEHAM", "NLRTM", "BEANR", "FRLEH", "ESVLC", "ITGOA", "PLGDN", "SEGOT",
                                    "DKAAR", "FIHEL", "GBFXT", "IEDUB", "PTLIS", "GRPIR", "ROCND"]
                   for d in ["DEBER", "DEMUC", "ATVIE", "CZPRG", "HUBUD", "CHZRH", "FRPAR", "ITMIL", "ESMAD",
                             "PLWAW", "SKBTS", "SIRJK", "HRZAG", "RSBEG", "BGSOF", "LTVNO", "LVRIX",
                             "EETLL", "NOOSL", "LUULX"])]
WEIGHT_CLASSES = [250 * 2 ** (k / 2) for k in range(12)]
SERVICE_LEVELS = ["economy", "standard", "express"]
TIERS = [0.0, 0.03, 0.06, 0.1]
ACCESSORIALS = ["liftgate", "inside_delivery", "residential", "appointment", "hazmat_docs", "tail_lift",
                "pallet_exchange", "notify_before_delivery"]


def splitmix(x):
    x = (x + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return x ^ (x >> 31)


class RateCard:
    def __init__(self, version):
        self.version = version
        self.fuel = 0.18 + (version % 7) / 100.0
        self.per_km = {lane: 0.9 + splitmix(version * 1000 + n) % 60 / 100.0 for n, (lane, _) in enumerate(LANES)}


class Quote:
    def __init__(self, key, breakdown, body):
        self.key = key
        self.breakdown = breakdown
        self.body = body


class QuoteService:
    def __init__(self):
        self._lock = threading.Lock()
        self._card = RateCard(1)
        self._memo = {}
        self.hits = self.misses = self.clears = 0

    def publish(self, card):
        """A new rate card: the memoized quotes were priced on the old one."""
        with self._lock:
            self._card = card
            self._memo.clear()
            self.clears += 1

    def quote(self, lane_index, weight_index, level_index, tier_index):
        key = (lane_index, weight_index, level_index, tier_index)
        with self._lock:
            found = self._memo.get(key)
            card = self._card
        if found is not None:
            self.hits += 1
            return found.body
        self.misses += 1
        quote = self._price(key, card)
        with self._lock:
            if self._card is card:
                self._memo[key] = quote
        return quote.body

    def _price(self, key, card):
        lane_index, weight_index, level_index, tier_index = key
        lane, km = LANES[lane_index]
        weight = WEIGHT_CLASSES[weight_index]
        base = km * card.per_km[lane] * (weight / 1000.0) ** 0.8
        level = SERVICE_LEVELS[level_index]
        h = splitmix(hash(key) & 0xFFFFFFFF)
        breakdown = {"base": round(base, 2), "fuel": round(base * card.fuel, 2),
                     "level_factor": [1.0, 1.25, 1.7][level_index], "tier_discount": TIERS[tier_index]}
        for n, name in enumerate(ACCESSORIALS):
            if h >> n & 1:
                breakdown[name] = round(15.0 + (h >> (8 + n)) % 60, 2)
        total = (base + base * card.fuel) * breakdown["level_factor"] * (1 - TIERS[tier_index]) + \
            sum(v for k, v in breakdown.items() if k in ACCESSORIALS)
        body = json.dumps({"lane": lane, "km": km, "weight_kg": round(weight, 1), "service_level": level,
                           "rate_card": card.version, "currency": "EUR", "total": round(total, 2),
                           "breakdown": breakdown,
                           "terms": "Quote valid for the current rate card only; subject to carrier capacity. " *
                                    (3 + h % 4)})
        return Quote(key, breakdown, body)


def main():
    seconds = pacing.run_seconds(16)
    service = QuoteService()
    served = [0, 0]

    def worker(w):
        def tick(i, t):
            # 15 quotes every 20 ms on each of the two workers: 1,500 a second.
            for k in range(15):
                h = splitmix((i * 15 + k) * 2 + w)
                body = service.quote(h % len(LANES), (h >> 16) % 12, (h >> 24) % 3, (h >> 32) % 4)
                served[w] += len(body)
        pacing.every(0.02, seconds, tick)

    def publisher():
        # A new rate card every 3 s, the first at 3 s (the desk's feed is polled every 100 ms).
        def poll(i, t):
            if i > 0 and i % 30 == 0:
                service.publish(RateCard(i // 30 + 1))
        pacing.every(0.1, seconds, poll)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(2)] + [threading.Thread(target=publisher)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"{service.hits + service.misses} quotes ({service.hits} from the memo), {service.clears} rate cards "
          f"published, {len(service._memo)} quotes memoized at exit", file=sys.stderr)


if __name__ == "__main__":
    main()
