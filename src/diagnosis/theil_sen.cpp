#include "diagnosis/theil_sen.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "diagnosis/robust_stats.hpp"

namespace leakscope::diagnosis {
namespace {

// splitmix64: a tiny, well-mixed generator whose sequence is the same on every platform, so the same
// series always gives the same subset of pairs (and the same verdict).
struct SplitMix64 {
    std::uint64_t state;
    std::uint64_t next() {
        std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    std::size_t below(std::size_t bound) { return static_cast<std::size_t>(next() % bound); }
};

double order_statistic(std::vector<double>& values, double fraction) {
    // fraction of the way through the sorted values, 0-based index rounded to nearest.
    const double position = std::clamp(fraction, 0.0, 1.0) * static_cast<double>(values.size() - 1);
    const auto index = static_cast<std::size_t>(std::lround(position));
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(index), values.end());
    return values[index];
}

// Below this many points Sen's interval uses the exact null distribution of Kendall's S (independent
// errors, no ties), not its normal approximation, which is off by a rank or more there: five points
// each above the one before (S = 10, two-sided p = 2/120) fell just short of 95% by the approximation.
constexpr std::size_t kExactBelowPoints = 8;

// The exact interval's lower rank (1-based; 0: no lower bound): one more than the largest count of
// discordant pairs j with P(discordant <= j) <= (1 - confidence) / 2. Rejecting "slope = b" when S
// (= N - 2 * discordant) is that extreme excludes every b below the (j + 1)-th smallest slope. The
// discordant pairs of n exchangeable points are the inversions of a random permutation: counted by
// the Mahonian numbers.
std::size_t exact_lower_rank(std::size_t n, double confidence) {
    std::vector<double> ways{1.0};  // permutations of the first m points by their inversions
    for (std::size_t m = 2; m <= n; ++m) {
        std::vector<double> next(ways.size() + m - 1, 0.0);
        for (std::size_t k = 0; k < ways.size(); ++k)
            for (std::size_t added = 0; added < m; ++added) next[k + added] += ways[k];
        ways = std::move(next);
    }
    double total = 0;
    for (double w : ways) total += w;
    const double tail = 0.5 * (1.0 - confidence);
    double below = 0;
    std::size_t rank = 0;
    for (std::size_t j = 0; j < ways.size(); ++j) {
        below += ways[j];
        if (below / total > tail) break;
        rank = j + 1;
    }
    return rank;
}

}  // namespace

SlopeEstimate theil_sen(std::span<const double> x, std::span<const double> y, const TheilSenOptions& options) {
    SlopeEstimate estimate;
    const std::size_t n = std::min(x.size(), y.size());
    if (n < 2) return estimate;

    std::vector<double> slopes;
    const double all_pairs = 0.5 * static_cast<double>(n) * static_cast<double>(n - 1);
    if (all_pairs <= static_cast<double>(options.max_pairs)) {
        slopes.reserve(static_cast<std::size_t>(all_pairs));
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = i + 1; j < n; ++j)
                if (x[j] != x[i]) slopes.push_back((y[j] - y[i]) / (x[j] - x[i]));
    } else {
        SplitMix64 random{options.seed};
        slopes.reserve(options.max_pairs);
        for (std::size_t draw = 0; draw < options.max_pairs; ++draw) {
            const std::size_t i = random.below(n);
            const std::size_t j = random.below(n);
            if (x[j] != x[i]) slopes.push_back((y[j] - y[i]) / (x[j] - x[i]));
        }
    }
    if (slopes.empty()) return estimate;
    estimate.pairs_used = slopes.size();
    estimate.slope = detail::median(slopes);

    std::vector<double> offsets(n);
    for (std::size_t i = 0; i < n; ++i) offsets[i] = y[i] - estimate.slope * x[i];
    estimate.intercept = detail::median(offsets);

    // Sen's interval: with N pairs and C = z * sqrt(Var S), the bounds are the M1-th and (M2+1)-th
    // smallest slopes, M1 = (N - C)/2, M2 = (N + C)/2 (1-based). As fractions of N they carry over to a
    // random subset of the pairs unchanged.
    if (n < kExactBelowPoints && options.variance_inflation <= 1.0 && slopes.size() == static_cast<std::size_t>(all_pairs)) {
        const std::size_t rank = exact_lower_rank(n, std::clamp(options.confidence_level, 0.0, 0.999999));
        estimate.ci_low = rank == 0 ? -INFINITY : order_statistic(slopes, static_cast<double>(rank - 1) / (all_pairs - 1));
        estimate.ci_high = rank == 0 ? INFINITY : order_statistic(slopes, (all_pairs - static_cast<double>(rank)) / (all_pairs - 1));
        return estimate;
    }
    const double nd = static_cast<double>(n);
    const double variance_s = nd * (nd - 1) * (2 * nd + 5) / 18.0 * std::max(1.0, options.variance_inflation);
    const double z = detail::normal_quantile(0.5 + 0.5 * std::clamp(options.confidence_level, 0.0, 0.999999));
    const double c = z * std::sqrt(variance_s);
    const double lower_rank = (all_pairs - c) / 2.0;        // 1-based
    const double upper_rank = (all_pairs + c) / 2.0 + 1.0;  // 1-based
    estimate.ci_low = lower_rank < 1 ? -INFINITY : order_statistic(slopes, (lower_rank - 1) / (all_pairs - 1));
    estimate.ci_high = upper_rank > all_pairs ? INFINITY : order_statistic(slopes, (upper_rank - 1) / (all_pairs - 1));
    return estimate;
}

}  // namespace leakscope::diagnosis
