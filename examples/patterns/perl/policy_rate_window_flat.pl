#!/usr/bin/perl
# A bounded working set of sliding windows in perl (written in session 24, batch 8, as a held-out check,
# never tuned on): the SMTP policy daemon of a mail provider's outbound relays (Postfix's policy
# delegation protocol), rate-limiting by client address and by sender. 1,500 policy requests a second
# arrive, each a block of name=value lines (~450 B) parsed into a hash; the daemon keeps, per client
# address and per sender, the times of its requests in the last 4 s (a list, trimmed from the front as
# it is used), its HELO name, its first and last request and its recipient count, and answers DEFER
# past 30 requests in the window. A sweeper, every 0.5 s, deletes the keys idle for 4 s. The clients
# are drawn from 40,000 addresses, the senders from 5,820 (a fifth of the requests from 20 bulk
# senders, who hit the limit); every verdict is logged into a ring of 2,000 lines.
# Truth: not a leak: a warm-up while the windows fill, then flat. After 4 s (plus the sweeper's
# half-second) the keys alive are the ones seen in the last 4-4.5 s: ~5,800 client addresses and
# ~3,400 senders, each a hash of five fields and a short list (~850 B with its slot), ~7.8 MB, renewed
# as fast as they expire; the sweep makes a half-second ripple of ~0.2 MB on that level. Perl's hashes
# keep their bucket arrays once grown, which is bounded too.
# Measured (session 24, tests/accuracy/measure.py): tracked, live heap 1.14 MB at 0.2 s, 2.8 at 1 s, 6.4
# at 3 s, 7.9 at 4 s, 8.9 at 5 s, then 8.86-9.06 MB to the end (+7 kB/s over 5-16 s, -2 kB/s over
# 11-16 s), RSS 20.2 -> 20.4 MB over 5-16 s; --plain, RSS 8.8 MB at 1 s, 12.7 at 3 s, 15.1 at 5 s, 15.27
# at 16 s (+14 kB/s over 5-16 s, 0 over 11-16 s); 19,787 DUNNO and 4,213 DEFER, 5,557 clients and 3,281
# senders in their windows at exit.
# Usage: perl policy_rate_window_flat.pl SECONDS
use strict;
use warnings;
# Pacing.pm sits beside this file (found without FindBin, which costs ~1 MB).
BEGIN { unshift @INC, __FILE__ =~ s{[^/]*\z}{}r || '.' }
use Pacing;

my $seconds = Pacing::run_seconds(16);
my $window_s = 4;
my $limit = 30;
my $ring_size = 2_000;

my %by_client;    # client address -> {hits => [times], helo, first, last, recipients}
my %by_sender;    # sender -> the same
my @verdict_ring;
my $ring_at = 0;
my %verdicts = (DUNNO => 0, DEFER => 0);
my $seed = 424242;

sub rand_int {    # a small LCG, so every run does the same work
    my ($n) = @_;
    $seed = ($seed * 1103515245 + 12345) % 2147483648;
    return $seed % $n;
}

# What Postfix sends for one RCPT TO: name=value lines, ended by an empty line.
sub policy_request {
    my $client = rand_int(40_000);
    my $bulk = rand_int(5) == 0;
    my $number = $bulk ? rand_int(20) : rand_int(5_800);
    my $sender = ($bulk ? 'bulk' : 'user') . $number . '@shop' . ($number % 90) . '.example.com';
    my $queue_id = sprintf '%X', rand_int(2**31);
    return join '', "request=smtpd_access_policy\n", "protocol_state=RCPT\n", "protocol_name=ESMTP\n",
        sprintf("client_address=10.%d.%d.%d\n", $client >> 16, ($client >> 8) & 255, $client & 255),
        "client_name=host-$client.customers.example.net\n", "reverse_client_name=host-$client.customers.example.net\n",
        "helo_name=mta$client.example.org\n", "sender=$sender\n",
        "recipient=rcpt" . rand_int(1_000_000) . "\@example.de\n", "recipient_count=0\n", "queue_id=$queue_id\n",
        "instance=" . sprintf('%x.%x', $client, rand_int(65536)) . "\n", "size=" . (2_000 + rand_int(400_000)) . "\n",
        "sasl_method=plain\n", "encryption_protocol=TLSv1.3\n", "\n";
}

# The key's window, trimmed to the last $window_s seconds, with this request added.
sub count_in_window {
    my ($table, $key, $attributes, $t) = @_;
    my $entry = $table->{$key} //= { hits => [], helo => $attributes->{helo_name}, first => $t, recipients => 0 };
    my $hits = $entry->{hits};
    shift @$hits while @$hits && $hits->[0] < $t - $window_s;
    push @$hits, $t;
    $entry->{last} = $t;
    $entry->{recipients}++;
    return scalar @$hits;
}

sub handle {
    my ($t) = @_;
    my %attributes = map { split /=/, $_, 2 } grep { length } split /\n/, policy_request();
    my $by_client = count_in_window(\%by_client, $attributes{client_address}, \%attributes, $t);
    my $by_sender = count_in_window(\%by_sender, $attributes{sender}, \%attributes, $t);
    my $verdict = $by_client > $limit || $by_sender > $limit ? 'DEFER' : 'DUNNO';
    $verdicts{$verdict}++;
    $verdict_ring[ $ring_at++ % $ring_size ] =
        sprintf '%.3f %s %s %s %d/%d', $t, $attributes{queue_id}, $attributes{client_address}, $verdict, $by_client,
        $by_sender;
}

sub sweep {
    my ($t) = @_;
    for my $table (\%by_client, \%by_sender) {
        for my $key (keys %$table) {
            delete $table->{$key} if $table->{$key}{last} < $t - $window_s;
        }
    }
}

# 100 ticks a second, 15 requests each; the sweeper every 50 ticks.
Pacing::every(0.01, $seconds, sub {
    my ($i, $t) = @_;
    handle($t) for 1 .. 15;
    sweep($t) if $i % 50 == 49;
});
printf STDERR "policy_rate_window_flat: %d DUNNO, %d DEFER; %d clients, %d senders in their windows\n",
    $verdicts{DUNNO}, $verdicts{DEFER}, scalar(keys %by_client), scalar(keys %by_sender);
