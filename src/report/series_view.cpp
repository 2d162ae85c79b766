#include "report/series_view.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace leakscope::report {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double as_double(std::uint64_t bytes) { return known(bytes) ? static_cast<double>(bytes) : kNaN; }

struct Extract {
    double value, low, high;
};

Extract extract(const SamplePoint& s, Gauge gauge) {
    switch (gauge) {
        case Gauge::rss: {
            // Raw samples may leave min/max at 0; fall back to the value itself.
            double value = static_cast<double>(s.rss);
            double low = s.merged > 1 && s.rss_min > 0 ? static_cast<double>(s.rss_min) : value;
            double high = s.merged > 1 && s.rss_max > 0 ? static_cast<double>(s.rss_max) : value;
            return {value, std::min(low, value), std::max(high, value)};
        }
        case Gauge::live_heap: {
            double value = as_double(s.live_heap);
            double low = s.merged > 1 && known(s.live_heap_min) ? static_cast<double>(s.live_heap_min) : value;
            double high = s.merged > 1 && known(s.live_heap_max) ? static_cast<double>(s.live_heap_max) : value;
            if (std::isnan(value)) return {kNaN, kNaN, kNaN};
            return {value, std::min(low, value), std::max(high, value)};
        }
        case Gauge::pss: { double v = as_double(s.pss); return {v, v, v}; }
        case Gauge::anon: { double v = as_double(s.anon); return {v, v, v}; }
        case Gauge::file: { double v = as_double(s.file); return {v, v, v}; }
        case Gauge::swap: { double v = as_double(s.swap); return {v, v, v}; }
        case Gauge::mapped: { double v = as_double(s.mapped); return {v, v, v}; }
        case Gauge::events: { double v = static_cast<double>(s.events); return {v, v, v}; }
        case Gauge::allocator_footprint: { double v = as_double(s.allocator_footprint); return {v, v, v}; }
        case Gauge::allocator_in_use: { double v = as_double(s.allocator_in_use); return {v, v, v}; }
        case Gauge::allocator_free: { double v = as_double(s.allocator_free); return {v, v, v}; }
        case Gauge::smaps_brk_heap: { double v = as_double(s.smaps_brk_heap); return {v, v, v}; }
        case Gauge::smaps_stacks: { double v = as_double(s.smaps_stacks); return {v, v, v}; }
        case Gauge::smaps_anon_other: { double v = as_double(s.smaps_anon_other); return {v, v, v}; }
        case Gauge::smaps_file: { double v = as_double(s.smaps_file); return {v, v, v}; }
        case Gauge::smaps_other: { double v = as_double(s.smaps_other); return {v, v, v}; }
        case Gauge::runtime_heap_used: { double v = as_double(s.runtime_heap_used); return {v, v, v}; }
        case Gauge::runtime_heap_committed: { double v = as_double(s.runtime_heap_committed); return {v, v, v}; }
        case Gauge::runtime_old_gen_used: { double v = as_double(s.runtime_old_gen_used); return {v, v, v}; }
    }
    return {kNaN, kNaN, kNaN};
}

}  // namespace

std::string_view gauge_name(Gauge gauge) {
    switch (gauge) {
        case Gauge::rss: return "rss";
        case Gauge::pss: return "pss";
        case Gauge::anon: return "anon";
        case Gauge::file: return "file";
        case Gauge::swap: return "swap";
        case Gauge::live_heap: return "live_heap";
        case Gauge::mapped: return "mapped";
        case Gauge::events: return "events";
        case Gauge::allocator_footprint: return "allocator_footprint";
        case Gauge::allocator_in_use: return "allocator_in_use";
        case Gauge::allocator_free: return "allocator_free";
        case Gauge::smaps_brk_heap: return "smaps_brk_heap";
        case Gauge::smaps_stacks: return "smaps_stacks";
        case Gauge::smaps_anon_other: return "smaps_anon_other";
        case Gauge::smaps_file: return "smaps_file";
        case Gauge::smaps_other: return "smaps_other";
        case Gauge::runtime_heap_used: return "runtime_heap_used";
        case Gauge::runtime_heap_committed: return "runtime_heap_committed";
        case Gauge::runtime_old_gen_used: return "runtime_old_gen_used";
    }
    return "?";
}

std::optional<GaugeSeries> gauge_series(const Recording& recording, Gauge gauge) {
    GaugeSeries series;
    bool any_known = false;
    for (const auto& sample : recording.samples) {
        Extract e = extract(sample, gauge);
        if (!std::isnan(e.value)) any_known = true;
        series.t_s.push_back(sample.t_s);
        series.value.push_back(e.value);
        series.low.push_back(e.low);
        series.high.push_back(e.high);
    }
    if (gauge == Gauge::events) {
        any_known = !recording.info.events_regex.empty() ||
                    std::any_of(recording.samples.begin(), recording.samples.end(),
                                [](const SamplePoint& s) { return s.events > 0; });
    }
    if (!any_known) return std::nullopt;
    return series;
}

GaugeSeries downsample_min_max(const GaugeSeries& series, std::size_t max_points) {
    GaugeSeries out;
    std::size_t n = series.t_s.size();
    auto push = [&](std::size_t i, double value) {
        out.t_s.push_back(series.t_s[i]);
        out.value.push_back(value);
        out.low.push_back(series.low[i]);
        out.high.push_back(series.high[i]);
    };
    if (n <= max_points || max_points < 4) {
        for (std::size_t i = 0; i < n; ++i)
            if (!std::isnan(series.value[i])) push(i, series.value[i]);
        return out;
    }
    std::size_t buckets = max_points / 2;
    for (std::size_t b = 0; b < buckets; ++b) {
        std::size_t begin = b * n / buckets, end = (b + 1) * n / buckets;
        std::size_t lowest = n, highest = n;
        for (std::size_t i = begin; i < end; ++i) {
            if (std::isnan(series.value[i])) continue;
            if (lowest == n || series.low[i] < series.low[lowest]) lowest = i;
            if (highest == n || series.high[i] > series.high[highest]) highest = i;
        }
        if (lowest == n) continue;
        // The extremes are drawn as the line itself, so a 1-second spike in a day-long run stays visible.
        std::size_t first = std::min(lowest, highest), second = std::max(lowest, highest);
        push(first, first == lowest ? series.low[first] : series.high[first]);
        if (second != first) push(second, second == lowest ? series.low[second] : series.high[second]);
    }
    return out;
}

BucketedGrid bucket_means(const std::vector<double>& t_s, const std::vector<std::vector<double>>& values,
                          std::size_t max_points) {
    BucketedGrid grid;
    std::size_t n = t_s.size();
    std::size_t buckets = std::min(n, std::max<std::size_t>(max_points, 1));
    grid.values.resize(values.size());
    for (std::size_t b = 0; b < buckets; ++b) {
        std::size_t begin = b * n / buckets, end = (b + 1) * n / buckets;
        if (begin == end) continue;
        double t_sum = 0;
        for (std::size_t i = begin; i < end; ++i) t_sum += t_s[i];
        grid.t_s.push_back(t_sum / static_cast<double>(end - begin));
        for (std::size_t k = 0; k < values.size(); ++k) {
            double sum = 0;
            for (std::size_t i = begin; i < end && i < values[k].size(); ++i) sum += values[k][i];
            grid.values[k].push_back(sum / static_cast<double>(end - begin));
        }
    }
    return grid;
}

}  // namespace leakscope::report
