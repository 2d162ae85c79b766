"""A warm-up that decelerates, in a pure-Python asyncio service (written in session 14 as a held-out
check, never tuned on): an API gateway keeps one connection pool per upstream host, created the first
time a request is routed there: two connections, each with a 64 KiB read buffer (a bytearray, asked
of malloc) and a little state. The hosts come from service discovery as traffic spreads over the
fleet: new hosts are first seen ever more rarely, the rate halving every 3 s, toward a fleet of 180
hosts (host k is first seen at t = -3 log2(1 - k/180) s). Requests (250 a second, each a task that
borrows a connection, fills part of its buffer and builds a 2-16 kB response that is dropped) go to
hosts already seen. Nothing else is kept.
Truth: not a leak: a warm-up that settles toward ~24 MB of pools (180 hosts x ~132 kB): half of it
in the first 3 s, 94% by 12 s, 98.4% (177 hosts) by the end of an 18 s run; the last 6 s add ~1.1 MB,
at a rate that keeps halving. Pattern: a warm-up plateau; a careful watcher of 18 s sees it
decelerate through six halvings, though the growth has not fully stopped at the end.
Measured (tests/accuracy/measure.py, session 14): live heap slope over successive 3 s windows 3.99,
2.06, 1.01, 0.51, 0.26, 0.12 MB/s (4.0 -> 14.5 -> 20.8 -> 24.0 -> 25.5 -> 26.3 -> 26.7 MB at 0, 3, ...,
18 s; ~128 kB a host); RSS the same slopes, 43.5 MB at 3 s and 55.7 MB at the end.
Usage: /usr/bin/python3 upstream_pool_settling.py SECONDS"""
import asyncio
import math
import random
import sys

import pacing

FLEET = 180
HALF_LIFE_S = 3.0
BUFFER_BYTES = 64 * 1024


def first_seen(k):
    """Seconds after start at which host k is first routed to."""
    return -HALF_LIFE_S * math.log2(1 - k / FLEET)


class Connection:
    __slots__ = ("host", "buffer", "in_use", "requests")

    def __init__(self, host):
        self.host = host
        self.buffer = bytearray(BUFFER_BYTES)
        self.in_use = False
        self.requests = 0


class HostPool:
    def __init__(self, host):
        self.host = host
        self.connections = [Connection(host) for _ in range(2)]
        self.latency_ms = []

    def borrow(self):
        for connection in self.connections:
            if not connection.in_use:
                connection.in_use = True
                return connection
        return None


class Gateway:
    def __init__(self):
        self.pools = {}
        self.served = 0
        self.rng = random.Random(7)

    def discover(self, t):
        while len(self.pools) < FLEET - 1 and first_seen(len(self.pools)) <= t:
            host = f"10.{len(self.pools) // 250}.{len(self.pools) % 250}.17:8443"
            self.pools[host] = HostPool(host)

    async def request(self, host):
        pool = self.pools[host]
        connection = pool.borrow()
        if connection is None:
            return
        try:
            size = self.rng.randint(2000, 16000)
            connection.buffer[:size] = b"r" * size
            await asyncio.sleep(0.004)
            response = bytes(connection.buffer[:size])
            connection.requests += 1
            pool.latency_ms = pool.latency_ms[-31:] + [4]
            self.served += len(response) > 0
        finally:
            connection.in_use = False


async def main():
    seconds = pacing.run_seconds(18)
    gateway = Gateway()
    tasks = set()

    def tick(i, t):
        gateway.discover(t)
        hosts = list(gateway.pools)
        for _ in range(5):  # 5 requests every 20 ms
            task = asyncio.ensure_future(gateway.request(gateway.rng.choice(hosts)))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    await pacing.every_async(0.02, seconds, tick)
    await asyncio.gather(*tasks)
    print(f"upstream_pool_settling: {len(gateway.pools)} host pools, {gateway.served} requests", file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(main())
