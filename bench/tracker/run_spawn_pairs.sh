#!/usr/bin/env bash
# The cost of each process started under sampled tracking, new against base: alternated runs of
# `bash` running /bin/true N times, bare, under BASE_BUILD's `leakscope run --sample-bytes 512K`, and
# under NEW_BUILD's, PAIRS times over; CPU is user + system of everything started. Prints each round
# and the medians (ratios to the bare run of the same round). run_end_to_end.sh's spawn row has 3
# repeats among four other workloads; this is the row alone, with more rounds.
# Usage: bench/tracker/run_spawn_pairs.sh BASE_BUILD NEW_BUILD [PAIRS] [N]
set -euo pipefail
[[ $# -ge 2 ]] || { echo "usage: $0 BASE_BUILD NEW_BUILD [PAIRS] [N]" >&2; exit 2; }
BASE=$(cd "$1" && pwd)/bin/leakscope
NEW=$(cd "$2" && pwd)/bin/leakscope
PAIRS=${3:-8}
N=${4:-1800}
for f in "$BASE" "$NEW"; do [[ -x $f ]] || { echo "missing $f" >&2; exit 2; }; done
[[ $PAIRS =~ ^[1-9][0-9]*$ && $N =~ ^[1-9][0-9]*$ ]] || { echo "PAIRS and N must be positive whole numbers" >&2; exit 2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
LOOP="/bin/bash -c 'for ((i = 0; i < $N; i++)); do /bin/true; done'"
cpu() {  # user + system seconds of a command line and everything it waits for
  /usr/bin/time -o "$WORK/time" -f "%U %S" bash -c "$1" > /dev/null 2> "$WORK/stderr" ||
    { echo "failed: $1" >&2; tail -5 "$WORK/stderr" >&2; exit 1; }
  awk '{printf "%.3f", $1 + $2}' "$WORK/time"
}
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); $PAIRS rounds of bash running /bin/true $N times"
echo "round  bare_cpu_s  base_cpu_s  new_cpu_s"
for ((round = 1; round <= PAIRS; round++)); do
  bare=$(cpu "$LOOP")
  base=$(cpu "$BASE run --sample-bytes 512K -o $WORK/base.lks -- $LOOP")
  new=$(cpu "$NEW run --sample-bytes 512K -o $WORK/new.lks -- $LOOP")
  echo "$round $bare $base $new" | tee -a "$WORK/rounds"
done
awk '{b[NR] = $3 / $2; n[NR] = $4 / $2; r[NR] = $4 / $3; if ($4 < $3) lower++}
     function median(a, k,   i, j, t) { for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                                       return (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2 }
     END { printf "median of bare ratios: base %.2fx, new %.2fx; new/base %.3f; new below base in %d of %d\n",
                  median(b, NR), median(n, NR), median(r, NR), lower + 0, NR }' "$WORK/rounds"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
