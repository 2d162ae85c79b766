#!/usr/bin/env bash
# Debian's sqlite3 shell serving random point reads from a 55 MB database (200,000 rows of 250 B) with
# a page cache large enough to hold all of it (PRAGMA cache_size = 200 MB): every read of a page not yet
# cached brings it into the cache, and stays. Read at random, the pages come in fast at first and ever
# more slowly as fewer remain uncached (each read finds a new page with the chance of the share still
# out): the shell's memory climbs toward the database's size and levels off, a warm-up that keeps
# slowing down. The database is built first (~0.3 s); the client feeds 1,500 reads a second on the
# shell's stdin.
# Truth: not a leak; a warm-up settling toward ~60 MB (the database plus the cache's own headers).
# Usage: sqlite_page_cache_settling.sh SECONDS
set -euo pipefail
seconds=${1:-30}
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sqlite3 "$dir/kv.db" "PRAGMA page_size = 4096; CREATE TABLE kv(id INTEGER PRIMARY KEY, v TEXT);
  WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 200000)
  INSERT INTO kv SELECT x, printf('%0250d', x) FROM n;"
{
  echo "PRAGMA cache_size = -200000;"
  echo ".output /dev/null"
  python3 "$here/service_load.py" sqlite "$seconds" 1500 200000
} | sqlite3 "$dir/kv.db"
