// Wall-clock pacing for the pattern examples: their work is tied to time, not to CPU speed, so the true
// growth rate of each one is known in bytes per second whatever machine runs it.
#pragma once

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace pattern {

using Clock = std::chrono::steady_clock;

/// Seconds the example runs: argv[1], or `fallback`.
inline double run_seconds(int argc, char** argv, double fallback) { return argc > 1 ? std::atof(argv[1]) : fallback; }

/// Calls `tick(i, t)` every `period_s` seconds (t = seconds since start) until `seconds` have passed.
template <typename Tick>
void every(double period_s, double seconds, Tick&& tick) {
    const auto start = Clock::now();
    auto next = start;
    const auto period = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(period_s));
    for (long i = 0;; ++i) {
        const double t = std::chrono::duration<double>(Clock::now() - start).count();
        if (t >= seconds) break;
        tick(i, t);
        next += period;
        std::this_thread::sleep_until(next);
    }
}

/// Touches every page so the bytes are resident (RSS), not just reserved.
inline void touch(void* p, std::size_t n) { std::memset(p, 0x5a, n); }

}  // namespace pattern
