import time
class Resolver:
    def __init__(self):
        self.cache = {}
    def resolve(self, key):
        if key not in self.cache:
            self.cache[key] = [key] * 40  # LEAK
        return self.cache[key]
r = Resolver()
for i in range(80):
    for j in range(300):
        r.resolve(i * 300 + j)
    time.sleep(0.04)
