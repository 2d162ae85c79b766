// A series that restarts is one program living several lives. When the latest life is too short to
// tell a leak from a warm-up (or reads as a sawtooth), the earlier lives of the same program already
// answered: their leak rates are pooled, and the latest life inherits the verdict unless it grows
// clearly slower than they did (a fix deployed with the restart keeps its own verdict).
#pragma once

#include <optional>
#include <vector>

#include "diagnosis/diagnosis.hpp"
#include "fleet/prometheus_client.hpp"
#include "fleet/restart_cut.hpp"

namespace leakscope::fleet {

struct Life {
    Segment segment;
    double start_unix_s = 0;       ///< when its process started (NaN when unknown: the series' first life without a start time)
    diagnosis::Diagnosis verdict;  ///< the engine's, on this life alone (times from its start)
};

/// The latest life contradicts the earlier ones when, age for age, it grows slower than they did by
/// more than this share of their pooled rate (at the top of the 95% interval of the difference).
inline constexpr double kContradictingShareOfRate = 0.5;

/// `earlier`: the lives before `latest`, oldest first, each long enough to judge. Returns the verdict
/// for `latest` when every earlier life is a decided leak and `latest` does not contradict them: the
/// pooled rate (inverse-variance weighted) with its interval, projected from the latest life's level.
/// nullopt otherwise (the latest life's own verdict stands).
std::optional<diagnosis::Diagnosis> inherit_from_earlier_lives(const RangeSeries& series, const std::vector<Life>& earlier,
                                                               const Life& latest, std::optional<double> limit_bytes);

}  // namespace leakscope::fleet
