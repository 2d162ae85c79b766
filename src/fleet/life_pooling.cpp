#include "fleet/life_pooling.hpp"

#include <algorithm>
#include <cmath>
#include <span>
#include <string>

#include "diagnosis/effective_sample_size.hpp"
#include "diagnosis/severity_projection.hpp"
#include "diagnosis/theil_sen.hpp"
#include "fleet/fleet_reports.hpp"
#include "report/human_units.hpp"

namespace leakscope::fleet {
namespace {

constexpr double kZ95 = 1.959964;
/// The latest life's path is compared with the earlier ones' only over this much time and this many
/// points; before that it cannot contradict them.
constexpr double kMinSteadySpanS = 3600;
constexpr std::size_t kMinSteadyPoints = 10;
/// Its peak level now: the highest of its last few points.
constexpr std::size_t kPeakPoints = 10;

struct Pooled {
    double rate = 0, ci_low = 0, ci_high = 0;
};

/// Inverse-variance weighted mean of the lives' steady rates; each life's standard error from its
/// 95% interval (the engine's Theil–Sen interval, already widened for autocorrelation).
Pooled pool_rates(const std::vector<Life>& lives) {
    double weights = 0, weighted = 0;
    for (const auto& life : lives) {
        const auto& d = life.verdict;
        const double se = std::max((d.rate_ci_high_bytes_per_s - d.rate_ci_low_bytes_per_s) / (2 * kZ95),
                                   1e-9 * std::fabs(d.steady_rate_bytes_per_s) + 1e-12);
        const double w = 1 / (se * se);
        weights += w;
        weighted += w * d.steady_rate_bytes_per_s;
    }
    Pooled p;
    p.rate = weighted / weights;
    const double se = 1 / std::sqrt(weights);
    p.ci_low = p.rate - kZ95 * se;
    p.ci_high = p.rate + kZ95 * se;
    return p;
}

/// A life's value at `age_s` (linear between its points); nullopt outside them.
std::optional<double> value_at_age(const RangeSeries& s, const Life& life, double age_s) {
    const double t = life.start_unix_s + age_s;
    const auto first = s.t_s.begin() + static_cast<std::ptrdiff_t>(life.segment.begin);
    const auto last = s.t_s.begin() + static_cast<std::ptrdiff_t>(life.segment.end);
    if (t < *first || t > *(last - 1)) return std::nullopt;
    const auto hi = std::lower_bound(first, last, t);
    const auto i = static_cast<std::size_t>(hi - s.t_s.begin());
    if (*hi == t || hi == first) return s.value[i];
    const double w = (t - s.t_s[i - 1]) / (s.t_s[i] - s.t_s[i - 1]);
    return s.value[i - 1] + w * (s.value[i] - s.value[i - 1]);
}

/// Does the latest life grow clearly slower than the earlier ones did at the same ages? Its path
/// minus theirs, age for age: a warm-up every life shares cancels out (a life-wide rate would count
/// its tail as growth), and what remains has the slope of the difference in their growth.
enum class Comparison { too_short, same_path, slower };
Comparison compare_with_earlier(const RangeSeries& s, const std::vector<Life>& earlier, const Life& latest, double pooled_rate) {
    std::vector<const Life*> comparable;  // lives whose start is known, so ages line up
    for (const auto& life : earlier) {
        if (std::isfinite(life.start_unix_s)) comparable.push_back(&life);
    }
    if (comparable.empty() || !std::isfinite(latest.start_unix_s)) return Comparison::too_short;
    std::vector<double> age, difference;
    for (std::size_t i = latest.segment.begin; i < latest.segment.end; ++i) {
        const double a = s.t_s[i] - latest.start_unix_s;
        double theirs = 0;
        bool covered = true;
        for (const Life* life : comparable) {
            const auto v = value_at_age(s, *life, a);
            if (!v) {
                covered = false;
                break;
            }
            theirs += *v / static_cast<double>(comparable.size());
        }
        if (!covered) continue;
        age.push_back(a);
        difference.push_back(s.value[i] - theirs);
    }
    if (age.size() < kMinSteadyPoints || age.back() - age.front() < kMinSteadySpanS) return Comparison::too_short;
    const auto first = diagnosis::theil_sen(age, difference);
    std::vector<double> residuals(age.size());
    for (std::size_t i = 0; i < age.size(); ++i) residuals[i] = difference[i] - (first.intercept + first.slope * age[i]);
    diagnosis::TheilSenOptions options;
    options.variance_inflation = static_cast<double>(age.size()) / diagnosis::effective_sample_size(residuals);
    const auto gap = diagnosis::theil_sen(age, difference, options);
    return gap.ci_high < -kContradictingShareOfRate * pooled_rate ? Comparison::slower : Comparison::same_path;
}

}  // namespace

std::optional<diagnosis::Diagnosis> inherit_from_earlier_lives(const RangeSeries& s, const std::vector<Life>& earlier,
                                                               const Life& latest, std::optional<double> limit_bytes) {
    if (earlier.empty()) return std::nullopt;
    for (const auto& life : earlier) {
        if (!life.verdict.leak || !life.verdict.decided) return std::nullopt;
    }
    const Pooled pooled = pool_rates(earlier);
    if (!(pooled.ci_low > 0)) return std::nullopt;
    const Comparison comparison = compare_with_earlier(s, earlier, latest, pooled.rate);
    if (comparison == Comparison::slower) return std::nullopt;

    // The latest life's own facts (level, peak, its times), with the earlier lives' verdict and rate.
    const auto& template_life = earlier.back().verdict;
    diagnosis::Diagnosis d = latest.verdict;
    d.pattern = template_life.pattern;
    d.leak = true;
    d.decided = true;
    d.watch_more_s.reset();
    d.settling_toward_bytes.reset();
    d.onset_s.reset();
    d.steady_rate_bytes_per_s = pooled.rate;
    d.rate_ci_low_bytes_per_s = pooled.ci_low;
    d.rate_ci_high_bytes_per_s = pooled.ci_high;
    d.rate_bytes_per_event.reset();
    d.rate_per_event_ci_low.reset();
    d.rate_per_event_ci_high.reset();
    d.warmup_bytes = template_life.warmup_bytes;
    d.warmup_end_s = template_life.warmup_end_s;
    d.period_s.reset();
    d.trend_p_value = 0;
    d.confidence = 1;
    for (const auto& life : earlier) {
        d.trend_p_value = std::max(d.trend_p_value, life.verdict.trend_p_value);
        d.confidence = std::min(d.confidence, life.verdict.confidence);
    }

    const auto& seg = latest.segment;
    const std::span<const double> values(s.value.data() + seg.begin, seg.end - seg.begin);
    diagnosis::detail::PeakLine peaks;
    peaks.at_end = *std::max_element(values.end() - static_cast<std::ptrdiff_t>(std::min(kPeakPoints, values.size())), values.end());
    peaks.at_steady_start = template_life.baseline_bytes;
    diagnosis::detail::project(d, true, peaks, 0, values, limit_bytes);
    d.severity = diagnosis::detail::grade(d, true, values.back());

    const double age_s = s.t_s[seg.end - 1] - s.t_s[seg.begin];
    d.summary = "Leaking " + rate_text(d) + " in each of its " + std::to_string(earlier.size()) + " earlier " +
                (earlier.size() == 1 ? "life" : "lives") + " (pooled); the latest life, " + report::format_duration(age_s) +
                (comparison == Comparison::same_path ? " old, grows no slower, so it inherits their verdict."
                     : " old, is too young to compare with them, so it inherits their verdict.");
    return d;
}

}  // namespace leakscope::fleet
