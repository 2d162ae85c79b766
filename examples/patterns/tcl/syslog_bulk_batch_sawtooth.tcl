# A bounded sawtooth in a Tcl event-loop service (written in session 32, batch 11, as a held-out check,
# never tuned on): the syslog relay of a retail chain's network operations centre, a Tcl daemon as such
# relays on appliances are. 2,000 syslog lines a second come from the 480 stores' routers, switches and
# access points (here made up by the paced tick, 20 lines every 10 ms); each line is parsed (RFC 3164:
# priority, timestamp, host, tag, message), its host looked up in the inventory cache (an array, host ->
# store, region and device role, filled at each host's first line: all 1,440 are seen in the first
# ~2 s), and turned into a JSON document appended to the bulk batch of each destination that wants it:
# the SIEM gets everything, the archive everything, the store-ops dashboard the warnings and worse.
# A flush timer (`after 2500`, re-armed by itself) sends each batch as one bulk request (the SIEM's
# gzipped), then empties it.
# Truth: not a leak: a bounded sawtooth with a 2.5 s period. The three batches grow to ~5 MB of JSON in
# 2.5 s, in Tcl strings that `append` grows by doubling (up to twice their length asked of malloc at a
# tooth's top) and that go back to malloc at the flush (Tcl's own allocator keeps only blocks under 16 kB;
# these are far above). The per-line temporaries are small Tcl objects that Tcl's allocator recycles; the
# inventory cache is full in ~2 s (1,440 hosts). Over the teeth nothing grows.
# Measured (session 32, tests/accuracy/measure.py): tracked, live heap 5.0-5.2 MB just after each flush (at
# 2.8, 5.3, ..., 15.3 s) and 10.5-13.1 MB at each tooth's top, RSS 12.4-21.2 MB in teeth (heap +34 kB/s over
# 3-13 s, +60 over 3-9 s, -152 over 9-16 s: the teeth's phase); --plain, RSS in teeth from 10.3 to 17.1-18.1
# MB (-81 kB/s over 3-13 s, -272 over 3-9 s, +151 over 9-16 s); 32,000 lines relayed, 6 flushes of 3 bulk
# requests, 30.5 MB of JSON.
# Usage: tclsh syslog_bulk_batch_sawtooth.tcl SECONDS
source [file join [file dirname [info script]] pacing.tcl]

set seconds [pacing::run_seconds 16]

set stores 480
set roles {rtr sw ap}
set programs {
    {%%LINK-3-UPDOWN: Interface GigabitEthernet0/%d, changed state to down}
    {%%LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet0/%d, changed state to up}
    {%%SEC-6-IPACCESSLOGP: list 101 denied tcp 10.%d.4.17(51514) -> 10.0.0.1(22), 1 packet}
    {%%DOT11-6-ASSOC: Interface Dot11Radio0, Station client-%d 0024.d7a1.%04x Associated KEY_MGMT[WPA2 PSK]}
    {%%SYS-5-CONFIG_I: Configured from console by netops on vty0 (10.250.%d.9)}
    {%%DHCPD-4-PING_CONFLICT: DHCP address conflict: server pinged 10.%d.8.%d}
    {%%POS-6-TXN: lane %d tender card approved auth=%06d}
}
set months {Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec}

# host -> {store region role site}, filled at each host's first line.
array set inventory {}
# destination -> its batch of newline-separated JSON documents (the bulk API's format).
array set batch {siem {} archive {} storeops {}}
array set sent {requests 0 bytes 0 docs 0 gzipped 0}
set lines 0
set sink [open /dev/null w]
fconfigure $sink -translation binary

proc json_string {s} {
    return "\"[string map {\\ \\\\ \" \\\" \n \\n \t \\t} $s]\""
}

# The router's line, as it arrives on the UDP socket.
proc make_line {n t} {
    global stores roles programs months
    set host [lindex $roles [expr {$n % 3}]]-[format %03d [expr {($n * 7919 / 3) % $stores}]]
    set severity [expr {($n * 2654435761 >> 8) % 8}]
    set pri [expr {23 * 8 + $severity}]
    set program [lindex $programs [expr {($n >> 3) % [llength $programs]}]]
    set message [format $program [expr {$n % 48}] [expr {$n % 65536}]]
    set seconds_of_day [expr {int(36000 + $t)}]
    return [format "<%d>%s %2d %02d:%02d:%02d %s.stores.example.net %d: %s" $pri [lindex $months 10] 14 \
        [expr {$seconds_of_day / 3600}] [expr {$seconds_of_day / 60 % 60}] [expr {$seconds_of_day % 60}] \
        $host [expr {$n % 100000}] $message]
}

proc inventory_of {host} {
    global inventory
    if {![info exists inventory($host)]} {
        # The first line from a host: ask the inventory service (here: made up from the name).
        regexp {^(\w+)-(\d+)} $host -> role number
        set store [scan $number %d]
        set inventory($host) [dict create store "store-$number" region "region-[expr {$store % 12}]" \
            role $role site "[expr {$store * 37 % 900}] High Street, Town [expr {$store % 150}]" \
            model [lindex {ISR4331 C9200-48P AIR-AP2802I} [lsearch {rtr sw ap} $role]] \
            serial [format FDO%08X [expr {$store * 2654435761 % 4294967296}]] owner "store-ops-[expr {$store % 12}]"]
    }
    return $inventory($host)
}

proc receive {line t} {
    global batch lines
    incr lines
    if {![regexp {^<(\d+)>(\w{3}) +(\d+) (\d\d:\d\d:\d\d) ([^ .]+)\S* (\d+): (.*)$} $line -> pri month day time host pid message]} {
        return
    }
    set severity [expr {$pri % 8}]
    set facility [expr {$pri / 8}]
    set inv [inventory_of $host]
    regexp {^%([A-Z0-9]+)-(\d)-([A-Z_]+)} $message -> mnemonic_facility level mnemonic
    set doc [format {{"@timestamp":"2026-11-%02dT%s.%03dZ","host":%s,"severity":%d,"facility":%d,"pid":%d,"store":%s,"region":%s,"role":%s,"site":%s,"model":%s,"mnemonic":"%s-%s","message":%s,"relay":"noc-relay-2","pipeline":"syslog-retail-v3"}} \
        $day $time [expr {int($t * 1000) % 1000}] [json_string $host] $severity $facility $pid \
        [json_string [dict get $inv store]] [json_string [dict get $inv region]] [json_string [dict get $inv role]] \
        [json_string [dict get $inv site]] [json_string [dict get $inv model]] $mnemonic_facility $mnemonic \
        [json_string $message]]
    append batch(siem) "{\"index\":{\"_index\":\"syslog-retail\"}}\n" $doc "\n"
    append batch(archive) $doc "\n"
    incr sent(docs)
    if {$severity <= 4} { append batch(storeops) $doc "\n" }
}

# Every 2.5 s: one bulk request per destination, then the batch starts again.
proc flush_batches {} {
    global batch sent sink
    foreach dest {siem archive storeops} {
        if {$batch($dest) eq ""} continue
        set body $batch($dest)
        if {$dest eq "siem"} {
            set body [zlib gzip $body -level 1]
            incr sent(gzipped) [string length $body]
        }
        puts -nonewline $sink $body
        incr sent(requests)
        incr sent(bytes) [string length $batch($dest)]
        unset body
        set batch($dest) {}
    }
    after 2500 flush_batches
}

proc tick {i t} {
    for {set k 0} {$k < 20} {incr k} {
        receive [make_line [expr {$i * 20 + $k}] $t] $t
    }
}

after 2500 flush_batches
pacing::every 0.01 $seconds tick
puts stderr [format "%d lines relayed, %d bulk requests (%.1f MB of JSON, %.1f MB gzipped to the SIEM), %d hosts in the inventory cache" \
    $lines $sent(requests) [expr {$sent(bytes) / 1e6}] [expr {$sent(gzipped) / 1e6}] [array size inventory]]
