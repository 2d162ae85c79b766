#!/usr/bin/env bash
# Tracker overhead as a user meets it: `leakscope run` end to end (start-up, the collector, the
# recording, symbolizing and the report at the end) against the bare program, full tracking and
# sampled (512 KiB), with heaptrack in the same table, on five workloads:
#   churn      the 2-thread malloc churn of ../shared/bench/churn.cpp (mixed sizes 16 B-4 KB, a std::map every 1024)
#   threads4   a 4-thread C++ program: tracker_bench_churn (tests/tracker/targets/churn.cpp, sizes to 64 KiB)
#   bash       a bash loop building and cutting strings
#   python3    json round trips of a list of dicts
#   spawn      a bash loop running /bin/true: the cost of each process started under tracking (a build or
#              CI script runs thousands)
# Each variant runs right after a bare run and its ratio is taken to that neighbour; medians of the
# paired ratios over REPEATS. Wall time and CPU time (user+system of everything started, leakscope and
# heaptrack's own processes included). The machine is shared: note its load beside the numbers.
# "floor" is forward_only.c preloaded alone (hooks that only jump to glibc's allocator, no leakscope):
# what interposing costs by itself, the floor under any LD_PRELOAD tracker.
# BASELINE_BUILD=DIR adds the columns "base-full" and "base-sampled": the same runs with DIR's leakscope
# and tracker (e.g. a build of main), so a change is measured against what it replaces in the same run.
# SCALE=N multiplies every workload's iterations: a run's fixed cost (start-up, symbolizing, the report:
# "fixed cost of a run" below, ~0.6 s wall) weighs on a 0.3 s program as it never would on a service
# watched for minutes, so the README's table is taken at SCALE=6 (bare runs of 1.5-6 s).
# Usage: [BASELINE_BUILD=DIR] [SCALE=N] bench/tracker/run_end_to_end.sh [BUILD_DIR] [REPEATS] [CHURN_SOURCE]
set -euo pipefail

BUILD=$(cd "${1:-build}" && pwd)
REPEATS=${2:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
CHURN_SOURCE=${3:-$HERE/../../../shared/bench/churn.cpp}
LEAKSCOPE=$BUILD/bin/leakscope
THREADS_PROGRAM=$BUILD/bin/tracker_bench_churn
for f in "$LEAKSCOPE" "$THREADS_PROGRAM" "$CHURN_SOURCE"; do
  [[ -e $f ]] || { echo "missing $f (build leakscope and tracker_bench_churn; give churn.cpp's path as the third argument)" >&2; exit 2; }
done
HEAPTRACK=$(command -v heaptrack || true)
PYTHON=/usr/bin/python3  # Debian's interpreter, not a version manager's shim (which would add its own shell scripts)
[[ -x $PYTHON ]] || PYTHON=$(command -v python3)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
g++ -O2 -pthread -o "$WORK/churn" "$CHURN_SOURCE"
gcc -O2 -shared -fPIC -o "$WORK/forward_only.so" "$HERE/forward_only.c"

SCALE=${SCALE:-1}
[[ $SCALE =~ ^[1-9][0-9]*$ ]] || { echo "SCALE must be a positive whole number, not '$SCALE'" >&2; exit 2; }
declare -A WORKLOAD=(
  [churn]="$WORK/churn $((10000000 * SCALE)) 2"
  [threads4]="$THREADS_PROGRAM 4 $((1500000 * SCALE))"
  [bash]="/bin/bash -c 'x=; for ((i = 0; i < $((150000 * SCALE)); i++)); do x=\"\${x}ab\$i\"; if (( \${#x} > 300 )); then x=; fi; done'"
  [spawn]="/bin/bash -c 'for ((i = 0; i < $((300 * SCALE)); i++)); do /bin/true; done'"
  [python3]="$PYTHON -c 'import json; d = [{\"k\": i, \"v\": str(i) * 5, \"l\": [i] * 4} for i in range(3000)]; [json.loads(json.dumps(d)) for _ in range($((80 * SCALE)))]'"
)
ORDER=(churn threads4 bash python3 spawn)

# "wall cpu" seconds of a command line and everything it waits for.
measure() {
  /usr/bin/time -o "$WORK/time" -f "%e %U %S" bash -c "$1" > /dev/null 2> "$WORK/stderr" ||
    { echo "failed: $1" >&2; tail -5 "$WORK/stderr" >&2; exit 1; }
  awk '{printf "%.3f %.3f\n", $1, $2 + $3}' "$WORK/time"
}
median() { awk -v c="${1:-1}" '{print $c}' | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

BASELINE=${BASELINE_BUILD:+$(cd "$BASELINE_BUILD" && pwd)/bin/leakscope}
[[ -z $BASELINE || -x $BASELINE ]] || { echo "missing $BASELINE (BASELINE_BUILD)" >&2; exit 2; }
variants=(full)
[[ -n $BASELINE ]] && variants+=(base-full)
variants+=(sampled)
[[ -n $BASELINE ]] && variants+=(base-sampled)
variants+=(floor)
[[ -n $HEAPTRACK ]] && variants+=(heaptrack)
command_of() {  # variant workload-command
  case $1 in
    full) echo "$LEAKSCOPE run -q --no-status -o $WORK/r.lks -- $2" ;;
    base-full) echo "$BASELINE run -q --no-status -o $WORK/r.lks -- $2" ;;
    sampled) echo "$LEAKSCOPE run -q --no-status --sample-bytes 512K -o $WORK/r.lks -- $2" ;;
    base-sampled) echo "$BASELINE run -q --no-status --sample-bytes 512K -o $WORK/r.lks -- $2" ;;
    floor) echo "LD_PRELOAD=$WORK/forward_only.so $2" ;;
    heaptrack) echo "$HEAPTRACK -o $WORK/ht $2; rm -f $WORK/ht*" ;;
  esac
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; $REPEATS paired repeats"
printf '%-9s %9s' workload "bare s"
for v in "${variants[@]}"; do printf ' %22s' "$v wall / cpu"; done
echo
for name in "${ORDER[@]}"; do
  : > "$WORK/bare"
  for v in "${variants[@]}"; do : > "$WORK/$v.ratio"; done
  for ((i = 0; i < REPEATS; i++)); do
    for v in "${variants[@]}"; do
      base=$(measure "${WORKLOAD[$name]}")
      echo "$base" >> "$WORK/bare"
      variant=$(measure "$(command_of "$v" "${WORKLOAD[$name]}")")
      awk -v b="$base" -v x="$variant" 'BEGIN {split(b, p, " "); split(x, q, " "); printf "%.4f %.4f\n", q[1] / p[1], q[2] / p[2]}' >> "$WORK/$v.ratio"
    done
  done
  printf '%-9s %9.3f' "$name" "$(median 1 < "$WORK/bare")"
  for v in "${variants[@]}"; do printf ' %11.2fx / %5.2fx' "$(median 1 < "$WORK/$v.ratio")" "$(median 2 < "$WORK/$v.ratio")"; done
  echo
done
# What a user pays once per run whatever the workload: leakscope's start, its /proc sampling, the
# collector, and the analysis, symbolizing and report at the end, on a program that does nothing.
: > "$WORK/fixed"
for ((i = 0; i < REPEATS; i++)); do measure "$LEAKSCOPE run -q --no-status --sample-bytes 512K -o $WORK/r.lks -- /bin/sleep 0.5" >> "$WORK/fixed"; done
printf 'fixed cost of a run (sleep 0.5 under sampled tracking): wall %.3f s, cpu %.3f s\n' "$(median 1 < "$WORK/fixed")" "$(median 2 < "$WORK/fixed")"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "(ratios: medians of each run over the bare run just before it; full = every allocation with its stack)"
