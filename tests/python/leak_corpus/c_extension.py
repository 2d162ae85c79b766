import time
import zlib
blobs = []
payload = bytes(range(256)) * 64
def archive(i):
    blobs.append(zlib.compress(payload + i.to_bytes(4, "little"), 0))  # LEAK
for i in range(80):
    for j in range(10):
        archive(i * 10 + j)
    time.sleep(0.04)
