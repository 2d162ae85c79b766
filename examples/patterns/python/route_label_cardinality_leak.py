"""A pure-Python reachable leak through metric label cardinality (written in session 24, batch 8, as a
held-out check, never tuned on): the REST API of a parcel tracking service, a small WSGI-style app on
two worker threads (1,000 requests a second between them), with an in-house metrics module that keeps
a latency histogram per (method, route, status) and serves them on /metrics, scraped every 5 s. The
route label is the matched route template ("/v1/parcels/{id}/events"), so the label sets are few and
all seen in the first second; but when no route matches, the middleware labels the request with its
raw path, to "see what the 404s are". A vulnerability scanner probing the service sends 200 requests
a second, every one to a different path (its wordlist's entries with the target's ids and cache
busters), so every 404 creates a new histogram child that the registry keeps for good.
Truth: a leak, linear from the start: ~200 new children a second, each its record (a dict of six
fields, its bucket-count and exemplar lists of 13, its lock, its creation time) and its labels tuple
with the status's string, all made in Histogram.labels (~70% of the bytes), its slot in the family's
dict, its exemplar (a (trace id, value, time) tuple made in Histogram.observe) and the ~60-90-character
path it keeps: ~1,170 B a child as requested (tracemalloc), ~1,280 B in pymalloc's and malloc's
blocks, ~255 kB/s, ~4 MB over a 16 s run on a ~12 MB process; nearly all objects under 512 B, in
pymalloc's arenas (mapped 1 MiB at a time while RSS climbs page by page), the dict's table in
malloc's heap (doubling as it grows). Everything else a request makes (its environ dict, its response
body) is dropped with it; the /metrics page rendered every 5 s is streamed in small chunks.
Measured (session 24, tests/accuracy/measure.py): tracked, pymalloc's mapped arenas 3.21 MB at 0.2-2
s, 7.41 MB at 16 s (+262 kB/s over 2-16 s, in 1 MiB steps), malloc's live heap 1.81 -> 2.02 MB (the
dict's table), RSS +315 kB/s over 2-16 s; --plain, RSS 11.73 MB at 2 s, 15.84 at 16 s (+295 kB/s over
2-16 s; +331 over 2-9 s, +288 over 9-16 s); 16,000 requests, 3,234 label sets at exit, /metrics pages
of 243, 484 and 727 kB.
Usage: /usr/bin/python3 route_label_cardinality_leak.py SECONDS"""
import json
import re
import sys
import threading
import time

import pacing

# ---- the in-house metrics module ----
DEFAULT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Histogram:
    """A metric family: one child per label set, each with its own lock (as prometheus_client's are)."""

    def __init__(self, name, label_names, buckets=DEFAULT_BUCKETS):
        self.name = name
        self.label_names = label_names
        self.bounds = buckets
        self.children = {}
        self.lock = threading.Lock()

    def labels(self, *values):
        key = tuple(str(value) for value in values)
        child = self.children.get(key)
        if child is None:
            with self.lock:
                child = self.children.get(key)
                if child is None:
                    slots = len(self.bounds) + 1
                    child = {"sum": 0.0, "count": 0, "buckets": [0] * slots, "exemplars": [None] * slots,
                             "created": time.time(), "lock": threading.Lock()}
                    self.children[key] = child
        return child

    def observe(self, child, seconds, trace_id):
        for i, bound in enumerate(self.bounds):
            if seconds <= bound:
                break
        else:
            i = len(self.bounds)
        with child["lock"]:
            child["sum"] += seconds
            child["count"] += 1
            child["buckets"][i] += 1
            child["exemplars"][i] = (trace_id, seconds, time.time())  # OpenMetrics: one per bucket

    def render(self):
        """The exposition text, streamed to the scraper in chunks of 200 children (as a WSGI body)."""
        with self.lock:
            items = list(self.children.items())
        for start in range(0, len(items), 200):
            lines = []
            for values, child in items[start:start + 200]:
                labels = ",".join(f'{k}="{v}"' for k, v in zip(self.label_names, values))
                lines.append(f"{self.name}_count{{{labels}}} {child['count']}")
                lines.append(f"{self.name}_sum{{{labels}}} {child['sum']:.6f}")
            yield "\n".join(lines) + "\n"


REQUEST_SECONDS = Histogram("http_request_duration_seconds", ("method", "route", "status"))

# ---- the application ----
ROUTES = [(re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$"), template) for template in (
    "/v1/parcels/{id}", "/v1/parcels/{id}/events", "/v1/parcels/{id}/eta", "/v1/parcels/{id}/pod",
    "/v1/shipments/{id}", "/v1/shipments/{id}/labels", "/v1/depots/{code}/parcels", "/v1/depots",
    "/v1/couriers/{id}/route", "/v1/couriers/{id}/position", "/v1/webhooks", "/v1/webhooks/{id}",
    "/v1/returns/{id}", "/v1/returns", "/v1/quotes", "/healthz", "/readyz", "/metrics")]


def handle(environ):
    """The app: (status, body). The body is the parcel's JSON, or an error."""
    path = environ["PATH_INFO"]
    for pattern, template in ROUTES:
        match = pattern.match(path)
        if match:
            if template == "/metrics":
                return 200, template, REQUEST_SECONDS.render()
            params = match.groupdict()
            events = [{"at": "2026-12-06T10:%02d:00Z" % k, "depot": "D%03d" % k} for k in range(4)]
            body = json.dumps({"route": template, "params": params, "status": "in_transit", "events": events})
            return (304 if len(path) % 7 == 0 else 200), template, body
    return 404, None, '{"error":"not found"}'


def metrics_middleware(environ, trace_id, elapsed):
    status, template, body = handle(environ)
    # The bug: an unmatched request is labelled with its raw path.
    route = template if template is not None else environ["PATH_INFO"]
    child = REQUEST_SECONDS.labels(environ["REQUEST_METHOD"], route, status)
    REQUEST_SECONDS.observe(child, elapsed, trace_id)
    return status, len(body)


SCANNER_WORDS = ("wp-admin/setup-config.php", ".env", "actuator/heapdump", "cgi-bin/luci/;stok=/locale",
                 "v1/parcels/../../../../etc/passwd", "api/jsonws/invoke", "solr/admin/cores", ".git/config",
                 "vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", "console/login/LoginForm.jsp")


def request_for(n):
    """The n-th request's environ: 4 in 5 from the mobile app and partners, 1 in 5 from the scanner."""
    h = (n * 2654435761) % (1 << 32)
    if n % 5 == 4:
        path = f"/{SCANNER_WORDS[h % len(SCANNER_WORDS)]}?id={n}&cb={h:08x}"
        method = "GET" if h % 3 else "POST"
    else:
        template = ROUTES[h % (len(ROUTES) - 1)][1]  # not /metrics: the scraper comes on its own
        path = template.replace("{id}", f"PX{h % 9000000:07d}").replace("{code}", f"D{h % 300:03d}")
        method = "GET" if h % 4 else "POST"
    return {"REQUEST_METHOD": method, "PATH_INFO": path, "HTTP_USER_AGENT": "TrackApp/5.2 (iOS 18.1)",
            "REMOTE_ADDR": f"10.{h % 256}.{(h >> 8) % 256}.{(h >> 16) % 256}"}


def worker(index, seconds, served):
    def tick(i, t):
        # 50 ticks a second, 10 requests each: 500 a second per worker.
        for k in range(10):
            n = (i * 10 + k) * 2 + index
            started = time.perf_counter()
            environ = request_for(n)
            status, _ = metrics_middleware(environ, f"{n * 0x9E3779B97F4A7C15 % (1 << 128):032x}",
                                           time.perf_counter() - started + (n % 97) / 2000)
            served[index] += 1

    pacing.every(0.02, seconds, tick)


def scraper(seconds, scrapes):
    def tick(i, t):
        if i % 50 == 49:  # every 5 s: Prometheus scrapes /metrics
            status, _, body = handle({"REQUEST_METHOD": "GET", "PATH_INFO": "/metrics"})
            scrapes.append(sum(len(chunk) for chunk in body))

    pacing.every(0.1, seconds, tick)


def main():
    seconds = pacing.run_seconds(16)
    served, scrapes = [0, 0], []
    threads = [threading.Thread(target=worker, args=(w, seconds, served)) for w in range(2)]
    threads.append(threading.Thread(target=scraper, args=(seconds, scrapes)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"{sum(served)} requests, {len(REQUEST_SECONDS.children)} label sets, /metrics pages of "
          f"{', '.join(str(n) for n in scrapes)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
