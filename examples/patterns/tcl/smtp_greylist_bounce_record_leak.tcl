# A reachable leak in a Tcl event-loop service, an array growing on one request path (written in session 34,
# batch 13, as a held-out check, never tuned on): the greylisting policy daemon of a university's mail
# gateway, a Tcl service Postfix asks over its policy delegation protocol (one request a message attempt: ~25
# name=value lines). 600 new message attempts a second come from the world's MTAs, and their retries. A new
# (client address, sender, recipient) triplet is deferred: its record, with the request's main attributes for
# the audit log, goes into the `greylist` array and its key into the `pending` queue that a sweeper (`after
# 500`, re-armed by itself) expires after 2.5 s; a legitimate MTA retries 0.3-1.5 s later (here 70% of them),
# the retry passes, its record is unset and its client counted in the auto-whitelist (an array over the 600
# MTAs that send: bounded). Bounces (null sender, <>) are never greylisted: they are exempt, but the exemption
# is tested after the record was stored and returns before the key is queued for the sweeper, and bounces are
# never retried, so their records stay in `greylist` for good.
# Truth: a leak, reachable, linear from the start: 30 bounce records a second (5% of the 600 new attempts),
# each an array entry holding a dict of 14 fields (client name and address, helo, sender, recipient, queue id,
# size, the TLS fields, the times...) and the request's value objects it shares, ~4 kB in Tcl's objects and
# hash tables: ~120 kB/s, ~1.9 MB over a 16 s run beside a ~13 MB interpreter with its bounded tables (~13% of
# the process by the end). The deferred triplets awaiting their retry or expiry (~900) and the auto-whitelist
# (600 addresses, filled in the first ~8 s) are bounded; each request's parsed attributes come and go. Tcl's
# allocator keeps freed small blocks for reuse, so what it asks of malloc follows the high-water mark of its
# objects: up with the kept records, in steps, and a little with the bounded tables' high-water mark until ~12
# s (a copy storing no bounce record: live heap +43 kB/s over 3-8 s, +53 over 8-13 s, flat from 13 to 24 s); a
# 24 s run of the program itself: live heap +122 kB/s over 13-24 s, ~3.9 kB a record.
# The daemon prints the array's size every 2 s on stderr.
# Measured (session 34, tests/accuracy/measure.py): tracked, live heap 6.31 MB at 1 s, 8.86 at 3 s, 9.70 at 8
# s, 10.29 at 10 s, 10.47 at 13 s, 10.86 at 16 s (+161 kB/s over 3-13 s, +142 over 3-9 s, +133 over 9-16 s,
# +145 over 13-16 s), RSS 15.29 MB at 3 s, 17.13 at 16 s (+159 kB/s over 3-13 s); --plain, RSS 10.57 MB at 1
# s, 13.31 at 3 s, 13.93 at 8 s, 14.71 at 13 s, 15.09 at 16 s (+159 kB/s over 3-13 s, +135 over 3-9 s, +132
# over 9-16 s); 15,650 policy requests, 9,117 deferred, 6,050 passed, 483 bounces, 2,191 expired; 1,359
# records in the greylist at exit (483 of bounces).
# Usage: tclsh smtp_greylist_bounce_record_leak.tcl SECONDS
source [file join [file dirname [info script]] pacing.tcl]

set seconds [pacing::run_seconds 16]

# A small LCG, so every run does the same work.
set seed 20261214
proc rand_int {n} {
    global seed
    set seed [expr {($seed * 1103515245 + 12345) % 2147483648}]
    return [expr {$seed * $n / 2147483648}]
}

set domains {gmail.com outlook.com yahoo.co.jp gmx.de web.de mail.ru qq.com free.fr orange.fr uni-example.edu \
    protonmail.com icloud.com naver.com t-online.de seznam.cz}
set departments {physik chemie informatik mathematik biologie verwaltung bibliothek rechenzentrum}

array set greylist {}      ;# triplet -> the deferred attempt's record
set pending {}             ;# {deferred_at_s triplet} in order, for the sweeper
array set whitelist {}     ;# client address -> retries that passed (auto-whitelist)
set retries {}             ;# {due_s request} of the retries the legitimate MTAs will make
array set stats {requests 0 deferred 0 passed 0 bounces 0 expired 0}
set next_message 0

proc client_address {n} { return [format "%d.%d.%d.%d" [expr {40 + $n % 180}] [expr {$n / 180 % 256}] [expr {$n * 7 % 256}] [expr {1 + $n % 250}]] }

# A policy request as Postfix sends it (name=value lines, an empty line at the end).
proc request_text {t} {
    global next_message domains departments
    set n [incr next_message]
    set client [rand_int 600]
    set address [client_address $client]
    set bounce [expr {[rand_int 100] < 5}]
    set sender [expr {$bounce ? "" : "user[rand_int 90000]@[lindex $domains [expr {$client % [llength $domains]}]]"}]
    set rcpt "[lindex {m.mueller a.schmidt k.weber j.fischer s.wagner} [rand_int 5]][rand_int 400]@[lindex $departments [rand_int 8]].uni-example.edu"
    return [join [list "request=smtpd_access_policy" "protocol_state=RCPT" "protocol_name=ESMTP" \
        "client_address=$address" "client_name=mx[expr {$client % 97}].[lindex $domains [expr {$client % [llength $domains]}]]" \
        "reverse_client_name=mx[expr {$client % 97}].[lindex $domains [expr {$client % [llength $domains]}]]" \
        "helo_name=mta-out-[expr {$client % 53}].example.net" "sender=$sender" "recipient=$rcpt" \
        "recipient_count=0" "queue_id=[format %010X [expr {$n * 2654435761 % 1099511627776}]]" \
        "instance=[format %x.%x.%x.%x $n [expr {$n * 3}] [expr {$n * 5}] 0]" "size=[expr {2000 + [rand_int 90000]}]" \
        "etrn_domain=" "stress=" "sasl_method=" "sasl_username=" "sasl_sender=" \
        "ccert_subject=" "ccert_issuer=" "ccert_fingerprint=" "encryption_protocol=TLSv1.3" \
        "encryption_cipher=TLS_AES_256_GCM_SHA384" "encryption_keysize=256" "policy_context=" ""] "\n"]
}

proc parse_request {text} {
    set attrs {}
    foreach line [split $text "\n"] {
        if {$line eq ""} continue
        set eq [string first = $line]
        dict set attrs [string range $line 0 [expr {$eq - 1}]] [string range $line [expr {$eq + 1}] end]
    }
    return $attrs
}

proc triplet {attrs} {
    set sender [string tolower [dict get $attrs sender]]
    if {$sender eq ""} { set sender "<>" }
    return "[dict get $attrs client_address]/$sender/[string tolower [dict get $attrs recipient]]"
}

# The policy check: returns the action Postfix is to take.
proc check {attrs t} {
    global greylist pending whitelist retries stats
    incr stats(requests)
    set key [triplet $attrs]
    if {[info exists greylist($key)]} {
        # A retry of a deferred triplet: it passes, and its client earns a whitelist point.
        unset greylist($key)
        incr whitelist([dict get $attrs client_address])
        incr stats(passed)
        return "action=DUNNO"
    }
    set greylist($key) [dict create first_s $t client_address [dict get $attrs client_address] \
        client_name [dict get $attrs client_name] helo [dict get $attrs helo_name] sender [dict get $attrs sender] \
        recipient [dict get $attrs recipient] queue_id [dict get $attrs queue_id] size [dict get $attrs size] \
        instance [dict get $attrs instance] protocol [dict get $attrs protocol_name] \
        tls "[dict get $attrs encryption_protocol] [dict get $attrs encryption_cipher]" \
        keysize [dict get $attrs encryption_keysize] attempts 1 state deferred]
    # Bounces are never greylisted (their senders do not retry them reliably).
    if {[dict get $attrs sender] eq ""} {
        incr stats(bounces)
        return "action=DUNNO"
    }
    lappend pending [list $t $key]
    incr stats(deferred)
    # 70% of deferred senders are real MTAs and retry after 0.3-1.5 s.
    if {[rand_int 100] < 70} {
        lappend retries [list [expr {$t + 0.3 + [rand_int 1200] / 1000.0}] $attrs]
    }
    return "action=DEFER_IF_PERMIT 4.7.1 Service unavailable - greylisted, please try again later"
}

# The sweeper: deferred triplets not retried within 2.5 s expire.
proc sweep {} {
    global pending greylist stats
    set now [expr {([clock microseconds] - $pacing::start) / 1e6}]
    set keep 0
    foreach entry $pending {
        if {[lindex $entry 0] > $now - 2.5} break
        incr keep
        set key [lindex $entry 1]
        if {[info exists greylist($key)]} {
            unset greylist($key)
            incr stats(expired)
        }
    }
    set pending [lrange $pending $keep end]
    after 500 sweep
}

proc report {} {
    global greylist pending whitelist
    set bounces 0
    foreach key [array names greylist */<>/*] { incr bounces }
    puts stderr [format "t=%.1f s: greylist %d records (%d of bounces), %d deferred pending, %d clients whitelisted" \
        [expr {([clock microseconds] - $pacing::start) / 1e6}] [array size greylist] $bounces [llength $pending] [array size whitelist]]
    after 2000 report
}

set sent 0
proc tick {i t} {
    global retries sent
    # 600 new attempts a second: 30 every 50 ms.
    for {set k 0} {$k < 30} {incr k} {
        set reply [check [parse_request [request_text $t]] $t]
        incr sent [string length $reply]
    }
    # The retries due by now.
    set still {}
    foreach r $retries {
        if {[lindex $r 0] <= $t} {
            incr sent [string length [check [lindex $r 1] $t]]
        } else {
            lappend still $r
        }
    }
    set retries $still
}

after 500 sweep
after 2000 report
pacing::every 0.05 $seconds tick
puts stderr [format "%d policy requests: %d deferred, %d passed, %d bounces, %d expired; %d records in the greylist at exit, %d deferred pending, %d retries due, %d clients whitelisted" \
    $stats(requests) $stats(deferred) $stats(passed) $stats(bounces) $stats(expired) [array size greylist] \
    [llength $pending] [llength $retries] [array size whitelist]]
