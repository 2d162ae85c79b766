# Wall-clock pacing for the Tcl pattern programs (the twin of ../pacing.hpp and ../python/pacing.py):
# work is tied to time, not to CPU speed, so each program's growth rate in bytes per second holds on
# any machine. The ticks run from Tcl's event loop (`after`, `vwait`), so a program's own timers (a
# flush every few seconds, a watchdog) fire between them, as they would in a real Tcl service.
# Usage: source [file join [file dirname [info script]] pacing.tcl]
#        pacing::every PERIOD_S SECONDS {COMMAND PREFIX} ?AT_LEAST_S?   (calls COMMAND PREFIX I T)
namespace eval pacing {
    # The program's start (pacing.tcl is sourced first). Tcl 8.6 has no monotonic clock: the wall
    # clock's microseconds, which a run of seconds does not mind.
    variable start [clock microseconds]
    # A tick that starts this much after its time means the machine did not give the program the CPU
    # its pacing needs: its growth over time is not the one the manifest states (../pacing.hpp).
    variable late_tick_s 0.25
    variable schedules 0
}

# Seconds the program runs: its last argument, or `fallback`.
proc pacing::run_seconds {fallback} {
    global argv
    if {[llength $argv] > 0} { return [lindex $argv end] }
    return $fallback
}

# Calls `{*}$tick $i $t` every period_s seconds (t = seconds since the program started) until `seconds`
# have passed since the program started, and for at least `at_least_s` seconds. The event loop runs
# between ticks. A late tick runs at once (the work is caught up, not skipped); lateness is reported
# on stderr at the end, in the line the test harnesses look for. An error in a tick ends the loop and
# is raised here.
proc pacing::every {period_s seconds tick {at_least_s 0.0}} {
    variable start
    set id [namespace current]::schedule[incr [namespace current]::schedules]
    upvar #0 $id s
    set first [clock microseconds]
    array set s [list period_us [expr {$period_s * 1e6}] first $first \
        end [expr {max($start + $seconds * 1e6, $first + $at_least_s * 1e6)}] \
        tick $tick i 0 late_ticks 0 worst_late_s 0.0 done 0 error {}]
    after 0 [list [namespace current]::Tick $id]
    vwait ${id}(done)
    set error $s(error)
    Report $id
    unset s
    if {$error ne ""} { return -options [lindex $error 1] [lindex $error 0] }
}

proc pacing::Tick {id} {
    variable start
    variable late_tick_s
    upvar #0 $id s
    set now [clock microseconds]
    if {$now >= $s(end)} { set s(done) 1; return }
    set late_s [expr {($now - ($s(first) + $s(i) * $s(period_us))) / 1e6}]
    if {$late_s > $late_tick_s} { incr s(late_ticks) }
    if {$late_s > $s(worst_late_s)} { set s(worst_late_s) $late_s }
    set i $s(i)
    incr s(i)
    if {[catch {uplevel #0 [linsert $s(tick) end $i [expr {($now - $start) / 1e6}]]} message options]} {
        set s(error) [list $message $options]
        set s(done) 1
        return
    }
    # Milliseconds until the next tick is due (`after` counts whole milliseconds; 0: it is late, run it
    # at once, after the events already waiting).
    set delay_ms [expr {int(ceil(($s(first) + $s(i) * $s(period_us) - [clock microseconds]) / 1000.0))}]
    after [expr {max(0, $delay_ms)}] [list [namespace current]::Tick $id]
}

# Says on stderr (unbuffered in Tcl), in the line the test harnesses look for, that the pacing was not kept.
proc pacing::Report {id} {
    variable late_tick_s
    upvar #0 $id s
    if {$s(late_ticks) > 0} {
        puts stderr [format "pacing lost: %d of %d ticks started more than %.2f s late (the latest %.2f s late)" \
            $s(late_ticks) $s(i) $late_tick_s $s(worst_late_s)]
    }
}
