#!/usr/bin/perl
# Teardown at exit of a flat program (written in session 16 as a held-out check, never tuned on): a
# perl IP-to-ASN lookup daemon for a mail filter's scoring. At start it loads its routing table,
# 250,000 /24 prefixes -> "AS<number> <holder>", into a hash, and indexes the holders by ASN. Then
# it answers 3,000 lookups a second, with the last 4,000 answers kept in a small cache (a hash and
# a FIFO array of its keys: the oldest deleted as each new one comes). On shutdown, 1.6 s before the
# end, it does what its SIGTERM handler does: it clears the tables and the cache, and then drains for
# the rest of the run (logging its counters, waiting for the last client to close).
# Truth: not a leak: the table's load in the first ~2 s (~65 MB), then flat (the cache fills in its
# first ~1.5 s of lookups and then only turns over), then the teardown at exit: the live heap falls
# by half in the last ~1.6 s (perl frees the strings; it keeps its SV arenas), while RSS stays where
# it was (glibc keeps the freed chunks, below perl's arenas). The teardown is not a pattern of the run.
# Measured (session 16, glibc mallinfo2 in-use bytes and /proc VmRSS sampled every 100 ms by a scratch
# preload shim, no tracker): heap 0.32 -> 65.34 MB over 0-2 s, 65.42 -> 65.67 MB over 2-4 s, 65.67 MB
# flat over 4-15.2 s (-0.2 kB/s), then 65.67 -> 32.28 MB over 15.2-15.9 s and 32.28 MB to the end
# (16.9 s: the 16 s of lookups start after the load); RSS 70.7 MB at 2 s, 71.07 MB from 4 s to the
# end; 43,200 lookups, 9,434 cache hits.
# Usage: perl asn_lookup_shutdown_teardown.pl SECONDS
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use Pacing qw(run_seconds every);

my $seconds = run_seconds(16);
my $teardown_at = $seconds - 1.6;
my @holders = ('DTAG Deutsche Telekom AG', 'COMCAST-7922', 'OVH SAS', 'HETZNER-AS', 'AMAZON-02',
               'CLOUDFLARENET', 'GOOGLE', 'AKAMAI-AS', 'TWC-11426-CAROLINAS', 'ORANGE-FR');

my (%route, %holder_by_asn);
my $seed = 1731;
sub next_random { $seed = ($seed * 1103515245 + 12345) % 2147483648; return $seed }
for my $n (0 .. 249_999) {
    my $prefix = sprintf('%d.%d.%d.0/24', 1 + ($n >> 16) % 223, ($n >> 8) & 255, $n & 255);
    my $asn = 1000 + next_random() % 60000;
    $holder_by_asn{$asn} //= $holders[$asn % 10] . " ($asn)";
    $route{$prefix} = "AS$asn " . $holder_by_asn{$asn};
}

my (%cache, @cache_order);
my ($lookups, $hits, $misses, $unrouted, $shut_down) = (0, 0, 0, 0, 0);
my $cache_size = 4000;

sub lookup {
    my ($ip) = @_;
    if (exists $cache{$ip}) { ++$hits; return $cache{$ip} }
    ++$misses;
    my ($a, $b, $c) = split /\./, $ip;
    my $answer = $route{"$a.$b.$c.0/24"} // do { ++$unrouted; 'AS0 unrouted' };
    $cache{$ip} = $answer;
    push @cache_order, $ip;
    delete $cache{ shift @cache_order } if @cache_order > $cache_size;
    return $answer;
}

sub shut_down {
    %route = ();
    %holder_by_asn = ();
    %cache = ();
    @cache_order = ();
    $shut_down = 1;
}

# 50 ticks a second, 60 lookups each: 3,000 a second, from mail relays (a few hot ones) and the rest.
every(0.02, $seconds, sub {
    my ($i, $t) = @_;
    if ($t >= $teardown_at) {
        shut_down() unless $shut_down;
        return;  # draining: no more lookups
    }
    for (1 .. 60) {
        my $r = next_random();
        my $ip = $r % 4 == 0
            ? sprintf('%d.%d.%d.%d', 1 + $r % 7, 10, 20, $r % 50)   # the busy relays
            : sprintf('%d.%d.%d.%d', 1 + ($r >> 8) % 5, ($r >> 4) & 255, $r & 255, ($r >> 12) & 255);
        lookup($ip);
        ++$lookups;
    }
});
printf STDERR "%d lookups, %d cache hits, %d misses, %d unrouted, shut down: %d\n",
    $lookups, $hits, $misses, $unrouted, $shut_down;
