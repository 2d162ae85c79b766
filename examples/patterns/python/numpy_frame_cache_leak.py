"""A slow leak in numpy code: a video-analytics loop keeps a dict of per-camera background frames,
keyed by (camera, scene_id). The scene id changes every few seconds for each camera, and the old key
is never removed, so one 160x120 float64 frame (153,600 bytes) is kept per scene change: with 40
cameras changing scene every 4 s, ~10 new frames a second. Each frame is also processed with
temporaries (np.mean, differences) that come and go.
Truth: a leak, linear, ~1,536,000 B/s of numpy buffers (malloc'ed by numpy).
Usage: /usr/bin/python3 numpy_frame_cache_leak.py SECONDS"""
import numpy as np

import pacing

BACKGROUNDS = {}


def process(camera, scene, frame):
    key = (camera, scene)
    background = BACKGROUNDS.get(key)
    if background is None:
        background = frame.copy()
        BACKGROUNDS[key] = background  # the previous scene's frame of this camera is never dropped
    diff = np.abs(frame - background)
    background *= 0.95
    background += 0.05 * frame
    return float(diff.mean())


def main():
    rng = np.random.default_rng(3)
    seconds = pacing.run_seconds(14)
    frames = [rng.random((120, 160)) for _ in range(8)]
    total = [0.0]

    def tick(i, t):
        # 20 ticks a second, 2 cameras each: each of the 40 cameras is processed once a second. A
        # camera's scene changes every 4 s, the cameras staggered by 0.1 s, so 10 scenes change a second.
        for k in range(2):
            camera = (i * 2 + k) % 40
            scene = int((t + camera * 0.1) // 4)
            total[0] += process(camera, scene, frames[(i + k) % 8])

    pacing.every(0.05, seconds, tick)
    print(len(BACKGROUNDS), "backgrounds,", round(total[0], 2))


if __name__ == "__main__":
    main()
