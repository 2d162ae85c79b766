# A flat perl service with churn, no leak (written in session 35, batch 14, as a held-out check, never tuned
# on): the upstream health aggregator of a CDN's edge, reading nginx's JSON access log lines as they come (1,500
# a second, generated here), parsing each into a hash (the line decoded field by field with regexes), and
# adding it to per-upstream counters: 400 upstream servers x 6 status classes x a 64-bucket latency histogram,
# all created at start from the upstream inventory (so the table's size is fixed from the first moment). Every
# second it renders a health summary for the 20 worst upstreams (a sort over the table and a report string,
# dropped once written) and resets the per-second error windows in place.
# Truth: not a leak: stable. The counter table (28,000 counters in perl scalars, arrays and hashes) is built before the
# first line and never grows; each line's hash and strings and each summary's sort and report are freed at once
# (perl reuses its freed SVs and arenas). The program prints every 4 s on stderr its lines read and the table's
# size in keys and buckets (constant), and its RSS.
# Measured (session 35, tests/accuracy/measure.py): --plain, RSS 9.51 MB at 1 s, 9.56 at 9 s, 9.56 at 16 s (+3.2 kB/s over
# 1-16 s, 0 over 9-16 s: ~50 kB as perl's buffers reach their longest values); tracked, live heap 3.70 MB at 1 s, 3.75 at
# 9-16 s (+2.8 kB/s over 1-16 s, 0 over 9-16 s), RSS 13.39 -> 13.44 MB; 24,000 lines, 16 summaries.
# Usage: perl nginx_upstream_health_counters_flat.pl SECONDS
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use Pacing qw(run_seconds every);

my $upstreams   = 400;
my $buckets     = 64;
my @classes     = qw(1xx 2xx 3xx 4xx 5xx timeout);
my $lines_tick  = 15;    # every 10 ms: 1,500 a second

my %table;
for my $u (0 .. $upstreams - 1) {
    my $name = sprintf "10.%d.%d.%d:%d", 20 + $u % 8, $u % 250, ($u * 7) % 250, 8080 + $u % 4;
    $table{$name} = {
        pool      => sprintf("pool-%s-%02d", (qw(img api video static))[$u % 4], $u % 32),
        by_class  => { map { $_ => 0 } @classes },
        latency   => [ (0) x $buckets ],
        window    => { map { $_ => 0 } @classes },
        last_seen => 0,
        bytes     => 0,
    };
}
my @names = sort keys %table;

sub mix {    # a deterministic 32-bit hash: the same lines in every run
    my $x = ($_[0] ^ 0x9e3779b9) & 0xffffffff;
    $x = (($x ^ ($x >> 16)) * 0x45d9f3b) & 0xffffffff;
    $x = (($x ^ ($x >> 16)) * 0x45d9f3b) & 0xffffffff;
    return ($x ^ ($x >> 16)) & 0xffffffff;
}

sub log_line {
    my ($n) = @_;
    my $h = mix($n);
    my $status = (200, 200, 200, 200, 304, 206, 404, 502, 503, 200, 301, 499)[$h % 12];
    return sprintf '{"time":"2026-12-07T10:%02d:%02d+00:00","remote_addr":"203.0.%d.%d","request":"GET /%s/%x.%s HTTP/2.0",'
        . '"status":%d,"body_bytes_sent":%d,"upstream_addr":"%s","upstream_response_time":"%.3f",'
        . '"http_user_agent":"Mozilla/5.0 (compatible; edge-probe/%d)","cache":"%s"}',
        $n / 60000 % 60, $n / 1000 % 60, $h % 250, ($h >> 8) % 250, (qw(img api video static))[$h % 4], $h,
        (qw(webp json m4s css))[$h % 4], $status, ($h >> 4) % 900000, $names[($h >> 12) % $upstreams],
        (($h >> 20) % 2000) / 1000, $h % 9, ($h & 1 ? 'HIT' : 'MISS');
}

my ($lines, $summaries, $report_bytes) = (0, 0, 0);

sub ingest {
    my ($text) = @_;
    my %f;
    while ($text =~ /"(\w+)":("([^"]*)"|(\d+))/g) {
        $f{$1} = defined $3 ? $3 : $4;
    }
    my $u = $table{ $f{upstream_addr} } or return;
    my $class = $f{upstream_response_time} >= 1.9 ? 'timeout' : substr($f{status}, 0, 1) . 'xx';
    $u->{by_class}{$class}++;
    $u->{window}{$class}++;
    $u->{latency}[ int($f{upstream_response_time} * 1000 / 32) % $buckets ]++;
    $u->{bytes} += $f{body_bytes_sent};
    $u->{last_seen} = $f{time};
    $lines++;
}

sub summary {
    my @worst = (sort { ($table{$b}{window}{'5xx'} + $table{$b}{window}{timeout}) <=>
                        ($table{$a}{window}{'5xx'} + $table{$a}{window}{timeout}) } @names)[0 .. 19];
    my $report = join "\n", map {
        my $u = $table{$_};
        sprintf "%-22s %-16s 5xx=%d timeout=%d 2xx=%d p50-bucket=%d bytes=%d", $_, $u->{pool}, $u->{window}{'5xx'},
            $u->{window}{timeout}, $u->{window}{'2xx'}, (sort { $u->{latency}[$b] <=> $u->{latency}[$a] } 0 .. $buckets - 1)[0],
            $u->{bytes}
    } @worst;
    $report_bytes += length $report;
    for my $u (values %table) { $u->{window}{$_} = 0 for @classes }
    $summaries++;
}

sub rss_mb {
    open my $fh, '<', '/proc/self/statm' or return 0;
    my (undef, $resident) = split ' ', scalar <$fh>;
    return $resident * 4096 / 1e6;
}

my $seconds = run_seconds(16);
my $n = 0;
every(0.01, $seconds, sub {
    my ($i, $t) = @_;
    ingest(log_line($n++)) for 1 .. $lines_tick;
    summary() if $i % 100 == 99;
    if ($i % 400 == 399) {
        my $keys = 0;
        $keys += keys(%{ $_->{by_class} }) + @{ $_->{latency} } for values %table;
        printf STDERR "t=%5.1f s: %d lines, %d upstreams, %d counters; rss %.2f MB\n", $t, $lines, scalar(keys %table), $keys,
            rss_mb();
    }
});
printf STDERR "%d lines, %d summaries (%d bytes of reports), %d upstreams\n", $lines, $summaries, $report_bytes,
    scalar(keys %table);
