# A settling warm-up in a Tcl event-loop service (written in session 32, batch 11, as a held-out check,
# never tuned on): the feed processor of a flight-tracking network's regional hub, in Tcl as such
# trackers' back ends are. It reads the decoded ADS-B messages of its receivers (the BaseStation "MSG"
# lines a dump1090 feeder writes), 2,000 a second, from the 6,000 aircraft in its airspace during the
# evening bank (each message from one of them, uniformly: the busy ones and the quiet ones alike). At an
# aircraft's first message the hub looks up its registration in the aircraft database (registration,
# type, operator, owner, engines, year, photo, ~25 fields) and keeps it in its registry, an array keyed
# by the ICAO 24-bit address, together with the aircraft's live state (position, altitude, speed,
# squawk, last seen), overwritten in place by each message; an operator index (array of lists) grows
# with it. Every second a timer (`after 1000`) writes the hub's summary line.
# Truth: not a leak: a warm-up that keeps slowing down. The registry gains an aircraft at its first
# message: with messages drawn uniformly from 6,000 aircraft at 2,000 a second, the aircraft seen by t
# are 6,000 x (1 - e^(-t/3 s)) (95% by 9 s, 99.5% by 16 s), each ~6.6 kB in Tcl's objects: ~40 MB,
# filling as 1 - e^(-t/3 s). The messages' own objects are small and short-lived: Tcl's allocator
# recycles them, and the live state, created with the record at values of the sizes the messages bring,
# is overwritten like for like. Nothing is evicted (the bank's aircraft stay in the airspace through the
# run), nothing else grows.
# Measured (session 32, tests/accuracy/measure.py): tracked, live heap 2.0 MB at 0.1 s, 11.5 at 1 s, 26.3 at 3
# s, 36.3 at 6 s, 39.7 at 9 s, 41.2 at 13 s, 41.5 at 16 s (+7.9 MB/s over 0.5-3 s, +2.06 MB/s over 3-9 s, +245
# kB/s over 9-16 s, +98 kB/s over 13-16 s), RSS 47.8 MB at 16 s; --plain, RSS 16.7 MB at 1 s, 31.0 at 3 s,
# 43.9 at 9 s, 45.75 at 16 s (+2.04 MB/s over 3-9 s, +249 kB/s over 9-16 s, +106 kB/s over 13-16 s); 32,000
# messages, 5,969 aircraft in the registry at exit (6,000 x (1 - e^(-16/3)) = 5,971).
# Usage: tclsh adsb_aircraft_registry_settling.tcl SECONDS
source [file join [file dirname [info script]] pacing.tcl]

set seconds [pacing::run_seconds 16]
set fleet 6000
set per_tick 20 ;# every 10 ms

set seed 7340033
proc rand_int {n} {
    global seed
    set seed [expr {($seed * 1103515245 + 12345) % 2147483648}]
    return [expr {$seed * $n / 2147483648}]
}

set operators {
    {DLH Lufthansa DE} {BAW "British Airways" GB} {AFR "Air France" FR} {KLM KLM NL} {EZY easyJet GB}
    {RYR Ryanair IE} {SWR Swiss CH} {AUA Austrian AT} {SAS Scandinavian SE} {IBE Iberia ES}
    {TAP "TAP Air Portugal" PT} {WZZ "Wizz Air" HU} {EWG Eurowings DE} {VLG Vueling ES} {FIN Finnair FI}
    {UAE Emirates AE} {QTR "Qatar Airways" QA} {THY "Turkish Airlines" TR} {UAL United US} {DAL Delta US}
}
set types {
    {A20N "Airbus A320neo" 2 "CFM LEAP-1A26" M} {A21N "Airbus A321neo" 2 "PW1133G-JM" M}
    {B38M "Boeing 737 MAX 8" 2 "CFM LEAP-1B27" M} {B738 "Boeing 737-800" 2 "CFM56-7B26" M}
    {A359 "Airbus A350-900" 2 "Trent XWB-84" H} {B789 "Boeing 787-9" 2 "GEnx-1B74" H}
    {E195 "Embraer E195-E2" 2 "PW1921G" M} {AT76 "ATR 72-600" 2 "PW127M" M} {DH8D "Dash 8-400" 2 "PW150A" M}
    {A333 "Airbus A330-300" 2 "Trent 772B" H} {B77W "Boeing 777-300ER" 2 "GE90-115B" H} {CRJ9 "CRJ-900" 2 "CF34-8C5" M}
}

# ICAO address -> the aircraft's record and live state (a dict).
array set registry {}
# operator ICAO code -> the ICAO addresses of its aircraft seen.
array set by_operator {}
array set counts {messages 0 positions 0 new 0 malformed 0}

proc icao_of {n} { return [format %06X [expr {(0x3C0000 + $n * 40503) % 0x1000000}]] }

# The live state as the flight plan gives it before the aircraft's own messages: fresh values of the
# sizes its messages will bring (so that overwriting them is like for like).
proc initial_state {a} {
    return [list lat [format %.5f [expr {47.0 + ($a % 5000) / 1000.0}]] lon [format %.5f [expr {8.0 + ($a % 7000) / 1000.0}]] \
        altitude [format %d [expr {1000 + $a % 38000}]] ground_speed [format %d [expr {180 + $a % 300}]] \
        track [format %d [expr {$a % 360}]] vertical_rate [format %d [expr {($a % 60 - 30) * 64}]] \
        squawk [format %04d [expr {1000 + $a % 6777}]] callsign [format DLH%d [expr {$a % 900}]] \
        on_ground [format %d 0] first_seen [format %.6f 0.0] last_seen [format %.6f 0.0] messages [format %d 0]]
}

# The aircraft database's answer for an address (here made up from it).
proc lookup_aircraft {icao} {
    global operators types
    scan $icao %x a
    set op [lindex $operators [expr {$a % [llength $operators]}]]
    set ty [lindex $types [expr {($a / 7) % [llength $types]}]]
    set reg [format "%s-%c%c%c%c" [lindex {D G F PH EI HB OE SE EC CS HA A6 A7 TC N} [expr {$a % 15}]] \
        [expr {65 + $a % 26}] [expr {65 + $a / 26 % 26}] [expr {65 + $a / 676 % 26}] [expr {65 + $a / 17576 % 26}]]
    return [dict create \
        icao $icao registration $reg type [lindex $ty 0] model [lindex $ty 1] engines [lindex $ty 2] \
        engine_model [lindex $ty 3] wake [lindex $ty 4] operator [lindex $op 0] operator_name [lindex $op 1] \
        country [lindex $op 2] owner "[lindex $op 1] Leasing [expr {$a % 9}] Ltd" \
        msn [expr {1000 + $a % 9000}] line_number [expr {$a % 2000}] year [expr {2005 + $a % 20}] \
        seats [expr {150 + $a % 220}] mtow_kg [expr {70000 + ($a % 200) * 1000}] \
        photo "https://photos.example.net/aircraft/[string tolower $reg]/[expr {$a % 100000}].jpg" \
        photo_credit "spotter[expr {$a % 500}]" first_flight [format "20%02d-%02d-%02d" [expr {5 + $a % 20}] [expr {1 + $a % 12}] [expr {1 + $a % 28}]] \
        remarks "Delivered new to [lindex $op 1]; cabin retrofit [expr {2015 + $a % 10}]; ETOPS [expr {$a % 2 ? 120 : 180}]" \
        {*}[initial_state $a]]
}

# The receiver's line for message n.
proc message {n t} {
    global fleet
    set icao [icao_of [rand_int $fleet]]
    set kind [lindex {3 3 3 4 4 1 5 3 4 3} [expr {$n % 10}]]
    return [format "MSG,%d,1,1,%s,1,2026/11/14,19:%02d:%06.3f,2026/11/14,19:%02d:%06.3f,%s,%d,%d,%d,%.5f,%.5f,%d,%04d,0,0,0,%d" \
        $kind $icao [expr {int($t) / 60}] [expr {fmod($t, 60)}] [expr {int($t) / 60}] [expr {fmod($t, 60)}] \
        [expr {$kind == 1 ? "DLH[expr {$n % 900}]" : ""}] [expr {$kind == 3 ? 1000 + $n % 38000 : 0}] \
        [expr {$kind == 4 ? 180 + $n % 300 : 0}] [expr {$kind == 4 ? $n % 360 : 0}] \
        [expr {$kind == 3 ? 47.0 + ($n % 5000) / 1000.0 : 0.0}] [expr {$kind == 3 ? 8.0 + ($n % 7000) / 1000.0 : 0.0}] \
        [expr {$kind == 4 ? ($n % 60 - 30) * 64 : 0}] [expr {$kind == 5 ? 1000 + $n % 6777 : 0}] 0]
}

proc ingest {line t} {
    global registry by_operator counts
    incr counts(messages)
    set f [split $line ,]
    if {[llength $f] != 22 || [lindex $f 0] ne "MSG"} { incr counts(malformed); return }
    set icao [lindex $f 4]
    if {![info exists registry($icao)]} {
        set record [lookup_aircraft $icao]
        dict set record first_seen $t
        set registry($icao) $record
        lappend by_operator([dict get $record operator]) $icao
        incr counts(new)
    }
    # The live state, overwritten in place (the record is unshared in the array: no copy).
    switch -- [lindex $f 1] {
        1 { dict set registry($icao) callsign [lindex $f 10] }
        3 {
            dict set registry($icao) altitude [lindex $f 11]
            dict set registry($icao) lat [lindex $f 14]
            dict set registry($icao) lon [lindex $f 15]
            incr counts(positions)
        }
        4 {
            dict set registry($icao) ground_speed [lindex $f 12]
            dict set registry($icao) track [lindex $f 13]
            dict set registry($icao) vertical_rate [lindex $f 16]
        }
        5 { dict set registry($icao) squawk [lindex $f 17] }
    }
    dict set registry($icao) last_seen $t
    dict incr registry($icao) messages
}

proc summary {} {
    global registry counts summaries
    lappend summaries [format "aircraft %d messages %d positions %d" [array size registry] $counts(messages) $counts(positions)]
    after 1000 summary
}
set summaries {}

proc tick {i t} {
    global per_tick
    for {set k 0} {$k < $per_tick} {incr k} {
        ingest [message [expr {$i * $per_tick + $k}] $t] $t
    }
}

after 1000 summary
pacing::every 0.01 $seconds tick
puts stderr [format "%d messages (%d positions, %d malformed), %d aircraft in the registry, %d operators; %s" \
    $counts(messages) $counts(positions) $counts(malformed) [array size registry] [array size by_operator] \
    [join [lrange $summaries 2 4] " | "]]
