#!/usr/bin/perl
# A sawtooth of periodic flushes, in perl (written in session 17 as a held-out check, never tuned on):
# the indexer of a site search. It takes the pages a crawler hands it, 400 a second (8 every 20 ms;
# made up here from a fixed vocabulary of 6,000 words, ~120 words a page), tokenizes each page,
# stores its title, URL and a 600-1,400 character snippet in the open segment's stored fields, and
# appends the page's id to the posting list of each term (a string per term, grown by pack 'w').
# Every 2.5 s it flushes the segment: the terms are sorted, each posting list is written with its
# term into one segment buffer, the buffer is "written" (checksummed, where the real one writes a
# file), and the open segment (its term hash, posting strings and stored fields) is dropped for a new
# one. Only the list of flushed segments' names and sizes is kept.
# Truth: not a leak: the open segment grows over each 2.5 s (1,000 pages: their stored fields, ~6,000
# posting strings and the term hash) and is freed at each flush: a bounded sawtooth every 2.5 s (6
# teeth in a 16 s run), each tooth also carrying the segment buffer for the moment of the flush. perl
# keeps its scalar and hash heads in arenas it does not give back to malloc, so after the first flush
# the malloc heap keeps a floor of those and the teeth are what perl frees (strings, hash arrays, the
# buffer); RSS under glibc rises in the first seconds and then holds (with the teeth, or flat).
# Measured (tests/accuracy/measure.py, session 17): live heap 1.9 -> 5.0 MB over 0-3 s, then teeth between
# 4.9 and 6.3 MB (+0.5 kB/s over 3-16 s, -9.6 kB/s over 6-16 s); RSS without the tracker 12.87 -> 12.94 MB
# over 3-16 s (+5 kB/s), under it 18.54 -> 18.65 MB; 6,400 pages, 6 segments flushed (7.9 MB).
# Usage: perl search_segment_flush_sawtooth.pl SECONDS
use strict;
use warnings;
# Pacing.pm sits beside this file (found without FindBin, which costs ~1 MB).
BEGIN { unshift @INC, __FILE__ =~ s{[^/]*\z}{}r || '.' }
use Pacing;

my $seconds = Pacing::run_seconds(16);
my $seed = 90210;

sub rand_int {    # a small LCG, so every run indexes the same pages
    my ($n) = @_;
    $seed = ($seed * 1103515245 + 12345) % 2147483648;
    return $seed % $n;
}

my @syllables = qw(ka ri to ne su mo la vi de po ra shi en tor al man qu is ber gen);
my @vocabulary = map {
    my $n = $_;
    join '', map { $syllables[ ($n * 7 + $_ * 13 + int($n / (1 + $_))) % @syllables ] } 0 .. 2 + $n % 3
} 0 .. 5999;

my ($segment_terms, $stored) = ({}, []);
my @flushed;    # [name, bytes, pages]
my ($pages, $next_doc, $checksum) = (0, 0, 0);

sub crawl_page {
    my $words = 80 + rand_int(81);
    my @body;
    # Zipf-like: most words come from the head of the vocabulary.
    push @body, $vocabulary[ int((rand_int(1000) / 1000) ** 2.5 * @vocabulary) ] for 1 .. $words;
    return {
        url   => 'https://docs.example.com/' . join('/', @body[ 0 .. 2 ]) . '-' . rand_int(100000),
        title => join(' ', @body[ 3 .. 8 ]),
        body  => join(' ', @body),
    };
}

sub index_page {
    my ($page) = @_;
    my $doc = $next_doc++;
    my %seen;
    for my $term (split / /, lc $page->{body}) {
        next if $seen{$term}++;
        $segment_terms->{$term} .= pack 'w', $doc;
    }
    my $snippet_length = 600 + rand_int(801);
    my $snippet = substr($page->{body} x 3, 0, $snippet_length);
    push @$stored, { doc => $doc, url => $page->{url}, title => $page->{title}, snippet => $snippet };
    $pages++;
}

sub flush_segment {
    my $buffer = '';
    for my $term (sort keys %$segment_terms) {
        $buffer .= pack('w', length $term) . $term . pack('w', length $segment_terms->{$term}) . $segment_terms->{$term};
    }
    $buffer .= join("\x1e", map { join "\x1f", @$_{qw(doc url title snippet)} } @$stored);
    $checksum = ($checksum + unpack('%32C*', $buffer)) % 4294967296;
    push @flushed, [ sprintf('seg-%06d', scalar @flushed), length $buffer, scalar @$stored ];
    ($segment_terms, $stored) = ({}, []);
}

# 8 pages every 20 ms; the segment is flushed every 125th tick (2.5 s).
Pacing::every(0.02, $seconds, sub {
    my ($i, $t) = @_;
    index_page(crawl_page()) for 1 .. 8;
    flush_segment() if $i % 125 == 124;
});
my $bytes = 0;
$bytes += $_->[1] for @flushed;
printf STDERR "search_segment_flush_sawtooth: %d pages, %d segments flushed (%.1f MB), %d pages open at exit\n",
    $pages, scalar @flushed, $bytes / 1e6, scalar @$stored;
