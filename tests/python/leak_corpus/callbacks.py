import time
class Bus:
    def __init__(self):
        self.handlers = []
    def subscribe(self, handler):
        self.handlers.append(handler)
bus = Bus()
class Session:
    def __init__(self, i):
        self.buffer = bytearray(1500)  # LEAK
        bus.subscribe(self.on_event)
    def on_event(self, e):
        pass
for i in range(80):
    for j in range(30):
        Session(i * 30 + j)
    time.sleep(0.04)
