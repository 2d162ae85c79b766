#!/usr/bin/perl
# A leak through a reference cycle a closure closes, in perl (written in session 14 as a held-out
# check, never tuned on): an event-driven IMAP proxy keeps its connections in %connections, each a
# hash with the client's address, a 2 kB read buffer, the mailbox it selected and its on_read and
# on_timeout callbacks. The callbacks are closures over the connection itself ($conn->{on_read} =
# sub { ... $conn ... }), so each connection refers to itself. 100 connections a second come and go.
# The orderly logout path deletes the callbacks before dropping the connection, which breaks the
# cycle; the idle-timeout path (clients that go away without LOGOUT: 2 in 5) only deletes the
# connection from %connections, and perl's reference counting never frees a cycle.
# Truth: a leak, linear, from the start: 40 connections a second, each keeping its hash, its read
# buffer (2,048 B plus the string's header), its address and mailbox strings, two closures with their
# pads, and a small per-connection stats hash: ~4 kB asked of malloc each (perl allocates through
# glibc's malloc on Debian), ~176 kB/s (552 connections kept in 14 s), ~2.5 MB over the run on a
# ~29 MB process (~8%; the mailbox index is most of it).
# Measured (tests/accuracy/measure.py, session 14): live heap +176 kB/s over 3-13 s (18.4 -> 20.9 MB
# over the run), RSS +186 kB/s (42.7 -> 44.5 MB over 3-13 s under the tracker; 28.9 MB at most
# without it).
# Usage: perl closure_cycle_leak.pl SECONDS
use strict;
use warnings;
# Pacing.pm sits beside this file (found without FindBin, which costs ~1 MB).
BEGIN { unshift @INC, __FILE__ =~ s{[^/]*\z}{}r || '.' }
use Pacing;

my $seconds = Pacing::run_seconds(14);
my $period = 0.02;    # 50 ticks a second, 2 connections each

my %connections;
my %stats = (opened => 0, logged_out => 0, timed_out => 0, bytes => 0);
my @mailboxes = qw(INBOX Sent Drafts Archive/2025 Archive/2026 Lists/debian-devel Lists/perl5-porters Trash);

# The server's configuration and its mailbox index, loaded at start: ~16 MB kept for the run.
my %mailbox_index;
for my $k (0 .. 24_999) {
    $mailbox_index{"user$k\@example.org"} = { quota => 1_000_000 + $k, folders => [ @mailboxes[ 0 .. $k % 8 ] ] };
}

sub open_connection {
    my ($id) = @_;
    my $conn = {
        id      => $id,
        peer    => sprintf("198.51.%d.%d:%d", $id % 251, $id % 241, 40_000 + $id % 20_000),
        user    => "user" . ($id % 25_000) . "\@example.org",
        buffer  => 'x' x 2048,
        mailbox => $mailboxes[ $id % @mailboxes ],
        stats   => { commands => 0, fetched => 0, opened_at => $id },
    };
    $conn->{on_read} = sub {
        my ($line) = @_;
        $conn->{stats}{commands}++;
        substr($conn->{buffer}, 0, length $line) = $line;
        return length $conn->{buffer};
    };
    $conn->{on_timeout} = sub {
        warn "connection $conn->{id} idle\n" if $conn->{stats}{commands} > 1_000_000;
    };
    $connections{$id} = $conn;
    $stats{opened}++;
    return $conn;
}

sub serve {
    my ($conn, $n) = @_;
    for my $k (1 .. 3) {
        $stats{bytes} += $conn->{on_read}->("a$k FETCH $n:* (FLAGS BODY.PEEK[HEADER])\r\n");
    }
    $conn->{stats}{fetched} += 3;
}

sub logout {
    my ($id) = @_;
    my $conn = delete $connections{$id} or return;
    delete @{$conn}{qw(on_read on_timeout)};    # breaks the cycle
    $stats{logged_out}++;
}

sub drop_idle {
    my ($id) = @_;
    my $conn = delete $connections{$id} or return;
    $conn->{on_timeout}->();
    $stats{timed_out}++;                         # the bug: the callbacks still hold $conn
}

my $next_id = 0;
Pacing::every($period, $seconds, sub {
    my ($i, $t) = @_;
    for (1 .. 2) {
        my $conn = open_connection($next_id++);
        serve($conn, $i);
    }
    # Connections opened 10 ticks ago end now: 2 in 5 by an idle timeout, the rest by LOGOUT.
    for my $id ($next_id - 22, $next_id - 21) {
        next if $id < 0;
        if ($id % 5 < 2) { drop_idle($id) } else { logout($id) }
    }
});

printf STDERR "%d connections opened, %d logged out, %d timed out (kept by their own callbacks), %d still open, %d mailboxes indexed\n",
    $stats{opened}, $stats{logged_out}, $stats{timed_out}, scalar keys %connections, scalar keys %mailbox_index;
