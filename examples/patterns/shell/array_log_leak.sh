#!/bin/bash
# A leak in a bash script: a deploy watcher appends every status line it polls to an in-memory bash
# array "for the final summary", 250 lines of ~190 characters a second, and prints only the count at
# the end. bash keeps each element as its own malloc'd string plus an element record.
# Truth: a leak, linear, ~55,000 B/s (measured; ~220 bytes a line); a slow one on a small shell.
# Usage: bash array_log_leak.sh SECONDS
seconds=${1:-14}
start=${EPOCHREALTIME/./}
lines=()
tick=0
pad=$(printf '%0170d' 0)
exec {never}<> <(:)  # a pipe nobody writes to: `read -t` on it sleeps without starting a process
while :; do
  elapsed=$(( (${EPOCHREALTIME/./} - start) / 1000 ))  # milliseconds
  (( elapsed >= seconds * 1000 )) && break
  for (( k = 0; k < 25; ++k )); do
    lines+=("status $(( tick * 25 + k )) ok $pad")
  done
  tick=$(( tick + 1 ))
  wait_ms=$(( tick * 100 - elapsed ))  # paced by the wall clock: 10 ticks a second
  (( wait_ms > 999 )) && wait_ms=999
  if (( wait_ms > 0 )); then printf -v timeout "0.%03d" "$wait_ms"; read -r -t "$timeout" -u "$never"; fi
done
echo "${#lines[@]} lines kept"
