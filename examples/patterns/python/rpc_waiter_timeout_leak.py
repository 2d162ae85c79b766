"""A leak on the timeout path of an asyncio RPC client (written in session 12 by the lead as a
first-run check; in the tuning set since its author tunes the engine): every call registers a
future in `self._waiters[request_id]` with its 600-byte request frame, and the reply handler pops
it. A call whose reply misses its deadline (1 in 8 here: the fake server drops them) gives up
with asyncio.wait_for's TimeoutError, and the except branch logs and returns without popping its
waiter. 1,200 calls a second on one event loop; beside it a bounded recent-latency window (deque
of 5,000) and a 4 MB routing table loaded at start.
Truth: a leak, linear: ~150 waiters a second, each a future, its frame (bytes of 600) and a dict
slot, ~1 KB each with their object headers; ~2 MB over 14 s on a ~15 MB interpreter. The waiters are
created in RpcClient.call.
Usage: python3 rpc_waiter_timeout_leak.py SECONDS"""
import asyncio
import collections

import pacing


class RpcClient:
    def __init__(self, loop):
        self._loop = loop
        self._waiters = {}
        self._next_id = 0
        self.latencies = collections.deque(maxlen=5000)
        self.timeouts = 0

    def _deliver(self, request_id, reply):
        waiter = self._waiters.pop(request_id, None)
        if waiter is not None and not waiter[0].done():
            waiter[0].set_result(reply)

    async def call(self, method, payload):
        self._next_id += 1
        request_id = self._next_id
        frame = (method.encode() + b":" + payload).ljust(600, b"\0")
        future = self._loop.create_future()
        self._waiters[request_id] = (future, frame)
        if request_id % 8:  # the fake server answers 7 calls in 8 at once, drops the 8th
            self._loop.call_soon(self._deliver, request_id, frame[:32])
        started = self._loop.time()
        try:
            reply = await asyncio.wait_for(future, timeout=0.05)
        except asyncio.TimeoutError:
            # The bug: the waiter (future and frame) stays in self._waiters for good.
            self.timeouts += 1
            return None
        self.latencies.append(self._loop.time() - started)
        return reply


async def main():
    seconds = pacing.run_seconds(14)
    loop = asyncio.get_running_loop()
    client = RpcClient(loop)
    routes = {f"/svc/{k:05d}": "backend-" + "x" * 180 for k in range(20000)}
    pending = set()

    def tick(i, t):
        for k in range(12):
            task = asyncio.ensure_future(client.call("Lookup", f"/svc/{(i * 12 + k) % 20000:05d}".encode()))
            pending.add(task)
            task.add_done_callback(pending.discard)

    # 100 ticks a second, 12 calls each.
    await pacing.every_async(0.01, seconds, tick)
    await asyncio.gather(*pending)
    print(len(client._waiters), "waiters left,", client.timeouts, "timeouts,", len(routes), "routes")


if __name__ == "__main__":
    asyncio.run(main())
