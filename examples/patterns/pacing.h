/* Wall-clock pacing for the C pattern programs (the C twin of pacing.hpp): work is tied to time, not
 * to CPU speed, so each program's true growth rate in bytes per second holds on any machine. */
#ifndef PATTERN_PACING_H
#define PATTERN_PACING_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double pattern_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Seconds the program runs: argv[1], or `fallback`. */
static double pattern_run_seconds(int argc, char** argv, double fallback) {
    return argc > 1 ? atof(argv[1]) : fallback;
}

/* A tick that starts this much after its time means the machine did not give the program the CPU its
 * pacing needs (see pacing.hpp). */
#define PATTERN_LATE_TICK_S 0.25

/* Calls tick(i, t, state) every period_s seconds (t = seconds since start) until `seconds` have passed.
 * A late tick runs at once (the work is caught up, not skipped); lateness is reported on stderr at the
 * end, in the line the test harnesses look for. */
static void pattern_every(double period_s, double seconds, void (*tick)(long, double, void*), void* state) {
    const double start = pattern_now();
    double worst_late_s = 0;
    long late_ticks = 0, i = 0;
    for (;; ++i) {
        const double t = pattern_now() - start;
        if (t >= seconds) break;
        const double late_s = t - (double)i * period_s;
        if (late_s > PATTERN_LATE_TICK_S) ++late_ticks;
        if (late_s > worst_late_s) worst_late_s = late_s;
        tick(i, t, state);
        const double wait = start + (double)(i + 1) * period_s - pattern_now();
        if (wait > 0) {
            struct timespec ts = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
            nanosleep(&ts, NULL);
        }
    }
    if (late_ticks > 0)
        fprintf(stderr, "pacing lost: %ld of %ld ticks started more than %.2f s late (the latest %.2f s late)\n",
                late_ticks, i, PATTERN_LATE_TICK_S, worst_late_s);
}

#endif
