"""A leak in pure Python through callbacks that are never unsubscribed (written in session 9 as a
held-out check, never tuned on): an asyncio push server (a live-scores feed) accepts 40 connections a
second, each lasting about a second. A connection subscribes to two of 50 topics by registering
`lambda message: self.send(message)` with each, and gets a 4 KiB bytearray send buffer. On close it
calls `topic.unsubscribe(self.send)`, which cannot find the lambda (another object), and the
ValueError is swallowed as "already unsubscribed". The lambdas keep the closed connections alive, with
their buffers; publishing skips closed connections, so those stop growing.
Truth: a leak, linear, from the start: 40 connections a second, each a Connection with its __dict__,
its peer string, the 4,096-byte buffer (malloc'd: over pymalloc's 512-byte limit) and two lambdas
with their cell: ~5.1 kB each, ~205 kB/s. Measured under leakscope run: RSS grows 208-210 kB/s over
2-14 s and 7-14 s (31.8 -> 34.3 MB); the malloc'd live heap 164 kB/s (40 buffers of 4,097 bytes);
the small objects (~1 kB a connection) fill pymalloc arenas that had room, whose 1 MiB mappings stay
at 7.36 MB in this run. ~2.8 MB over the run on ~34 MB (about 8%). The buffer, most of what is kept,
is allocated in Connection.__init__ (called by accept_connection).
Usage: pubsub_unsubscribe_leak.py SECONDS
"""
import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pacing  # noqa: E402

TOPICS = 50


class Topic:
    def __init__(self, name):
        self.name = name
        self.subscribers = []

    def subscribe(self, callback):
        self.subscribers.append(callback)

    def unsubscribe(self, callback):
        try:
            self.subscribers.remove(callback)
        except ValueError:
            pass  # "already unsubscribed"

    def publish(self, message):
        for callback in self.subscribers:
            callback(message)


class Connection:
    def __init__(self, number, topics):
        self.number = number
        self.peer = f"198.51.100.{number % 250}:{40000 + number % 20000}"
        self.buffer = bytearray(4096)  # the send buffer
        self.used = 0
        self.closed = False
        self.topics = topics
        for topic in topics:
            topic.subscribe(lambda message: self.send(message))

    def send(self, message):
        if self.closed:
            return
        if self.used + len(message) > len(self.buffer):
            self.used = 0  # flushed to the socket
        self.buffer[self.used:self.used + len(message)] = message
        self.used += len(message)

    def close(self):
        self.closed = True
        for topic in self.topics:
            topic.unsubscribe(self.send)  # the bug: the lambda was subscribed, not self.send


topics = [Topic(f"league-{k}") for k in range(TOPICS)]
open_connections = {}
stats = {"accepted": 0, "closed": 0, "published": 0}


def accept_connection(number):
    connection = Connection(number, [topics[number % TOPICS], topics[(number * 7 + 1) % TOPICS]])
    open_connections[number] = connection
    stats["accepted"] += 1


def close_connection(number):
    open_connections.pop(number).close()
    stats["closed"] += 1


async def serve(seconds):
    loop = asyncio.get_running_loop()

    def tick(i, _t):
        # 20 ticks a second: 2 connections arrive, each closed 0.8-1.2 s later; one topic publishes.
        for k in range(2):
            number = i * 2 + k
            accept_connection(number)
            loop.call_later(0.8 + (number % 5) * 0.1, close_connection, number)
        minute = i % 90
        topics[i % TOPICS].publish(f'{{"match": {i % 97}, "score": "{i % 5}-{i % 3}", "minute": {minute}}}'.encode())
        stats["published"] += 1

    await pacing.every_async(0.05, seconds, tick)


asyncio.run(serve(pacing.run_seconds(14)))
print(f"{stats['accepted']} connections, {stats['closed']} closed, {len(open_connections)} open, "
      f"{sum(len(t.subscribers) for t in topics)} subscribers, {stats['published']} messages published")
