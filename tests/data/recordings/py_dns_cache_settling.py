# A resolver cache dict keyed by hostname, never evicted, but the hostname space is 30000 names queried
# uniformly at 3000 lookups/s: new entries arrive at a rate that decays like exp(-t/10 s).
# Truth: no leak: a settling warm-up toward ~30000 x ~0.75 KB ~ 22 MB (63% filled at 10 s, 86% at 20 s).
import time, sys, random
rng = random.Random(6); cache = {}; end = time.time() + float(sys.argv[1]); n = 0
while time.time() < end:
    for _ in range(300):
        h = f"svc-{rng.randrange(30000)}.internal.example.com"
        if h not in cache: cache[h] = {"addrs": [f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}" for _ in range(4)], "ttl": 300, "raw": os.urandom(512) if False else bytes(512)}
        n += 1
    time.sleep(0.1)
print("lookups", n, "entries", len(cache), file=sys.stderr)
