// Labelled synthetic memory series for every pattern, with realistic noise: jitter with
// autocorrelation, one-sample outliers, allocator quantisation steps, a GC-like small sawtooth,
// irregular sampling intervals and missing samples. Warm-ups of many sizes and lengths, leak rates
// from 0.1% to 50% of the process size per hour, lengths from 30 to 100,000 samples.
// Scaffolding of the diagnosis tests and benchmark, not part of the engine library. Deterministic: the same
// (pattern, seed) gives the same series on every platform (own RNG and distributions, no <random>).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "diagnosis/diagnosis.hpp"

namespace leakscope::diagnosis::synthetic {

struct LabelledSeries {
    Pattern pattern = Pattern::stable;  ///< ground truth
    /// Another name that is as right as `pattern` (scored as it): a container doubling its capacity
    /// is a staircase in the live heap and a line in RSS, which fills each new buffer page by page —
    /// the accuracy corpus's vector_journal accepts both for the same reason.
    std::optional<Pattern> also_right;
    bool leak = false;                  ///< ground truth: growth that continues in steady state
    /// The steady-state growth of the floor (RSS for fragmentation), bytes/s; for accelerating growth
    /// the mean rate over the last third (what the diagnosis reports). 0 when not growing.
    double true_rate_bytes_per_s = 0;
    double warmup_bytes = 0;
    double warmup_end_s = 0;
    double size_bytes = 0;       ///< process size at the start of steady state
    ProcessSeries series;        ///< rss always; live_heap for fragmentation and some others
    std::string description;     ///< the drawn parameters, for failure messages
};

struct GeneratorOptions {
    std::size_t min_samples = 30;
    std::size_t max_samples = 100'000;
    /// Share of non-fragmentation series that also carry a live-heap series (to exercise diagnose_process).
    double with_heap_share = 0.25;
    /// Total steady growth of a leak is at least this many noise standard deviations. Below that no
    /// method can tell a leak from noise; the generator lengthens the run (as a soak test would) or,
    /// failing that, lowers the noise.
    double min_growth_in_sigmas = 4.0;
    /// And a least-squares trend z-score of at least this, given the effective number of independent
    /// samples of the autocorrelated noise (so a short, strongly autocorrelated run gets more growth).
    double min_trend_z = 4.0;
    /// Leaks are at least this fast in absolute terms (2x the default practical floor of 64 B/s).
    double min_leak_bytes_per_s = 128.0;
};

/// Patterns the generator produces: every Pattern except insufficient_data.
inline constexpr Pattern kGeneratedPatterns[] = {
    Pattern::stable,          Pattern::warmup_plateau,   Pattern::bounded_sawtooth,    Pattern::periodic_spikes,
    Pattern::linear_growth,   Pattern::staircase_growth, Pattern::accelerating_growth, Pattern::fragmentation,
};

/// Throws std::invalid_argument for insufficient_data.
LabelledSeries generate(Pattern pattern, std::uint64_t seed, const GeneratorOptions& options = {});

/// Failure classes seen on real programs (issue 11) that the pattern generators above do not draw.
/// Each is labelled with the Pattern a person would give it; the seeds are independent of the
/// patterns' (the pattern generators draw exactly what they drew before these were added).
enum class RealProgramClass {
    late_onset,         ///< flat, then a linear leak from an onset at 20-70% of the run; RSS and heap
    capacity_doubling,  ///< a journal in one std::vector: the heap doubles at geometrically spaced times
                        ///< while RSS rises linearly as pages are touched; leak, staircase_growth
    page_creep,         ///< a flat program whose RSS creeps a few 4 KiB pages per second after its warm-up,
                        ///< levelling off (allocator pages touched for the first time); RSS only; not a leak
    saturating_warmup,  ///< from t=0, a cache whose fill rate halves every 1-3 s; half without noise; not a leak
    teardown,           ///< any pattern whose last 1-3 samples fall 30-90% (the process exiting):
                        ///< labelled with the pattern before the teardown
};
inline constexpr RealProgramClass kRealProgramClasses[] = {
    RealProgramClass::late_onset, RealProgramClass::capacity_doubling, RealProgramClass::page_creep,
    RealProgramClass::saturating_warmup, RealProgramClass::teardown,
};
std::string_view to_string(RealProgramClass kind);
LabelledSeries generate(RealProgramClass kind, std::uint64_t seed, const GeneratorOptions& options = {});

}  // namespace leakscope::diagnosis::synthetic
