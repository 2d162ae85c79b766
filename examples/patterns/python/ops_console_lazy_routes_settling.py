"""A lazy-loading warm-up that decelerates (written in session 16 as a held-out check, never tuned on): a
Python operations console whose 48 routes import their handler's modules on first use, so the process
starts fast. Requests (60 a second) pick routes by a Zipf popularity: the popular routes are imported in
the first second, the rare ones ever more seldom, until every route has been seen once. Each import
brings its modules' code objects, classes and module dicts (and the C extensions' mappings); after that a
route's requests only make short-lived objects (a CSV built in a StringIO, a parsed XML feed, a diff),
freed when the response is sent. Per-route counters are one small dict each.
Truth: not a leak: a warm-up of the imports, fast at first and slowing as the remaining routes get rarer
(a finite set: nothing is imported twice; 46 of the 48 routes are seen in a 16 s run, the last at
12.5 s), then flat; no route keeps its responses.
Measured (session 16, /proc VmRSS, RssAnon and RssFile every 100 ms by a scratch preload shim, no
tracker; tracemalloc's traced bytes in a second run by a scratch runner): RSS 6.3 MB at start, 44.2 at
1 s, 46.5 at 2 s, 48.1 at 4 s, 48.4 at 6 s, 49.6 at 8 s, 49.7 MB from 12 s to the end (slopes +157,
+44, +0.1 kB/s over 4-8, 8-12, 12-16 s); of it anonymous 1.7 -> 27.0 (1 s) -> 31.6 MB (12 s), file-backed
(the extensions' and libraries' pages) 4.6 -> 18.1 MB; traced Python objects 19.7 MB at 1 s, 22.9 at 4 s,
23.5 at 8 s, 23.63 MB flat over 12-16 s.
Usage: python3 ops_console_lazy_routes_settling.py SECONDS"""
import importlib
import io
import random
import time

import pacing

REQUESTS_PER_TICK = 6  # every 100 ms: 60 a second

# Route -> the modules its handler imports on first use, most popular first (the Zipf rank).
ROUTES = [
    ("/health", ["json"]),
    ("/metrics", ["statistics"]),
    ("/reports/daily.csv", ["csv"]),
    ("/forecast", ["numpy"]),
    ("/invoices/preview", ["decimal", "fractions"]),
    ("/feeds/status.xml", ["xml.etree.ElementTree", "xml.dom.minidom"]),
    ("/config/diff", ["difflib", "configparser"]),
    ("/mail/preview", ["email.mime.multipart", "email.mime.text", "email.policy"]),
    ("/audit/search", ["sqlite3"]),
    ("/probe/http", ["http.client", "urllib.request"]),
    ("/jobs/async", ["asyncio"]),
    ("/exports/archive", ["zipfile", "tarfile", "lzma", "bz2"]),
    ("/calendar", ["calendar", "zoneinfo"]),
    ("/jobs/pool", ["concurrent.futures", "multiprocessing.pool"]),
    ("/api/docs", ["pydoc"]),
    ("/selftest", ["unittest", "doctest"]),
    ("/cli/help", ["argparse", "textwrap"]),
    ("/logs/rotate", ["logging.handlers"]),
    ("/debug/inspect", ["inspect", "dis", "tokenize"]),
    ("/rules/validate", ["ast", "symtable"]),
    ("/backups/plist", ["plistlib"]),
    ("/mailbox/scan", ["mailbox", "imaplib"]),
    ("/notify/smtp", ["smtplib"]),
    ("/legacy/ftp", ["ftplib"]),
    ("/debug/pickle", ["pickletools"]),
    ("/rpc/xml", ["xmlrpc.client", "xmlrpc.server"]),
    ("/wsgi/echo", ["wsgiref.simple_server", "wsgiref.validate"]),
    ("/dev/server", ["http.server", "socketserver"]),
    ("/tls/check", ["ssl"]),
    ("/tokens/new", ["secrets", "hmac"]),
    ("/ids/new", ["uuid"]),
    ("/net/cidr", ["ipaddress"]),
    ("/state/shelf", ["shelve", "dbm"]),
    ("/exports/gz", ["gzip", "zlib"]),
    ("/i18n", ["gettext", "locale"]),
    ("/debug/pprint", ["pprint", "reprlib"]),
    ("/profile", ["cProfile", "pstats"]),
    ("/bench", ["timeit", "trace"]),
    ("/queue/peek", ["queue", "sched"]),
    ("/fs/walk", ["glob", "fnmatch", "shutil"]),
    ("/fs/temp", ["tempfile", "filecmp"]),
    ("/encode", ["base64", "binascii", "quopri", "uu"]),
    ("/html/escape", ["html.parser", "html.entities"]),
    ("/sizes", ["array", "struct", "ctypes"]),
    ("/dataclass/schema", ["dataclasses", "typing", "enum"]),
    ("/graph", ["graphlib", "heapq", "bisect"]),
    ("/contexts", ["contextvars", "contextlib", "weakref"]),
    ("/admin/shell", ["code", "codeop", "rlcompleter"]),
]

RESPONSE_ROWS = 200


class LazyRouter:
    def __init__(self, rng):
        self.rng = rng
        self.loaded = {}  # route -> its imported modules
        self.counters = {}
        self.first_seen_s = {}
        weights = [1.0 / (rank + 1) ** 1.2 for rank in range(len(ROUTES))]
        total = sum(weights)
        self.cumulative = []
        acc = 0.0
        for w in weights:
            acc += w / total
            self.cumulative.append(acc)

    def pick_route(self):
        u = self.rng.random()
        for index, edge in enumerate(self.cumulative):
            if u <= edge:
                return index
        return len(ROUTES) - 1

    def handler_modules(self, index, now_s):
        route, names = ROUTES[index]
        modules = self.loaded.get(route)
        if modules is None:  # first request on this route: import its handler's modules now
            modules = [importlib.import_module(name) for name in names]
            self.loaded[route] = modules
            self.first_seen_s[route] = round(now_s, 2)
        return modules

    def serve(self, now_s):
        index = self.pick_route()
        route = ROUTES[index][0]
        self.handler_modules(index, now_s)
        body = io.StringIO()  # the response: a table of the route's figures, dropped once sent
        for row in range(RESPONSE_ROWS):
            body.write(f"{route},{row},{self.rng.random():.6f},{time.time():.3f}\n")
        text = body.getvalue()
        stats = self.counters.setdefault(route, {"requests": 0, "bytes": 0})
        stats["requests"] += 1
        stats["bytes"] += len(text)


def main():
    seconds = pacing.run_seconds(16)
    router = LazyRouter(random.Random(5161))

    def tick(i, t):
        for _ in range(REQUESTS_PER_TICK):
            router.serve(t)

    pacing.every(0.1, seconds, tick)
    print(f"routes loaded {len(router.loaded)} of {len(ROUTES)}; first requests at (s): "
          + ", ".join(f"{r}={t}" for r, t in sorted(router.first_seen_s.items(), key=lambda kv: kv[1])))


if __name__ == "__main__":
    main()
