"""A listener leak in Python (written in session 4 as a fresh check, never tuned on): an event bus
where each request subscribes a callback closing over its 2 KB payload to "order.updated" and never
unsubscribes when the request ends. 100 requests a second: ~250 kB/s of bytes, closures and list
slots that stay reachable from the bus.
Truth: a leak, linear; top Python site the line that subscribes.
Usage: event_listener_leak.py SECONDS
"""
import os
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pacing  # noqa: E402


class EventBus:
    def __init__(self):
        self._listeners = defaultdict(list)

    def subscribe(self, topic, callback):
        self._listeners[topic].append(callback)

    def publish(self, topic, event):
        for callback in self._listeners[topic][-10:]:
            callback(event)


bus = EventBus()


def handle_request(request_id):
    payload = os.urandom(2048)

    def on_update(event):
        return len(payload) + event

    bus.subscribe("order.updated", on_update)
    bus.publish("order.updated", request_id)


def serve(i, _t):
    for k in range(2):
        handle_request(i * 2 + k)


pacing.every(0.02, pacing.run_seconds(14), serve)
