#!/usr/bin/perl
# A one-off load in perl (failure class 9): a report job builds a 3-million-entry hash (about 500 MB of
# live heap), uses it, frees it with `undef`, and then idles. The live heap goes 0 -> ~500 MB -> ~0;
# glibc keeps most of the freed pages (RSS stays near its peak) but nothing grows afterwards.
# Building and freeing take CPU time that depends on the machine, so the idle part lasts the rest of
# SECONDS but at least 8 s after the free: the steady state is always observed.
# Truth: not a leak. A one-time rise that then holds (RSS) or is given back (heap): warm-up or
# stable are both right; never a leak, never a sawtooth (there is one rise, not a cycle).
# Usage: perl hash_spike.pl SECONDS
use strict;
use warnings;
use Time::HiRes qw(time sleep);

my $seconds = $ARGV[0] // 20;
my $start = time;

my %index;
$index{$_} = "value-$_" for 1 .. 3_000_000;
my $count = scalar keys %index;
undef %index;

my $idle_until = time + 8 > $start + $seconds ? time + 8 : $start + $seconds;
sleep 0.1 while time < $idle_until;
print "indexed $count entries\n";
