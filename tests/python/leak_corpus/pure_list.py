import time
log = []
def record(i):
    log.append("event %08d " % i + "x" * 300)  # LEAK
for i in range(80):
    for j in range(400):
        record(i * 400 + j)
    time.sleep(0.04)
