# A slow reachable leak in Tcl's event loop, on a big base (written in session 32, batch 11, as a
# held-out check, never tuned on): the job dispatcher of a chip design team's nightly regression farm,
# a Tcl daemon as EDA flows are. At start it loads the regression suite (24,000 tests: block, testbench,
# seed policy, simulator options, owners, tags, history) and the farm's inventory (320 hosts with their
# slots). Then it launches ~22 simulation jobs a second on free slots; each job finishes after 0.4-3 s
# (the host daemon's completion report arrives), is scored against the test's history and put in the
# 2,000-line recent results ring. Every launch arms a watchdog, `after` the test's time budget (one to
# four hours), that would kill a hung simulation. The completion path does `unset watchdog($id)`, the
# variable holding the timer's id, but not `after cancel` first: every finished job's timer stays
# pending in the event loop, and its script, `job_timed_out $id $job`, holds the job's dict (its id,
# host, seed, command line, log path, its own copy of the options) until the budget runs out, hours later.
# Truth: a slow leak, reachable, linear from the start: 22 pending timers a second (every job's, from its
# launch: the running ones' timers are pending too), each the timer's record and the script's list
# holding the job dict, ~1.8 kB in Tcl's objects, ~40 kB/s, ~0.6 MB over a 16 s run on a ~100 MB process
# (~0.6%). The suite (~93 MB of Tcl dicts) and the inventory, loaded in the first ~0.5 s, are the warm-up;
# the running jobs (~40) and the results ring (~330 lines of ~100 B by the end, far from its 2,000) are
# small. Tcl's allocator keeps freed small blocks for reuse, so what it asks of malloc follows the
# high-water mark of its live objects: flat under the churn, up with the pending timers (16 kB at a time).
# Measured (session 32, tests/accuracy/measure.py): tracked, live heap 94.10 MB at 1 s, 94.22 at 3 s, 94.60 at
# 13 s, 94.70 at 16 s (+22 kB/s over 1-3 s, +40 over 3-13 s, +42 over 3-9 s, +39 over 9-16 s), RSS 100.97 MB at
# 1 s, 101.54 at 16 s (+40 kB/s over 3-13 s); --plain, RSS 98.49 MB at 1 s, 98.57 at 3 s, 98.94 at 13 s, 99.04
# at 16 s (+39 kB/s over 3-13 s, +40 over 3-9 s, +36 over 9-16 s); 352 jobs launched, 311 finished, 352
# watchdog timers pending at exit.
# Usage: tclsh regression_farm_watchdog_slow_leak.tcl SECONDS
source [file join [file dirname [info script]] pacing.tcl]

set seconds [pacing::run_seconds 16]

# A small LCG, so every run does the same work.
set seed 20261114
proc rand_int {n} {
    global seed
    set seed [expr {($seed * 1103515245 + 12345) % 2147483648}]
    return [expr {$seed * $n / 2147483648}]
}

set blocks {pcie_ctrl ddr_phy noc_router l2_cache gpu_shader isp_pipe usb4_host eth_mac crypto_eng dsp_core \
    npu_tile pmu_fsm}
set simulators {xcelium vcs questa}
set owners {akumar mbrandt jli sokafor tnguyen rsilva eyamada pdubois}

# The regression suite: test name -> its definition, built field by field (no big temporaries: Tcl's
# allocator would keep them for reuse).
set tests {}
set test_names {}
for {set n 0} {$n < 24000} {incr n} {
    set block [lindex $blocks [expr {$n % [llength $blocks]}]]
    set name [format "%s_%s_%05d" $block [lindex {smoke rand direct stress corner} [expr {$n / 12 % 5}]] $n]
    lappend test_names $name
    dict set tests $name [dict create \
        block $block \
        testbench "tb/$block/tb_top.sv" \
        sequence "seq/$block/[format seq_%04d [expr {$n % 997}]].sv" \
        simulator [lindex $simulators [expr {$n % 3}]] \
        options "+UVM_VERBOSITY=UVM_LOW +UVM_TESTNAME=${name} +define+ASSERT_ON +ntb_random_seed_automatic -timescale=1ns/1ps +cov=line+cond+fsm" \
        seed_policy [lindex {random fixed sweep} [expr {$n % 3}]] \
        budget_s [expr {3600 + ($n % 4) * 3600}] \
        owner [lindex $owners [expr {$n % [llength $owners]}]] \
        tags [list $block nightly [lindex {p0 p1 p2} [expr {$n % 3}]] [expr {$n % 2 ? "gate" : "rtl"}]] \
        history [list [expr {$n % 7 == 0 ? "fail" : "pass"}] pass pass [expr {$n % 11 == 0 ? "fail" : "pass"}] pass] \
        runs 0 fails 0 mean_s [expr {0.4 + ($n % 26) / 10.0}] \
        description "Checks $block under [lindex {smoke rand direct stress corner} [expr {$n / 12 % 5}]] traffic, sequence $n, owner [lindex $owners [expr {$n % [llength $owners]}]]"]
}

# The farm: host -> free slots.
set hosts {}
for {set h 0} {$h < 320} {incr h} { dict set hosts [format "sim%03d.farm.example.com" $h] 4 }
set host_names [dict keys $hosts]

array set watchdog {}      ;# job id -> the `after` id of its watchdog
set running {}             ;# job id -> job
set completions {}         ;# {due_s job_id} of the jobs running, in launch order
set results {}             ;# the recent results ring (2,000 lines)
set ring_next 0
array set stats {launched 0 finished 0 failed 0 timed_out 0}
set next_job 1
set next_test 0

proc job_timed_out {id job} {
    global running stats
    # The budget ran out: kill the simulation (here never reached in the run: budgets are hours).
    incr stats(timed_out)
    dict unset running $id
}

proc launch {t} {
    global tests test_names host_names hosts running watchdog completions next_job next_test stats
    set name [lindex $test_names $next_test]
    set next_test [expr {($next_test + 1) % [llength $test_names]}]
    set host [lindex $host_names [rand_int [llength $host_names]]]
    if {[dict get $hosts $host] == 0} return
    dict incr hosts $host -1
    set test [dict get $tests $name]
    set id [format "J%08d" $next_job]
    incr next_job
    set sim_seed [rand_int 2147483647]
    set job [dict create id $id test $name host $host seed $sim_seed launched_s $t \
        command "[dict get $test simulator] -f run/$name.f [dict get $test options] +ntb_random_seed=$sim_seed -l logs/$id.log" \
        log "/farm/logs/[clock format [clock seconds] -format %Y%m%d]/$id.log" \
        workdir "/scratch/[dict get $test block]/$id" \
        options [string map {UVM_LOW UVM_MEDIUM} [dict get $test options]] \
        owner [dict get $test owner] priority [lindex [dict get $test tags] 2]]
    dict set running $id $job
    set watchdog($id) [after [expr {[dict get $test budget_s] * 1000}] [list job_timed_out $id $job]]
    set runtime [expr {0.4 + [rand_int 2600] / 1000.0}]
    lappend completions [list [expr {$t + $runtime}] $id]
    incr stats(launched)
}

# The host daemon's completion report: score the run, record it, free the slot.
proc complete {id t} {
    global running watchdog hosts tests results ring_next stats
    if {![dict exists $running $id]} return
    set job [dict get $running $id]
    set name [dict get $job test]
    set passed [expr {[rand_int 100] >= 3}]
    dict with tests $name {
        incr runs
        if {!$passed} { incr fails }
        set history [lrange [linsert $history 0 [expr {$passed ? "pass" : "fail"}]] 0 4]
    }
    set line [format "%s %-28s %-26s %s %6.2fs seed=%d" $id $name [dict get $job host] \
        [expr {$passed ? "PASS" : "FAIL"}] [expr {$t - [dict get $job launched_s]}] [dict get $job seed]]
    if {[llength $results] < 2000} { lappend results $line } else { lset results $ring_next $line }
    set ring_next [expr {($ring_next + 1) % 2000}]
    dict incr hosts [dict get $job host]
    dict unset running $id
    # The watchdog's id is forgotten; the timer itself is not cancelled (`after cancel $watchdog($id)`).
    unset watchdog($id)
    incr stats(finished)
    if {!$passed} { incr stats(failed) }
}

proc tick {i t} {
    global completions
    # 22 launches a second: 11 every 0.5 s, spread over the tick's 5 slots of 100 ms.
    if {$i % 5 != 4} { launch $t; launch $t; if {$i % 5 < 3} { launch $t } }
    # Completions due by now (the list is short: the jobs running).
    set still {}
    foreach c $completions {
        if {[lindex $c 0] <= $t} { complete [lindex $c 1] $t } else { lappend still $c }
    }
    set completions $still
}

pacing::every 0.1 $seconds tick
puts stderr [format "%d jobs launched, %d finished (%d failed), %d running; %d watchdog timers pending in the event loop" \
    $stats(launched) $stats(finished) $stats(failed) [dict size $running] [llength [after info]]]
