#!/usr/bin/env bash
# Tracker overhead benchmark, all variants side by side in one run (the machine's load changes over
# minutes, so ratios are taken between neighbouring runs, repeated, and the median reported):
#   1. wall time of the 2-thread malloc churn: untracked, fully tracked, sampled (512 KiB mean),
#      and under heaptrack;
#   2. per-operation time with 1 and 2 threads (untracked and fully tracked);
#   3. the stream's steady size in MB/hour at a high allocation rate with 1000 live call sites;
#   4. the tracker's own memory against the number of live allocations.
# Usage: bench/tracker/run_tracker_bench.sh [BUILD_DIR] [OPERATIONS_PER_THREAD] [REPEATS]
set -euo pipefail

BUILD=${1:-build}
OPS=${2:-2000000}
REPEATS=${3:-3}
CHURN=$BUILD/bin/tracker_bench_churn
RUN=$BUILD/bin/tracker_bench_run
for f in "$CHURN" "$RUN" "$BUILD/lib/libleakscope_tracker.so"; do
  [[ -e $f ]] || { echo "missing $f: build the targets tracker_bench_run and leakscope_tracker first" >&2; exit 2; }
done
HEAPTRACK=$(command -v heaptrack || true)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# "wall cpu" seconds of a command and the children it waits for (output discarded). CPU time is the
# steadier figure on a loaded machine: wall time also counts waiting for a core.
measure() {
  /usr/bin/time -o "$WORK/time" -f "%e %U %S" "$@" > /dev/null 2> "$WORK/stderr" ||
    { echo "failed: $*" >&2; cat "$WORK/stderr" >&2; exit 1; }
  awk '{printf "%.3f %.3f\n", $1, $2 + $3}' "$WORK/time"
}
# Median of column $1 (default 1) of stdin.
median() { awk -v c="${1:-1}" '{print $c}' | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f\n", a / b}'; }

echo "== 1. 2 threads x $OPS operations, $REPEATS interleaved repeats: wall and CPU time =="
# Each repeat runs every variant right after an untracked run, and a variant's ratio is taken to that
# neighbour; the median of these paired ratios is reported (the machine's speed drifts between repeats,
# which unpaired medians of times mix into the ratios).
: > "$WORK/plain"; : > "$WORK/full"; : > "$WORK/sampled"; : > "$WORK/heaptrack"
: > "$WORK/full.ratio"; : > "$WORK/sampled.ratio"; : > "$WORK/heaptrack.ratio"
: > "$WORK/preload"; : > "$WORK/preload.ratio"
paired() {  # name command...: one untracked run, then the variant; appends times and ratios
  local name=$1 base variant
  shift
  base=$(measure "${BASELINE[@]}" "$CHURN" 2 "$OPS")
  echo "$base" >> "$WORK/${BASELINE_NAME}"
  variant=$(measure "$@")
  echo "$variant" >> "$WORK/$name"
  awk -v b="$base" -v v="$variant" 'BEGIN {split(b, x, " "); split(v, y, " "); printf "%.4f %.4f\n", y[1] / x[1], y[2] / x[2]}' >> "$WORK/$name.ratio"
}
BASELINE=(); BASELINE_NAME=plain
for ((i = 0; i < REPEATS; i++)); do
  paired full "$RUN" -- "$CHURN" 2 "$OPS"
  paired sampled "$RUN" --sample-bytes 524288 -- "$CHURN" 2 "$OPS"
  # The floor under any tracking: the library preloaded but not configured, its hooks only forwarding.
  paired preload env LD_PRELOAD="$BUILD/lib/libleakscope_tracker.so" "$CHURN" 2 "$OPS"
  if [[ -n $HEAPTRACK ]]; then
    paired heaptrack "$HEAPTRACK" -o "$WORK/ht.$i" "$CHURN" 2 "$OPS"
    rm -f "$WORK"/ht.*
  fi
done
printf '%-18s wall %7.3f s           cpu %7.3f s\n' untracked "$(median 1 < "$WORK/plain")" "$(median 2 < "$WORK/plain")"
row() {  # name file
  printf '%-18s wall %7.3f s (%5.2fx)   cpu %7.3f s (%5.2fx)\n' "$1" "$(median 1 < "$WORK/$2")" "$(median 1 < "$WORK/$2.ratio")" \
    "$(median 2 < "$WORK/$2")" "$(median 2 < "$WORK/$2.ratio")"
}
row "full tracking" full
row "sampled 512 KiB" sampled
row "preload only" preload
if [[ -n $HEAPTRACK ]]; then row heaptrack heaptrack; else echo "heaptrack          (not installed)"; fi
# The reference the issue quotes: jemalloc's own sampled heap profiling at the same mean (2^19 bytes)
# over plain jemalloc, the same program, paired the same way (Debian's libjemalloc2 has profiling).
JEMALLOC=$(ls /usr/lib/*/libjemalloc.so.2 2> /dev/null | head -1 || true)
if [[ -n $JEMALLOC ]]; then
  BASELINE=(env LD_PRELOAD="$JEMALLOC"); BASELINE_NAME=jemalloc
  : > "$WORK/jemalloc"; : > "$WORK/jemalloc_prof"; : > "$WORK/jemalloc_prof.ratio"
  for ((i = 0; i < REPEATS; i++)); do
    paired jemalloc_prof env LD_PRELOAD="$JEMALLOC" MALLOC_CONF=prof:true,lg_prof_sample:19 "$CHURN" 2 "$OPS"
  done
  printf '%-18s wall %7.3f s           cpu %7.3f s\n' "jemalloc" "$(median 1 < "$WORK/jemalloc")" "$(median 2 < "$WORK/jemalloc")"
  row "jemalloc prof 512K" jemalloc_prof
else
  echo "jemalloc           (libjemalloc2 not installed: no reference row)"
fi
echo "(ratios: medians of each run over the untracked run just before it; jemalloc prof over plain jemalloc)"

echo "== 2. the same $((OPS * 2)) operations on 1 thread and on 2 threads: CPU time per operation (median) =="
for mode in plain full; do
  : > "$WORK/one"; : > "$WORK/two"
  for ((i = 0; i < REPEATS; i++)); do
    if [[ $mode == plain ]]; then prefix=(); else prefix=("$RUN" --); fi
    measure "${prefix[@]}" "$CHURN" 1 $((OPS * 2)) >> "$WORK/one"
    measure "${prefix[@]}" "$CHURN" 2 "$OPS" >> "$WORK/two"
  done
  ONE=$(median 2 < "$WORK/one"); TWO=$(median 2 < "$WORK/two")
  printf '%-6s 1 thread %6.1f ns/op   2 threads %6.1f ns/op   (2 threads / 1 thread: %5.2f)\n' "$mode" \
    "$(awk -v c="$ONE" -v n=$((OPS * 2)) 'BEGIN {print c * 1e9 / n}')" "$(awk -v c="$TWO" -v n=$((OPS * 2)) 'BEGIN {print c * 1e9 / n}')" \
    "$(ratio "$TWO" "$ONE")"
done

echo "== 3. stream size at a high allocation rate, 1000 live call sites, 2 threads =="
"$RUN" -- "$CHURN" 2 $((OPS > 1500000 ? OPS * 2 : 3000000)) 1000 2>&1 >/dev/null | grep tracker-summary | tr ' ' '\n' | grep -E 'duration_s|stream_bytes|mb_per_hour|stacks|final_allocations'

echo "== 4. tracker memory against live allocations (1 thread) =="
for slots in 4096 65536 524288; do
  "$RUN" -- "$CHURN" 1 $((OPS * 2)) 0 "$slots" 2>&1 >/dev/null | grep tracker-summary |
    sed -n 's/.*max_live_allocations=\([0-9]*\) tracker_bytes_at_max_live=\([0-9]*\).*/\1 \2/p' |
    awk '{printf "%8d live allocations: tracker tables %7.2f MiB (%.1f bytes per live allocation)\n", $1, $2 / 1048576, ($1 > 0 ? $2 / $1 : 0)}'
done
