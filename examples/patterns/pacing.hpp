// Wall-clock pacing for the pattern examples: their work is tied to time, not to CPU speed, so the true
// growth rate of each one is known in bytes per second whatever machine runs it.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace pattern {

using Clock = std::chrono::steady_clock;

/// Seconds the example runs: argv[1], or `fallback`.
inline double run_seconds(int argc, char** argv, double fallback) { return argc > 1 ? std::atof(argv[1]) : fallback; }

/// A tick that starts this much after its time means the machine did not give the program the CPU its
/// pacing needs: its growth over time is not the one the manifest states.
inline constexpr double kLateTickS = 0.25;

/// Says on stderr, in one line the test harnesses look for, that the pacing was not kept.
inline void report_lost_pacing(double worst_late_s, long late_ticks, long ticks) {
    if (late_ticks == 0) return;
    std::fprintf(stderr, "pacing lost: %ld of %ld ticks started more than %.2f s late (the latest %.2f s late)\n",
                 late_ticks, ticks, kLateTickS, worst_late_s);
}

/// Calls `tick(i, t)` every `period_s` seconds (t = seconds since start) until `seconds` have passed.
/// A late tick runs at once (the work is caught up, not skipped); lateness is reported at the end.
template <typename Tick>
void every(double period_s, double seconds, Tick&& tick) {
    const auto start = Clock::now();
    auto next = start;
    const auto period = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(period_s));
    double worst_late_s = 0;
    long late_ticks = 0, i = 0;
    for (;; ++i) {
        const auto now = Clock::now();
        const double t = std::chrono::duration<double>(now - start).count();
        if (t >= seconds) break;
        const double late_s = std::chrono::duration<double>(now - next).count();
        if (late_s > kLateTickS) ++late_ticks;
        if (late_s > worst_late_s) worst_late_s = late_s;
        tick(i, t);
        next += period;
        std::this_thread::sleep_until(next);
    }
    report_lost_pacing(worst_late_s, late_ticks, i);
}

/// Touches every page so the bytes are resident (RSS), not just reserved.
inline void touch(void* p, std::size_t n) { std::memset(p, 0x5a, n); }

}  // namespace pattern
