#!/usr/bin/env bash
# Debian's memcached (not written for leakscope: a real cache server) with a 32 MB limit (-m 32),
# filled by a client setting random session keys (100-1,000 B values, from 50 million keys: nearly
# every set is a new key) at 8,000 sets a second, ~4.4 MB/s of values. memcached takes its memory in
# 1 MB slab pages as items arrive, up to the limit, then evicts the least recently used items to make
# room: the server's RSS climbs for the first several seconds and then holds at the limit plus its own
# tables, whatever the load does after. At the end the client stops and the server is shut down
# (SIGTERM): the last samples are its teardown.
# Truth: not a leak; a warm-up to the limit, then flat (a bounded cache that looks like a leak while it
# fills).
# Usage: memcached_fill_to_limit_flat.sh SECONDS
set -euo pipefail
seconds=${1:-16}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/serve.sh"
user=()
[[ $EUID -eq 0 ]] && user=(-u root)  # memcached refuses to run as root unless told which user to be
serve memcached.sock memcached "${user[@]}" -m 32 -s "$dir/memcached.sock" -t 2
python3 "$here/service_load.py" memcached "$socket" "$seconds" 8000 50000000
