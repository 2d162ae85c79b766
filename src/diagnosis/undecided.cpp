#include "diagnosis/undecided.hpp"

#include <algorithm>
#include <cmath>

namespace leakscope::diagnosis::detail {

std::optional<double> watch_more_before_deciding(const GrowthSoFar& g) {
    // Without a warm-up there is no tail to mistake growth for, and the trend test has ruled out noise.
    if (!(g.rate.slope > 0) || !(g.span_s > 0) || !(g.warmup_bytes > 0)) return std::nullopt;
    const double level = std::fabs(g.level_bytes);
    const double grown = g.rate.slope * g.span_s;
    const double decisive = std::min(kDecisiveShareOfWarmup * g.warmup_bytes, kDecisiveShareOfLevel * level);
    const double outlasting_s = kWarmupLengthsToOutlastTail * g.warmup_duration_s;
    const double negligible = kNegligibleShareOfLevel * level;
    if (grown >= decisive) return std::nullopt;
    if (g.span_s >= outlasting_s && grown >= negligible) return std::nullopt;
    // The pessimistic end of the interval, but not below a quarter of the rate.
    const double pace = std::max(g.rate.ci_low, 0.25 * g.rate.slope);
    const double until_decisive = (decisive - grown) / pace;
    const double until_outlasted = std::max(outlasting_s - g.span_s, std::max(negligible - grown, 0.0) / pace);
    const double more = std::max(1.0, std::min(until_decisive, until_outlasted));
    return std::ceil(more / 60.0) * 60.0;
}

}  // namespace leakscope::diagnosis::detail
