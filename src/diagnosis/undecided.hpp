// "Undecided: watch N more minutes". Growth can be statistically certain and still not tell a slow
// leak from the tail of a warm-up that is still settling: a false alarm on a warm-up costs a team
// days, and so does a missed slow leak, so after a warm-up the verdict waits until the growth is
// large enough, or has lasted long enough, to rule out the warm-up's tail.
#pragma once

#include <optional>

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

}  // namespace leakscope::diagnosis::detail
