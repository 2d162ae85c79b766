import time
import numpy as np
frames = []
def capture(n):
    frames.append(np.zeros(n))  # LEAK
for i in range(80):
    for _ in range(20):
        capture(1000)
    time.sleep(0.04)
