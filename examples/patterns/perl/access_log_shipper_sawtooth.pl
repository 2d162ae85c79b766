#!/usr/bin/perl
# A sawtooth of periodic flushes, in perl (written in session 15 as a held-out check, never tuned on):
# an access-log shipper. It tails a web server's access log, 3,000 lines a second (60 every 20 ms;
# here made up from a fixed mix of clients, paths and agents), parses each combined-format line with a
# regex into a hash of nine fields, and queues it. Every 2 s it ships the batch: the queued records are
# serialized into one JSON-lines payload (~1.5-2 MB), the payload is "posted" (checksummed), and the
# batch and the payload are dropped. Per-status and per-method counters are the only things kept.
# Truth: not a leak: 6,000 records queued over each 2 s, shipped and dropped: a bounded sawtooth every
# 2 s (8 teeth in a 16 s run). perl keeps its scalar and hash heads in arenas it never gives back to
# malloc, so after the first flush (whose serialization also needs them) the malloc heap stands on a
# ~12 MB floor and the teeth are what perl does free: the records' strings and hash arrays, ~1.7 MB.
# RSS rises in the first seconds, then holds (with the teeth, or flat).
# Measured (tests/accuracy/measure.py, session 15): live heap 1.3 -> 8.3 MB over 0-2 s, 11.6 after the
# first flush, then teeth from 11.6-12.0 to 13.3-13.7 MB every 2 s: floor 12.02 MB and top 13.71 MB
# exactly from 6.3 s on; RSS under the tracker 22 -> 27-31 MB, teeth 28.6-31.2 MB from 6 s; without
# the tracker RSS 21.5 MB at 4 s, 21.5-22.0 MB over 4-16 s (+6 kB/s). 48,000 lines in 8 batches.
# Usage: perl access_log_shipper_sawtooth.pl SECONDS
use strict;
use warnings;
# Pacing.pm sits beside this file (found without FindBin, which costs ~1 MB).
BEGIN { unshift @INC, __FILE__ =~ s{[^/]*\z}{}r || '.' }
use Pacing;

my $seconds = Pacing::run_seconds(16);
my @paths = map { "/api/v2/" . (qw(orders carts users items search reviews))[$_ % 6] . "/" . (1000 + $_ * 37) }
    0 .. 199;
my @agents = ('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
              'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
              'okhttp/4.12.0', 'curl/8.5.0', 'python-requests/2.31.0');
my @methods = qw(GET GET GET GET POST PUT DELETE);
my @statuses = (200, 200, 200, 200, 200, 304, 201, 404, 500, 302);

my @batch;
my (%by_status, %by_method);
my ($lines, $shipped_bytes, $batches, $checksum) = (0, 0, 0, 0);
my $seed = 4242;

sub rand_int {    # a small LCG, so every run reads the same log
    my ($n) = @_;
    $seed = ($seed * 1103515245 + 12345) % 2147483648;
    return $seed % $n;
}

# The line the web server wrote.
sub next_line {
    my ($t) = @_;
    my $ip = join '.', 10, rand_int(256), rand_int(256), 1 + rand_int(254);
    my $path = $paths[ rand_int(scalar @paths) ] . (rand_int(3) ? '' : '?page=' . rand_int(50));
    return sprintf '%s - - [05/Dec/2026:06:%02d:%06.3f +0000] "%s %s HTTP/1.1" %d %d "https://shop.example.com%s" "%s"',
        $ip, int($t / 60) % 60, $t - 60 * int($t / 60), $methods[ rand_int(scalar @methods) ], $path,
        $statuses[ rand_int(scalar @statuses) ], 200 + rand_int(40000), $paths[ rand_int(scalar @paths) ], $agents[ rand_int(scalar @agents) ];
}

sub parse_line {
    my ($line) = @_;
    $line =~ m{^(\S+) \S+ \S+ \[([^\]]+)\] "(\S+) (\S+) (\S+)" (\d+) (\d+) "([^"]*)" "([^"]*)"} or return;
    my %record = (client => $1, time => $2, method => $3, path => $4, protocol => $5, status => $6, bytes => $7,
                  referer => $8, agent => $9);
    $by_status{$6}++;
    $by_method{$3}++;
    return \%record;
}

sub ship_batch {
    my $payload = join '', map {
        my $r = $_;
        '{' . join(',', map { qq("$_":"$r->{$_}") } sort keys %$r) . "}\n"
    } @batch;
    $checksum = ($checksum + unpack('%32C*', $payload)) % 4294967296;
    $shipped_bytes += length $payload;
    $batches++;
    @batch = ();
}

# 60 lines every 20 ms; the batch goes every 100th tick (2 s).
Pacing::every(0.02, $seconds, sub {
    my ($i, $t) = @_;
    for (1 .. 60) {
        my $record = parse_line(next_line($t));
        push @batch, $record if $record;
        $lines++;
    }
    ship_batch() if $i % 100 == 99;
});
printf STDERR "access_log_shipper_sawtooth: %d lines, %d batches, %.1f MB shipped, %d queued at exit, %d statuses\n",
    $lines, $batches, $shipped_bytes / 1e6, scalar(@batch), scalar(keys %by_status);
