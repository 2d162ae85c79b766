#!/usr/bin/perl
# A leak in a perl mail filter (written in session 9 as a held-out check, never tuned on): a milter
# keeps each message's state in %messages, keyed by the MTA's queue id, from MAIL FROM to end of
# message: the envelope, the recipients, the headers (a hash of ~25 fields) and a running digest of
# the body. 80 messages a second go through it. At end of message the filter scores the message and
# deletes its state. One message in eight is aborted (the client disconnects after DATA); the abort
# callback only drops the body digest and the recipients, "to free the big parts", and leaves the
# entry with its headers in %messages for good.
# Truth: a leak, linear, from the start: 10 aborted messages a second, each keeping a hash of its
# envelope and a hash of 25 header fields (~90-character values): ~5.1 kB asked of malloc for perl's
# SVs, hash entries and strings each, ~51 kB/s. perl allocates through glibc's malloc (Debian's perl
# does not use its own). Measured under leakscope run: the live heap grows 51 kB/s over 2-14 s and
# 7-14 s (1.11 -> 1.71 MB), RSS 74-85 kB/s (malloc's per-chunk overhead on many small chunks; 10.85 ->
# 11.86 MB): ~0.7 MB over the run on ~12 MB (about 6%). Messages are paced by the wall clock (20 ms
# ticks, Pacing.pm); a run that could not keep that pace says so on stderr, as ../pacing.hpp does.
# Usage: perl milter_abort_leak.pl SECONDS
use strict;
use warnings;
use Digest::MD5;
# Pacing.pm sits beside this file (found without FindBin, which costs ~1 MB).
BEGIN { unshift @INC, __FILE__ =~ s{[^/]*\z}{}r || '.' }
use Pacing;

my $seconds = Pacing::run_seconds(14);
my $period = 0.02;    # 50 ticks a second, 80 messages a second: 8 every 5 ticks

my %messages;
my %stats = (scored => 0, aborted => 0, spam => 0);

my @header_names = qw(Received Received-SPF Authentication-Results DKIM-Signature ARC-Seal
    ARC-Message-Signature ARC-Authentication-Results Message-ID Date From To Cc Subject MIME-Version
    Content-Type Content-Transfer-Encoding List-Unsubscribe List-Id Precedence X-Mailer
    X-Originating-IP Return-Path Reply-To Thread-Index Accept-Language);

sub on_mail_from {
    my ($id, $n) = @_;
    $messages{$id} = {
        from    => "bounce-$n\@mail$n.sender-example.org",
        helo    => "mx" . ($n % 40) . ".sender-example.org",
        client  => "203.0.113." . ($n % 250),
        rcpts   => [],
        headers => {},
        body    => Digest::MD5->new,
    };
}

sub on_rcpt { push @{ $messages{ $_[0] }{rcpts} }, $_[1] }

sub on_header {
    my ($id, $name, $value) = @_;
    $messages{$id}{headers}{$name} = $value;
}

sub on_body { $messages{ $_[0] }{body}->add($_[1]) }

sub on_eom {
    my ($id) = @_;
    my $m = $messages{$id};
    my $score = length($m->{headers}{Subject} // '') % 7 + scalar @{ $m->{rcpts} };
    $stats{spam}++ if $score > 6;
    $m->{body}->hexdigest;
    $stats{scored}++;
    delete $messages{$id};
}

# The bug: only the "big parts" go; the entry and its headers stay.
sub on_abort {
    my ($id) = @_;
    delete $messages{$id}{body};
    delete $messages{$id}{rcpts};
    $stats{aborted}++;
}

sub one_message {
    my ($n) = @_;
    my $id = sprintf "4Q%08X%04X", $n * 2654435761 % 4294967296, $n % 65536;
    on_mail_from($id, $n);
    on_rcpt($id, "user" . ($n * 7 + $_) % 5000 . "\@example.com") for 1 .. 1 + $n % 3;
    for my $k (0 .. $#header_names) {
        on_header($id, $header_names[$k],
            sprintf("%s value %08d for message %s; the rest of the field text for %s", $header_names[$k], $n, $id, $n % 97));
    }
    on_body($id, "line $_ of the body of message $n\r\n" x 8) for 1 .. 4;
    if ($n % 8 == 7) { on_abort($id) } else { on_eom($id) }
}

my $n = 0;
Pacing::every($period, $seconds, sub {
    my ($tick) = @_;
    my $due = int(($tick + 1) * 80 * $period);    # messages due by the end of this tick
    one_message($n++) while $n < $due;
});
printf "%d messages: %d scored, %d aborted, %d spam, %d states held\n", $n, $stats{scored}, $stats{aborted},
    $stats{spam}, scalar keys %messages;
