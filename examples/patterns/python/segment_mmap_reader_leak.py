"""A leak outside the malloc heap, in Python threads (written in session 14 as a held-out check, never
tuned on): a log shipper. A writer thread appends log records to segment files and rolls to a new
segment every 250 ms (128 KiB each); a shipper thread maps each sealed segment with mmap, checksums it
(zlib.crc32 reads every page through the mapping) and hands it to the uploader, and keeps the mapping
in its reader cache so that a retry can re-read it without opening the file again. Retention deletes
shipped segment files right away. The cache is keyed by (path, inode) but evicted by path alone when a
segment is deleted, so no entry ever matches and every mapping stays: the unlinked files' pages stay in
the page cache, mapped into the process and counted in its RSS (file-backed, or shared memory where
/tmp is a tmpfs). The Python heap barely moves: an mmap object and a tuple key per segment.
Truth: a leak, linear, from the start, outside the malloc heap: 4 segments a second of 131,072 bytes,
all read through the mapping: 524,288 B/s of RSS (mapped file pages) kept, ~8 MB over a 16 s run on a
~20 MB process (under the tracker); a few hundred bytes a segment of Python objects besides.
Measured (tests/accuracy/measure.py, session 14): RSS +527 kB/s over 3-13 s (21.6 -> 26.9 MB; 28.4 MB
at the end), all of it file-backed RSS (8.7 -> 16.6 MB), anonymous RSS 11.8 MB flat; live heap 1.81 MB
from the first sample to the last (+175 B/s). With --no-track: RSS +525 kB/s over 3-13 s (13.5 -> 18.8
MB); 64 segments shipped, 64 mappings kept (8,388,608 bytes).
Usage: /usr/bin/python3 segment_mmap_reader_leak.py SECONDS"""
import mmap
import os
import queue
import shutil
import sys
import tempfile
import threading
import zlib

import pacing

SEGMENT_BYTES = 128 * 1024
RECORDS_PER_SEGMENT = 1024  # 128-byte records


class SegmentWriter:
    def __init__(self, directory, sealed):
        self.directory = directory
        self.sealed = sealed
        self.number = 0

    def roll(self, i, t):
        path = os.path.join(self.directory, f"segment-{self.number:08d}.log")
        self.number += 1
        with open(path, "wb") as f:
            for r in range(RECORDS_PER_SEGMENT):
                line = f"{t:10.4f} seq={i * RECORDS_PER_SEGMENT + r:09d} level=info msg=request served".encode()
                f.write(line.ljust(127, b" ") + b"\n")
        self.sealed.put(path)


class Shipper:
    def __init__(self):
        self.reader_cache = {}  # (path, inode) -> mmap, for retries
        self.shipped = 0
        self.checksum = 0

    def ship(self, path):
        with open(path, "rb") as f:
            inode = os.fstat(f.fileno()).st_ino
            mapping = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        self.reader_cache[(path, inode)] = mapping
        self.checksum = zlib.crc32(mapping, self.checksum)
        self.shipped += 1
        self.apply_retention(path)

    def apply_retention(self, path):
        os.unlink(path)
        stale = self.reader_cache.pop(path, None)  # the bug: keys are (path, inode)
        if stale is not None:
            stale.close()

    def run(self, sealed):
        while (path := sealed.get()) is not None:
            self.ship(path)


def main():
    seconds = pacing.run_seconds(16)
    directory = tempfile.mkdtemp(prefix="segment-shipper-")
    sealed = queue.Queue()
    shipper = Shipper()
    thread = threading.Thread(target=shipper.run, args=(sealed,), name="shipper")
    thread.start()
    writer = SegmentWriter(directory, sealed)
    try:
        pacing.every(0.25, seconds, writer.roll)
    finally:
        sealed.put(None)
        thread.join()
        shutil.rmtree(directory, ignore_errors=True)
    print(f"segment_mmap_reader_leak: {shipper.shipped} segments shipped, {len(shipper.reader_cache)} mappings "
          f"kept ({len(shipper.reader_cache) * SEGMENT_BYTES} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
