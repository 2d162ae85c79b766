#include "recording/bounded_series.hpp"

#include <algorithm>
#include <limits>

#include "recording/byte_codec.hpp"
#include "recording/recording_limits.hpp"

namespace leakscope::recording {
namespace {

/// Rounds numerator / denominator to the nearest integer (halves away from zero); denominator > 0.
std::int64_t rounded_div(__int128 numerator, __int128 denominator) {
    // Fast path: 128-bit division is a slow library call, and sums of a column almost always fit.
    constexpr __int128 kFitsInt64 = static_cast<__int128>(1) << 62;
    if (numerator < kFitsInt64 && numerator > -kFitsInt64 && denominator < kFitsInt64) {
        const auto n = static_cast<std::int64_t>(numerator);
        const auto d = static_cast<std::int64_t>(denominator);
        return n >= 0 ? (n + d / 2) / d : -((-n + d / 2) / d);
    }
    const __int128 half = denominator / 2;
    const __int128 q = numerator >= 0 ? (numerator + half) / denominator : -((-numerator + half) / denominator);
    if (q > std::numeric_limits<std::int64_t>::max()) return std::numeric_limits<std::int64_t>::max();
    if (q < std::numeric_limits<std::int64_t>::min()) return std::numeric_limits<std::int64_t>::min();
    return static_cast<std::int64_t>(q);
}

std::uint64_t weighted_mean(std::uint64_t a, std::uint64_t wa, std::uint64_t b, std::uint64_t wb) {
    const unsigned __int128 sum = static_cast<unsigned __int128>(a) * wa + static_cast<unsigned __int128>(b) * wb;
    const unsigned __int128 w = static_cast<unsigned __int128>(wa) + wb;
    return static_cast<std::uint64_t>((sum + w / 2) / w);
}

/// Mean of a gauge that may be unknown in one of the two points: the known one wins.
std::uint64_t gauge_mean(std::uint64_t a, std::uint64_t wa, std::uint64_t b, std::uint64_t wb) {
    if (!known(a)) return b;
    if (!known(b)) return a;
    return weighted_mean(a, wa, b, wb);
}

std::uint64_t gauge_min(std::uint64_t a, std::uint64_t b) {
    if (!known(a)) return b;
    if (!known(b)) return a;
    return std::min(a, b);
}
std::uint64_t gauge_max(std::uint64_t a, std::uint64_t b) {
    if (!known(a)) return b;
    if (!known(b)) return a;
    return std::max(a, b);
}

}  // namespace

const char* check_limits(const RecordingLimits& limits) {
    // Upper caps keep a forged limits chunk from making a reader hold gigabytes.
    if (limits.recent_samples < 1 || limits.recent_samples > (1u << 20)) return "recent_samples outside 1..1048576";
    if (limits.older_buckets < 2 || limits.older_buckets > (1u << 20) || limits.older_buckets % 2 != 0) {
        return "older_buckets must be even, 2..1048576";
    }
    if (limits.site_grid_cells < 2 || limits.site_grid_cells > (1u << 24)) return "site_grid_cells outside 2..16777216";
    if (limits.site_min_columns < 2 || limits.site_min_columns > limits.site_max_columns) {
        return "site_min_columns must be 2..site_max_columns";
    }
    if (limits.site_max_columns > (1u << 20)) return "site_max_columns above 1048576";
    if (limits.max_file_bytes < (64u << 10)) return "max_file_bytes below 64 KiB";
    return nullptr;
}

SamplePoint merge_samples(const SamplePoint& a, const SamplePoint& b) {
    const std::uint64_t wa = std::max<std::uint32_t>(a.merged, 1);
    const std::uint64_t wb = std::max<std::uint32_t>(b.merged, 1);
    SamplePoint m;
    m.merged = static_cast<std::uint32_t>(std::min<std::uint64_t>(wa + wb, UINT32_MAX));
    const double w = static_cast<double>(wa + wb);
    m.t_s = (a.t_s * static_cast<double>(wa) + b.t_s * static_cast<double>(wb)) / w;
    // A bucket's mean time is the middle of the time it covers (samples are evenly spaced).
    const double start = std::min(a.t_s - a.span_s / 2, b.t_s - b.span_s / 2);
    const double end = std::max(a.t_s + a.span_s / 2, b.t_s + b.span_s / 2);
    m.span_s = end - start;
    m.processes = static_cast<std::uint32_t>(weighted_mean(a.processes, wa, b.processes, wb));
    m.threads = static_cast<std::uint32_t>(weighted_mean(a.threads, wa, b.threads, wb));

    m.rss = weighted_mean(a.rss, wa, b.rss, wb);
    // A raw sample's extremes are its value: the sampler need not fill *_min / *_max.
    const auto lo = [](const SamplePoint& p, std::uint64_t value, std::uint64_t min) { return p.merged <= 1 ? value : min; };
    const auto hi = [](const SamplePoint& p, std::uint64_t value, std::uint64_t max) { return p.merged <= 1 ? value : max; };
    m.rss_min = std::min(lo(a, a.rss, a.rss_min), lo(b, b.rss, b.rss_min));
    m.rss_max = std::max(hi(a, a.rss, a.rss_max), hi(b, b.rss, b.rss_max));
    m.pss = gauge_mean(a.pss, wa, b.pss, wb);
    m.anon = gauge_mean(a.anon, wa, b.anon, wb);
    m.file = gauge_mean(a.file, wa, b.file, wb);
    m.swap = gauge_mean(a.swap, wa, b.swap, wb);

    m.live_heap = gauge_mean(a.live_heap, wa, b.live_heap, wb);
    m.live_heap_min = gauge_min(lo(a, a.live_heap, a.live_heap_min), lo(b, b.live_heap, b.live_heap_min));
    m.live_heap_max = gauge_max(hi(a, a.live_heap, a.live_heap_max), hi(b, b.live_heap, b.live_heap_max));
    m.mapped = gauge_mean(a.mapped, wa, b.mapped, wb);
    m.tracker_bytes = gauge_mean(a.tracker_bytes, wa, b.tracker_bytes, wb);
    // Cumulative counters: the mean matches the bucket's mean time, so rates stay unbiased.
    m.allocations = gauge_mean(a.allocations, wa, b.allocations, wb);
    m.frees = gauge_mean(a.frees, wa, b.frees, wb);
    m.events = weighted_mean(a.events, wa, b.events, wb);
    // A bucket carries a new heap reading when either half did: the later half's count says so.
    m.allocator_reads = gauge_max(a.allocator_reads, b.allocator_reads);

    // The allocator's figures and the sparse smaps readings: an unknown side takes the other's value,
    // so a bucket holding one smaps reading keeps it.
    for (const auto field : {&SamplePoint::allocator_footprint, &SamplePoint::allocator_in_use, &SamplePoint::allocator_free,
                             &SamplePoint::smaps_brk_heap, &SamplePoint::smaps_stacks, &SamplePoint::smaps_anon_other,
                             &SamplePoint::smaps_file, &SamplePoint::smaps_other, &SamplePoint::smaps_stacks_mapped,
                             &SamplePoint::vm_data})
        m.*field = gauge_mean(a.*field, wa, b.*field, wb);
    // The JVM's heap: gauges and cumulative collection counts alike take the mean (counts, like
    // allocations above, so that rates stay unbiased); an unknown side takes the other's value.
    for (const auto field : {&SamplePoint::runtime_heap_used, &SamplePoint::runtime_heap_committed,
                             &SamplePoint::runtime_heap_max, &SamplePoint::runtime_old_gen_used, &SamplePoint::runtime_eden_used,
                             &SamplePoint::runtime_metaspace_used, &SamplePoint::runtime_young_gcs,
                             &SamplePoint::runtime_full_gcs, &SamplePoint::runtime_concurrent_gcs})
        m.*field = gauge_mean(a.*field, wa, b.*field, wb);
    // A JVM unread in either half was unread in the bucket.
    m.runtime_unread_jvms = gauge_max(a.runtime_unread_jvms, b.runtime_unread_jvms);
    return m;
}

// ---------------------------------------------------------------------------------------------------
SampleTiers::SampleTiers(std::uint32_t recent_capacity, std::uint32_t older_capacity)
    : recent_capacity_(std::max<std::uint32_t>(recent_capacity, 1)),
      older_capacity_(std::max<std::uint32_t>(older_capacity & ~1u, 2)) {}

void SampleTiers::add(std::vector<SamplePoint>& samples, const SamplePoint& point) {
    // Migrate in batches of a quarter of the recent tier: moving points out of the middle of the
    // vector costs O(recent), so doing it once per R/4 samples keeps add() O(1) amortized.
    const std::size_t batch = std::max<std::size_t>(recent_capacity_ / 4, 1);
    if (samples.size() == samples.capacity()) {
        // Grow as usual, but never past the most the tiers can hold, so the bound is the real size.
        const std::size_t most = std::size_t{recent_capacity_} + batch + older_capacity_ + 1;
        samples.reserve(std::max(samples.size() + 1, std::min(most, std::max<std::size_t>(64, samples.size() * 2))));
    }
    samples.push_back(point);
    if (samples.size() - older_count_ > recent_capacity_ + batch) migrate(samples);
}

void SampleTiers::migrate(std::vector<SamplePoint>& samples) {
    const std::size_t recent = samples.size() - older_count_;
    const std::size_t moving = recent - recent_capacity_;
    // In place: the write position never passes the read position, because each moved point either
    // merges into the last bucket or takes exactly one slot.
    std::size_t write = older_count_;
    std::size_t read = older_count_;
    for (std::size_t i = 0; i < moving; ++i) {
        const SamplePoint p = samples[read++];
        if (write > 0 && samples[write - 1].merged < width_) {
            samples[write - 1] = merge_samples(samples[write - 1], p);
            continue;
        }
        if (write >= older_capacity_) {
            std::size_t kept = 0;
            for (std::size_t j = 0; j + 1 < write; j += 2) samples[kept++] = merge_samples(samples[j], samples[j + 1]);
            if (write % 2 != 0) samples[kept++] = samples[write - 1];
            write = kept;
            width_ = width_ > UINT32_MAX / 2 ? UINT32_MAX : width_ * 2;
            if (samples[write - 1].merged < width_) {
                samples[write - 1] = merge_samples(samples[write - 1], p);
                continue;
            }
        }
        samples[write++] = p;
    }
    samples.erase(samples.begin() + static_cast<std::ptrdiff_t>(write), samples.begin() + static_cast<std::ptrdiff_t>(read));
    older_count_ = write;
}

void SampleTiers::load_older(std::vector<SamplePoint>& samples, const SamplePoint& bucket, std::uint32_t width) {
    if (samples.size() != older_count_ || older_count_ >= older_capacity_ || width < 1) {
        add(samples, bucket);
        return;
    }
    samples.push_back(bucket);
    ++older_count_;
    width_ = std::max(width_, width);
}

// ---------------------------------------------------------------------------------------------------
SiteGrid::SiteGrid(std::uint32_t cells, std::uint32_t min_columns, std::uint32_t max_columns)
    : cells_(std::max<std::uint32_t>(cells, 2)),
      min_columns_(std::max<std::uint32_t>(min_columns & ~1u, 2)),
      max_columns_(std::max<std::uint32_t>(max_columns & ~1u, std::max<std::uint32_t>(min_columns & ~1u, 2))) {}

std::uint32_t SiteGrid::column_capacity(std::size_t sites) const {
    const std::size_t by_budget = cells_ / std::max<std::size_t>(sites, 1);
    const std::size_t cap = std::clamp<std::size_t>(by_budget, min_columns_, max_columns_);
    return static_cast<std::uint32_t>(cap & ~std::size_t{1});
}

std::size_t SiteGrid::site_index(SiteSeries& series, StackId stack, std::size_t columns) {
    const auto [it, inserted] = index_.try_emplace(stack.value, series.sites.size());
    if (inserted) {
        // A new site had nothing live before its first snapshot.
        SiteSeries::Site site;
        site.stack = stack;
        site.live_bytes.assign(columns, 0);
        site.live_count.assign(columns, 0);
        series.sites.push_back(std::move(site));
        state_.current_bytes.push_back(0);
        state_.current_count.push_back(0);
        state_.open_sum_bytes.push_back(0);
        state_.open_sum_count.push_back(0);
        state_.open_counted.push_back(0);
    }
    return it->second;
}

void SiteGrid::close_open_column(SiteSeries& series) {
    if (!state_.open) return;
    refresh(series);
    for (const std::size_t i : changed_in_open_) {
        state_.open_sum_bytes[i] = 0;
        state_.open_sum_count[i] = 0;
        state_.open_counted[i] = 0;
    }
    changed_in_open_.clear();
    state_.open = false;
}

void SiteGrid::refresh(SiteSeries& series) const {
    if (!state_.open || series.t_s.empty()) return;
    const std::uint32_t k = state_.weights.back();
    series.t_s.back() = state_.open_t_sum / k;
    const std::size_t col = series.t_s.size() - 1;
    for (const std::size_t i : changed_in_open_) {
        const std::uint32_t rest = k - state_.open_counted[i];
        const __int128 bytes = state_.open_sum_bytes[i] + static_cast<__int128>(state_.current_bytes[i]) * rest;
        const __int128 count = state_.open_sum_count[i] + static_cast<__int128>(state_.current_count[i]) * rest;
        series.sites[i].live_bytes[col] = rounded_div(bytes, k);
        series.sites[i].live_count[col] = rounded_div(count, k);
    }
}

void SiteGrid::halve(SiteSeries& series) {
    const std::size_t columns = series.t_s.size();
    const std::size_t kept = (columns + 1) / 2;
    const std::size_t capacity = std::max<std::size_t>(column_capacity(series.sites.size()), kept);
    for (std::size_t c = 0; c + 1 < columns; c += 2) {
        const double w0 = state_.weights[c];
        const double w1 = state_.weights[c + 1];
        series.t_s[c / 2] = (series.t_s[c] * w0 + series.t_s[c + 1] * w1) / (w0 + w1);
    }
    for (auto& site : series.sites) {
        for (auto* values : {&site.live_bytes, &site.live_count}) {
            auto& v = *values;
            for (std::size_t c = 0; c + 1 < columns; c += 2) {
                const __int128 w0 = state_.weights[c];
                const __int128 w1 = state_.weights[c + 1];
                v[c / 2] = rounded_div(v[c] * w0 + v[c + 1] * w1, w0 + w1);
            }
            if (columns % 2 != 0) v[kept - 1] = v[columns - 1];
            v.resize(kept);
            // Columns reserved while there were few sites must not outlive the budget of many sites.
            if (v.capacity() > capacity) {
                std::vector<std::int64_t> trimmed;
                trimmed.reserve(capacity);
                trimmed.assign(v.begin(), v.end());
                v.swap(trimmed);
            }
        }
    }
    if (columns % 2 != 0) series.t_s[kept - 1] = series.t_s[columns - 1];
    series.t_s.resize(kept);
    for (std::size_t c = 0; c + 1 < columns; c += 2) {
        state_.weights[c / 2] = static_cast<std::uint32_t>(
            std::min<std::uint64_t>(std::uint64_t{state_.weights[c]} + state_.weights[c + 1], UINT32_MAX));
    }
    if (columns % 2 != 0) state_.weights[kept - 1] = state_.weights[columns - 1];
    state_.weights.resize(kept);
    state_.width = state_.width > UINT32_MAX / 2 ? UINT32_MAX : state_.width * 2;
}

void SiteGrid::add_snapshot(SiteSeries& series, double t_s, std::span<const SiteUpdate> updates) {
    std::uint32_t k;
    if (state_.open && state_.weights.back() < state_.width) {
        k = ++state_.weights.back();
        state_.open_t_sum += t_s;
    } else {
        close_open_column(series);
        while (series.t_s.size() >= column_capacity(series.sites.size()) && series.t_s.size() >= 2) halve(series);
        series.t_s.push_back(t_s);
        state_.weights.push_back(1);
        state_.open_t_sum = t_s;
        state_.open = true;
        const std::size_t cap = column_capacity(series.sites.size());
        for (std::size_t i = 0; i < series.sites.size(); ++i) {
            auto& site = series.sites[i];
            // Reserve the column capacity once instead of letting push_back double past it: with
            // thousands of sites, doubling would waste up to half the grid's memory.
            if (site.live_bytes.size() == site.live_bytes.capacity()) {
                site.live_bytes.reserve(std::max<std::size_t>(cap, site.live_bytes.size() + 1));
                site.live_count.reserve(site.live_bytes.capacity());
            }
            site.live_bytes.push_back(state_.current_bytes[i]);
            site.live_count.push_back(state_.current_count[i]);
        }
        k = 1;
    }
    const std::size_t columns = series.t_s.size();
    const std::size_t col = columns - 1;
    bool added_sites = false;
    for (const auto& u : updates) {
        const std::size_t before = series.sites.size();
        const std::size_t i = site_index(series, u.stack, columns);
        added_sites |= series.sites.size() != before;
        if (state_.open_counted[i] == 0) changed_in_open_.push_back(i);
        if (state_.open_counted[i] == k) {
            // The same site twice in one snapshot: the later value replaces the earlier one.
            state_.open_sum_bytes[i] += static_cast<__int128>(u.live_bytes) - state_.current_bytes[i];
            state_.open_sum_count[i] += static_cast<__int128>(u.live_count) - state_.current_count[i];
        } else {
            // Snapshots open_counted+1 .. k-1 of this column still had the old value; snapshot k the new.
            const std::uint32_t unchanged = k - 1 - state_.open_counted[i];
            state_.open_sum_bytes[i] += static_cast<__int128>(state_.current_bytes[i]) * unchanged + u.live_bytes;
            state_.open_sum_count[i] += static_cast<__int128>(state_.current_count[i]) * unchanged + u.live_count;
        }
        state_.open_counted[i] = k;
        state_.current_bytes[i] = u.live_bytes;
        state_.current_count[i] = u.live_count;
        auto& site = series.sites[i];
        site.total_allocations = u.total_allocations;
        site.total_bytes = u.total_bytes;
        if (k == 1) {
            site.live_bytes[col] = u.live_bytes;
            site.live_count[col] = u.live_count;
        }
    }
    // Many new sites at once can push sites x columns over budget; merge now rather than at the next
    // column, so the bound holds after every call.
    if (added_sites && columns > column_capacity(series.sites.size())) {
        close_open_column(series);
        while (series.t_s.size() > column_capacity(series.sites.size()) && series.t_s.size() >= 2) halve(series);
    }
}

void SiteGrid::restore(SiteSeries& series, SiteSeries restored_series, SiteGridState restored) {
    const std::size_t columns = restored_series.t_s.size();
    const std::size_t sites = restored_series.sites.size();
    if (restored.weights.size() != columns) throw PayloadError("site grid: weights do not match columns");
    if (restored.current_bytes.size() != sites || restored.current_count.size() != sites ||
        restored.open_sum_bytes.size() != sites || restored.open_sum_count.size() != sites ||
        restored.open_counted.size() != sites) {
        throw PayloadError("site grid: per-site state does not match sites");
    }
    if (restored.width < 1) throw PayloadError("site grid: zero column width");
    if (restored.open && columns == 0) throw PayloadError("site grid: open column in an empty grid");
    for (const std::uint32_t w : restored.weights) {
        if (w < 1) throw PayloadError("site grid: empty column");
    }
    std::unordered_map<std::uint32_t, std::size_t> index;
    std::vector<std::size_t> changed;
    for (std::size_t i = 0; i < sites; ++i) {
        const auto& site = restored_series.sites[i];
        if (site.live_bytes.size() != columns || site.live_count.size() != columns) {
            throw PayloadError("site grid: site values do not match columns");
        }
        if (!index.try_emplace(site.stack.value, i).second) throw PayloadError("site grid: duplicate stack id");
        if (restored.open_counted[i] > 0) {
            if (!restored.open || restored.open_counted[i] > restored.weights.back()) {
                throw PayloadError("site grid: open-column state out of range");
            }
            changed.push_back(i);
        }
    }
    series = std::move(restored_series);
    state_ = std::move(restored);
    index_ = std::move(index);
    changed_in_open_ = std::move(changed);
}

}  // namespace leakscope::recording
