#!/usr/bin/perl
# A flat perl service whose churn is the kind that fragments a heap (written in session 14 as a
# held-out check, never tuned on): a web session store. 2,000 requests a second: each finds or creates
# its session (a hash with the user, a CSRF token and a data string that grows by appends as the user
# clicks: 200 B to ~6 kB), renders a response (a string of 1-96 kB, built piece by piece and then
# dropped) and logs one line into a 2,000-line ring. Sessions live in a hash capped at 12,000: past
# that, the oldest are evicted (FIFO), so long-lived session strings of every size sit interleaved
# with freed response buffers of every size. Nothing is kept beyond the caps.
# Truth: not a leak: the store fills in its first ~4 s (3,000 new sessions a second for the first
# 3 s, then 600 a second; ~12,000 sessions of ~3 kB), then holds at its cap: the live heap is flat
# from ~4-5 s on, up to the sessions' data strings growing until they are evicted (bounded by the
# cap). glibc may keep freed holes resident, so RSS can creep after the store is full; that is
# the allocator, not the program (the program prints its sessions and ring size at the end).
# Measured (tests/accuracy/measure.py, session 14): live heap 1.8 -> 19.8 MB over 0-5 s, then 20.66-20.79
# MB (slope -57 B/s over 6-16 s); RSS 32.7 MB at 5 s, 33.4 -> 33.8 MB over 6-16 s (+40 kB/s, glibc's
# free-but-kept bytes 0.35 -> 0.62 MB); 5,000 sessions at the end.
# Usage: perl session_store_churn_flat.pl SECONDS
use strict;
use warnings;
# Pacing.pm sits beside this file (found without FindBin, which costs ~1 MB).
BEGIN { unshift @INC, __FILE__ =~ s{[^/]*\z}{}r || '.' }
use Pacing;

my $seconds = Pacing::run_seconds(16);
my $session_cap = 5_000;
my $ring_size = 2_000;

my %sessions;      # id -> {user, csrf, data}
my @session_order; # ids, oldest first (FIFO eviction)
my @access_ring;
my $next_session = 0;
my $ring_at = 0;
my $bytes_rendered = 0;
my $seed = 12345;
my $filler = "r" x 860;

sub rand_int {    # a small LCG, so every run does the same work
    my ($n) = @_;
    $seed = ($seed * 1103515245 + 12345) % 2147483648;
    return $seed % $n;
}

sub new_session {
    my $id = sprintf "s%09d", $next_session++;
    $sessions{$id} = { user => "user" . rand_int(1_000_000), csrf => "x" x 40, data => "p" x (200 + rand_int(5800)),
                       last => '' };
    push @session_order, $id;
    while (@session_order > $session_cap) {
        delete $sessions{ shift @session_order };
    }
    return $id;
}

sub render {
    my ($session) = @_;
    my $size = 1024 + rand_int(63 * 1024);
    my $body = '';
    while (length $body < $size) {
        $body .= "<tr><td>$session->{user}</td><td>$filler</td></tr>\n";
    }
    $bytes_rendered += length $body;
    return length $body;
}

sub handle_request {
    my ($t, $new_sessions_per_request) = @_;
    my $session;
    if (!@session_order || rand_int(1000) < $new_sessions_per_request) {
        $session = $sessions{ new_session() };
    } else {
        $session = $sessions{ $session_order[ rand_int(scalar @session_order) ] };
    }
    $session->{last} = "click" x (1 + rand_int(60));
    my $length = render($session);
    $access_ring[ $ring_at++ % $ring_size ] = sprintf "%.3f %s %d", $t, $session->{user}, $length;
}

# 10 requests every 10 ms; new sessions per 1,000 requests: all for 5 s, then 250.
Pacing::every(0.01, $seconds, sub {
    my ($i, $t) = @_;
    my $new_sessions = $t < 5 ? 1000 : 250;
    handle_request($t, $new_sessions) for 1 .. 10;
});
printf STDERR "session_store_churn_flat: %d sessions, %d log lines, %.1f MB rendered\n",
    scalar(keys %sessions), scalar(@access_ring), $bytes_rendered / 1e6;
