#!/usr/bin/env bash
# Debian's redis-server (a real key-value server, on Debian's jemalloc) used as a session store: a
# client sets random session keys (100-1,000 B values, from 100 million keys: nearly every set adds one)
# at SETS_PER_S. At the end the client stops and the server is shut down (SIGTERM). Two cases:
# - redis_session_ttl_flat (TTL_S 4, 6,000 sets a second): each key expires after 4 s (SET ... EX 4).
#   Keys expire as fast as they come once the first reach their age (redis deletes expired keys when
#   they are touched and in its active expiry cycle, ten times a second), so the number of live
#   sessions, and the server's memory, levels off after a few seconds. Truth: not a leak; a warm-up of
#   the session working set, then flat (jemalloc keeps some freed pages a while: the level may wander
#   by a few MB).
# - redis_unbounded_store_leak (TTL_S 0, 3,000 sets a second): no expiry and no maxmemory, so every
#   key stays and the server's memory grows at the pace of the writes for as long as they come (the
#   growth a forgotten TTL causes in production). Truth: a leak (unbounded growth of reachable data),
#   linear, ~3,000 x (550 B of value + redis's per-key overhead) a second.
# Usage: redis_session_store.sh TTL_S SETS_PER_S SECONDS
set -euo pipefail
ttl_s=$1
sets_per_s=$2
seconds=${3:-16}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/serve.sh"
serve redis.sock redis-server --port 0 --unixsocket "$dir/redis.sock" --save "" --appendonly no --loglevel warning
python3 "$here/service_load.py" redis "$socket" "$seconds" "$sets_per_s" 100000000 "$ttl_s"
