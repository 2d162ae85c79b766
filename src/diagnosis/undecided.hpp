// "Undecided: watch N more minutes". Growth can be statistically certain and still not tell a slow
// leak from the tail of a warm-up that is still settling: a false alarm on a warm-up costs a team
// days, and so does a missed slow leak, so after a warm-up the verdict waits until the growth is
// large enough, or has lasted long enough, to rule out the warm-up's tail.
#pragma once

#include <cstddef>
#include <optional>

#include "diagnosis/cycles.hpp"
#include "diagnosis/diagnosis.hpp"

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

/// How long to keep watching as it is said: rounded up to whole minutes, at least one.
double whole_minutes(double seconds);

/// A verdict that saw growth but cannot decide on it yet: no leak, undecided, watch `watch_s` more (in
/// whole minutes), no projection from a pace not yet proven, severity none, confidence a half. The
/// caller writes the summary (and a severity of its own, e.g. for sustained use near the limit).
void make_undecided(Diagnosis& d, double watch_s);

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
