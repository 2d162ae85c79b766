#!/usr/bin/perl
# A slow reachable leak in perl on a big base (written in session 25, batch 9, as a held-out check, never
# tuned on): the RADIUS accounting server of a fixed-line ISP's broadband network. At start it loads its
# subscriber directory (80,000 accounts: plan, address pool, quota, NAS group, contract and billing
# ids) and recovers the table of open sessions from its checkpoint (20,000 sessions, keyed by the NAS's
# address and Acct-Session-Id). Then 1,500 Accounting-Requests a second come from the BNGs: each is a
# RADIUS packet (code, identifier, length, authenticator, attributes) unpacked into a hash; a Start
# opens a session, an Interim-Update adds its octet counters, a Stop closes it, writes its call detail
# record and deletes it. Starts and Stops come at the same rate (250 a second), so the open sessions stay
# at ~20,000. One of the eight NAS groups runs a BNG release that sends the Stop's Acct-Session-Id in
# upper-case hex where its Start and Interim-Updates had it in lower case: the Stop's lookup misses,
# the CDR is written from the Stop alone, and the session opened by the Start is never deleted.
# Truth: a slow leak, reachable, linear from the start: ~31 sessions a second (an eighth of the Stops)
# left in the table, each its key (~30 B) and a hash of ten fields (~870 B with perl's SVs and the
# table's entry), ~27 kB/s, ~0.43 MB over a 16 s run: ~0.6% of a ~71 MB process. The directory and the
# recovered sessions, loaded in the first ~0.6 s, are the warm-up (~55-58 MB of live heap); the table's
# bucket array (32,768 buckets once 20,000 sessions are in) does not double in the run. (The recovered
# sessions' times are floats and the counters integers from the start, as perl would otherwise upgrade
# their scalars at the first Interim-Update, a slow growth of its own.)
# Measured (session 25, tests/accuracy/measure.py): tracked, live heap 57.92 MB at 1 s, 57.97 at 3 s,
# 58.31 at 16 s (+27 kB/s over 3-13 s, +28 over 3-9 s, +24 over 9-16 s), RSS +29 kB/s over 3-13 s;
# --plain, RSS 70.90 MB at 1 s, 70.96 at 3 s, 71.34 at 16 s (+29 kB/s over 3-13 s, +30 over 3-9 s, +27
# over 9-16 s); 4,000 Stops in the run, 499 unmatched; 20,499 sessions in the table at exit, 20,000 open
# at the BNGs. Another tracked run: live heap 55.41 MB at 3 s, 55.68 at 13 s (+27 kB/s; the warm-up's
# size varies by a few MB with perl's hash seed). Without the upper-cased ids (a scratch copy): live heap
# +0.03 kB/s over 1-10 s.
# Usage: perl radius_acct_session_case_slow_leak.pl SECONDS
use strict;
use warnings;
# Pacing.pm sits beside this file (found without FindBin, which costs ~1 MB).
BEGIN { unshift @INC, __FILE__ =~ s{[^/]*\z}{}r || '.' }
use Pacing;

my $seconds = Pacing::run_seconds(16);
my $subscribers = 40_000;
my $open_at_start = 20_000;

my $seed = 20261206;
sub rand_int {    # a small LCG, so every run does the same work (its high bits: the low ones cycle)
    my ($n) = @_;
    $seed = ($seed * 1103515245 + 12345) % 2147483648;
    return int($seed / 2147483648 * $n);
}

# RADIUS attribute types (RFC 2865/2866) used here.
my %ATTR = (user_name => 1, nas_ip => 4, nas_port => 5, framed_ip => 8, status_type => 40, in_octets => 42,
            out_octets => 43, session_id => 44, session_time => 46, terminate_cause => 49);
my %NAME_OF = reverse %ATTR;
my %INTEGER = map { $_ => 1 } qw(status_type nas_port in_octets out_octets session_time terminate_cause);
my @STATUS = (undef, 'Start', 'Stop', 'Interim-Update');

my %directory;    # username -> account
for my $n (1 .. $subscribers) {
    $directory{"ft$n\@dsl.example.net"} = {
        plan => ('FTTH-1000', 'VDSL-250', 'VDSL-100', 'ADSL-16')[ $n % 4 ],
        pool => 'pool-' . ($n % 64),
        quota_bytes => 500_000_000_000 + $n,
        nas_group => $n % 8,
        contract => sprintf('C-%09d', $n * 7),
        billing_id => sprintf('B%08X', $n * 2654435761 % 4294967296),
        address => "Hauptstrasse $n, " . (10_000 + $n % 89_999) . ' Musterstadt',
    };
}

# The NASes: 8 groups of 6 BNGs; group 5 runs the release that upper-cases the Stop's session id.
my @nas_ips = map { my $g = $_; map { "10.255.$g.$_" } 1 .. 6 } 0 .. 7;
my $buggy_group = 5;

my %sessions;       # "nas_ip/acct_session_id" -> session
my @nas_open;       # what the BNGs think is open: [nas_ip, session id, user, group]
my $next_session = 1;
my %counts = (start => 0, interim => 0, stop => 0, stop_unmatched => 0);
# The detail file the CDRs are appended to (the billing system picks it up); here /dev/null.
open my $detail, '>>', '/dev/null' or die "detail file: $!";

sub packet {    # an Accounting-Request as it comes off the wire
    my ($status, $nas_ip, $session_id, $user, $extra) = @_;
    my $attributes = join '',
        map { pack('C C a*', $_->[0], 2 + length $_->[1], $_->[1]) }
        [ $ATTR{status_type}, pack('N', $status) ], [ $ATTR{session_id}, $session_id ], [ $ATTR{user_name}, $user ],
        [ $ATTR{nas_ip}, pack('C4', split /\./, $nas_ip) ], [ $ATTR{nas_port}, pack('N', rand_int(4096)) ],
        @$extra;
    return pack('C C n a16', 4, rand_int(256), 20 + length $attributes, 'A' x 16) . $attributes;
}

sub unpack_request {
    my ($packet) = @_;
    my ($code, $identifier, $length) = unpack 'C C n', $packet;
    my %request = (code => $code, identifier => $identifier);
    my $at = 20;
    while ($at < $length) {
        my ($type, $len) = unpack "\@$at C C", $packet;
        my $value = substr $packet, $at + 2, $len - 2;
        my $name = $NAME_OF{$type} // "attr$type";
        # Integers stored as integers, addresses as dotted quads (a number written over the string $value
        # would carry its string buffer into every copy).
        $request{$name} = $INTEGER{$name} ? unpack('N', $value)
                        : $name eq 'nas_ip' || $name eq 'framed_ip' ? join('.', unpack 'C4', $value)
                        : $value;
        $at += $len;
    }
    return \%request;
}

sub open_session {
    my ($request, $t) = @_;
    my $account = $directory{ $request->{user_name} } or return;
    $sessions{"$request->{nas_ip}/$request->{session_id}"} = {
        user => $request->{user_name}, started => $t, last => $t, nas_port => $request->{nas_port},
        framed_ip => $request->{framed_ip} // '0.0.0.0', pool => $account->{pool}, in_octets => 0, out_octets => 0,
        plan => $account->{plan},
    };
}

sub handle {
    my ($packet, $t) = @_;
    my $request = unpack_request($packet);
    my $status = $STATUS[ $request->{status_type} ];
    my $key = "$request->{nas_ip}/$request->{session_id}";
    if ($status eq 'Start') {
        open_session($request, $t);
        $counts{start}++;
    } elsif ($status eq 'Interim-Update') {
        if (my $session = $sessions{$key}) {
            $session->{in_octets} = $request->{in_octets};
            $session->{out_octets} = $request->{out_octets};
            $session->{last} = $t;
        }
        $counts{interim}++;
    } else {
        my $session = delete $sessions{$key};
        $counts{stop_unmatched}++ unless $session;
        $counts{stop}++;
        print {$detail} join(';', $request->{user_name}, $request->{session_id},
            $request->{session_time} // 0, $request->{in_octets} // 0, $request->{out_octets} // 0,
            $request->{terminate_cause} // 1, $session ? $session->{plan} : 'unknown'), "\n";
    }
}

sub start_one {
    my ($t) = @_;
    my $n = 1 + rand_int($subscribers);
    my $user = "ft$n\@dsl.example.net";
    my $group = $n % 8;
    my $nas_ip = $nas_ips[ $group * 6 + rand_int(6) ];
    my $session_id = sprintf '%08x%08x', $next_session++, rand_int(2**31);
    push @nas_open, [ $nas_ip, $session_id, $user, $group ];
    return packet(1, $nas_ip, $session_id, $user,
        [ [ $ATTR{framed_ip}, pack('C4', 100, 64 + rand_int(64), rand_int(256), rand_int(256)) ] ]);
}

# Recover the open sessions from the checkpoint, as if their Starts came again (at their start times,
# up to an hour ago).
for (1 .. $open_at_start) {
    my $started = -0.5 - rand_int(3_600_000) / 1000;
    handle(start_one($started), $started);
}

# 100 ticks a second: 2.5 Starts, 2.5 Stops and 10 Interim-Updates a tick on average.
Pacing::every(0.01, $seconds, sub {
    my ($i, $t) = @_;
    my $pairs = 2 + ($i % 2);    # 2 or 3: 250 a second
    for (1 .. $pairs) {
        handle(start_one($t), $t);
        my $which = rand_int(scalar @nas_open);
        my ($nas_ip, $session_id, $user, $group) = @{ $nas_open[$which] };
        $nas_open[$which] = $nas_open[-1];
        pop @nas_open;
        $session_id = uc $session_id if $group == $buggy_group;
        handle(packet(2, $nas_ip, $session_id, $user,
            [ [ $ATTR{session_time}, pack('N', 60 + rand_int(86_400)) ], [ $ATTR{in_octets}, pack('N', rand_int(2**31)) ],
              [ $ATTR{out_octets}, pack('N', rand_int(2**31)) ], [ $ATTR{terminate_cause}, pack('N', 1 + rand_int(18)) ] ]),
            $t);
    }
    for (1 .. 10) {
        my ($nas_ip, $session_id, $user) = @{ $nas_open[ rand_int(scalar @nas_open) ] };
        handle(packet(3, $nas_ip, $session_id, $user,
            [ [ $ATTR{in_octets}, pack('N', rand_int(2**31)) ], [ $ATTR{out_octets}, pack('N', rand_int(2**31)) ] ]), $t);
    }
});
printf STDERR "radius_acct_session_case_slow_leak: %d starts, %d interim, %d stops (%d unmatched); %d sessions in the "
    . "table, %d open at the BNGs\n", @counts{qw(start interim stop stop_unmatched)}, scalar(keys %sessions),
    scalar @nas_open;
