#!/bin/bash
# Periodic spikes from a batch job in a shell pipeline (written in session 18 as a held-out check,
# never tuned on): an edge node's access-log rollup. A clock (a bash loop, 50 ticks a second, paced
# by the wall clock) drives mawk, which writes the node's access log: 450 lines a tick, ~22,500 lines
# and ~2.6 MB a second, appended to a spool file that mawk reopens at each tick (so a rotation
# takes effect at the next tick, as with a reopen signal). Every 3 s the rollup rotates the spool
# (mv) and summarizes the window it just closed, one sort after another as a cron script would:
# the top URLs, the top clients (cut | sort | uniq -c | sort -rn | head), the status histogram (awk)
# and the byte percentiles (sort -n | awk). Each sort holds the whole ~7.8 MB window in memory for a
# moment and exits; the summary (a few kB) is kept in a file, the window's log is deleted.
# Processes: the parent bash (the rollup loop), its forked clock, mawk, and every 3 s the pipelines'
# children (sort, uniq, cut, head, awk), which exit within the rollup.
# Truth: not a leak: periodic spikes every 3 s (the sorts, each ~10-15 MB for a fraction of a second,
# in sequence; the rollup lasts well under a second), on a flat tree of a few MB: the clock, mawk (no
# arrays: it prints) and the rollup loop keep no state across windows (the summaries go to files).
# Measured (session 18, a plain run without leakscope: the tree's RSS every 100 ms): 8.7 MB between
# rollups from 1 s to the end, each rollup seen in 2-3 samples (0.2-0.3 s) at 3, 6, 9, 12 and 15 s,
# peaks 18-23 MB; 5 windows of ~67,500 lines.
# Usage: bash access_log_rollup_sort_spikes.sh SECONDS
seconds=${1:-16}
work=$(mktemp -d "${TMPDIR:-/tmp}/edge-rollup.XXXXXX")
trap 'rm -rf "$work"' EXIT
exec {never}<> <(:)  # a pipe nobody writes to: `read -t` on it sleeps without starting a process
start=${EPOCHREALTIME/./}

elapsed_ms() { now=$(( (${EPOCHREALTIME/./} - start) / 1000 )); }  # sets now (no subshell)

sleep_ms() {  # sleeps without a child process (read times out on a pipe nobody writes)
  local ms=$1 timeout
  (( ms > 999 )) && ms=999
  (( ms > 0 )) || return 0
  printf -v timeout '%d.%03d' $(( ms / 1000 )) $(( ms % 1000 ))
  read -r -t "$timeout" -u "$never"
}

clock() {  # one line per 20 ms tick; reports lost pacing like ../pacing.hpp
  local tick=0 now late_ticks=0 worst_ms=0 worst
  while :; do
    elapsed_ms
    (( now >= seconds * 1000 )) && break
    if (( now - tick * 20 > 250 )); then
      late_ticks=$(( late_ticks + 1 ))
      (( now - tick * 20 > worst_ms )) && worst_ms=$(( now - tick * 20 ))
    fi
    echo "$tick $now"
    tick=$(( tick + 1 ))
    elapsed_ms
    sleep_ms $(( tick * 20 - now ))
  done
  if (( late_ticks > 0 )); then
    printf -v worst '%d.%02d' $(( worst_ms / 1000 )) $(( worst_ms % 1000 / 10 ))
    echo "pacing lost: $late_ticks of $tick ticks started more than 0.25 s late (the latest $worst s late)" >&2
  fi
}

# The edge node's access log: mawk writes each tick's lines to the spool, reopened every tick (-W
# interactive: mawk reads its input a line at a time, not in 4 kB blocks).
clock | mawk -W interactive -v spool="$work/access.log" '
  BEGIN { split("GET GET GET GET POST GET HEAD GET", methods, " "); split("200 200 200 200 304 200 404 200 301 500", codes, " ") }
  {
    tick = $1
    for (k = 0; k < 450; ++k) {
      n = tick * 450 + k
      h = (n * 2654435761) % 4294967296
      printf "10.%d.%d.%d - - [05/Dec/2026:10:%02d:%02d +0000] \"%s /assets/v3/%s/%d.%s HTTP/1.1\" %s %d \"-\" \"edge-client/%d.%d\"\n", \
        h % 23, int(h / 23) % 250, int(h / 5750) % 250, int(tick / 3000) % 60, int(tick / 50) % 60, methods[1 + h % 8], \
        (h % 3 ? "img" : "js"), int(h / 977) % 4000, (h % 3 ? "webp" : "js"), codes[1 + int(h / 7) % 10], \
        200 + int(h / 11) % 180000, 1 + h % 9, int(h / 13) % 40 >> spool
    }
    close(spool)
  }' &

rollup() {
  local window=$1 out=$2
  {
    echo "== window $3"
    echo "-- top urls";    cut -d' ' -f7 "$window" | sort | uniq -c | sort -rn | head -20
    echo "-- top clients"; cut -d' ' -f1 "$window" | sort | uniq -c | sort -rn | head -20
    echo "-- statuses";    awk '{ n[$9]++ } END { for (s in n) print s, n[s] }' "$window" | sort
    echo "-- bytes";       cut -d' ' -f10 "$window" | sort -n | awk '{ b[NR] = $1 } END {
                             printf "p50 %d p90 %d p99 %d max %d\n", b[int(NR * .5)], b[int(NR * .9)], b[int(NR * .99)], b[NR] }'
  } > "$out"
}

windows=0
while :; do
  next=$(( (windows + 1) * 3000 ))
  (( next > seconds * 1000 )) && break
  elapsed_ms
  while (( now < next )); do sleep_ms $(( next - now )); elapsed_ms; done
  windows=$(( windows + 1 ))
  [[ -f $work/access.log ]] || continue
  mv "$work/access.log" "$work/window.$windows.log"
  rollup "$work/window.$windows.log" "$work/summary.$windows.txt" "$windows"
  wc -l < "$work/window.$windows.log" >> "$work/lines_per_window"
  rm -f "$work/window.$windows.log"
done
wait
echo "$windows windows rolled up: $(paste -sd' ' "$work/lines_per_window") lines" >&2
