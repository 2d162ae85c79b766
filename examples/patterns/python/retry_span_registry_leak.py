"""A Python leak of small objects through a module-level registry (written in session 23 as a held-out
check, never tuned on): the order-sync worker of a shop, pushing each new order to the ERP over HTTP
(two worker threads, 300 orders a second between them). Its in-house tracing helper keeps every open
span in a module-level dict, _OPEN_SPANS, so that the /debug/inflight endpoint can list what is in
flight; start_span() registers a span, finish_span() pops it and hands it to the exporter, which writes
it as one JSON line and drops it. The @retrying decorator opens one span per attempt. The ERP answers
503 to one attempt in four; on a retryable error the decorator records the error on the attempt's span
and goes on to the next attempt, but finish_span() sits on the success path only, so every failed
attempt's span stays registered for good.
Truth: a leak, linear from the start, of ~122 failed-attempt spans a second (0.4 failed attempts an
order: one order in four or so needs a second attempt, a few a third), each a dict of nine fields, its
attribute tuple of pairs, its span id, the order's id and customer strings, its events list with the
retry event: every object under 512 B (the dict 272 B), ~1.3 kB a span with its slot in the registry,
allocated in start_span (the span, its attributes and its events list) and the retrying wrapper (the
error event): ~165 kB/s, ~2.5 MB over a 16 s run, in pymalloc's arenas (mmapped 1 MiB at a time, so
the process's mappings grow in 1 MiB steps while RSS climbs page by page). The orders themselves, the
finished spans and their JSON lines are freed as they go.
Measured (session 23, tests/accuracy/measure.py): tracked, RSS +163 kB/s over 2-16 s (+166 over 2-9 s,
+176 over 9-16 s), pymalloc's mapped arenas 3.19 -> 5.29 MB (+163 kB/s over 2-16 s, in 1 MiB steps),
malloc's live heap 1.63 -> 1.73 MB (the registry's table); --plain, RSS 11.26 -> 13.57 MB over 2-16 s
(+166 kB/s; +167 over 2-9 s, +175 over 9-16 s); 4,690 orders synced, 1,946 spans left open at exit.
Usage: /usr/bin/python3 retry_span_registry_leak.py SECONDS"""
import functools
import itertools
import json
import sys
import threading
import time

import pacing

# ---- the tracing helper (a module of its own in the service) ----
_OPEN_SPANS = {}  # span id -> span, for /debug/inflight
_SPANS_LOCK = threading.Lock()
_SPAN_IDS = itertools.count(1)
_EXPORTED = {"spans": 0, "bytes": 0}


def start_span(name, trace_id, parent_id=None, **attributes):
    span_id = f"{next(_SPAN_IDS) * 2654435761 % (1 << 64):016x}"
    span = {"name": name, "trace_id": trace_id, "span_id": span_id, "parent_id": parent_id,
            "start": time.time(), "end": None, "status": "unset",
            "attributes": tuple(sorted(attributes.items())), "events": []}
    with _SPANS_LOCK:
        _OPEN_SPANS[span_id] = span
    return span


def finish_span(span, status="ok"):
    span["end"] = time.time()
    span["status"] = status
    with _SPANS_LOCK:
        _OPEN_SPANS.pop(span["span_id"], None)
        line = json.dumps(span, separators=(",", ":"))  # the exporter's line to the collector
        _EXPORTED["spans"] += 1
        _EXPORTED["bytes"] += len(line)


# ---- the ERP client ----
class RetryableError(Exception):
    pass


def retrying(attempts):
    def decorate(call):
        @functools.wraps(call)
        def wrapper(order, trace_id):
            for attempt in range(1, attempts + 1):
                span = start_span("erp.push_order", trace_id, order_id=order["id"], attempt=attempt,
                                  endpoint="https://erp.internal.example/api/v2/sales-orders",
                                  customer=order["customer"])
                try:
                    result = call(order, attempt)
                except RetryableError as error:
                    # The bug: the failed attempt's span is never finished (finish_span is below only).
                    span["events"].append(("retry", time.time(), str(error)))
                    continue
                finish_span(span)
                return result
            return None
        return wrapper
    return decorate


@retrying(attempts=3)
def push_order(order, attempt):
    body = json.dumps(order, separators=(",", ":"))
    number = int(order["id"][4:])
    h = ((number * 2654435761) ^ (attempt * 0x9E3779B1)) * 0x85EBCA6B % (1 << 32) >> 16
    if h % 4 == 0:  # the ERP's front end sheds load: 503 to one attempt in four
        raise RetryableError(f"HTTP 503 from erp.internal.example for {order['id']} (attempt {attempt}, "
                             f"{len(body)} bytes, retry-after 0)")
    return {"erp_id": f"SO-{h:06d}", "bytes": len(body)}


def make_order(n):
    lines = [{"sku": f"SKU-{(n * 31 + k) % 90000:05d}", "qty": 1 + k % 3, "price": (n * 7 + k) % 5000 / 100}
             for k in range(1 + n % 6)]
    return {"id": f"ord_{n:09d}", "customer": f"cus_{n * 2654435761 % 1000003:07d}", "currency": "EUR",
            "lines": lines, "shipping": {"country": "DE", "method": "standard"}}


def worker(index, seconds, counts):
    def tick(i, t):
        # 50 ticks a second, 3 orders each: 150 orders a second per worker.
        for k in range(3):
            n = (i * 3 + k) * 2 + index
            if push_order(make_order(n), f"{n * 0x9E3779B97F4A7C15 % (1 << 128):032x}") is not None:
                counts[index] += 1

    pacing.every(0.02, seconds, tick)


def main():
    seconds = pacing.run_seconds(16)
    counts = [0, 0]
    threads = [threading.Thread(target=worker, args=(w, seconds, counts)) for w in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"{sum(counts)} orders synced, {_EXPORTED['spans']} spans exported, {len(_OPEN_SPANS)} spans left open",
          file=sys.stderr)


if __name__ == "__main__":
    main()
