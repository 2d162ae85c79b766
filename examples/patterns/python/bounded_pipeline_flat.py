"""A generator pipeline with a bounded queue between threads, flat (written in session 6 as a
held-out check, never tuned on): a log shipper's reader thread runs a chain of generators (raw lines
-> parsed records -> enriched records) at 2,000 records a second and puts each record on a
queue.Queue(maxsize=1000); a shipper thread takes them off in batches of up to 200 every 50 ms, folds them
into per-service counters (40 services: a bounded dict) and drops them. The consumer keeps up on
average, so the queue holds 0-200 records (a record: a dict of 8 fields, ~1.2 KB with its strings);
when the shipper stalls for 400 ms every 3 s (a slow network write) the queue rises to ~800 and is
drained again: at most 1,000 records, by the queue's bound.
Truth: no leak; flat after the interpreter's start-up. The stall every 3 s makes the queue rise by
~1 MB and drain again, a bump of about a third of the small live heap (pymalloc's arenas keep RSS
level): periodic spikes over a flat base are an honest reading too.
Usage: bounded_pipeline_flat.py SECONDS
"""
import queue
import threading
import time

import pacing

SERVICES = [f"svc-{n:02d}" for n in range(40)]


def raw_lines(clock):
    n = 0
    while True:
        yield f"{clock():.4f} {SERVICES[n % 40]} GET /api/items/{n % 5000} 200 {n % 900} " + "k=v;" * 150
        n += 1


def parsed(lines):
    for line in lines:
        ts, service, method, path, status, latency, extra = line.split(" ", 6)
        yield {"ts": float(ts), "service": service, "method": method, "path": path, "status": int(status),
               "latency_ms": int(latency), "extra": extra}


def enriched(records):
    for record in records:
        record["route"] = record["path"].rsplit("/", 1)[0]
        yield record


def main():
    seconds = pacing.run_seconds(14)
    records = queue.Queue(maxsize=1000)
    done = threading.Event()
    counters = {s: [0, 0] for s in SERVICES}

    def shipper():
        while not done.is_set() or not records.empty():
            now = time.monotonic() - pacing.START
            if now % 3.0 > 2.6:  # a slow write to the collector: nothing shipped for 400 ms
                time.sleep(0.05)
                continue
            for _ in range(200):
                try:
                    record = records.get(timeout=0.05)
                except queue.Empty:
                    break
                entry = counters[record["service"]]
                entry[0] += 1
                entry[1] += record["latency_ms"]
            time.sleep(0.05)

    consumer = threading.Thread(target=shipper)
    consumer.start()
    pipeline = enriched(parsed(raw_lines(lambda: time.monotonic() - pacing.START)))

    def tick(_i, _t):
        for _ in range(20):
            records.put(next(pipeline))

    # 100 ticks a second, 20 records each.
    pacing.every(0.01, seconds, tick)
    done.set()
    consumer.join()
    print(sum(c[0] for c in counters.values()), "records shipped")


if __name__ == "__main__":
    main()
