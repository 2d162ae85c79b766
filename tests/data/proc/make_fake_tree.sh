#!/bin/sh
# Regenerates fake_tree/, a hand-made /proc for the tree-discovery and summing tests
# (tests/sampler/tree_sampler_test.cpp holds the expected totals). Formats follow the captured files.
#
#   1 (init) ── 100 (server, threads 100+107) ── 101 (worker) ── 104 (helper, 3 threads)
#            │                                ├─ 102 (zombie: no memory lines)
#            │                                └─ 103 (forked by thread 107; no smaps_rollup)
#            └─ 200 (unrelated: must never be counted)
set -eu
cd "$(dirname "$0")"
rm -rf fake_tree
mkdir fake_tree
cp captured/meminfo fake_tree/meminfo

# proc PID NAME STATE PPID THREADS "TIDS" RSS ANON FILE SHMEM SWAP [PSS]   (sizes in kB; no PSS = no smaps_rollup)
proc() {
    pid=$1 name=$2 state=$3 ppid=$4 threads=$5 tids=$6 rss=$7 anon=$8 file=$9 shmem=${10} swap=${11} pss=${12:-}
    d=fake_tree/$pid
    mkdir -p "$d"
    {
        printf 'Name:\t%s\nUmask:\t0022\nState:\t%s\nTgid:\t%s\nNgid:\t0\nPid:\t%s\nPPid:\t%s\n' \
            "$name" "$state" "$pid" "$pid" "$ppid"
        printf 'TracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t64\nGroups:\t \n'
        if [ "$rss" != - ]; then
            printf 'VmPeak:\t%8d kB\nVmSize:\t%8d kB\nVmHWM:\t%8d kB\nVmRSS:\t%8d kB\n' \
                $((rss * 2)) $((rss * 2)) "$rss" "$rss"
            printf 'RssAnon:\t%8d kB\nRssFile:\t%8d kB\nRssShmem:\t%8d kB\nVmSwap:\t%8d kB\n' \
                "$anon" "$file" "$shmem" "$swap"
            printf 'VmData:\t%8d kB\n' $((anon * 3))
        fi
        printf 'Threads:\t%s\nSigQ:\t0/96365\n' "$threads"
    } > "$d/status"
    state_letter=$(printf %s "$state" | cut -c1)
    printf '%s (%s) %s %s %s 0 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 %s 0 100 0 0\n' \
        "$pid" "$name" "$state_letter" "$ppid" "$pid" "$threads" > "$d/stat"
    if [ "$rss" = - ]; then
        echo '0 0 0 0 0 0 0' > "$d/statm"
    else
        echo "$((rss / 2)) $((rss / 4)) $(((file + shmem) / 4)) 1 0 $((anon / 4)) 0" > "$d/statm"
    fi
    if [ -n "$pss" ]; then
        printf '55d0e0000000-7ffd00000000 ---p 00000000 00:00 0                          [rollup]\n' > "$d/smaps_rollup"
        printf 'Rss:%20d kB\nPss:%20d kB\nPss_Anon:%15d kB\nPss_File:%15d kB\nPss_Shmem:%14d kB\n' \
            "$rss" "$pss" "$anon" $((pss - anon)) 0 >> "$d/smaps_rollup"
        printf 'Anonymous:%14d kB\nSwap:%19d kB\nSwapPss:%16d kB\n' "$anon" "$swap" "$swap" >> "$d/smaps_rollup"
    fi
    for tid in $tids; do mkdir -p "$d/task/$tid" && : > "$d/task/$tid/children"; done
}
children() { printf '%s ' $2 > "fake_tree/$1/task/${3:-$1}/children"; }

proc 1   init   'S (sleeping)' 0   1 1          800  300  500  0 0 400
proc 100 server 'S (sleeping)' 1   2 '100 107'  1000 400  580 20 10 600
proc 101 worker 'R (running)'  100 1 101        2000 1200 800  0  0 1500
proc 104 helper 'S (sleeping)' 101 3 '104 108 109' 3000 2500 500 0 20 3000
proc 102 done   'Z (zombie)'   100 1 102        -    -    -    - -
proc 103 forked 'S (sleeping)' 100 1 103        500  300  200  0  5
proc 200 other  'S (sleeping)' 1   1 200        9999 9000 999  0  0 9999
children 1 '100 200'
children 100 '101 102'
children 100 103 107
children 101 104
