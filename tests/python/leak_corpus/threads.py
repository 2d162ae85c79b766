import threading
import time
results = []
def worker(n):
    for i in range(n):
        results.append(bytearray(2000))  # LEAK
        if i % 20 == 0:
            time.sleep(0.01)
threads = [threading.Thread(target=worker, args=(1600,)) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
time.sleep(0.3)
