"""A flat numpy service whose RSS is noisy, four threads (written in session 32, batch 11, as a held-out
check, never tuned on): the tile server of a satellite imagery platform, rendering 256 x 256 map tiles
from a Cloud-Optimised GeoTIFF scene (here one 2,048 x 2,048 x 3-band uint16 scene, 25 MB, loaded at
start). 12 tile requests a second (at random moments in each second, two at once now and then) go through a queue to three worker threads;
each reads its window of the scene (512-1,536 pixels a side at the tile's zoom: 1.5-14 MB of uint16 in
a new buffer, filled by the range reads of object storage, which take 30-250 ms), then converts it to
float32 (3-28 MB), resamples it to 256 x 256, applies the colour formula, encodes the tile (zlib) and
drops everything. The service runs, as its container image says, with MALLOC_MMAP_THRESHOLD_=1048576
(glibc maps every block of 1 MiB or more and unmaps it when freed, so that the memory goes back to the
system between bursts): each window and its float copy are mapped and unmapped.
Truth: not a leak: flat, noisy. The live memory is the scene (25 MB, loaded in the first ~0.3 s, with
numpy's import) plus the 0-3 windows in flight and their float copies, 0-~45 MB, changing with every
request: its mean does not move, its level jumps by several MB every few hundred milliseconds. Nothing
is kept from one request to the next (the last 100 tiles' sizes in a deque, a few kB).
Measured (session 32, tests/accuracy/measure.py): tracked, live heap at its floor, 31.9 MB (the scene and
numpy's own), in 13 of the 16 seconds, its means over each second 36.5-54.2 MB in no order, its peaks
42-92 MB (least-squares slopes of noise: -113 kB/s over 3-13 s, -692 over 3-9 s, -450 over 9-16 s), RSS
77.4-125 MB (+92 kB/s over 3-13 s); --plain, RSS at 62.3-63.2 MB in most seconds (66.7 at the lowest in
the busiest), its means over each second 66.6-78.0 MB, its peaks up to 100.7 MB (+307 kB/s over 3-13 s,
+519 over 3-9 s, -295 over 9-16 s); 190 tiles rendered.
Usage: MALLOC_MMAP_THRESHOLD_=1048576 /usr/bin/python3 numpy_cog_tile_window_noisy_flat.py SECONDS"""
import collections
import queue
import random
import sys
import threading
import time
import zlib

import numpy as np

import pacing
from mix import mix

SCENE_SIDE = 2048
TILE = 256


def requests_in_tick(i):
    """The requests of 10 ms tick i: 12 a second from a steady population of clients, at ticks drawn at
    random within each second (two or more on one tick now and then: a burst)."""
    second, slot = divmod(i, 100)
    return sum(1 for k in range(12) if mix(second * 16 + k) % 100 == slot)


def window_side(n):
    """The window of request n at its tile's zoom: 512 ... 1,536 pixels, each of the 9 sizes once in every
    9 requests, in a random order."""
    order = random.Random(n // 9).sample(range(9), 9)
    return 512 + order[n % 9] * 128


class TileServer:
    def __init__(self):
        rows = np.arange(SCENE_SIDE, dtype=np.uint32)[:, None]
        cols = np.arange(SCENE_SIDE, dtype=np.uint32)[None, :]
        # Red, green and near-infrared reflectances (scaled to uint16), as the scene's COG holds them.
        self.scene = np.stack([(rows * 7 + cols * 3) % 9000 + 500, (rows * 5 + cols * 11) % 8000 + 700,
                               (rows * 13 + cols * 2) % 12000 + 300], axis=-1).astype(np.uint16)
        self.requests = queue.Queue()
        self.lock = threading.Lock()
        self.recent_sizes = collections.deque(maxlen=100)
        self.rendered = 0
        self.bytes_out = 0

    def render(self, n):
        h = mix(n)
        side = window_side(n)
        y = (h >> 8) % (SCENE_SIDE - side + 1)
        x = (h >> 24) % (SCENE_SIDE - side + 1)
        window = np.empty((side, side, 3), dtype=np.uint16)
        # The range reads arrive over 30-250 ms, a strip at a time.
        strips = 4
        wait = 0.03 + ((h >> 40) % 221) / 1000.0
        for k in range(strips):
            window[k * side // strips:(k + 1) * side // strips] = self.scene[y + k * side // strips:y + (k + 1) * side // strips, x:x + side]
            time.sleep(wait / strips)
        reflectance = window.astype(np.float32) / 10000.0
        f = side // TILE
        pooled = reflectance[:TILE * f:f, :TILE * f:f]  # nearest-neighbour resampling
        del reflectance, window
        red, green, nir = pooled[..., 0], pooled[..., 1], pooled[..., 2]
        ndvi = (nir - red) / np.maximum(nir + red, 1e-6)
        rgb = np.clip(np.stack([red * 3.2, green * 3.0, (ndvi + 1) * 0.5], axis=-1) * 255, 0, 255).astype(np.uint8)
        png_body = zlib.compress(rgb.tobytes(), 1)
        with self.lock:
            self.rendered += 1
            self.bytes_out += len(png_body)
            self.recent_sizes.append(len(png_body))

    def worker(self):
        while (n := self.requests.get()) is not None:
            self.render(n)


def main():
    seconds = pacing.run_seconds(16)
    server = TileServer()
    workers = [threading.Thread(target=server.worker, name=f"tiles-{k}") for k in range(3)]
    for w in workers:
        w.start()
    next_request = [0]

    def tick(i, _t):
        for _ in range(requests_in_tick(i)):
            server.requests.put(next_request[0])
            next_request[0] += 1

    try:
        pacing.every(0.01, seconds, tick)
    finally:
        for _ in workers:
            server.requests.put(None)
    for w in workers:
        w.join()
    print(f"{server.rendered} tiles rendered ({server.bytes_out / 1e6:.1f} MB), {next_request[0]} requested",
          file=sys.stderr)


if __name__ == "__main__":
    main()
