"""A pure-Python leak through a bound method handed to weakref.finalize, three threads (written in session 34,
batch 13, as a held-out check, never tuned on): the ingestion worker of a logistics company's partner
portal, where carriers upload CSV delivery manifests (30 a second from the partners' integrations, 20-60
rows of 12 columns each). Two worker threads take the uploads from a queue.Queue; each upload gets a
RowSpool that parses and validates its rows, keeps a header, a preview of the first rows and the rejected
rows' errors for the upload's report, writes the good rows to the warehouse in batches, and is dropped.
A spool that grows past 5,000 rows spills to a temporary file, so the spool registers its clean-up at
creation: weakref.finalize(self, self._remove_spill_file). The callback is a bound method: the finalizer,
which the weakref module keeps in its registry until it runs, holds self strongly, so no spool is ever
collected (the documented pitfall; the finalizer would run at exit). The rows themselves are cleared after
each flush; what each spool keeps is its header, preview, rejects, counters, its instance dict and the
finalizer's registry entry. A third thread answers the portal's status polls from the last 100 uploads'
summaries (a deque).
Truth: a leak, reachable, linear from the start: 30 spools a second, ~4 kB each in Python objects (the
RowSpool and its __dict__, a 12-name header, a 3-row preview of 12-string tuples, 0-3 rejects, the
finalizer and its registry slot: tracemalloc's traced bytes rise 3.97 kB a spool, ~4.4 kB of RSS with
pymalloc's pools), ~125 kB/s, ~2 MB over a 16 s run on a ~13 MB interpreter (~13% of the process by the
end), mostly in pymalloc's arenas (mapped 1 MiB at a time), the registry's dict table in malloc's heap. The
spools are created and fed by the workers (RowSpool.__init__ and RowSpool.feed, where the preview's tuples
and the rejects' strings are made). Each upload's CSV text, parsed rows and warehouse batches come and go.
Under PYTHONTRACEMALLOC=1 the program prints tracemalloc's traced bytes every 2 s on stderr.
Measured (session 34): tracemalloc's traced bytes 3.70 MB at 2 s, 4.18 at 6 s, 4.65 at 10 s, 5.13 at 14 s
(+119 kB/s, 60 finalizers more every 2 s); tests/accuracy/measure.py: tracked, RSS 20.10 MB at 1 s, 20.45 at
3 s, 21.81 at 13 s, 22.20 at 16 s (+135 kB/s over 3-13 s, +135 over 3-9 s, +135 over 9-16 s), pymalloc's mapped
arenas 4.26 -> 6.36 MB in 1 MiB steps, malloc's live heap 2.23 -> 2.26 MB; --plain, RSS 13.04 MB at 1 s, 13.34
at 3 s, 14.69 at 13 s, 15.10 at 16 s (+132 kB/s over 3-13 s, +131 over 3-9 s, +134 over 9-16 s); 480 uploads,
18,740 rows loaded, 480 spool finalizers registered at exit.
Usage: /usr/bin/python3 etl_spool_finalize_self_leak.py SECONDS"""
import collections
import io
import os
import queue
import sys
import tempfile
import threading
import tracemalloc
import weakref

import pacing

UPLOADS_PER_TICK = 3  # every 100 ms: 30 a second
COLUMNS = ("shipment_id", "carrier_scac", "pro_number", "origin_zip", "dest_zip", "pieces", "weight_lb",
           "delivered_at", "signed_by", "pod_image", "exception_code", "reference")
PREVIEW_ROWS = 3
SPILL_ROWS = 5000
CARRIERS = ("ODFL", "SAIA", "XPOL", "ABFS", "RLCA", "FXFE", "UPGF", "EXLA")


def manifest_csv(n):
    """One partner upload: a CSV delivery manifest, deterministic from its number."""
    h = (n * 2654435761) & 0xFFFFFFFF
    rows = 20 + h % 41
    out = io.StringIO()
    out.write(",".join(COLUMNS) + "\n")
    for r in range(rows):
        k = (h + r * 7919) & 0xFFFFFF
        bad = (k % 53) == 0
        out.write(f"SH{n:07d}{r:03d},{CARRIERS[k % 8]},{k:09d},{10000 + k % 89999:05d},{10000 + (k >> 3) % 89999:05d},"
                  f"{1 + k % 12},{'' if bad else 50 + k % 4000},2026-12-14T{k % 24:02d}:{k % 60:02d}:00Z,"
                  f"{'J. DOE' if k & 1 else 'RECEIVING DOCK ' + str(k % 40)},pod/{n}/{r}.jpg,"
                  f"{'' if k % 9 else 'OS&D'},PO-{k % 100000:05d}\n")
    return out.getvalue()


class RowSpool:
    """Buffers an upload's rows between the parser and the warehouse writer; spills to disk when big."""

    def __init__(self, upload_id, partner):
        self.upload_id = upload_id
        self.partner = partner
        self.header = None
        self.preview = []
        self.rejects = []
        self.rows = []
        self.accepted = 0
        self.flushed_batches = 0
        self.spill_path = None
        # Remove the spill file when the spool goes away (a bound method: it keeps the spool alive).
        self._finalizer = weakref.finalize(self, self._remove_spill_file)

    def _remove_spill_file(self):
        if self.spill_path:
            try:
                os.unlink(self.spill_path)
            except OSError:
                pass

    def feed(self, text, warehouse):
        lines = text.splitlines()
        self.header = tuple(lines[0].split(","))
        for number, line in enumerate(lines[1:], start=2):
            fields = tuple(line.split(","))
            if len(self.preview) < PREVIEW_ROWS:
                self.preview.append(fields)
            if not fields[6]:
                self.rejects.append(f"line {number}: weight_lb is empty for {fields[0]} ({fields[1]} PRO {fields[2]})")
                continue
            self.rows.append({name: value for name, value in zip(self.header, fields)})
            if len(self.rows) >= SPILL_ROWS and self.spill_path is None:
                fd, self.spill_path = tempfile.mkstemp(prefix="spool-")
                os.close(fd)
            if len(self.rows) >= 25:
                self.flush(warehouse)
        self.flush(warehouse)

    def flush(self, warehouse):
        if not self.rows:
            return
        batch = [(row["shipment_id"], row["carrier_scac"], int(row["pieces"]), float(row["weight_lb"]),
                  row["delivered_at"], row["exception_code"] or None) for row in self.rows]
        warehouse.write(batch)
        self.accepted += len(self.rows)
        self.flushed_batches += 1
        self.rows.clear()

    def summary(self):
        return {"upload": self.upload_id, "partner": self.partner, "accepted": self.accepted,
                "rejected": len(self.rejects), "batches": self.flushed_batches}


class Warehouse:
    """The warehouse loader's client: counts what it is sent (the COPY itself is elsewhere)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rows = 0
        self.weight = 0.0

    def write(self, batch):
        weight = sum(row[3] for row in batch)
        with self.lock:
            self.rows += len(batch)
            self.weight += weight


def main():
    seconds = pacing.run_seconds(16)
    uploads = queue.Queue(maxsize=200)
    recent = collections.deque(maxlen=100)
    warehouse = Warehouse()
    done = threading.Event()
    handled = [0, 0]

    def worker(index):
        while True:
            item = uploads.get()
            if item is None:
                return
            n, partner = item
            spool = RowSpool(f"upl-{n:08d}", partner)
            spool.feed(manifest_csv(n), warehouse)
            recent.append(spool.summary())
            handled[index] += 1

    def status_poller():
        polls = 0
        while not done.wait(0.05):
            snapshot = list(recent)
            body = "{" + ",".join(f'"{s["upload"]}":[{s["accepted"]},{s["rejected"]}]' for s in snapshot) + "}"
            polls += len(body) > 0
        return polls

    workers = [threading.Thread(target=worker, args=(k,)) for k in range(2)]
    poller = threading.Thread(target=status_poller)
    for thread in workers + [poller]:
        thread.start()

    def tick(i, t):
        for k in range(UPLOADS_PER_TICK):
            n = i * UPLOADS_PER_TICK + k
            uploads.put((n, f"partner-{CARRIERS[n % 8].lower()}-{n % 37}"))
        if i % 20 == 0 and tracemalloc.is_tracing():
            print(f"t={t:.1f} s: tracemalloc traced {tracemalloc.get_traced_memory()[0] / 1e6:.3f} MB, "
                  f"{len(weakref.finalize._registry)} finalizers registered", file=sys.stderr, flush=True)

    pacing.every(0.1, seconds, tick)
    for _ in workers:
        uploads.put(None)
    for thread in workers:
        thread.join()
    done.set()
    poller.join()
    print(f"{sum(handled)} uploads, {warehouse.rows} rows loaded; {len(weakref.finalize._registry)} spool finalizers "
          f"registered (each keeping its spool alive)", file=sys.stderr, flush=True)
    os._exit(0)


if __name__ == "__main__":
    main()
