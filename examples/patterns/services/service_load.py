"""Steady client load for the corpus's real services (Debian's memcached, redis-server and sqlite3),
paced by wall clock (../python/pacing.py) so that what the server holds grows at the same pace on any
machine. The server is the program under test; this client is part of the watched tree too, and keeps
a flat, small heap of its own (one batch of requests at a time).

Usage: service_load.py memcached SOCKET SECONDS SETS_PER_S KEYS
       service_load.py redis SOCKET SECONDS SETS_PER_S KEYS TTL_S     (TTL 0: keys never expire)
       service_load.py sqlite SECONDS READS_PER_S ROWS                 (SQL on stdout, for a sqlite3 shell)
Values are 100-1,000 bytes (uniform), keys drawn at random from KEYS."""
import os
import random
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import pacing  # noqa: E402

TICK_S = 0.05


def connect(path):
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(path)
    return client


def drain(client):
    """Reads whatever replies have come, without waiting (redis answers every SET)."""
    client.setblocking(False)
    try:
        while client.recv(1 << 16):
            pass
    except BlockingIOError:
        pass
    client.setblocking(True)


def resp(*parts):
    return b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)


def main():
    mode = sys.argv[1]
    rnd = random.Random(20261207)
    if mode == "sqlite":
        seconds, per_s, rows = float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
        per_tick = max(1, round(per_s * TICK_S))
        out = sys.stdout

        def read_tick(i, t):
            ids = ",".join(str(rnd.randint(1, rows)) for _ in range(per_tick))
            out.write(f"SELECT length(v) FROM kv WHERE id IN ({ids});\n")
            out.flush()

        pacing.every(TICK_S, seconds, read_tick)
        return
    path, seconds, per_s, keys = sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    ttl = int(sys.argv[6]) if mode == "redis" else 0
    per_tick = max(1, round(per_s * TICK_S))
    client = connect(path)

    def set_tick(i, t):
        batch = []
        for _ in range(per_tick):
            key = b"session:%09d" % rnd.randrange(keys)
            value = b"v" * rnd.randint(100, 1000)
            if mode == "memcached":
                batch.append(b"set %s 0 0 %d noreply\r\n%s\r\n" % (key, len(value), value))
            elif ttl:
                batch.append(resp(b"SET", key, value, b"EX", b"%d" % ttl))
            else:
                batch.append(resp(b"SET", key, value))
        client.sendall(b"".join(batch))
        if mode == "redis":
            drain(client)

    pacing.every(TICK_S, seconds, set_tick)


if __name__ == "__main__":
    main()
