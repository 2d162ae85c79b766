"""A late leak in pure Python, through the interpreter's own bookkeeping (written in session 26, batch 10,
as a held-out check, never tuned on): the rate-shopping service of an e-commerce platform's shipping
module. At start it loads the carriers' zone charts (origin and destination ZIP3 to zone, 45,000 pairs);
then it answers 400 checkout rate quotes a second, each asking three carriers' APIs (through their
vendored SDK clients) for the rates of a parcel, parsing each JSON reply, pricing each service with the
zone and the dimensional weight and returning the cheapest per delivery speed. The service runs with
warnings.simplefilter("default") and logging.captureWarnings(True), so that its dependencies'
deprecations reach its logs once each; in production the py.warnings logger is set to ERROR. At 40% of
the run one carrier deploys a new API version whose replies still carry the old "serviceLevelCode"
field: its SDK warns on each such reply, DeprecationWarning with stacklevel=2, and its message names the
reply's trace id. Every message is new, so the "default" action's once-per-message registry (the
calling module's __warningregistry__, a dict keyed by (message, category, line)) keeps one entry per
reply: nothing ever empties it (only a change to the warning filters would).
Truth: a late leak, reachable, linear from 40% of the run (7.2 s of an 18 s run): 400 registry entries a
second, each the message (~215 characters, a 256 B string), its key tuple (64 B) and the dict's slot (~35 B
with its index, the dict doubling now and then: the only part above pymalloc's 512 B), ~355 B: ~140 kB/s, ~1.5
MB by the end. Before it, flat after the zone charts' load in the first ~1 s (the warm-up); each quote's
replies, parsed dicts and priced services are dropped with the quote. Most of the entries are pymalloc's: the
tracker sees them as its 1 MiB arenas, which the quotes' churn had left room in, so its view of the leak is
one arena at ~8.5 s and the dict's resizes, where RSS grows steadily.
Measured (session 26, tests/accuracy/measure.py): tracked, live heap 5.08 MB and pymalloc's arenas 17.84 MB
from 1 s to 7 s, then arenas 18.89 MB from 9 s to the end and live heap 5.09 at 8 s, 5.15 at 13 s, 5.23 at 18
s (+16 kB/s over 8-18 s), RSS 38.94 MB flat from 1 s to 7 s, then 39.25 at 8 s, 40.35 at 18 s (+110 kB/s over
8-18 s); --plain, RSS 29.43 MB flat from 1 s to 7 s, 29.52 at 8 s, 30.20 at 13 s, 30.90 at 18 s (+141 kB/s
over 8-18 s, +139 over 8-13 s and 13-18 s); 7,192 quotes, 64,728 rates priced, 4,321 entries in the warning
registry at exit.
Usage: /usr/bin/python3 carrier_sdk_deprecation_warning_late_leak.py SECONDS"""
import json
import logging
import random
import sys
import warnings

import pacing

QUOTES_PER_TICK = 4  # every 10 ms
ZIP3_ORIGINS = 50  # the merchants' warehouses
ZIP3_DESTINATIONS = 900

log = logging.getLogger("rates")


class CarrierClient:
    """The vendored SDK of a carrier's rating API; the transport is simulated by reply(), which builds the
    JSON the carrier's API returns."""

    name = "carrier"
    services = ()

    def __init__(self, rng, api_version):
        self.rng = rng
        self.api_version = api_version

    def reply(self, trace_id, zone, weight_lb):
        rates = []
        for code, days, base in self.services:
            rate = {"serviceLevel": code, "transitDays": days, "currency": "USD",
                    "totalCharge": round(base + zone * 0.85 + weight_lb * (0.42 + days / 30), 2),
                    "surcharges": [{"type": "FUEL", "amount": round(0.12 * base, 2)},
                                   {"type": "RESIDENTIAL", "amount": 4.1}]}
            if self.api_version >= 2:
                rate["serviceLevelCode"] = code.upper()  # the old field, still sent
            rates.append(rate)
        return json.dumps({"traceId": trace_id, "apiVersion": self.api_version, "rates": rates})

    def rate(self, trace_id, zone, weight_lb):
        return self._parse_rates(self.reply(trace_id, zone, weight_lb))

    def _parse_rates(self, body):
        doc = json.loads(body)
        self._check_deprecations(doc)
        return [(r["serviceLevel"], r["transitDays"],
                 r["totalCharge"] + sum(s["amount"] for s in r["surcharges"])) for r in doc["rates"]]

    def _check_deprecations(self, doc):
        for rate in doc["rates"]:
            if "serviceLevelCode" in rate:
                warnings.warn(f"{self.name} reply {doc['traceId']} (API {doc['apiVersion']}): field "
                              f"'serviceLevelCode' is deprecated and will be removed on 2025-06-30; read "
                              f"'serviceLevel' instead", DeprecationWarning, stacklevel=2)
                return


class ParcelProClient(CarrierClient):
    name = "ParcelPro"
    services = (("ground", 5, 7.9), ("express-saver", 3, 14.5), ("next-day", 1, 31.0), ("2-day", 2, 19.9))


class FleetShipClient(CarrierClient):
    name = "FleetShip"
    services = (("standard", 6, 6.8), ("priority", 2, 16.2), ("overnight", 1, 34.5))


class MetroCourierClient(CarrierClient):
    name = "MetroCourier"
    services = (("economy", 4, 8.4), ("same-day", 0, 24.0))


def load_zone_charts(rng):
    """Each carrier's zone for each origin and destination ZIP3 (the charts are per carrier, but the three
    here agree closely enough to share one table of 45,000 pairs)."""
    charts = {}
    for o in range(ZIP3_ORIGINS):
        origin = f"{100 + o * 17:03d}"
        for d in range(ZIP3_DESTINATIONS):
            destination = f"{d + 10:03d}"
            charts[(origin, destination)] = {"zone": 2 + (abs(o * 17 - d) // 110) % 7,
                                             "das": rng.random() < 0.08,
                                             "remote": rng.random() < 0.01}
    return charts


def main():
    seconds = pacing.run_seconds(18)
    warnings.simplefilter("default")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.captureWarnings(True)
    logging.getLogger("py.warnings").setLevel(logging.ERROR)
    rng = random.Random(20261207)
    charts = load_zone_charts(rng)
    chart_keys = list(charts)
    carriers = [ParcelProClient(rng, 1), FleetShipClient(rng, 1), MetroCourierClient(rng, 1)]
    stats = {"quotes": 0, "rates": 0, "deployed": False}

    def quote(n):
        origin, destination = chart_keys[rng.randrange(len(chart_keys))]
        zone = charts[(origin, destination)]
        length, width, height = rng.randint(6, 30), rng.randint(4, 20), rng.randint(2, 16)
        weight_lb = max(rng.uniform(0.5, 40), length * width * height / 139)
        best = {}
        for carrier in carriers:
            trace_id = f"{carrier.name[:2].upper()}-{n:09d}-{rng.getrandbits(48):012x}"
            for service, days, charge in carrier.rate(trace_id, zone["zone"], weight_lb):
                if zone["das"]:
                    charge += 3.95
                speed = "overnight" if days <= 1 else "expedited" if days <= 3 else "ground"
                if speed not in best or charge < best[speed][2]:
                    best[speed] = (carrier.name, service, charge)
                stats["rates"] += 1
        stats["quotes"] += 1
        return best

    def tick(i, t):
        if not stats["deployed"] and t >= 0.4 * seconds:
            carriers[0].api_version = 2  # the carrier's deploy
            stats["deployed"] = True
        for k in range(QUOTES_PER_TICK):
            best = quote(i * QUOTES_PER_TICK + k)
            if not best:
                log.warning("no rate for quote %d", i)

    pacing.every(0.01, seconds, tick)
    registry = globals().get("__warningregistry__", {})
    print(f"{stats['quotes']} quotes, {stats['rates']} rates priced; {len(registry)} entries in the warning "
          f"registry", file=sys.stderr)


if __name__ == "__main__":
    main()
