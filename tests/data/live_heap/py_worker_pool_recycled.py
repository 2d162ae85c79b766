# A worker pool recycled every 20 tasks (maxtasksperchild): each worker builds a 2 MB cache, then exits.
import multiprocessing as mp, sys, time
def work(i):
    cache = [bytearray(2048) for _ in range(1000)]
    time.sleep(0.05)
    return len(cache)
if __name__ == "__main__":
    secs = float(sys.argv[-1]) if len(sys.argv) > 1 else 10
    end = time.time() + secs
    with mp.Pool(3, maxtasksperchild=20) as pool:
        while time.time() < end:
            pool.map(work, range(6))
