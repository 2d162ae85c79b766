#include "monitor/tiered_history.hpp"

#include <algorithm>

namespace leakscope::detail {

HistoryPoint HistoryPoint::single(double t_s, double value, std::optional<double> entries) {
    HistoryPoint point;
    point.t_first = point.t_last = point.t_sum = t_s;
    point.value_sum = point.value_min = point.value_max = point.value_last = value;
    if (entries) {
        point.entries_sum = point.entries_max = point.entries_last = *entries;
        point.entries_count = 1;
    }
    point.count = 1;
    return point;
}

void HistoryPoint::absorb(const HistoryPoint& later) {
    t_last = later.t_last;
    t_sum += later.t_sum;
    value_sum += later.value_sum;
    value_min = std::min(value_min, later.value_min);
    value_max = std::max(value_max, later.value_max);
    value_last = later.value_last;
    if (later.entries_count > 0) {
        entries_max = entries_count > 0 ? std::max(entries_max, later.entries_max) : later.entries_max;
        entries_sum += later.entries_sum;
        entries_last = later.entries_last;
        entries_count += later.entries_count;
    }
    count += later.count;
}

void TieredHistory::Ring::halve() {
    // In place: slot i is written only after slots 2i and 2i+1, the last ones it depends on, were read.
    const std::size_t halved = (size_ + 1) / 2;
    for (std::size_t i = 0; i < halved; ++i) {
        HistoryPoint point = (*this)[2 * i];
        if (2 * i + 1 < size_) point.absorb((*this)[2 * i + 1]);
        (*this)[i] = point;
    }
    size_ = halved;
}

TieredHistory::TieredHistory(std::size_t tier_points, std::size_t tiers, double coalesce_s)
    : tier_points_(std::max<std::size_t>(tier_points, 4)), coalesce_s_(std::max(coalesce_s, 0.0)) {
    tiers_.reserve(std::max<std::size_t>(tiers, 1));
    for (std::size_t i = 0; i < std::max<std::size_t>(tiers, 1); ++i) tiers_.emplace_back(tier_points_);
}

void TieredHistory::add(double t_s, double value, std::optional<double> entries) {
    ++observations_;
    Ring& recent = tiers_.front();
    if (recent.size() > 0) {
        HistoryPoint& newest = recent.back();
        if (t_s <= newest.t_last || t_s - newest.t_first < coalesce_s_) {
            newest.absorb(HistoryPoint::single(std::max(t_s, newest.t_last), value, entries));
            return;
        }
    }
    push(0, HistoryPoint::single(t_s, value, entries));
}

void TieredHistory::push(std::size_t tier, const HistoryPoint& point) {
    Ring& ring = tiers_[tier];
    if (ring.full()) {
        if (tier + 1 < tiers_.size()) {
            HistoryPoint oldest = ring.pop_front();
            oldest.absorb(ring.pop_front());
            push(tier + 1, oldest);
        } else {
            ring.halve();
        }
    }
    ring.push_back(point);
}

std::vector<HistoryPoint> TieredHistory::points() const {
    std::vector<HistoryPoint> all;
    all.reserve(size());
    for (auto tier = tiers_.rbegin(); tier != tiers_.rend(); ++tier)
        for (std::size_t i = 0; i < tier->size(); ++i) all.push_back((*tier)[i]);
    return all;
}

std::size_t TieredHistory::size() const {
    std::size_t total = 0;
    for (const Ring& tier : tiers_) total += tier.size();
    return total;
}

const HistoryPoint& TieredHistory::newest() const {
    for (const Ring& tier : tiers_)
        if (tier.size() > 0) return tier.back();
    return tiers_.front().back();  // empty: callers check empty() first
}

double TieredHistory::oldest_t() const {
    for (auto tier = tiers_.rbegin(); tier != tiers_.rend(); ++tier)
        if (tier->size() > 0) return (*tier)[0].t_first;
    return 0;
}

}  // namespace leakscope::detail
