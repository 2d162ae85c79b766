/* Wall-clock pacing for the C pattern programs (the C twin of pacing.hpp): work is tied to time, not
 * to CPU speed, so each program's true growth rate in bytes per second holds on any machine. */
#ifndef PATTERN_PACING_H
#define PATTERN_PACING_H

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

/* Calls tick(i, t, state) every period_s seconds (t = seconds since start) until `seconds` have passed. */
static void pattern_every(double period_s, double seconds, void (*tick)(long, double, void*), void* state) {
    const double start = pattern_now();
    for (long i = 0;; ++i) {
        const double t = pattern_now() - start;
        if (t >= seconds) break;
        tick(i, t, state);
        const double wait = start + (double)(i + 1) * period_s - pattern_now();
        if (wait > 0) {
            struct timespec ts = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
            nanosleep(&ts, NULL);
        }
    }
}

#endif
