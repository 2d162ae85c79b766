"""A still-reachable leak in a Python service (written in session 16 as a held-out check, never tuned
on): a notification mailer. A dispatcher thread takes 150 events a second (order shipped, password
reset, weekly digest) from a queue.Queue fed by the main loop, renders each into a MIME message from
a bounded template cache and hands it to a sender that batches 50 messages per SMTP session (the
batch is freed once sent). build_message(template, context, attachments=[]) adds a per-recipient
open-tracking part to `attachments` before joining the parts: callers that send attachments (two
events in five) pass their own list, the others get the default list, which Python creates once,
when the function is defined. So every message without attachments leaves its tracking part in that
one list, for good, and each later message of that kind also joins all of them into its body, so its
body grows too (a body is freed once sent: only the parts stay).
Truth: a leak, linear, from the start: 90 messages a second without attachments each keep a tracking
part: a bytes object of ~910 B (MIME headers, a base64 GIF, the recipient's token; ~943 B with the
object header, allocated by malloc, being over pymalloc's 512 B) plus an 8 B slot in the list
(which over-allocates by ~1/8): ~86 kB/s, ~1.3 MB over a 16 s run on a ~16 MB process (~8%). The
bodies joined from the list are freed when sent, and a size guard stops joining parts at 16 kB, so
the batch in flight (at most 50 messages, sent three times a second) stays under ~0.8 MB. The parts
are made in build_message.
Measured (session 16, glibc mallinfo2 in-use bytes and /proc VmRSS sampled every 100 ms by a scratch
preload shim, no tracker): heap +86 kB/s over 1-16 s (1.91 -> 3.23 MB; +79 kB/s over 2-9 s, +89 kB/s
over 9-16 s, swinging ~1 MB with the batch), RSS 15.4 -> 16.8 MB, +94 kB/s; at the end 1,440 parts
(1,311,024 bytes) in the default list, 2,400 messages sent.
Usage: /usr/bin/python3 notify_default_attachments_leak.py SECONDS"""
import base64
import hashlib
import queue
import sys
import threading

import pacing

BODY_CAP = 16 * 1024  # the mailer's guard on a message's inline parts
PIXEL = base64.b64encode(b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00"
                         b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;" * 12)
TEMPLATES = {
    "shipped": "Hello {name},\n\nyour order {order} has shipped with {carrier}; track it at {url}.\n",
    "reset": "Hello {name},\n\nsomeone asked to reset your password. Use {url} within 30 minutes.\n",
    "digest": "Hello {name},\n\nhere is what happened this week: {count} new messages in {channels}.\n",
    "invoice": "Hello {name},\n\nyour invoice {order} for {amount} is attached.\n",
}


class TemplateCache:
    """Compiled templates by (name, locale), at most 64 (there are 4 x 12 of them)."""

    def __init__(self):
        self.compiled = {}

    def get(self, name, locale):
        key = (name, locale)
        if key not in self.compiled:
            if len(self.compiled) >= 64:
                self.compiled.pop(next(iter(self.compiled)))
            self.compiled[key] = ("[" + locale + "] " + TEMPLATES[name]).replace("\n", "\r\n")
        return self.compiled[key]


def build_message(template, context, attachments=[]):
    """The MIME message: the rendered text, the attachments, and an open-tracking part."""
    token = hashlib.sha256(context["email"].encode()).hexdigest()
    attachments.append(b"--=_part\r\nContent-Type: image/gif\r\nContent-Transfer-Encoding: base64\r\n"
                       b"Content-ID: <open-" + token.encode() + b"@mail.example.net>\r\n"
                       b"X-Recipient: " + context["email"].encode() + b"\r\n\r\n" + PIXEL + b"\r\n")
    body = template.format(**context).encode()
    parts = [body]
    size = len(body)
    for part in attachments:
        if size + len(part) > BODY_CAP:
            break
        parts.append(part)
        size += len(part)
    return b"".join(parts)


class Mailer:
    def __init__(self):
        self.templates = TemplateCache()
        self.batch = []
        self.sent = self.batches = self.bytes_sent = 0

    def handle(self, event):
        kind, n = event
        context = {"name": f"customer {n}", "email": f"customer.{n}@shop{n % 97}.example.com",
                   "order": f"ORD-{n:08d}", "carrier": "DHL", "url": f"https://shop.example.com/t/{n:x}",
                   "count": n % 40, "channels": "#general, #releases", "amount": f"{n % 300 + 0.5:.2f} EUR"}
        template = self.templates.get(kind, ("en", "de", "fr", "es", "it", "nl", "pl", "sv", "da", "fi", "pt",
                                             "cs")[n % 12])
        if kind == "invoice" or n % 5 == 0:
            pdf = [b"%PDF-1.7 invoice " + context["order"].encode() + b" " * 3000]
            message = build_message(template, context, pdf)
        else:
            message = build_message(template, context)
        self.batch.append(message)
        if len(self.batch) >= 50:
            self.send_batch()

    def send_batch(self):
        """One SMTP session per 50 messages (here: counted); the batch is freed once sent."""
        self.bytes_sent += sum(len(m) for m in self.batch)
        self.sent += len(self.batch)
        self.batches += 1
        self.batch = []


def main():
    seconds = pacing.run_seconds(16)
    events = queue.Queue()
    mailer = Mailer()

    def dispatch():
        while (event := events.get()) is not None:
            mailer.handle(event)

    dispatcher = threading.Thread(target=dispatch, name="dispatcher")
    dispatcher.start()
    kinds = ("shipped", "reset", "digest", "shipped", "invoice")
    counter = [0]

    def tick(i, t):
        # 15 events per 100 ms: 150 a second; one in five is an invoice (attached PDF)
        for _ in range(15):
            n = counter[0]
            counter[0] += 1
            events.put((kinds[n % 5], n))

    pacing.every(0.1, seconds, tick)
    events.put(None)
    dispatcher.join()
    default_parts = build_message.__defaults__[0]
    print(f"{mailer.sent} messages sent in {mailer.batches} batches ({mailer.bytes_sent} bytes), "
          f"{len(default_parts)} tracking parts in the default list ({sum(len(p) for p in default_parts)} bytes)",
          file=sys.stderr)


if __name__ == "__main__":
    main()
