#!/bin/bash
# A one-off load that is freed (written in session 16 as a held-out check, never tuned on): a bash alert
# enricher running as a sidecar. At start it reconciles the host inventory against the CMDB once: it
# loads all 60,000 inventory hosts into associative arrays (owner, team, rack), walks the CMDB's view of
# the same fleet to count drift, logs the count, then unsets the arrays (only the 300-entry on-call map
# is needed afterwards). From then on it enriches 50 alerts a second with the on-call map and keeps the
# last 200 enriched lines for its status page, a ring of fixed size.
# Truth: not a leak: a one-off load of ~25 MB in the first ~1.3 s, freed by the unset at ~1.9 s, then
# flat (the on-call map and the 200-line ring); glibc keeps the freed pages, so RSS stays at its peak.
# Measured (session 16, glibc mallinfo2 in-use bytes and /proc VmRSS every 100 ms by a scratch preload
# shim, no tracker): heap 0.2 MB at start, 10.3 MB at 0.5 s, 24.8 MB over 1.23-1.83 s, 0.2 MB from 2.0 s,
# 0.22 MB over 6-16 s (+0.2 kB/s); RSS 3.3 -> 26.8 MB by 1.3 s, 26.55 MB flat over 3-16 s; its own
# count: 60,000 hosts reconciled (619 drifted) in 1,839 ms, 700 alerts enriched.
# Usage: bash alert_enricher_inventory_reconcile.sh SECONDS
seconds=${1:-16}
start=${EPOCHREALTIME/./}
exec {never}<> <(:)  # a pipe nobody writes to: `read -t` on it sleeps without starting a process

declare -A oncall
for (( t = 0; t < 300; ++t )); do
  oncall[team-$t]="oncall-$(( t * 7 % 300 ))@example.net pager:+1555$(( 1000000 + t * 3331 ))"
done

# The one-off reconciliation.
declare -A owner_of team_of rack_of
for (( i = 0; i < 60000; ++i )); do
  host="web-$(( i / 1000 ))-$(( i % 1000 )).dc$(( i % 3 )).example.net"
  owner_of[$host]="owner-$(( i % 4099 ))"
  team_of[$host]="team-$(( i % 300 ))"
  rack_of[$host]="rack-$(( i % 1200 ))-u$(( i % 42 ))"
done
drift=0
for (( i = 0; i < 60000; ++i )); do
  host="web-$(( i / 1000 ))-$(( i % 1000 )).dc$(( i % 3 )).example.net"
  cmdb_team="team-$(( (i + (i % 97 == 0)) % 300 ))"  # the CMDB has a few hosts on the wrong team
  [[ ${team_of[$host]} != "$cmdb_team" ]] && drift=$(( drift + 1 ))
done
echo "reconciled ${#owner_of[@]} hosts, ${drift} drifted, at $(( (${EPOCHREALTIME/./} - start) / 1000 )) ms"
unset owner_of team_of rack_of

recent=()
alerts=0
tick=0
while :; do
  elapsed=$(( (${EPOCHREALTIME/./} - start) / 1000 ))  # milliseconds
  (( elapsed >= seconds * 1000 )) && break
  for (( k = 0; k < 5; ++k )); do
    team="team-$(( (alerts * 31) % 300 ))"
    line="alert=$alerts severity=warning host=web-$(( alerts % 60 ))-$(( alerts % 1000 )) team=$team notify=${oncall[$team]}"
    recent[alerts % 200]=$line
    alerts=$(( alerts + 1 ))
  done
  tick=$(( tick + 1 ))
  wait_ms=$(( (elapsed / 100 + 1) * 100 - elapsed ))  # 10 ticks a second on the wall clock
  printf -v timeout "0.%03d" "$wait_ms"
  read -r -t "$timeout" -u "$never"
done
echo "$alerts alerts enriched, ${#recent[@]} kept for the status page"
