# Wall-clock pacing for the perl pattern programs (the twin of ../pacing.hpp): work is tied to time,
# not to CPU speed, so each program's growth rate holds on any machine.
package Pacing;
use strict;
use warnings;
use Time::HiRes qw(time sleep);
use Exporter qw(import);
our @EXPORT_OK = qw(run_seconds every);

# A tick that starts this much after its time means the machine did not give the program the CPU its
# pacing needs (../pacing.hpp).
my $late_tick_s = 0.25;

# Seconds the program runs: $ARGV[0], or the fallback.
sub run_seconds { return $ARGV[0] // $_[0] }

# Calls $tick->($i, $t) every $period seconds ($t = seconds since start) until $seconds have passed.
# A late tick runs at once (the work is caught up, not skipped); lateness is reported on stderr at the
# end, in the line the test harnesses look for.
sub every {
    my ($period, $seconds, $tick) = @_;
    my $start = time;
    my ($ticks, $late_ticks, $worst_late) = (0, 0, 0);
    while ((my $now = time) - $start < $seconds) {
        my $late = $now - ($start + $ticks * $period);
        $late_ticks++ if $late > $late_tick_s;
        $worst_late = $late if $late > $worst_late;
        $tick->($ticks, $now - $start);
        $ticks++;
        my $wait = $start + $ticks * $period - time;
        sleep $wait if $wait > 0;
    }
    printf STDERR "pacing lost: %d of %d ticks started more than %.2f s late (the latest %.2f s late)\n",
        $late_ticks, $ticks, $late_tick_s, $worst_late
        if $late_ticks;
}

1;
