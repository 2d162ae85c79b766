#include "diagnosis/pelt.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace leakscope::diagnosis {
namespace {

// Prefix sums of 1, x, x^2, y, xy, y^2 give any segment's least-squares line and residual sum of
// squares in O(1). x and y are centred and scaled first so the sums do not lose precision.
class LineCost {
public:
    LineCost(std::span<const double> x, std::span<const double> y) : n_(x.size()) {
        double x_mean = 0, y_mean = 0;
        for (std::size_t i = 0; i < n_; ++i) {
            x_mean += x[i];
            y_mean += y[i];
        }
        x_mean /= static_cast<double>(n_);
        y_mean /= static_cast<double>(n_);
        x_offset_ = x_mean;
        y_offset_ = y_mean;
        x_scale_ = std::max(std::fabs(x.back() - x.front()), 1e-300);
        for (auto* sums : {&sx_, &sxx_, &sy_, &sxy_, &syy_}) sums->assign(n_ + 1, 0.0L);
        for (std::size_t i = 0; i < n_; ++i) {
            const long double u = (x[i] - x_offset_) / x_scale_;
            const long double v = y[i] - y_offset_;
            sx_[i + 1] = sx_[i] + u;
            sxx_[i + 1] = sxx_[i] + u * u;
            sy_[i + 1] = sy_[i] + v;
            sxy_[i + 1] = sxy_[i] + u * v;
            syy_[i + 1] = syy_[i] + v * v;
        }
    }

    struct Fit {
        double rss, slope_scaled, intercept_scaled;
    };
    Fit fit(std::size_t begin, std::size_t end) const {
        const long double count = static_cast<long double>(end - begin);
        const long double sx = sx_[end] - sx_[begin], sxx = sxx_[end] - sxx_[begin];
        const long double sy = sy_[end] - sy_[begin], sxy = sxy_[end] - sxy_[begin];
        const long double syy = syy_[end] - syy_[begin];
        const long double var_x = sxx - sx * sx / count;
        const long double cov = sxy - sx * sy / count;
        const long double var_y = syy - sy * sy / count;
        const long double slope = var_x > 0 ? cov / var_x : 0;
        const long double rss = std::max<long double>(0, var_y - slope * cov);
        const long double intercept = (sy - slope * sx) / count;
        return {static_cast<double>(rss), static_cast<double>(slope), static_cast<double>(intercept)};
    }
    double rss(std::size_t begin, std::size_t end) const { return fit(begin, end).rss; }

    double x_offset_ = 0, y_offset_ = 0, x_scale_ = 1;

private:
    std::size_t n_;
    std::vector<long double> sx_, sxx_, sy_, sxy_, syy_;
};

}  // namespace

std::vector<Segment> pelt_linear_segments(std::span<const double> x, std::span<const double> y, const PeltOptions& options) {
    const std::size_t n = std::min(x.size(), y.size());
    std::vector<Segment> segments;
    if (n == 0) return segments;
    const LineCost cost(x.first(n), y.first(n));
    const std::size_t min_len = std::max<std::size_t>(options.min_segment, 2);

    auto make_segment = [&](std::size_t begin, std::size_t end) {
        const auto fit = cost.fit(begin, end);
        Segment segment{begin, end, fit.slope_scaled / cost.x_scale_, 0, 0};
        auto level = [&](std::size_t i) {
            return cost.y_offset_ + fit.intercept_scaled + fit.slope_scaled * (x[i] - cost.x_offset_) / cost.x_scale_;
        };
        segment.level_at_begin = level(begin);
        segment.level_at_end = level(end - 1);
        return segment;
    };
    if (n < 2 * min_len) {
        segments.push_back(make_segment(0, n));
        return segments;
    }

    double penalty = options.penalty;
    if (penalty <= 0) {
        const double sigma = std::max(options.noise_sigma, 1e-12);
        penalty = 3.0 * sigma * sigma * std::log(static_cast<double>(n));
    }

    // best[t] = optimal cost of y[0, t); last[t] = start of the final segment in that optimum.
    std::vector<double> best(n + 1, std::numeric_limits<double>::infinity());
    std::vector<std::size_t> last(n + 1, 0);
    best[0] = -penalty;
    std::vector<std::size_t> candidates{0};
    std::vector<double> candidate_costs;
    for (std::size_t t = min_len; t <= n; ++t) {
        // A segment ending at t may start at any s <= t - min_len whose own optimum is known.
        if (t >= 2 * min_len) candidates.push_back(t - min_len);
        candidate_costs.assign(candidates.size(), std::numeric_limits<double>::infinity());
        for (std::size_t k = 0; k < candidates.size(); ++k) {
            const std::size_t s = candidates[k];
            candidate_costs[k] = best[s] + cost.rss(s, t) + penalty;
            if (candidate_costs[k] < best[t]) {
                best[t] = candidate_costs[k];
                last[t] = s;
            }
        }
        // Prune: a start whose cost already exceeds the optimum by more than the penalty never wins
        // again (adding points to a segment never lowers its cost).
        std::size_t kept = 0;
        for (std::size_t k = 0; k < candidates.size(); ++k)
            if (!(candidate_costs[k] - penalty > best[t])) candidates[kept++] = candidates[k];
        candidates.resize(kept);
    }

    std::vector<std::size_t> boundaries{n};
    for (std::size_t t = n; t > 0;) {
        t = last[t];
        boundaries.push_back(t);
    }
    std::reverse(boundaries.begin(), boundaries.end());
    for (std::size_t k = 0; k + 1 < boundaries.size(); ++k) segments.push_back(make_segment(boundaries[k], boundaries[k + 1]));
    return segments;
}

}  // namespace leakscope::diagnosis
