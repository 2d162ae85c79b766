"""attach --track target: a Python service that keeps every request's payload (the leak) and churns
short-lived objects. Runs for argv[1] milliseconds, prints its counts and exits with code 5."""
import sys
import time

kept = []


def remember_request(i):
    kept.append(bytearray(3000 + i % 100))  # a C-level malloc per request, never released


def handle(i):
    scratch = [str(j) for j in range(50)]  # freed at once
    remember_request(i)
    return len(scratch)


def main():
    end = time.monotonic() + int(sys.argv[1]) / 1000.0
    served = 0
    while time.monotonic() < end:
        for _ in range(20):
            handle(served)
            served += 1
        time.sleep(0.002)
    print(f"python service served {served} requests, kept {len(kept)}")
    sys.exit(5)


main()
