import time
class Point:
    def __init__(self, x):
        self.x = x
        self.y = [x] * 20  # LEAK
history = []
def make_point(i):
    return Point(i)  # LEAK (the Point; its list is made on line 5)
def track(i):
    history.append(make_point(i))  # LEAK (the list that never shrinks)
def loop(n):
    for i in range(n):
        track(i)
for i in range(80):
    loop(300)
    time.sleep(0.04)
