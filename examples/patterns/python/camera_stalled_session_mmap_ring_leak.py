"""A leak outside the malloc heap in pure Python: anonymous mmaps kept by a dict that nothing prunes (written in
session 35, batch 14, as a held-out check, never tuned on): the edge agent of a retail store's video analytics,
which pulls short clips from the store's IP cameras when the motion detector fires (8 clips a second across
120 cameras) and hands their frames to the decoder process through a shared frame ring: an anonymous
MAP_SHARED mmap of 192 KiB per clip (24 slots of 8 KiB), written slot by slot as the clip's RTP packets
arrive over ~1 s, read by the decoder (not simulated), and closed when the clip ends with the camera's RTSP
TEARDOWN. Every eighth clip instead ends by the camera going silent (PoE budget, Wi-Fi bridges): the agent's
timeout path moves the clip's session, ring and all, into the supervisor's `stalled` dict keyed by RTSP
session id, to be resumed if the camera comes back with it; cameras always come back with a fresh session id,
and nothing prunes the dict.
Truth: a leak, linear from the start, outside malloc's heap: one 192 KiB ring a second stays mapped and
resident (196.6 kB/s of anonymous shared mappings, ~3 MB over a 16 s run, ~21% of the process by the end),
written in the clip's first second (RingBuffer.__init__ maps it; FrameRing.write fills it). The ~8 clips in
flight hold ~1.5 MB of rings that come and go; the sessions' Python objects (~1 kB a clip) are all Python's
heap sees grow. The program prints every 2 s on stderr the rings mapped, the stalled sessions and its RSS.
Measured (session 35, tests/accuracy/measure.py): tracked, RSS 14.84 MB at 1 s, 18.29 at 16 s (+205 kB/s over 1-16 s, +190
over 3-13 s, +186 over 9-16 s), malloc's live heap flat at 1.25 MB; --plain, RSS 10.64 MB at 1 s, 11.43 at 3 s, 13.21 at
13 s, 13.84 at 16 s (+205 kB/s over 1-16 s, +195 over 3-13 s, +181 over 9-16 s); the program's own counters: 2, 4, 6,
... 15 stalled sessions at 2, 4, 6, ... 16 s (one a second from 0.6 s), 22 rings mapped at the end (4.33 MB, 7 clips in
flight); 128 clips, 106 torn down.
Usage: /usr/bin/python3 camera_stalled_session_mmap_ring_leak.py SECONDS"""
import mmap
import sys

import pacing
from mix import mix

TICK_S = 0.05
CLIPS_PER_SECOND = 8
SLOTS = 24
SLOT_BYTES = 8192
RING_BYTES = SLOTS * SLOT_BYTES  # 192 KiB
CAMERAS = 120


class RingBuffer:
    """A frame ring shared with the decoder process: an anonymous shared mapping."""
    mapped_bytes = 0
    live = 0

    def __init__(self, size):
        self.map = mmap.mmap(-1, size, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ | mmap.PROT_WRITE)
        self.size = size
        RingBuffer.mapped_bytes += size
        RingBuffer.live += 1

    def close(self):
        self.map.close()
        RingBuffer.mapped_bytes -= self.size
        RingBuffer.live -= 1


class FrameRing:
    def __init__(self):
        self.ring = RingBuffer(RING_BYTES)
        self.next_slot = 0

    def write(self, payload):
        at = (self.next_slot % SLOTS) * SLOT_BYTES
        self.ring.map[at:at + len(payload)] = payload
        self.next_slot += 1


class ClipSession:
    def __init__(self, number, camera, now):
        h = mix(number)
        self.rtsp_session = f"{h & 0xFFFFFFFF:08X};timeout=60"
        self.camera = camera
        self.url = f"rtsp://10.40.{camera // 100}.{camera % 100 + 10}:554/Streaming/Channels/102"
        self.started = now
        self.ends = now + 0.8 + (h >> 32) % 400 / 1000.0
        self.times_out = number % 8 == 5  # one camera in eight goes silent (the ones behind the Wi-Fi bridges)
        self.frames = FrameRing()
        self.rtp_packets = 0
        self.stats = {"jitter_ms": (h >> 20) % 30, "lost": 0, "codec": "H.264", "profile": "main"}

    def on_packets(self, n):
        # Each tick brings the next slice of frames: the ring is filled over the clip's first second.
        for _ in range(2):
            if self.frames.next_slot >= SLOTS:
                return
            self.frames.write(bytes([(n + self.frames.next_slot) & 0xFF]) * SLOT_BYTES)
            self.rtp_packets += 6


class Supervisor:
    def __init__(self):
        self.active = []
        self.stalled = {}  # rtsp session id -> ClipSession, to resume a camera that comes back
        self.clips = self.teardowns = 0

    def motion(self, number, now):
        camera = mix(number ^ 0xCA) % CAMERAS
        self.active.append(ClipSession(number, camera, now))
        self.clips += 1

    def tick(self, n, now):
        still = []
        for clip in self.active:
            clip.on_packets(n)
            if now < clip.ends:
                still.append(clip)
            elif clip.times_out:
                self.stalled[clip.rtsp_session] = clip  # keep it to resume with the same session id
            else:
                clip.frames.ring.close()  # TEARDOWN
                self.teardowns += 1
        self.active = still


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 1e6


def main():
    seconds = pacing.run_seconds(16)
    supervisor = Supervisor()
    clip_number = [0]

    def tick(i, t):
        if i % 5 in (0, 2):  # 2 motion events every 250 ms: 8 a second
            supervisor.motion(clip_number[0], t)
            clip_number[0] += 1
        supervisor.tick(i, t)
        if i % 40 == 39 or t + TICK_S >= seconds:
            print(f"t={t:5.1f} s: {RingBuffer.live} rings mapped ({RingBuffer.mapped_bytes / 1e6:.2f} MB), "
                  f"{len(supervisor.active)} clips in flight, {len(supervisor.stalled)} stalled; rss {rss_mb():.2f} MB",
                  file=sys.stderr, flush=True)

    pacing.every(TICK_S, seconds, tick)
    print(f"{supervisor.clips} clips, {supervisor.teardowns} torn down, {len(supervisor.stalled)} stalled sessions "
          f"holding {len(supervisor.stalled) * RING_BYTES / 1e6:.2f} MB of rings", file=sys.stderr)


if __name__ == "__main__":
    main()
