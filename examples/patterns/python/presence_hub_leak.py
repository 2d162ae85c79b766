"""A leak in a pure-Python asyncio service (written in session 13 as a held-out check, never tuned on):
a chat presence hub. Each client connection is a task: it joins (the hub records its presence with a
2 KiB outgoing frame buffer, keyed by the connection's session id), sends heartbeats for 1-2 s, then
leaves. Leaving removes the presence by the user's id, not by the session id it was stored under, so
every connection's presence entry and its buffer stay in the hub's dict for good (the "who is online"
answer reads user ids from a separate set, which is cleaned right, so nobody notices).
Truth: a leak, linear, from the start: 120 connections a second, each leaving a Presence (a small
object with __slots__), its 2,048-byte bytearray (a 2,049-byte buffer asked of malloc), its
42-character session id string and a dict slot: ~2.25 kB a connection, ~270 kB/s, ~3.8 MB over 14 s
on a ~32 MB process. The buffer, the bulk of it, is allocated in PresenceHub.join.
Measured (tests/accuracy/measure.py, session 13): live heap +250 kB/s over 3-13 s (the buffers; the small
objects land in pymalloc's 1 MiB arenas, counted when an arena is taken), RSS +287 kB/s (33.3 -> 36.2
MB); the program ends with 1,680 presences kept (3.44 MB of buffers) and nobody online.
Usage: /usr/bin/python3 presence_hub_leak.py SECONDS"""
import asyncio
import sys

import pacing


class Presence:
    __slots__ = ("user_id", "session_id", "outbox", "heartbeats")

    def __init__(self, user_id, session_id):
        self.user_id = user_id
        self.session_id = session_id
        self.outbox = None
        self.heartbeats = 0


class PresenceHub:
    def __init__(self):
        self.by_session = {}
        self.online = set()

    def join(self, user_id, session_id):
        presence = Presence(user_id, session_id)
        presence.outbox = bytearray(2048)  # frames queued for this connection
        presence.outbox[0:16] = session_id[:16].encode()
        self.by_session[session_id] = presence
        self.online.add(user_id)
        return presence

    def leave(self, presence):
        self.online.discard(presence.user_id)
        # The bug: removed by user id, but stored by session id; the pop finds nothing.
        self.by_session.pop(presence.user_id, None)


async def connection(hub, user_id, session_id, lifetime_s, stats):
    presence = hub.join(user_id, session_id)
    try:
        beats = max(1, int(lifetime_s / 0.25))
        for _ in range(beats):
            await asyncio.sleep(0.25)
            presence.heartbeats += 1
            frame = b'{"type":"heartbeat","online":%d}' % len(hub.online)
            presence.outbox[16:16 + len(frame)] = frame
        stats["closed"] += 1
    finally:
        hub.leave(presence)


async def main():
    seconds = pacing.run_seconds(14)
    hub = PresenceHub()
    stats = {"opened": 0, "closed": 0}
    tasks = set()

    def tick(i, t):
        # 50 ticks a second, 12 connections every 5 ticks: 120 a second, from 3,000 users.
        if i % 5:
            return
        for k in range(12):
            n = i // 5 * 12 + k
            user_id = "user-%05d" % (n * 7919 % 3000)
            session_id = "sess-%012d-%s" % (n, "%08x" % (n * 2654435761 % 2**32) + "-edge-eu-west-1a")
            task = asyncio.create_task(connection(hub, user_id, session_id, 1.0 + (n % 5) * 0.25, stats))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            stats["opened"] += 1

    await pacing.every_async(0.02, seconds, tick)
    for task in list(tasks):
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    kept = sum(len(p.outbox) for p in hub.by_session.values())
    print(f"{stats['opened']} connections, {len(hub.by_session)} presences kept ({kept} B of buffers), "
          f"{len(hub.online)} online", file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(main())
