#!/usr/bin/perl
# A leak in a memoized function, in perl (written in session 18 as a held-out check, never tuned on):
# an API gateway's rate limiter. Each request is classed by rate_class($api_key, $path): the first of
# ~2,500 route rules whose pattern matches the path decides the class (its limits and the rule's
# description for the 429 body). Matching the rules is slow, so someone wrapped rate_class with the
# core Memoize module. The rules match on path templates, but the function is called with the raw
# path: /v2/orders/8812345/items and /v2/orders/8812346/items are two keys. 600 requests a second
# (12 every 20 ms), from 40 API keys: two in three go to fixed paths (/v2/catalog, /v2/me, ...; hits
# after the first second), one in three names an order, a shipment or an invoice by its id, each
# id new: 200 new keys a second, each keeping its joined key string and its answer (a hash of four
# fields) in Memoize's cache for good. The token buckets themselves are per API key (40), bounded.
# Truth: a leak, linear, from the first second: 200 cached answers a second (~0.6 kB each in perl's
# heap: the key, the hash, its values; ~0.75 kB measured), on a ~14 MB process (the compiled rules and their routing
# index, built at start). Nothing is allocated per request besides, for good.
# Measured (session 18, a plain run without leakscope: RSS, and glibc's mallinfo2 every 100 ms): heap
# +149 kB/s over 1-16 s (+146 over 2-9 s, +153 over 9-16 s), 8.4 -> 10.6 MB; RSS +149 kB/s (13.8 ->
# 16.1 MB); 9,600 requests, 3,200 ids asked for, all of them still cached at exit.
# Usage: perl api_rate_class_memoize_leak.pl SECONDS
use strict;
use warnings;
# Pacing.pm sits beside this file (found without FindBin, which costs ~1 MB).
BEGIN { unshift @INC, __FILE__ =~ s{[^/]*\z}{}r || '.' }
use Pacing;
use Memoize;

my $seconds = Pacing::run_seconds(16);
my $seed = 4242;

sub rand_int {    # a small LCG, so every run sends the same requests
    my ($n) = @_;
    $seed = ($seed * 1103515245 + 12345) % 2147483648;
    return $seed % $n;
}

# --- the route rules, compiled at start ---
my @resources = qw(orders shipments invoices refunds customers carts coupons webhooks reports exports
                   payouts disputes subscriptions plans prices products inventory warehouses carriers labels);
my @rules;
for my $i (0 .. 2499) {
    my $resource = $resources[ $i % @resources ];
    my $version = 1 + $i % 3;
    my $depth = $i % 4;
    my $template = "/v$version/$resource" . join('', map { "/(?:[0-9]+|sub$_-$i)" } 1 .. $depth);
    push @rules, {
        pattern     => qr/^$template(?:\/[a-z_]+)?$/,
        class       => (qw(bronze silver gold internal))[ $i % 4 ],
        per_second  => 20 + $i % 50,
        burst       => 20 + $i % 200,
        description => "rule $i: $resource v$version depth $depth, " . ('limits apply per API key; ' x 8),
    };
}
# The routing index the rules are looked up by (first path segment after the version).
my %rules_by_resource;
for my $rule (@rules) {
    my ($resource) = $rule->{description} =~ /: (\w+) v/;
    push @{ $rules_by_resource{$resource} }, $rule;
}

sub rate_class {
    my ($api_key, $path) = @_;
    my ($resource) = $path =~ m{^/v\d/(\w+)};
    for my $rule (@{ $rules_by_resource{ $resource // '' } // [] }) {
        next unless $path =~ $rule->{pattern};
        return {
            class      => $rule->{class},
            per_second => $rule->{per_second},
            burst      => $rule->{burst},
            why        => "$api_key: $rule->{description}",
        };
    }
    return { class => 'default', per_second => 10, burst => 20, why => "$api_key: no rule matched $path" };
}
memoize('rate_class');    # "rule matching showed up in the profile"

# --- the token buckets: one per API key ---
my %buckets;
my ($requests, $limited, $order_id) = (0, 0, 8_800_000);
my @fixed_paths = qw(/v2/catalog /v2/me /v1/plans /v2/prices /v3/products /v1/carriers /v2/inventory /v1/labels);
my @id_resources = qw(orders shipments invoices);

sub handle_request {
    my ($now, $api_key, $path) = @_;
    my $class = rate_class($api_key, $path);
    my $bucket = $buckets{$api_key} //= { tokens => $class->{burst}, at => $now };
    $bucket->{tokens} += ($now - $bucket->{at}) * $class->{per_second};
    $bucket->{tokens} = $class->{burst} if $bucket->{tokens} > $class->{burst};
    $bucket->{at} = $now;
    if ($bucket->{tokens} < 1) { ++$limited; return 429 }
    $bucket->{tokens} -= 1;
    return 200;
}

Pacing::every(0.02, $seconds, sub {
    my (undef, $t) = @_;
    for my $k (0 .. 11) {
        my $api_key = sprintf 'ak_live_%04d', rand_int(40);
        my $path;
        if ($k % 3 == 2) {
            my $resource = $id_resources[ rand_int(3) ];
            $path = "/v" . (1 + rand_int(3)) . "/$resource/" . $order_id++ . (rand_int(2) ? '/items' : '');
        } else {
            $path = $fixed_paths[ rand_int(scalar @fixed_paths) ];
        }
        handle_request($t, $api_key, $path);
        ++$requests;
    }
});
printf STDERR "%d requests, %d limited, %d ids asked for\n", $requests, $limited, $order_id - 8_800_000;
