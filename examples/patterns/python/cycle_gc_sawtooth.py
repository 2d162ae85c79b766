"""Reference cycles with __del__, collected by a periodic gc.collect(): a sawtooth, not a leak
(written in session 6 as a held-out check, never tuned on): a document service turns off the
automatic cycle collector for latency (gc.disable(), as some servers do) and runs gc.collect() from
its maintenance tick every 2 s. Each request builds a Document with 20 Sections; every Section points
back to its Document (a cycle) and holds a 2,000-byte payload, and Document.__del__ returns its render
slot to a pool (since Python 3.4 such cycles are collected). 50 requests a second: between
collections the unreachable cycles pile up at ~2.1 MB/s (payloads from malloc, objects in pymalloc's
arenas), and each collection frees all of them.
Truth: a bounded sawtooth (up ~4.3 MB over 2 s, then back to the base), no leak. The drop every 2 s
is also a periodic pattern; glibc may keep the freed chunks, so RSS alone may show a plateau.
Usage: cycle_gc_sawtooth.py SECONDS
"""
import gc

import pacing


class RenderSlots:
    def __init__(self, n):
        self.free = list(range(n))

    def take(self):
        return self.free.pop() if self.free else None

    def give(self, slot):
        if slot is not None:
            self.free.append(slot)


SLOTS = RenderSlots(10_000)


class Section:
    def __init__(self, document, n):
        self.document = document  # the back edge: Document -> sections -> Section -> Document
        self.payload = bytes([65 + n % 26]) * 2000


class Document:
    def __init__(self, doc_id):
        self.doc_id = doc_id
        self.slot = SLOTS.take()
        self.sections = [Section(self, n) for n in range(20)]

    def __del__(self):
        SLOTS.give(self.slot)

    def size(self):
        return sum(len(s.payload) for s in self.sections)


def main():
    gc.disable()
    served = [0]

    def tick(i, _t):
        served[0] += Document(i).size()  # unreachable (but for its cycle) as soon as it is served
        if i % 100 == 99:  # every 2 s
            gc.collect()

    # 50 ticks a second, one request each.
    pacing.every(0.02, pacing.run_seconds(14), tick)
    print(served[0], "bytes served,", len(SLOTS.free), "slots free")


if __name__ == "__main__":
    main()
