#!/usr/bin/perl
# A leak in a perl log shipper (written in session 13 as a held-out check, never tuned on): a syslog
# relay forwards 800 lines a second and drops duplicates (devices retransmit when an ack is slow). It
# remembers each message id in %seen with when it was seen and the line's first 160 characters (for
# the "duplicate dropped" report), and an expiry pass every second deletes ids older than the 30 s
# retransmit window. The ids are stored with Time::HiRes milliseconds, but the expiry compares them
# with time() in seconds, so no entry is ever old enough: %seen keeps every message.
# Truth: a leak, linear, from the start: 784 entries a second (one line in fifty is a duplicate),
# each a hash key (the 36-character id) and an array of two scalars (the timestamp and a
# 160-character string): ~500 bytes asked of malloc per entry for perl's SVs, hash entries and
# string buffers (perl allocates through glibc's malloc), so ~395 kB/s, ~5.5 MB over 14 s on a
# ~11 MB interpreter. Lines are paced by the wall clock (20 ms ticks, Pacing.pm); a run that could
# not keep that pace says so on stderr, as ../pacing.hpp does.
# Measured (tests/accuracy/measure.py, session 13): live heap +396 kB/s over 3-13 s, +385 kB/s over
# 7-14 s (1.16 -> 6.47 MB over 0.5-14 s); RSS +534 kB/s over 3-13 s (11.15 -> 18.72 MB over 0.5-14 s);
# the program ends holding 10,976 ids, none expired.
# Usage: perl syslog_dedupe_leak.pl SECONDS
use strict;
use warnings;
# Pacing.pm sits beside this file (found without FindBin, which costs ~1 MB).
BEGIN { unshift @INC, __FILE__ =~ s{[^/]*\z}{}r || '.' }
use Pacing;
use Time::HiRes qw(time);

my $seconds = Pacing::run_seconds(14);
my $period = 0.02;    # 50 ticks a second, 16 lines each
my $window_s = 30;

my %seen;
my %stats = (forwarded => 0, duplicates => 0, expired => 0);
my @hosts = map { sprintf "edge-sw-%03d.dc%d.example.net", $_, $_ % 4 } 0 .. 199;

sub message_id {
    my ($n) = @_;
    return sprintf "%08x-%04x-%04x-%04x-%012x", $n * 2654435761 % 4294967296, $n % 65536, ($n >> 16) % 65536,
        ($n * 7) % 65536, $n;
}

sub relay {
    my ($n) = @_;
    # One line in fifty is a retransmission of the line before.
    my $id = message_id($n % 50 == 49 ? $n - 1 : $n);
    my $host = $hosts[$n % @hosts];
    my $line = sprintf "<%d>1 2026-12-04T10:00:00Z %s ifmgr %d - - interface ge-0/0/%d changed state to %s; %s",
        134, $host, 1000 + $n % 5000, $n % 48, ($n % 2 ? "up" : "down"), "d" x (60 + $n % 90);
    if (exists $seen{$id}) {
        $stats{duplicates}++;
        return;
    }
    $seen{$id} = [time * 1000, substr($line, 0, 160)];
    $stats{forwarded} += length $line > 0;
}

sub expire {
    my $now = time;
    for my $id (keys %seen) {
        # The bug: $seen{$id}[0] is in milliseconds, $now in seconds; the difference is never positive.
        if ($now - $seen{$id}[0] > $window_s) {
            delete $seen{$id};
            $stats{expired}++;
        }
    }
}

my $n = 0;
Pacing::every($period, $seconds, sub {
    my ($tick) = @_;
    relay($n++) for 1 .. 16;
    expire() if $tick % 50 == 49;
});
printf STDERR "%d lines: %d forwarded, %d duplicates dropped, %d expired, %d ids held\n", $n, $stats{forwarded},
    $stats{duplicates}, $stats{expired}, scalar keys %seen;
