#include "diagnosis/grid.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "diagnosis/robust_stats.hpp"

namespace leakscope::diagnosis::detail {

CleanSeries clean_series(const Series& series) {
    const std::size_t n = series.t_s.size();
    if (series.value.size() != n)
        throw std::invalid_argument("diagnosis: series has " + std::to_string(n) + " times but " +
                                    std::to_string(series.value.size()) + " values");
    if (!series.value_max.empty() && series.value_max.size() != n)
        throw std::invalid_argument("diagnosis: value_max must be empty or as long as t_s");
    if (!series.events.empty() && series.events.size() != n)
        throw std::invalid_argument("diagnosis: events must be empty or as long as t_s");

    CleanSeries clean;
    const bool has_max = !series.value_max.empty(), has_events = !series.events.empty();
    for (std::size_t i = 0; i < n; ++i) {
        const double t = series.t_s[i], v = series.value[i];
        const bool ordered = clean.t.empty() || t > clean.t.back();
        const bool finite = std::isfinite(t) && std::isfinite(v) && (!has_max || std::isfinite(series.value_max[i])) &&
                            (!has_events || std::isfinite(series.events[i]));
        if (!ordered || !finite) {
            ++clean.dropped;
            continue;
        }
        clean.t.push_back(t);
        clean.value.push_back(v);
        if (has_max) clean.value_max.push_back(std::max(v, series.value_max[i]));
        if (has_events) clean.events.push_back(series.events[i]);
    }
    return clean;
}

namespace {

// Fills unobserved bins by linear interpolation between the nearest observed ones.
void interpolate_gaps(std::vector<double>& values, const std::vector<char>& observed) {
    const std::size_t m = values.size();
    std::size_t previous = m;  // last observed index, m when none yet
    for (std::size_t i = 0; i < m; ++i) {
        if (!observed[i]) continue;
        if (previous == m) {
            for (std::size_t k = 0; k < i; ++k) values[k] = values[i];
        } else {
            for (std::size_t k = previous + 1; k < i; ++k) {
                const double f = static_cast<double>(k - previous) / static_cast<double>(i - previous);
                values[k] = values[previous] + f * (values[i] - values[previous]);
            }
        }
        previous = i;
    }
    if (previous != m)
        for (std::size_t k = previous + 1; k < m; ++k) values[k] = values[previous];
}

}  // namespace

Grid make_grid(const CleanSeries& series, std::size_t max_bins) {
    Grid grid;
    const std::size_t n = series.t.size();
    if (n == 0) return grid;
    const std::size_t m = std::max<std::size_t>(1, std::min(n, max_bins));
    const double t0 = series.t.front(), span = series.t.back() - t0;
    grid.bin_s = span > 0 ? span / static_cast<double>(m) : 1.0;
    grid.first_value = series.value.front();
    grid.t.resize(m);
    grid.median.assign(m, 0);
    grid.low.assign(m, 0);
    grid.high.assign(m, 0);
    grid.observed.assign(m, 0);
    const bool has_events = !series.events.empty();
    if (has_events) grid.events.assign(m, 0);
    for (std::size_t b = 0; b < m; ++b) grid.t[b] = t0 + (static_cast<double>(b) + 0.5) * grid.bin_s;

    std::vector<double> bucket;
    std::size_t i = 0;
    while (i < n) {
        const auto bin = std::min<std::size_t>(m - 1, span > 0 ? static_cast<std::size_t>((series.t[i] - t0) / span * static_cast<double>(m)) : 0);
        bucket.clear();
        double high = -INFINITY, events_sum = 0, t_sum = 0;
        std::size_t j = i;
        for (; j < n; ++j) {
            const auto bin_j = std::min<std::size_t>(m - 1, span > 0 ? static_cast<std::size_t>((series.t[j] - t0) / span * static_cast<double>(m)) : 0);
            if (bin_j != bin) break;
            bucket.push_back(series.value[j]);
            t_sum += series.t[j];
            high = std::max(high, series.value_max.empty() ? series.value[j] : series.value_max[j]);
            if (has_events) events_sum += series.events[j];
        }
        grid.median[bin] = median(bucket);
        grid.low[bin] = *std::min_element(bucket.begin(), bucket.end());
        grid.high[bin] = high;
        if (has_events) grid.events[bin] = events_sum / static_cast<double>(bucket.size());
        grid.observed[bin] = 1;
        // The mean sample time, not the bin centre: with one sample per bin the centres drift from the
        // sample times by up to half a bin across the run, which would bias every slope.
        grid.t[bin] = t_sum / static_cast<double>(bucket.size());
        i = j;
    }
    interpolate_gaps(grid.median, grid.observed);
    interpolate_gaps(grid.low, grid.observed);
    interpolate_gaps(grid.high, grid.observed);
    if (has_events) interpolate_gaps(grid.events, grid.observed);
    return grid;
}

}  // namespace leakscope::diagnosis::detail
