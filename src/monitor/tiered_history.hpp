// A gauge's history in bounded memory: the newest observations at full resolution, older ones merged
// pairwise into coarser tiers. Tier k holds points that each stand for about 2^k observations; when the
// last tier fills up it halves its own resolution, so the history always reaches back to the first
// observation while memory stays at most tier_points x tiers points, for months of uptime.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace leakscope::detail {

/// One point of the history: a single observation, or several merged (mean, extremes and span kept).
struct HistoryPoint {
    double t_first = 0;
    double t_last = 0;
    double t_sum = 0;
    double value_sum = 0;
    double value_min = 0;
    double value_max = 0;
    double value_last = 0;
    double entries_sum = 0;
    double entries_max = 0;
    double entries_last = 0;
    std::uint64_t entries_count = 0;  ///< observations that carried an entry count
    std::uint64_t count = 0;          ///< observations merged into this point

    static HistoryPoint single(double t_s, double value, std::optional<double> entries);
    /// Merges `later` (which follows this point in time) into this one.
    void absorb(const HistoryPoint& later);

    double t_mean() const { return t_sum / static_cast<double>(count); }
    double value_mean() const { return value_sum / static_cast<double>(count); }
    std::optional<double> entries_mean() const {
        if (entries_count == 0) return std::nullopt;
        return entries_sum / static_cast<double>(entries_count);
    }
};

class TieredHistory {
public:
    /// tier_points >= 4 and tiers >= 1 (smaller values are raised to these).
    TieredHistory(std::size_t tier_points, std::size_t tiers, double coalesce_s);

    /// Adds an observation. One closer than coalesce_s to the start of the newest point, or not after
    /// its end, merges into that point, so time never goes backwards and bursts do not flush history.
    void add(double t_s, double value, std::optional<double> entries);

    /// Every point kept, oldest first.
    std::vector<HistoryPoint> points() const;
    std::size_t size() const;
    std::size_t capacity() const { return tier_points_ * tiers_.size(); }
    std::uint64_t observations() const { return observations_; }
    bool empty() const { return observations_ == 0; }
    /// The newest point; only valid when !empty().
    const HistoryPoint& newest() const;
    /// Time of the first observation kept (the oldest point's start); only valid when !empty().
    double oldest_t() const;

private:
    /// A fixed-capacity ring, so adding never allocates once the history has been made.
    class Ring {
    public:
        explicit Ring(std::size_t capacity) : slots_(capacity) {}
        std::size_t size() const { return size_; }
        bool full() const { return size_ == slots_.size(); }
        HistoryPoint& operator[](std::size_t i) { return slots_[(head_ + i) % slots_.size()]; }
        const HistoryPoint& operator[](std::size_t i) const { return slots_[(head_ + i) % slots_.size()]; }
        HistoryPoint& back() { return (*this)[size_ - 1]; }
        const HistoryPoint& back() const { return (*this)[size_ - 1]; }
        void push_back(const HistoryPoint& point) { slots_[(head_ + size_++) % slots_.size()] = point; }
        HistoryPoint pop_front() {
            HistoryPoint front = slots_[head_];
            head_ = (head_ + 1) % slots_.size();
            --size_;
            return front;
        }
        void halve();  ///< merges neighbours pairwise

    private:
        std::vector<HistoryPoint> slots_;
        std::size_t head_ = 0;
        std::size_t size_ = 0;
    };

    void push(std::size_t tier, const HistoryPoint& point);

    std::size_t tier_points_;
    double coalesce_s_;
    std::vector<Ring> tiers_;  ///< tiers_[0] is the newest, at full resolution
    std::uint64_t observations_ = 0;
};

}  // namespace leakscope::detail
