// The two bounded time series of a recording. Both keep resolution uniform by merging neighbours
// pairwise when full, so a run twice as long is kept at half the resolution in the same memory.
// - SampleTiers: the newest samples raw, older ones merged into buckets (mean / min / max).
// - SiteGrid: live bytes and counts of every call site on one shared time grid.
// The writer and the reader drive the same code with the same inputs, so both build the same model.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "model/recording.hpp"
#include "model/sample_point.hpp"

namespace leakscope::recording {

/// Merges two neighbouring points (a before b) into one bucket: mean of gauges, extremes kept.
SamplePoint merge_samples(const SamplePoint& a, const SamplePoint& b);

/// Samples layout inside Recording::samples: [older merged buckets][recent raw samples].
class SampleTiers {
public:
    SampleTiers(std::uint32_t recent_capacity, std::uint32_t older_capacity);

    void add(std::vector<SamplePoint>& samples, const SamplePoint& point);
    /// Restores one older-tier bucket written by compaction (width = raw samples per full bucket).
    /// Falls back to add() when it does not fit the current state.
    void load_older(std::vector<SamplePoint>& samples, const SamplePoint& bucket, std::uint32_t width);

    std::size_t older_count() const { return older_count_; }
    std::uint32_t bucket_width() const { return width_; }

private:
    void migrate(std::vector<SamplePoint>& samples);
    std::uint32_t recent_capacity_;
    std::uint32_t older_capacity_;
    std::size_t older_count_ = 0;
    std::uint32_t width_ = 1;  ///< raw samples a full older bucket stands for
};

/// One changed call site of a site snapshot.
struct SiteUpdate {
    StackId stack;
    std::int64_t live_bytes = 0;
    std::int64_t live_count = 0;
    std::uint64_t total_allocations = 0;
    std::uint64_t total_bytes = 0;
};

/// Everything of the grid that SiteSeries does not hold; compaction writes it, the reader restores it.
struct SiteGridState {
    std::uint32_t width = 1;          ///< snapshots a full column stands for
    bool open = false;                ///< the last column still takes snapshots
    double open_t_sum = 0;            ///< sum of the snapshot times in the open column
    std::vector<std::uint32_t> weights;  ///< snapshots per column
    // Per site, parallel to SiteSeries::sites:
    std::vector<std::int64_t> current_bytes;  ///< latest reported value
    std::vector<std::int64_t> current_count;
    // Exact sums over the open column's first open_counted[i] snapshots; later snapshots of the open
    // column hold current_*. Kept exact (128-bit) so the column mean does not drift.
    std::vector<__int128> open_sum_bytes;
    std::vector<__int128> open_sum_count;
    std::vector<std::uint32_t> open_counted;
};

class SiteGrid {
public:
    SiteGrid(std::uint32_t cells, std::uint32_t min_columns, std::uint32_t max_columns);

    /// Adds one snapshot: every site keeps its previous value unless `updates` changes it.
    /// O(updates), plus O(sites) each time a new column opens.
    void add_snapshot(SiteSeries& series, double t_s, std::span<const SiteUpdate> updates);
    /// Writes the open column's means into `series` (cheap: only sites that changed in it).
    void refresh(SiteSeries& series) const;
    /// Replaces grid and state (from a compacted file). Throws PayloadError when they disagree.
    void restore(SiteSeries& series, SiteSeries restored_series, SiteGridState restored_state);

    const SiteGridState& state() const { return state_; }
    /// Columns allowed with `sites` sites.
    std::uint32_t column_capacity(std::size_t sites) const;

private:
    std::size_t site_index(SiteSeries& series, StackId stack, std::size_t columns);
    void close_open_column(SiteSeries& series);
    void halve(SiteSeries& series);
    std::uint32_t cells_;
    std::uint32_t min_columns_;
    std::uint32_t max_columns_;
    SiteGridState state_;
    std::unordered_map<std::uint32_t, std::size_t> index_;  ///< stack id -> position in series.sites
    std::vector<std::size_t> changed_in_open_;               ///< sites with open_counted > 0
};

}  // namespace leakscope::recording
