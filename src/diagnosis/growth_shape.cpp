#include "diagnosis/growth_shape.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "diagnosis/steady_state.hpp"

namespace leakscope::diagnosis::detail {
namespace {

/// Ordinary least squares of y on one regressor u: intercept, coefficient and the residual sum.
struct LineFit {
    double intercept = 0, coefficient = 0, sse = std::numeric_limits<double>::infinity();
};
template <typename Regressor>
LineFit least_squares(std::span<const double> y, std::size_t begin, std::size_t end, Regressor&& u) {
    const double n = static_cast<double>(end - begin);
    double u_mean = 0, y_mean = 0;
    for (std::size_t i = begin; i < end; ++i) {
        u_mean += u(i);
        y_mean += y[i];
    }
    u_mean /= n;
    y_mean /= n;
    double suy = 0, suu = 0;
    for (std::size_t i = begin; i < end; ++i) {
        suy += (u(i) - u_mean) * (y[i] - y_mean);
        suu += (u(i) - u_mean) * (u(i) - u_mean);
    }
    LineFit fit;
    if (!(suu > 0)) return fit;
    fit.coefficient = suy / suu;
    fit.intercept = y_mean - fit.coefficient * u_mean;
    fit.sse = 0;
    for (std::size_t i = begin; i < end; ++i) {
        const double r = y[i] - (fit.intercept + fit.coefficient * u(i));
        fit.sse += r * r;
    }
    return fit;
}

SlopeEstimate part_slope(std::span<const double> x, std::span<const double> y, std::size_t begin, std::size_t end,
                         double confidence) {
    Steady part;
    part.x.assign(x.begin() + static_cast<std::ptrdiff_t>(begin), x.begin() + static_cast<std::ptrdiff_t>(end));
    part.y.assign(y.begin() + static_cast<std::ptrdiff_t>(begin), y.begin() + static_cast<std::ptrdiff_t>(end));
    return robust_slope(part, confidence);
}

// A curve must explain the data far better than a line before it is believed: half the residual sum.
constexpr double kBetterFit = 0.5;
// Slowing down, for an undecided verdict: the last third's pace under this share of the first's.
constexpr double kSlowingShare = 0.5;
// ... and still slowing at the end: the last third's pace under this share of the middle third's. A
// warm-up that levels off keeps slowing third after third (an exponential one by the square root of
// the first-to-last ratio, under 0.71 here); a warm-up that has ended, followed by a steady leak,
// has the same pace in its last two thirds (a 150 MB warm-up with a 4 h time constant under a 2 MB/h
// leak, watched for 72 h, was "too early to tell").
constexpr double kStillSlowingShare = 0.85;
// A level held to the byte is growth that stopped only once it has lasted this many times the longest
// level held before it: a quantised leak (an allocator's arenas, a container's doublings) holds each level
// for one step's time, at its pace, and its last level, cut by the end of the run, is no longer than that.
// (If those times were exponential, four of them, the next lasting 1.5 times their longest: ~5%.)
constexpr double kLastLevelOverLongestBefore = 1.5;

// True when y ends on one value held, in x, kLastLevelOverLongestBefore times the longest stretch any
// one value held before it.
bool held_last_level_past_its_steps(std::span<const double> x, std::span<const double> y) {
    const std::size_t n = y.size();
    std::size_t last_from = n - 1;
    while (last_from > 0 && y[last_from - 1] == y[n - 1]) --last_from;
    double longest_before_s = 0;
    for (std::size_t from = 0, i = 1; i <= last_from; ++i)
        if (i == last_from || y[i] != y[from]) {
            longest_before_s = std::max(longest_before_s, x[i - 1] - x[from]);
            from = i;
        }
    return x[n - 1] - x[last_from] > kLastLevelOverLongestBefore * longest_before_s;
}

/// The least-squares curve intercept + coefficient * exp(-(x - x[begin]) / tau) over [begin, end),
/// tau searched from 0.01 to 3 times the span; a rise toward the intercept has a negative coefficient.
std::pair<LineFit, double> saturating_fit(std::span<const double> x, std::span<const double> y, std::size_t begin,
                                          std::size_t end) {
    LineFit best;
    double best_tau = 0;
    const double span_s = x[end - 1] - x[begin];
    for (int k = 0; k < 48; ++k) {
        const double tau = span_s * 0.01 * std::pow(300.0, k / 47.0);
        const LineFit fit = least_squares(y, begin, end, [&](std::size_t i) { return std::exp(-(x[i] - x[begin]) / tau); });
        if (fit.sse < best.sse) {
            best = fit;
            best_tau = tau;
        }
    }
    return {best, best_tau};
}

// A knee, for find_knee: two lines, one each side of it, must leave under this share of the residual
// sum of the best curve levelling off. Measured on the corpus' numpy gateway (RSS alone): 0.035.
constexpr double kKneeBetterFit = 0.25;
// ... with at least this share of the points after it (today's pace must rest on a part of the run).
constexpr double kKneeLeastTail = 0.3;
// Leading jumps find_knee steps over, at most.
constexpr std::size_t kLeadingJumpsAtMost = 3;

// Where a series' shape begins: after the run's first samples if they are exec jumps (python3 and numpy:
// 7.4, 30.9, 32.7 MB, then 33 kB a sample), which neither a curve nor a line can follow.
std::size_t after_leading_jumps(std::span<const double> y) {
    std::size_t from = 0;
    while (from < kLeadingJumpsAtMost && starts_with_a_jump(y.subspan(from))) ++from;
    return from;
}

}  // namespace

double saturation_level_at(const Saturation& curve, double t_s) {
    return curve.tau_s > 0 ? curve.asymptote - curve.rise * std::exp(-(t_s - curve.t0_s) / curve.tau_s) : curve.asymptote;
}

double saturation_rate_at(const Saturation& curve, double t_s) {
    return curve.tau_s > 0 ? curve.rise / curve.tau_s * std::exp(-(t_s - curve.t0_s) / curve.tau_s) : 0.0;
}

// Deceleration is judged on slopes (first and last third, each with its autocorrelation-widened
// interval), the level it settles at on the fitted curve. A slow leak after a warm-up climbs as fast
// at the end as at the start of its steady part, so only a warm-up's tail passes both tests.
Saturation fit_saturation(std::span<const double> x, std::span<const double> y, double confidence) {
    Saturation result;
    const std::size_t n = x.size();
    if (n < 15) return result;
    const auto [low, high] = std::minmax_element(y.begin(), y.end());
    if (!(*high > *low)) return result;
    // The climb starts where the series first leaves its starting level (an idle start is not part of it).
    std::size_t start = 0;
    while (start + 1 < n && y[start + 1] <= y[0] + 0.05 * (*high - y[0])) ++start;
    if (n - start < 15) return result;
    const double span_s = x[n - 1] - x[start];
    if (!(span_s > 0)) return result;

    const std::size_t third = (n - start) / 3;
    const SlopeEstimate first = part_slope(x, y, start, start + third, confidence);
    const SlopeEstimate last = part_slope(x, y, n - third, n, confidence);
    const bool decelerating = first.slope > 0 && last.slope < first.slope / 3 && last.ci_high < first.ci_low;
    if (!decelerating) return result;

    const auto [best, best_tau] = saturating_fit(x, y, start, n);
    const LineFit line = least_squares(y, start, n, [&](std::size_t i) { return x[i]; });
    // y = intercept + coefficient * exp(...): a rise toward the intercept has a negative coefficient.
    const double rise = -best.coefficient;
    result.asymptote = best.intercept;
    result.rise = rise;
    result.tau_s = best_tau;
    result.t0_s = x[start];
    result.done_fraction = best_tau > 0 ? 1 - std::exp(-span_s / best_tau) : 0;
    result.detected = rise > 0 && best.sse < kBetterFit * line.sse && result.done_fraction >= 0.75;
    return result;
}

// A bash cache of GeoIP answers over a finite population of addresses (bash_authlog_geoip_cache_settling,
// tracked): its heap rose 0.56 -> 1.38 MB over 0.5-3 s, 1.94 MB by 9 s and 2.01 MB at 16 s, each half second
// adding about two thirds of the one before. The warm-up found ended at 9.5 s; its tail alone slowed from
// 15.7 to 3.7 kB/s, short of the third fit_saturation needs, and read "slowing down: watch 1 min more",
// while the whole climb is one curve levelling off.
Saturation fit_saturation_through_steady_part(std::span<const double> x, std::span<const double> y, double steady_from_s,
                                              double confidence) {
    const std::size_t from = after_leading_jumps(y);
    if (x.size() < from + 15) return {};
    Saturation curve = fit_saturation(x.subspan(from), y.subspan(from), confidence);
    if (!curve.detected) return curve;
    // What the steady part leaves about the curve.
    Steady left;
    for (std::size_t i = from; i < x.size(); ++i) {
        if (x[i] < steady_from_s) continue;
        left.x.push_back(x[i]);
        left.y.push_back(y[i] - saturation_level_at(curve, x[i]));
    }
    if (left.x.size() < 10) return {};
    const SlopeEstimate left_trend = robust_slope(left, confidence);
    curve.detected = left_trend.ci_low <= 0 && left_trend.ci_high >= 0;
    return curve;
}

// Slowing down: the last third's pace under half the first third's, their intervals apart. A leak
// keeps its pace (its thirds differ by noise, inside their intervals); a cache filling ever more slowly
// toward a bound does not. Measured on the corpus' template cache (3,000 templates requested with
// Zipf-like popularity): after the warm-up the engine found, the live heap grew 0.27 MB/s over 8-12 s
// and 0.12 MB/s over 12-16 s, a ratio of 0.4 where a proof of levelling off (fit_saturation) needs 1/3.
Slowing find_slowing(std::span<const double> x, std::span<const double> y, double confidence) {
    Slowing result;
    const std::size_t n = x.size();
    if (n < 15) return result;
    const std::size_t third = n / 3;
    const SlopeEstimate first = part_slope(x, y, 0, third, confidence);
    const SlopeEstimate last = part_slope(x, y, n - third, n, confidence);
    result.first_slope = first.slope;
    result.last_slope = last.slope;
    // The intervals apart; or the last third level to the byte (Sen's interval exactly zero: most of its
    // pairs tie) for longer than any level before it, where steps in the first third (capacity doublings,
    // allocator arenas) tie as many of its pairs too and pull its interval's lower end to zero however far
    // it climbed.
    const bool last_holds_one_level = last.ci_low == 0 && last.ci_high == 0 && held_last_level_past_its_steps(x, y);
    if (!(first.slope > 0) || !(last.slope < kSlowingShare * first.slope) || !(last.ci_high < first.ci_low || last_holds_one_level)) return result;
    const SlopeEstimate middle = part_slope(x, y, third, n - third, confidence);
    if (!(last.slope < kStillSlowingShare * middle.slope)) return result;
    // The thirds' centres lie two thirds of the span apart.
    const double apart_s = (x[n - 1 - third / 2] - x[third / 2]);
    const double ratio = std::max(last.slope, 0.01 * first.slope) / first.slope;
    result.tau_s = apart_s / std::log(1.0 / ratio);
    result.detected = true;
    return result;
}

// A hinge: flat until x[k], then a line. Its break is searched over the middle 80% of the points;
// it must fit far better than one line, the part before must be flat next to the climb after, and the
// climb must be significant on its own.
Onset find_onset(std::span<const double> x, std::span<const double> y, double confidence) {
    Onset onset;
    const std::size_t n = x.size();
    if (n < 20) return onset;
    const LineFit line = least_squares(y, 0, n, [&](std::size_t i) { return x[i]; });
    LineFit best;
    std::size_t best_k = 0;
    const std::size_t step = std::max<std::size_t>(1, n / 60);
    for (std::size_t k = n / 10; k <= 8 * n / 10; k += step) {
        const LineFit fit = least_squares(y, 0, n, [&](std::size_t i) { return std::max(0.0, x[i] - x[k]); });
        if (fit.sse < best.sse) {
            best = fit;
            best_k = k;
        }
    }
    if (!(best.coefficient > 0) || !(best.sse < kBetterFit * line.sse)) return onset;
    const SlopeEstimate before = part_slope(x, y, 0, best_k, confidence);
    const SlopeEstimate after = part_slope(x, y, best_k, n, confidence);
    if (!(after.ci_low > 0) || std::fabs(before.slope) > 0.15 * after.slope) return onset;
    onset.detected = true;
    onset.index = best_k;
    return onset;
}

// A knee: two lines, one each side of it (4 parameters), against the curve levelling off (3). A
// warm-up's tail keeps bending, so the curve fits it about as well as two lines; growth that slowed once
// and then kept one pace bends in one place, which the curve cannot follow and two lines fit far better.
// The pace after the knee must be significant and not slowing itself (its thirds' intervals overlap).
Knee find_knee(std::span<const double> x, std::span<const double> y, double confidence) {
    Knee knee;
    const std::size_t n = x.size();
    // A steady part that starts at the run's first samples, the process caught as it exec'd and
    // mapped its runtime: those jumps are no part of either shape (a curve bends to them, a line cannot).
    const std::size_t from = after_leading_jumps(y);
    if (n < from + 20 || !(x[n - 1] > x[from])) return knee;
    const double curve_sse = saturating_fit(x, y, from, n).first.sse;
    if (!(curve_sse > 0)) return knee;
    const auto fitted = [&](std::size_t begin, std::size_t end) {
        return least_squares(y, begin, end, [&](std::size_t i) { return x[i]; });
    };
    double best_sse = std::numeric_limits<double>::infinity();
    std::size_t best_k = 0;
    const std::size_t last_k = n - static_cast<std::size_t>(kKneeLeastTail * static_cast<double>(n));
    const std::size_t step = std::max<std::size_t>(1, n / 60);
    for (std::size_t k = from + n / 10; k <= last_k; k += step) {
        const double sse = fitted(from, k).sse + fitted(k, n).sse;
        if (sse < best_sse) {
            best_sse = sse;
            best_k = k;
        }
    }
    if (best_k == 0 || !(best_sse < kKneeBetterFit * curve_sse)) return knee;
    const SlopeEstimate before = part_slope(x, y, from, best_k, confidence);
    const SlopeEstimate after = part_slope(x, y, best_k, n, confidence);
    if (!(after.ci_low > 0) || !(after.slope < before.slope)) return knee;
    const std::size_t third = (n - best_k) / 3;
    if (third >= 5) {
        const SlopeEstimate first = part_slope(x, y, best_k, best_k + third, confidence);
        const SlopeEstimate last = part_slope(x, y, n - third, n, confidence);
        if (last.ci_high < first.ci_low) return knee;
    }
    knee.detected = true;
    knee.index = best_k;
    knee.fill_rate = before.slope;
    return knee;
}

}  // namespace leakscope::diagnosis::detail
