// Theil–Sen slope (median of pairwise slopes, Sen 1968) with Sen's rank-based confidence interval.
// Robust to ~29% outliers; the interval is widened for autocorrelated series by a variance
// inflation factor (n / effective sample size), since the textbook interval assumes independence.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace leakscope::diagnosis {

struct SlopeEstimate {
    double slope = 0;
    double intercept = 0;  ///< median of y - slope * x (Conover's estimator)
    double ci_low = 0;
    double ci_high = 0;
    std::size_t pairs_used = 0;  ///< pairs with distinct x that entered the median
};

struct TheilSenOptions {
    double confidence_level = 0.95;
    /// Multiplies Var(S) of the interval; 1 for independent errors, n/n_eff for autocorrelated ones.
    double variance_inflation = 1.0;
    /// Above this many pairs a fixed-seed random subset of pairs is used (O(n^2) otherwise).
    std::size_t max_pairs = 200'000;
    std::uint64_t seed = 0x5eed'1ea4'5c0e'0001ULL;
};

/// Needs at least two distinct x; returns a zero estimate otherwise. x need not be sorted.
SlopeEstimate theil_sen(std::span<const double> x, std::span<const double> y, const TheilSenOptions& options = {});

}  // namespace leakscope::diagnosis
