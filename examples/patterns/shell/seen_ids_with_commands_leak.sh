#!/bin/bash
# A leak in a bash script that runs commands, as most scripts do: a log watcher skips request ids it has
# already seen, keeping every id in an associative array that nothing prunes. Each tick it asks `date` for
# a timestamp and sleeps with `sleep`, so a child process is started and exec'd about every 50 ms; under
# full tracking the children's exec'd programs report a moment after they start (the tree's heap was once
# judged unknown at nearly every sample for it, and the verdict fell back to the tree's RSS, which the
# children's own pages turn into a sawtooth).
# Truth: a leak, linear, ~1,750 ids a second kept (28,000 in 16 s, counted at exit). What bash asks malloc
# for them: ~110 kB/s (the tracker's exact count, session 16: its hash entries, keys and the table); the
# parent's RSS alone (VmRSS every 0.5 s, 4-16 s) rose ~240 kB/s with malloc's overhead and the table's
# doublings.
# Usage: bash seen_ids_with_commands_leak.sh SECONDS
seconds=${1:-16}
declare -A seen
start=$SECONDS
tick=0
while (( SECONDS - start < seconds )); do
  stamp=$(date +%s%N)
  for (( k = 0; k < 100; ++k )); do
    seen["req-${stamp}-${tick}-${k}"]=1
  done
  tick=$(( tick + 1 ))
  sleep 0.05
done
echo "${#seen[@]} ids kept"
