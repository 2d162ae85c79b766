"""A leak through functools.lru_cache on a method (written in session 18 as a held-out check, never
tuned on): an invoicing service's tax quote endpoint. Each request builds an InvoiceQuote around its
uploaded invoice (the raw document, 6-10 kB, kept for the audit trail, and its parsed line items);
the quote asks tax_rate(region, category) once per line. tax_rate is a method decorated with
@functools.lru_cache(maxsize=None) ("the rate tables are slow"): the cache's key holds `self`, so
every quote ever made stays reachable from the cache, with its document and its items, although the
rates themselves only vary over 12 regions x 9 categories. Four worker threads of a
ThreadPoolExecutor serve 40 requests a second (4 every 100 ms), handed out by the accept loop.
Truth: a leak, linear, from the start: 40 quotes a second kept, each with its raw document (~11 kB
on average, one bytes object asked of malloc) and its parsed lines (6-14 small dicts in pymalloc's
arenas) and ~10 cache entries: ~0.78 MB/s on a ~20 MB process. The documents, the biggest part, are
copied in InvoiceQuote.__init__. At exit the interpreter's teardown frees the cache with the class.
Measured (session 18, a plain run without leakscope: RSS, and glibc's mallinfo2 every 100 ms): RSS +777
kB/s over 1-16 s (+784 over 2-9 s, +783 over 9-16 s), 20.3 -> 32.0 MB; of it, the malloc heap (the
documents) +442 kB/s (8.4 -> 15.1 MB), the rest in pymalloc's arenas; 640 quotes, 6,205 cache entries.
Usage: /usr/bin/python3 tax_quote_method_lru_cache_leak.py SECONDS"""
import concurrent.futures
import functools
import json
import sys
import threading
import zlib

import pacing

REGIONS = ["DE-BY", "DE-BE", "FR-IDF", "NL-NH", "US-CA", "US-NY", "US-TX", "US-WA", "GB-ENG", "IT-LOM", "ES-MD", "PL-MZ"]
CATEGORIES = ["goods", "services", "food", "books", "digital", "medical", "transport", "energy", "software"]

# The rate tables the lookups read: loaded once at start (a few MB of published rates and notes).
RATE_TABLE = {
    (region, category): {"rate": (5 + zlib.crc32(f"{region}/{category}".encode()) % 21) / 100.0,
                         "notes": [f"{region}/{category} clause {i}: " + "x" * 180 for i in range(40)]}
    for region in REGIONS for category in CATEGORIES
}
REFERENCE_TEXTS = [("reference text %d " % i) * 200 for i in range(1500)]  # the legal references, ~5 MB


def make_invoice(request_id):
    """The uploaded invoice, as a client would send it (JSON); its size follows the request id."""
    lines = []
    for k in range(6 + request_id % 9):
        h = zlib.crc32(b"%d/%d" % (request_id, k))
        lines.append({"sku": "SKU-%08d" % (h % 10 ** 8), "qty": 1 + h % 7, "price": (h % 50000) / 100.0,
                      "region": REGIONS[h % len(REGIONS)], "category": CATEGORIES[(h >> 8) % len(CATEGORIES)],
                      "description": "item %d of order %d " % (k, request_id) + "." * (h % 60)})
    body = {"invoice": request_id, "customer": "cust-%06d" % (request_id % 5000), "lines": lines,
            "attachment": "A" * (6000 + zlib.crc32(b"%d" % request_id) % 6000)}
    return json.dumps(body).encode()


class InvoiceQuote:
    def __init__(self, raw_document):
        self.document = bytes(raw_document)  # kept for the audit trail of this quote
        parsed = json.loads(self.document)
        self.invoice_id = parsed["invoice"]
        self.lines = parsed["lines"]

    @functools.lru_cache(maxsize=None)
    def tax_rate(self, region, category):
        entry = RATE_TABLE[(region, category)]
        return entry["rate"]

    def total(self):
        net = tax = 0.0
        for line in self.lines:
            amount = line["qty"] * line["price"]
            net += amount
            tax += amount * self.tax_rate(line["region"], line["category"])
        return round(net, 2), round(tax, 2)


class QuoteService:
    def __init__(self):
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="quote")
        self.lock = threading.Lock()
        self.served = 0
        self.taxed = 0.0

    def handle_request(self, raw_document):
        quote = InvoiceQuote(raw_document)
        net, tax = quote.total()
        with self.lock:
            self.served += 1
            self.taxed += tax
        return {"invoice": quote.invoice_id, "net": net, "tax": tax}

    def accept(self, raw_document):
        return self.pool.submit(self.handle_request, raw_document)


def main():
    seconds = pacing.run_seconds(16)
    service = QuoteService()
    next_request = [0]
    in_flight = []

    def tick(i, t):
        for done in [f for f in in_flight if f.done()]:
            done.result()
            in_flight.remove(done)
        for _ in range(4):
            in_flight.append(service.accept(make_invoice(next_request[0])))
            next_request[0] += 1

    pacing.every(0.1, seconds, tick)
    service.pool.shutdown(wait=True)
    info = InvoiceQuote.tax_rate.cache_info()
    print(f"{service.served} quotes, {service.taxed:.0f} tax, tax_rate cache {info.currsize} entries "
          f"({info.hits} hits)", file=sys.stderr)


if __name__ == "__main__":
    main()
