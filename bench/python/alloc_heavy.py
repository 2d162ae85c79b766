"""Allocation-heavy pure Python: dicts, lists, strings and objects made and dropped, a bounded cache."""
import sys
class Order:
    __slots__ = ("id", "items", "note")
    def __init__(self, i):
        self.id = i
        self.items = [{"sku": i % 97, "qty": j} for j in range(4)]
        self.note = "order-%d" % i
cache = {}
total = 0
for i in range(int(sys.argv[1]) if len(sys.argv) > 1 else 400000):
    o = Order(i)
    cache[i % 5000] = o
    total += len(o.note) + sum(item["qty"] for item in o.items)
print(total)
