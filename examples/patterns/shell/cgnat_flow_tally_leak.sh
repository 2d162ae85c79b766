#!/bin/bash
# A slow leak in an awk associative array, in a shell pipeline (written in session 17 as a held-out
# check, never tuned on): an ISP's flow-log tally. A bash reader (here making up the gateway's flow
# log, paced by the wall clock: 10 lines every 20 ms, 500 a second) pipes the log into mawk, which
# tallies flows and bytes per client and remembers when each client was first seen, for the nightly
# abuse report; a 512-line ring of recent lines is kept for its status dump. Three lines in five come
# from the 600 CGNAT customers (100.64.x.y: a fixed set, all seen within the first 2 s), two in five
# from an IPv6 customer, whose privacy address rotates: each of those addresses is new (200 a second). Nothing ever prunes a client
# that went quiet, so the three arrays keep every privacy address for good.
# Three processes: the parent bash (waiting), its forked reader (flat: it reuses the same few
# variables) and mawk, which grows.
# Truth: a leak, linear (in mawk's heap: 200 new keys a second in three arrays, each key a node and a
# string, the counters as cells), a slow one on a ~10 MB tree.
# mawk's hash tables double their bucket arrays as they fill, so the growth may come in small steps
# on top of the line.
# Measured (tests/accuracy/measure.py, session 17): the tree's live heap 0.63 -> 1.41 MB over 2-16 s
# (+55.3 kB/s; +55.6 over 2-9 s, +56.1 over 9-16 s), ~275 B per remembered address; the tree's RSS
# without the tracker 8.96 -> 9.75 MB (+56 kB/s); 3,800 clients remembered at exit (600 + 3,200).
# Usage: bash cgnat_flow_tally_leak.sh SECONDS
seconds=${1:-16}
exec {never}<> <(:)  # a pipe nobody writes to: `read -t` on it sleeps without starting a process

read_flow_log() {
  local start=${EPOCHREALTIME/./} tick=0 k elapsed wait_ms timeout batch line client fresh stamp late_ticks=0 worst_ms=0 worst
  while :; do
    elapsed=$(( (${EPOCHREALTIME/./} - start) / 1000 ))  # milliseconds
    (( elapsed >= seconds * 1000 )) && break
    if (( elapsed - tick * 20 > 250 )); then  # a tick more than 0.25 s late (see ../pacing.hpp)
      late_ticks=$(( late_ticks + 1 ))
      (( elapsed - tick * 20 > worst_ms )) && worst_ms=$(( elapsed - tick * 20 ))
    fi
    printf -v stamp '%(%Y-%m-%dT%H:%M:%S)T.%03d' -1 $(( elapsed % 1000 ))
    batch=''
    for (( k = 0; k < 6; ++k )); do
      client=$(( (tick * 6 + k) * 7919 % 600 ))
      printf -v line '%s nat tcp 100.64.%d.%d:%d -> 198.51.100.%d:443 bytes=%d\n' "$stamp" $(( client / 250 )) \
        $(( client % 250 )) $(( 20000 + RANDOM % 40000 )) $(( RANDOM % 250 )) $(( RANDOM * 3 ))
      batch+=$line
    done
    for (( k = 0; k < 4; ++k )); do
      fresh=$(( tick * 4 + k ))
      printf -v line '%s nat tcp [2001:db8:%x:%x:%x:%x:%x:%x]:%d -> [2001:db8:beef::%x]:443 bytes=%d\n' "$stamp" \
        $(( fresh % 4096 )) $(( fresh / 4096 + 256 )) $(( fresh * 40503 % 65536 )) $(( RANDOM )) $(( RANDOM )) \
        $(( fresh * 2654435761 % 65536 )) $(( 20000 + RANDOM % 40000 )) $(( RANDOM % 64 )) $(( RANDOM * 3 ))
      batch+=$line
    done
    printf '%s' "$batch"
    tick=$(( tick + 1 ))
    wait_ms=$(( tick * 20 - elapsed ))  # paced by the wall clock: 50 ticks a second
    (( wait_ms > 999 )) && wait_ms=999
    if (( wait_ms > 0 )); then printf -v timeout '0.%03d' "$wait_ms"; read -r -t "$timeout" -u "$never"; fi
  done
  if (( late_ticks > 0 )); then
    printf -v worst '%d.%02d' $(( worst_ms / 1000 )) $(( worst_ms % 1000 / 10 ))
    echo "pacing lost: $late_ticks of $tick ticks started more than 0.25 s late (the latest $worst s late)" >&2
  fi
}

read_flow_log | mawk '
  {
    client = $4
    sub(/:[0-9]+$/, "", client)
    split($7, kv, "=")
    if (!(client in first_seen)) { first_seen[client] = $1; ++clients }
    flows[client]++
    bytes[client] += kv[2]
    recent[NR % 512] = $0
    total += kv[2]
  }
  END {
    printf "%d lines, %d clients remembered, %.1f MB tallied\n", NR, clients, total / 1e6 > "/dev/stderr"
  }'
