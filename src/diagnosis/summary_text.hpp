// The one or two plain sentences a person reads first, with human units.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "diagnosis/diagnosis.hpp"

namespace leakscope::diagnosis::detail {

/// What the text needs beyond the Diagnosis itself.
struct SummaryFacts {
    std::size_t samples = 0;
    double duration_s = 0;
    double start_t_s = 0;
    bool significant = false;       ///< the trend test rejected "no trend"
    bool above_practical_floor = false;  ///< above the floor in bytes per second, and out of the noise
    /// Not practically significant because the growth over the whole steady part stays inside the
    /// series' own noise band, though the rate is above the floor.
    bool within_noise = false;
    double level_bytes = 0;         ///< typical size in steady state
    double cycle_amplitude = 0;     ///< sawtooth/spike height
    std::size_t steps = 0;          ///< staircase steps
    std::optional<double> live_heap_rate;  ///< fragmentation: the heap's own rate
    /// When 90% of the warm-up had come (most of one often comes at once and its tail creeps on).
    std::optional<double> warmup_mostly_by_s;
    bool warmup_of_rss = false;     ///< the warm-up told is RSS's, beside another series' verdict
    bool settling = false;          ///< a warm-up still slowing down toward settling_toward_bytes
    double settled_so_far_bytes = 0;  ///< settling: how much of it the run saw (the fitted curve at its end)
    double settling_rate_now = 0;     ///< settling: the curve's pace at the run's end
    std::optional<double> slowing_from_rate;  ///< undecided: growth slowing down, from this pace (the first third's)
    bool releases_undecided = false;  ///< undecided: too few releases of memory to compare the lows between
    std::size_t releases = 0;         ///< how many the run saw
    bool collected_heap = false;      ///< the releases are a garbage collector's (V8)
    bool teeth_on_plateau = false;    ///< a warm-up plateau with a sawtooth (cycle_amplitude, period) on top
    /// A leak after a knee: the pace of the fill before it (the warm-up), faster than the leak's.
    std::optional<double> knee_fill_rate;
    /// Undecided: the rate's interval excludes zero but Mann–Kendall on the same points gives this p-value.
    std::optional<double> trend_unproven_p;
};

std::string summarize(const Diagnosis& diagnosis, const SummaryFacts& facts);

/// "1.00 MB/s (95% CI 0.90 MB/s to 1.10 MB/s)", per event too when known.
std::string rate_with_interval(const Diagnosis& diagnosis);
/// " At this rate the 8.00 GB limit is reached in 3 h 20 min; restarting every …" (empty without a limit).
std::string projection_sentence(const Diagnosis& diagnosis);

}  // namespace leakscope::diagnosis::detail
