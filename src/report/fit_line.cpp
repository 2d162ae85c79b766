#include "report/fit_line.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace leakscope::report::html {

FitLine place_fit(const diagnosis::Diagnosis& fit, const GaugeSeries* drawn_series, double t_lo) {
    FitLine line{std::max(fit.onset_s.value_or(fit.warmup_end_s), t_lo), fit.fit_intercept_bytes};
    const bool cycles = fit.pattern == diagnosis::Pattern::bounded_sawtooth || fit.pattern == diagnosis::Pattern::periodic_spikes;
    if (!drawn_series || cycles || !std::isfinite(line.y0_bytes) || !std::isfinite(fit.steady_rate_bytes_per_s)) return line;
    std::vector<double> distance;
    for (std::size_t i = 0; i < drawn_series->t_s.size(); ++i)
        if (drawn_series->t_s[i] >= line.t0_s && std::isfinite(drawn_series->value[i]))
            distance.push_back(drawn_series->value[i] - (line.y0_bytes + fit.steady_rate_bytes_per_s * (drawn_series->t_s[i] - line.t0_s)));
    if (distance.empty()) return line;
    const auto middle = distance.begin() + static_cast<std::ptrdiff_t>(distance.size() / 2);
    std::nth_element(distance.begin(), middle, distance.end());
    line.y0_bytes += *middle;
    return line;
}

std::optional<GaugeSeries> heap_and_mapped(const GaugeSeries& heap, const GaugeSeries* mapped) {
    if (!mapped || mapped->t_s != heap.t_s || std::none_of(mapped->value.begin(), mapped->value.end(), [](double v) { return v > 0; }))
        return std::nullopt;
    GaugeSeries sum = heap;
    for (std::size_t i = 0; i < sum.value.size(); ++i) {
        sum.value[i] += mapped->value[i];
        sum.low[i] += mapped->low[i];
        sum.high[i] += mapped->high[i];
    }
    return sum;
}

}  // namespace leakscope::report::html
