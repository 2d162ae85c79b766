# A CSV ingester parses incoming lines with csv.DictReader, buffers rows, and bulk-ships the buffer every
# 4 s (then clears it). Truth: no leak; heap sawtooth with a 4 s period, ~1.5 MB peak per batch.
import csv, io, time, sys, random
rng = random.Random(2); hdr = "ts,host,path,status,bytes,agent\n"
buf = []; shipped = 0; end = time.time() + float(sys.argv[1]); last = time.time()
while time.time() < end:
    lines = "".join(f"{time.time():.3f},h{rng.randrange(50)},/p/{rng.randrange(10**6)},{rng.choice([200,404,500])},{rng.randrange(10**5)},Mozilla/5.0 agent {rng.randrange(10**4)}\n" for _ in range(100))
    buf.extend(csv.DictReader(io.StringIO(hdr + lines)))
    if time.time() - last >= 4: shipped += len(buf); buf.clear(); last = time.time()
    time.sleep(0.1)
print("shipped", shipped, file=sys.stderr)
