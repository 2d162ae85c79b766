"""A leak in a pure-Python asyncio service through a set of done tasks (written in session 19 as a
held-out check, never tuned on): the webhook fan-out of an online shop's order service. Each order
event (100 a second: created, paid, shipped, refunded) is delivered to the partners subscribed to its
kind (1 or 2 of them) by a fire-and-forget task: the dispatcher renders the JSON payload, signs it
(HMAC-SHA256) and POSTs it (the partner's answer takes 30-300 ms), and the task returns a
DeliveryReceipt (status, timing, the payload and headers, for the delivery log). Because asyncio
keeps only weak references to tasks, the dispatcher keeps each one in self._background, as the
asyncio documentation advises; the other half of that advice, task.add_done_callback(
self._background.discard), was lost in a refactoring, so every finished task stays in the set with
its receipt and payload.
Truth: a leak, linear, from the start: 150 deliveries a second, each keeping its task, its finished
coroutine, the receipt, its headers and the payload bytes (0.9-2.9 kB, 1.9 kB on average, rendered in
WebhookDispatcher.render_payload, the biggest part): ~3.3 kB a delivery, ~500 kB/s; the deliveries
in flight (~25) come and go.
Measured (session 19): a plain run without leakscope (RSS, and glibc's mallinfo2 every 100 ms): RSS
22.1 -> 29.6 MB, +514 kB/s over 3-13 s (+497 over 2-9 s, +479 over 9-16 s); of it the malloc heap
(the payloads and other blocks over 512 bytes) +322 kB/s, the rest in pymalloc's arenas;
tests/accuracy/measure.py (tracked): live heap +319 kB/s and pymalloc's arenas +171 kB/s over 3-13 s
(+316 and +215 over 5-15 s); 2,400 tasks kept at exit (22 still in flight).
Usage: /usr/bin/python3 asyncio_webhook_task_set_leak.py SECONDS"""
import asyncio
import hashlib
import hmac
import json
import sys
import time
import zlib

import pacing

KINDS = ["order.created", "order.paid", "order.shipped", "order.refunded"]
CATALOG = [(f"SKU-{n:05d}", f"Product {n} " + "deluxe " * (n % 5), 199 + (n * 37) % 9800) for n in range(2000)]


class Subscription:
    def __init__(self, sid, url, kinds, secret):
        self.id = sid
        self.url = url
        self.kinds = kinds
        self.secret = secret


class DeliveryReceipt:
    __slots__ = ("subscription", "event_id", "status", "elapsed_ms", "payload", "headers")

    def __init__(self, subscription, event_id, status, elapsed_ms, payload, headers):
        self.subscription = subscription
        self.event_id = event_id
        self.status = status
        self.elapsed_ms = elapsed_ms
        self.payload = payload
        self.headers = headers


class PartnerTransport:
    """The HTTP client: a POST's answer comes after the partner's latency (30-300 ms)."""

    def __init__(self):
        self.sent_bytes = 0

    async def post(self, url, headers, body):
        self.sent_bytes += len(body)
        delay = 0.03 + (zlib.crc32(headers["Webhook-Id"].encode()) % 271) / 1000
        await asyncio.sleep(delay)
        return 200


class WebhookDispatcher:
    def __init__(self, subscriptions, transport):
        self.subscriptions = subscriptions
        self.transport = transport
        self._background = set()  # strong references: the event loop keeps only weak ones
        self.delivered = 0

    def render_payload(self, sub, event):
        body = {"id": f"evt_{event['id']:012d}", "type": event["kind"], "created": event["created"],
                "subscription": sub.id, "data": {"object": event["order"]}}
        return json.dumps(body, separators=(",", ":")).encode()

    def sign(self, sub, payload, delivery_id):
        stamp = str(int(time.time()))
        mac = hmac.new(sub.secret, stamp.encode() + b"." + payload, hashlib.sha256).hexdigest()
        return {"Content-Type": "application/json", "Webhook-Id": delivery_id,
                "Webhook-Timestamp": stamp, "Webhook-Signature": f"v1,{mac}"}

    async def deliver(self, sub, event):
        started = time.monotonic()
        payload = self.render_payload(sub, event)
        headers = self.sign(sub, payload, f"{sub.id}:{event['id']}")
        status = await self.transport.post(sub.url, headers, payload)
        self.delivered += 1
        return DeliveryReceipt(sub.id, event["id"], status, int((time.monotonic() - started) * 1000), payload, headers)

    def on_event(self, event):
        for sub in self.subscriptions:
            if event["kind"] in sub.kinds:
                task = asyncio.create_task(self.deliver(sub, event))
                self._background.add(task)


def order_event(n, now):
    h = zlib.crc32(b"order-%d" % n)
    items = []
    for k in range(3 + h % 10):
        sku, name, price = CATALOG[(h >> 3) * (k + 1) % len(CATALOG)]
        items.append({"sku": sku, "name": name, "qty": 1 + (h >> k) % 4, "unit_price": price, "tax_rate": "0.19",
                      "image": f"https://cdn.shop.example/img/{sku}/main-1200x1200.webp",
                      "attributes": {"color": ["black", "white", "oak"][k % 3], "size": ["S", "M", "L", "XL"][k % 4]}})
    order = {"number": f"SO-{100000 + n}", "customer": f"cus_{h % 90000:05d}", "currency": "EUR",
             "shipping": {"name": f"Customer {h % 90000}", "street": f"{h % 300} Main Street",
                          "city": "Springfield", "zip": f"{h % 99999:05d}", "country": "DE"},
             "items": items, "total": sum(i["qty"] * i["unit_price"] for i in items)}
    return {"id": n, "kind": KINDS[n % 4], "created": int(now), "order": order}


async def main():
    seconds = pacing.run_seconds(16)
    subscriptions = [
        Subscription("sub_erp", "https://erp.partner.example/hooks/orders", set(KINDS), b"k-erp-3c9f"),
        Subscription("sub_fulfil", "https://3pl.example/webhooks", {"order.paid"}, b"k-3pl-77a1"),
        Subscription("sub_crm", "https://crm.example/in/shop", {"order.created"}, b"k-crm-0d42"),
    ]
    dispatcher = WebhookDispatcher(subscriptions, PartnerTransport())
    events = 0

    def tick(i, t):
        nonlocal events
        now = time.time()
        for _ in range(2):  # every 20 ms: 100 events a second, 150 deliveries
            dispatcher.on_event(order_event(events, now))
            events += 1

    await pacing.every_async(0.02, seconds, tick)
    pending = sum(1 for task in dispatcher._background if not task.done())
    print(f"{events} order events, {dispatcher.delivered} webhooks delivered, "
          f"{len(dispatcher._background)} tasks kept ({pending} still in flight), "
          f"{dispatcher.transport.sent_bytes / 1e6:.1f} MB posted", file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(main())
