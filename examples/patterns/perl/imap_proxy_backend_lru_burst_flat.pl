#!/usr/bin/perl
# A bounded LRU cache under bursty load, in perl (written in session 26, batch 10, as a held-out check,
# never tuned on): the IMAP/POP3 front proxy of a mail provider (in the manner of perdition). Each login
# is authenticated, then routed to the user's mailbox backend: the user's LDAP entry (dn, mail host,
# backend cluster, quota, aliases, forwarding, auth mechanisms) is looked up and kept in an LRU cache of
# 4,000 entries (a hash of nodes chained by key into a recency list), so that the next login of the same
# user skips the directory. 600 logins a second come from a population of 60,000 users; every 4 s, from
# 2 s on, mobile clients reconnect in a burst (1 s at 1,500 logins a second), as the carrier's NAT
# rebinding drops their idle connections. Each login's proxied session stays open for ~0.5 s in the
# session table, then is closed and its entry deleted.
# Truth: not a leak: a bounded LRU cache. It fills with the first 4,000 distinct users' entries (~2.5 kB each
# with perl's hashes, lists and strings, ~10 MB: the warm-up, full ~5.5 s into the run, the first burst
# hastening it), then every miss evicts the least recently used entry: flat, but for the session table, which
# swells from ~300 to ~750 sessions during each burst and shrinks after it (~0.1 MB).
# Measured (session 26, tests/accuracy/measure.py): tracked, live heap 1.14 MB at the start, 3.97 at 2 s, 7.76
# at 3 s, 10.36 at 5 s, 11.22 at 6 s, then 11.43-11.54 MB to the end (+4.3 kB/s over 6-16 s), RSS 25.62 MB at
# 6 s, 26.07 at 16 s; --plain, RSS 10.21 MB at 2 s, 14.76 at 3 s, 17.74 at 5 s, 18.44 at 6 s, 18.81 at 7 s,
# 18.87 at 16 s (+14 kB/s over 6-16 s); 13,200 logins, 755 cache hits, 12,445 misses, 8,445 evictions.
# Usage: perl imap_proxy_backend_lru_burst_flat.pl SECONDS
use strict;
use warnings;
# Pacing.pm sits beside this file (found without FindBin, which costs ~1 MB).
BEGIN { unshift @INC, __FILE__ =~ s{[^/]*\z}{}r || '.' }
use Pacing;

my $seconds = Pacing::run_seconds(16);
my $users = 60_000;
my $capacity = 4_000;
my $session_s = 0.5;

my $seed = 20261207;
sub rand_int {    # a small LCG, so every run does the same work (its high bits: the low ones cycle)
    my ($n) = @_;
    $seed = ($seed * 1103515245 + 12345) % 2147483648;
    return int($seed / 2147483648 * $n);
}

# The LRU: key -> node { value, prev, next } (neighbours by key, so no reference cycles); $head is the
# most recently used, $tail the least.
my %lru;
my ($head, $tail);
my %stats = (hits => 0, misses => 0, evictions => 0, logins => 0, sessions_closed => 0);

sub lru_unlink {
    my ($key) = @_;
    my $node = $lru{$key};
    if (defined $node->{prev}) { $lru{ $node->{prev} }{next} = $node->{next} } else { $head = $node->{next} }
    if (defined $node->{next}) { $lru{ $node->{next} }{prev} = $node->{prev} } else { $tail = $node->{prev} }
}

sub lru_push_front {
    my ($key) = @_;
    my $node = $lru{$key};
    $node->{prev} = undef;
    $node->{next} = $head;
    $lru{$head}{prev} = $key if defined $head;
    $head = $key;
    $tail = $key unless defined $tail;
}

sub lru_get {
    my ($key) = @_;
    return undef unless exists $lru{$key};
    if ($head ne $key) {
        lru_unlink($key);
        lru_push_front($key);
    }
    return $lru{$key}{value};
}

sub lru_put {
    my ($key, $value) = @_;
    if (keys %lru >= $capacity) {
        my $old = $tail;
        lru_unlink($old);
        delete $lru{$old};
        $stats{evictions}++;
    }
    $lru{$key} = { value => $value };
    lru_push_front($key);
}

# The directory lookup (LDAP search by uid), as the proxy gets it back.
sub ldap_lookup {
    my ($n) = @_;
    my $uid = sprintf 'u%06d', $n;
    my $cluster = $n % 24;
    return {
        dn => "uid=$uid,ou=people,o=mail.example.net,dc=example,dc=net",
        mail => "$uid\@mail.example.net",
        mail_host => sprintf('imap%02d.backend.example.net', $cluster),
        backend => { host => sprintf('10.40.%d.%d', $cluster, 10 + $n % 200), port => 143, tls => 1,
                     cluster => "mbx-$cluster", weight => 100 },
        quota_bytes => 10_737_418_240 + $n * 1024,
        aliases => [ map { sprintf 'alias%d.%s@mail.example.net', $_, $uid } 1 .. 2 + $n % 5 ],
        forward => $n % 7 ? '' : "$uid\@forward.example.org",
        auth_mechs => [qw(PLAIN LOGIN XOAUTH2)],
        account_status => 'active',
        created => 1_500_000_000 + $n * 61,
        display_name => "Mailbox user $n",
    };
}

my %sessions;    # session id -> the proxied session
my $session_seq = 0;

sub login {
    my ($t) = @_;
    my $n = rand_int($users);
    my $key = "u$n";
    my $entry = lru_get($key);
    if ($entry) {
        $stats{hits}++;
    } else {
        $stats{misses}++;
        $entry = ldap_lookup($n);
        lru_put($key, $entry);
    }
    $stats{logins}++;
    my $id = ++$session_seq;
    $sessions{$id} = {
        user => $entry->{mail}, backend => "$entry->{backend}{host}:$entry->{backend}{port}", opened => $t,
        client => sprintf('100.%d.%d.%d', 64 + $id % 64, $id >> 8 & 255, $id & 255),
        greeting => "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE] proxy ready",
    };
}

sub close_sessions {
    my ($t) = @_;
    for my $id (keys %sessions) {
        next if $t - $sessions{$id}{opened} < $session_s;
        delete $sessions{$id};
        $stats{sessions_closed}++;
    }
}

# Every 10 ms: 6 logins (15 in a burst: 1 s in every 4 from 2 s); the ended sessions closed every 50 ms.
Pacing::every(0.01, $seconds, sub {
    my ($i, $t) = @_;
    my $in_burst = $t >= 2 && ($t - 2) - 4 * int(($t - 2) / 4) < 1;
    login($t) for 1 .. ($in_burst ? 15 : 6);
    close_sessions($t) if $i % 5 == 4;
});
printf STDERR "imap_proxy_backend_lru_burst_flat: %d logins, %d cache hits, %d misses, %d evictions; %d entries "
    . "cached, %d sessions open, %d closed\n", @stats{qw(logins hits misses evictions)}, scalar(keys %lru),
    scalar(keys %sessions), $stats{sessions_closed};
