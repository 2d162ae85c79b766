#!/usr/bin/perl
# A decelerating warm-up in perl (written in session 20 as a held-out check, never tuned on): the
# log enrichment stage of a web analytics pipeline. Each hit (3,000 a second) carries a User-Agent
# header; parsing one (a cascade of regexes for bots, browsers, engines, operating systems and devices)
# is slow, so the parsed result is cached in a hash keyed by the raw header, with no bound, because the
# headers a site sees come from a finite population: here 9,000 distinct ones (browser, version,
# platform and build combinations), drawn uniformly. The cache misses on every header not seen yet, so
# its growth slows as it fills: after t seconds it holds 9,000 x (1 - e^(-t/3)) entries (3,000 draws a
# second over 9,000 headers), 63% at 3 s, 95% at 9 s, 99.5% at 16 s. Each hit's own work (its parsed
# query string, its enriched record, handed on and freed) comes and goes.
# Truth: not a leak, a decelerating warm-up: the cache grows to ~9,000 entries (the program prints how
# many it holds at exit), each the header as key (65-145 bytes) and its parsed hash of up to nine
# fields, ~1.1 kB of perl data an entry: ~10 MB, 63% of it by 3 s, 95% by 9 s, then nearly flat to the
# end.
# Measured (session 20): a plain run without leakscope (RSS, glibc's mallinfo2 every 100 ms): heap 1.43
# MB at 0.1 s, 8.36 at 3 s, 12.03 at 9 s, 12.55 at 16 s (+59 kB/s over 10-16 s; 11.1 MB of growth in
# glibc's chunks); RSS 6.9 -> 18.0 MB in the same shape; tests/accuracy/measure.py (tracked): live heap
# 1.18 -> 10.94 MB (9.8 MB requested), +62 kB/s over 9-16 s, RSS 26.6 MB at the end; 48,000 hits,
# 8,959 parsed, 8,959 user agents cached.
# Usage: perl user_agent_parse_cache_settling.pl SECONDS
use strict;
use warnings;
# Pacing.pm sits beside this file (found without FindBin, which costs ~1 MB).
BEGIN { unshift @INC, __FILE__ =~ s{[^/]*\z}{}r || '.' }
use Pacing;

my $seconds = Pacing::run_seconds(16);
my $population = 9000;

my @browsers = (['Chrome', 'AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%d.0.%d.%d Safari/537.36', 3],
                ['Firefox', 'Gecko/20100101 Firefox/%d.0.%d.%d', 3],
                ['Edge', 'AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%d.0.%d.%d Safari/537.36 Edg/%d.0.%d.%d', 6],
                ['Safari', 'AppleWebKit/605.1.15 (KHTML, like Gecko) Version/%d.%d Safari/605.1.%d', 3],
                ['Googlebot', 'compatible; Googlebot/2.1; +http://www.google.com/bot.html; build %d.%d.%d', 3]);
my @platforms = ('Windows NT 10.0; Win64; x64', 'Macintosh; Intel Mac OS X 10_15_7', 'X11; Linux x86_64',
                 'Linux; Android 14; Pixel 8 Pro', 'iPhone; CPU iPhone OS 18_1 like Mac OS X',
                 'X11; Ubuntu; Linux x86_64', 'Linux; Android 13; SM-S918B', 'iPad; CPU OS 17_6 like Mac OS X');

# The header of the n-th member of the population (what a client of that kind sends).
sub user_agent {
    my ($n) = @_;
    my $browser = $browsers[$n % 5];
    my $platform = $platforms[int($n / 5) % 8];
    my $major = 100 + int($n / 40) % 32;
    my @fields = ($major, $n % 9999, $n * 7 % 211, $major, $n % 97, $n % 13);
    my $tail = sprintf($browser->[1], @fields[0 .. $browser->[2] - 1]);
    return "Mozilla/5.0 ($platform) $tail";
}

# The slow part: the regex cascade.
sub parse_user_agent {
    my ($ua) = @_;
    my %parsed = (raw_length => length $ua);
    if ($ua =~ m{(Googlebot|bingbot|YandexBot|DuckDuckBot)/(\d+)\.(\d+)}) {
        @parsed{qw(browser major minor is_bot)} = ($1, $2, $3, 1);
    } elsif ($ua =~ m{Edg/(\d+)\.(\d+)\.(\d+)}) {
        @parsed{qw(browser major minor is_bot)} = ('Edge', $1, $2, 0);
    } elsif ($ua =~ m{Chrome/(\d+)\.(\d+)\.(\d+)}) {
        @parsed{qw(browser major minor is_bot)} = ('Chrome', $1, $2, 0);
    } elsif ($ua =~ m{Firefox/(\d+)\.(\d+)}) {
        @parsed{qw(browser major minor is_bot)} = ('Firefox', $1, $2, 0);
    } elsif ($ua =~ m{Version/(\d+)\.(\d+).*Safari/}) {
        @parsed{qw(browser major minor is_bot)} = ('Safari', $1, $2, 0);
    }
    if ($ua =~ m{\((Windows NT [\d.]+|Macintosh; [^;)]+|X11; [^;)]+(?:; [^;)]+)?|Linux; Android [\d.]+|iP(?:hone|ad); [^)]+)}) {
        my $os = $1;
        $parsed{os} = $os =~ /Windows/ ? 'Windows' : $os =~ /Android/ ? 'Android' : $os =~ /iP(?:hone|ad)/ ? 'iOS'
                    : $os =~ /Mac/ ? 'macOS' : 'Linux';
        ($parsed{os_version}) = $os =~ m{([\d_.]+)(?!.*\d)};
    }
    $parsed{device} = $ua =~ /iPad/ ? 'tablet' : $ua =~ /Mobile|Android|iPhone/ ? 'mobile' : 'desktop';
    $parsed{family} = join('/', map { $_ // '-' } @parsed{qw(browser os device)});
    return \%parsed;
}

my %ua_cache;
my ($hits, $misses, $enriched) = (0, 0, 0);

sub enrich {
    my ($n) = @_;
    my $ua = user_agent($n % $population);
    my $parsed = $ua_cache{$ua};
    if ($parsed) { ++$hits } else { ++$misses; $parsed = $ua_cache{$ua} = parse_user_agent($ua) }
    my %query = map { split /=/, $_, 2 } split /&/, "page=/products/$n&ref=newsletter&utm_source=mail&session=s$n";
    my %record = (%query, browser => $parsed->{browser} // 'other', os => $parsed->{os} // 'other',
                  device => $parsed->{device}, bot => $parsed->{is_bot} ? 1 : 0);
    $enriched += scalar keys %record;
}

# 30 hits every 10 ms (3,000 a second), each drawing a member of the population uniformly.
my $draw = 12345;
Pacing::every(0.01, $seconds, sub {
    for (1 .. 30) {
        $draw = ($draw * 1103515245 + 12345) % 2147483648;    # a fixed-seed LCG, the same every run
        enrich(int($draw / 2147483648 * $population));
    }
});
printf STDERR "%d hits (%d parsed, %d from the cache), %d user agents cached\n",
    $hits + $misses, $misses, $hits, scalar keys %ua_cache;
