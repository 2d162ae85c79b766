// "Undecided: watch N more minutes". Growth can be statistically certain and still not tell a slow
// leak from the tail of a warm-up that is still settling: a false alarm on a warm-up costs a team
// days, and so does a missed slow leak, so after a warm-up the verdict waits until the growth is
// large enough, or has lasted long enough, to rule out the warm-up's tail.
#pragma once

#include <cstddef>
#include <optional>

#include "diagnosis/cycles.hpp"
#include "diagnosis/diagnosis.hpp"
#include "diagnosis/mann_kendall.hpp"

#include "diagnosis/theil_sen.hpp"

namespace leakscope::diagnosis::detail {

/// Growth after a warm-up is decisive at a tenth of the warm-up or 2% of the level, whichever is less.
inline constexpr double kDecisiveShareOfWarmup = 0.10;
inline constexpr double kDecisiveShareOfLevel = 0.02;
/// Below that, it is decisive once steady state has lasted this many times the warm-up (a warm-up's
/// tail has faded long before: the deceleration test would have seen it) and the growth is at least
/// this share of the level (a drift of a fraction of a permille is no evidence of anything yet).
inline constexpr double kWarmupLengthsToOutlastTail = 3.0;
inline constexpr double kNegligibleShareOfLevel = 0.002;

struct GrowthSoFar {
    SlopeEstimate rate;           ///< steady-state rate with its interval
    double span_s = 0;            ///< how long steady state has been watched
    double level_bytes = 0;       ///< typical size in steady state
    double warmup_bytes = 0;      ///< one-time growth before it (0: none)
    double warmup_duration_s = 0;
};

/// For significant growth: nullopt when it is enough to decide, else the seconds to keep watching
/// until it would be (at the pessimistic end of the rate's interval), rounded up to a minute.
std::optional<double> watch_more_before_deciding(const GrowthSoFar& growth);

/// A trend's interval narrows, and its test statistic grows, as the watch's length to the power 3/2 (a
/// line in white noise): how much longer than `span_s` until either has changed by `factor` (>= 1).
double watch_until_trend_statistic_scales(double span_s, double factor);

/// How long to keep watching as it is said: rounded up to whole minutes, at least one.
double whole_minutes(double seconds);

/// A verdict that saw growth but cannot decide on it yet: no leak, undecided, watch `watch_s` more (in
/// whole minutes), no projection from a pace not yet proven, severity none, confidence a half. The
/// caller writes the summary (and a severity of its own, e.g. for sustained use near the limit).
void make_undecided(Diagnosis& d, double watch_s);

// A pace whose interval clears zero while Mann–Kendall, on the same points and corrected for their
// autocorrelation too, finds no monotone trend even at 10%: the two tests disagree, and a level that
// wanders (a working set of random sizes replaced at random, read under spikes) is what makes them.
// noisy_flat under sampled tracking: its allocator figure wandering 18.8-21.8 MB around 20 MB, the floor
// under its "spikes" read "Leak ... 1.43 GB/h (95% CI 161 MB/h to 2.34 GB/h)" at p = 0.17. Across the
// 3,101 distinct recordings of the accuracy corpus (sessions 19-25, all three modes) it was the only
// decided leak above p = 0.1; the five between 0.05 and 0.1 were all leaks, under a sawtooth whose few
// troughs the rank test cannot take below that (it is left to them: three troughs give p >= 0.33).
// On the synthetic benchmark (13,000 series, seed 314159) waiting on every such interval turned 13 of 43
// false leaks into waits and 49 leaks as well (recall 0.958 -> 0.950): short leaking series where the
// interval, not the rank test, is right. On loose intervals only (low end under a quarter of the pace,
// noisy_flat's was 0.11): 6 false leaks and 15 leaks (recall 0.955). A wait costs a minute or two more
// of watching; a false leak, a team's days.
inline constexpr double kTrendUnprovenP = 0.10;
/// ... and only on an interval whose low end is this close to zero, a share of the pace.
inline constexpr double kLooseLowEndShareOfRate = 0.25;
/// The p-value a trend has to reach for the wait to end.
inline constexpr double kTrendProvenP = 0.05;

/// For growth whose interval excludes zero: nullopt when the trend test agrees (p <= kTrendUnprovenP),
/// else the seconds more at which a trend as strong would reach kTrendProvenP (its z grows as the watch
/// to the power 3/2 for a line in white noise), rounded up to a minute.
std::optional<double> watch_while_trend_unproven(const TrendTest& trend, const SlopeEstimate& rate, double span_s);

// Growth broken by releases of memory (a collector's, a cache's flushes): a leak under them shows as
// lows that rise from one release to the next; it takes three lows to compare, as it takes three
// points to see a trend, and six rising ones to prove it (Mann–Kendall at 5%: fewer cannot).
inline constexpr std::size_t kTroughsToJudgeAcrossReleases = 3;
inline constexpr std::size_t kTroughsForAFlatFloor = 6;
/// A fall counts as a release that breaks the growth when it gives back this share of what the steady
/// part grew (smaller falls are the noise of a climb).
inline constexpr double kReleaseShareOfGrowth = 0.25;

/// A collected heap grows ahead of its collections by a bounded factor of what is live: V8 sets its next
/// full collection at 1.1 to 4 times the old generation's live bytes (its heap growing factor), and RSS
/// holds the rest of the process besides. Growth past twice RSS's level at the start of steady state
/// (64 MiB at least: V8 under a bounded cache grew RSS 10 -> 47 MB in 45 s before its first full
/// collection) with no release among it has outlasted those collections: what they kept is live.
inline constexpr double kCollectorHeadroomShareOfLevel = 2.0;
inline constexpr double kCollectorHeadroomFloorBytes = 64.0 * 1024 * 1024;
double collector_headroom_bytes(double level_bytes);

/// A sawtooth's troughs from the start of steady state on (each one low between two releases).
std::size_t troughs_from(const CycleAnalysis& cycles, std::size_t steady_begin);

/// For a runtime whose collector gives memory back: growth that its releases interrupt, with too few of
/// them to compare the lows in between: how many releases the steady part had (nullopt when the growth
/// can be judged). A sawtooth is judged on its troughs, from three on; outside a cycle, growth with
/// fewer than three large falls (full collections) is the heap growing ahead of its collections as much
/// as it is a leak: V8 running a bounded cache grew its RSS from 10 to 47 MB over 45 s without one
/// (examples/patterns/node/request_cache_flat.js). Elsewhere (nullopt) a fall mid-growth is a program's
/// own (a cache flushed while something else leaks, a fragmenting arena's RSS released once), which the
/// trend already looks through.
/// `level_bytes`: the series at the start of steady state; growth past collector_headroom_bytes of it is
/// judged however few releases it had (nullopt).
std::optional<std::size_t> releases_too_few_to_judge(const CycleAnalysis& cycles, std::size_t steady_begin, double grown,
                                                     bool releases_by_collector, double level_bytes);

}  // namespace leakscope::diagnosis::detail
