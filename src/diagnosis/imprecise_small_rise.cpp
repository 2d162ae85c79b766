#include "diagnosis/imprecise_small_rise.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "diagnosis/summary_text.hpp"
#include "diagnosis/undecided.hpp"
#include "diagnosis/units.hpp"

namespace leakscope::diagnosis::detail {

void undecided_on_an_imprecise_small_rise(Diagnosis& verdict, const Series& rss, bool beside_a_flat_heap) {
    if (!verdict.leak || !verdict.decided || verdict.pattern != Pattern::linear_growth || rss.t_s.size() < 2) return;
    const double rate = verdict.steady_rate_bytes_per_s;
    const double low = verdict.rate_ci_low_bytes_per_s;
    const double from_s = verdict.onset_s.value_or(verdict.warmup_end_s);
    const double span_s = rss.t_s.back() - from_s;
    const double level = rss.value.back();
    if (!(rate > 0) || !(span_s > 0) || !(level > 0)) return;
    const double risen = rate * span_s;
    if (low >= kPreciseLowEndShareOfRate * rate || risen >= kSmallRiseShareOfRss * level) return;
    // The watch that brings the interval's half-width to 1 - kPreciseLowEndShareOfRate of the pace; or the
    // time at this pace to a rise of kSmallRiseShareOfRss; whichever comes first decides.
    const double half_width_share = (rate - std::max(low, 0.0)) / rate;
    const double to_precise_s = watch_until_trend_statistic_scales(span_s, half_width_share / (1 - kPreciseLowEndShareOfRate));
    const double to_large_s = (kSmallRiseShareOfRss * level - risen) / rate;
    const std::string pace = rate_with_interval(verdict);  // both ends in the centre's unit
    const std::string warmup = verdict.warmup_bytes > 0 ? fmt::format(" after a one-time warm-up of {}", format_bytes(verdict.warmup_bytes)) : "";
    make_undecided(verdict, std::min(to_precise_s, to_large_s));
    verdict.summary = fmt::format(
        "Growing {}{}: a rise of {}, {:.1f}% of RSS, at a pace this uncertain is what an allocator settling into "
        "its arenas under churn shows for a while, as much as a slow leak{}. Too early to tell: watch at least {} more.",
        pace, warmup, format_bytes(risen), 100 * risen / level, beside_a_flat_heap ? ", beside a live heap that does not grow" : "",
        format_duration(*verdict.watch_more_s));
}

}  // namespace leakscope::diagnosis::detail
